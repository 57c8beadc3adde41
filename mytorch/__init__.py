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
    """Subpackages on first use (no import cost up front), and the device-following functions.

    ``mytorch.tensor``, ``mytorch.zeros`` and the other factories make tensors on the default
    device (``set_default_device``, ``with mytorch.device(...)``; the vector engine unless
    set); ``mytorch.where`` and the other math functions run on their tensors' engine.
    """
    import importlib

    if name in ("viz", "micro", "vector", "datasets", "nn", "optim", "utils", "autograd", "linalg"):
        return importlib.import_module(f"{__name__}.{name}")
    if name == "explain":  # mytorch.explain(t, index, root=loss): one gradient element, term by term
        from ._explain import explain

        return explain
    if name == "Tensor":  # the base class of both engines' Tensors (cached: layers check it often)
        value = globals()[name] = importlib.import_module(f"{__name__}._tensor_base").TensorBase
        return value
    if name in ("set_default_device", "get_default_device"):
        return getattr(importlib.import_module(f"{__name__}._device"), name)
    if name.startswith("_"):
        raise AttributeError(f"module 'mytorch' has no attribute {name!r}")
    names = importlib.import_module(f"{__name__}._engine_names")
    if name in names.__all__:
        value = globals()[name] = getattr(names, name)
        return value
    vector = importlib.import_module(f"{__name__}.vector")
    if hasattr(vector._api, name) and name != "exports":
        _dispatch = importlib.import_module(f"{__name__}._dispatch")
        globals()[name] = value = _dispatch.function(name)
        return value
    raise AttributeError(f"module 'mytorch' has no attribute {name!r}")
