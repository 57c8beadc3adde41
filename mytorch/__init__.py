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
