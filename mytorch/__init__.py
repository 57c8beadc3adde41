"""MyTorch: a readable deep-learning framework with two autograd engines.

* ``mytorch.micro``: the scalar engine (one ``Value`` node per element).
* ``mytorch.vector``: the numpy-vectorized engine.

Both expose the same API (``tensor``, ``nn``, ``optim``, ``autograd``, ...).

Example:
    >>> import mytorch.vector as mt
    >>> mt.tensor([1.0, 2.0]).sum().item()
    3.0
"""

__version__ = "0.1.0"

from ._repr import get_printoptions, printoptions, set_printoptions  # noqa: E402, F401
from .serialization import load, save  # noqa: E402, F401  (mytorch.save / mytorch.load)


def __getattr__(name: str):
    """``mytorch.viz``, ``mytorch.micro``, ``mytorch.vector`` on first use (no import cost up front)."""
    if name in ("viz", "micro", "vector", "datasets", "nn", "optim", "utils", "autograd"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name == "explain":  # mytorch.explain(t, index, root=loss): one gradient element, term by term
        from ._explain import explain

        return explain
    raise AttributeError(f"module 'mytorch' has no attribute {name!r}")
