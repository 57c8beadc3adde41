"""The top-level ``mytorch`` functions: each runs on the engine (device) of its tensors.

``mytorch.zeros(2, device="micro")`` and the other factories make their tensor on
the device asked for, else the default device (``set_default_device``,
``with mytorch.device(...)``), else the vector engine. ``mytorch.where(c, a, b)``
and the other math functions run on the engine of their first tensor argument.
``nn`` and ``optim`` are written against these, so one ``nn`` serves both engines.

Example:
    >>> import mytorch
    >>> mytorch.zeros(2, device="micro").device, mytorch.ones(2).device
    (device(type='micro'), device(type='cpu'))
    >>> mytorch.stack([mytorch.ones(2, device="micro")] * 2).shape
    mytorch.Size([2, 2])
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import _device
from ._tensor_base import TensorBase

#: The functions that make a tensor from nothing: they follow ``device=`` / the default device.
FACTORIES = frozenset({
    "tensor", "zeros", "ones", "empty", "full", "rand", "randn", "randint", "randperm", "normal",
    "arange", "linspace", "eye", "as_tensor", "from_numpy",
    "zeros_like", "ones_like", "full_like", "rand_like", "randn_like",
})


def engine_of(*args: Any) -> ModuleType:
    """The engine module of the first Tensor among ``args`` (looking one level into lists);
    the default device's engine when there is none.

    Example:
        >>> import mytorch
        >>> engine_of(1.0, mytorch.zeros(1, device="micro")).__name__
        'mytorch.micro'
    """
    for arg in args:
        if isinstance(arg, TensorBase):
            return type(arg)._engine
        if isinstance(arg, (list, tuple)):
            for item in arg:
                if isinstance(item, TensorBase):
                    return type(item)._engine
    return _device.engine(_device.resolve(None, "mytorch"))


def function(name: str) -> Callable[..., Any]:
    """The top-level ``mytorch.<name>``: the engine's function of that name, chosen per call."""
    if name in FACTORIES:
        def factory(*args: Any, device: Any = None, **kwargs: Any) -> Any:
            like = args[0] if args and isinstance(args[0], TensorBase) else None
            if device is None and like is not None and (name.endswith("_like") or name == "as_tensor"):
                return getattr(type(like)._engine, name)(*args, **kwargs)
            if name == "from_numpy":  # no device argument in PyTorch: the default device's engine
                return getattr(_device.engine(_device.resolve(device, name)), name)(*args, **kwargs)
            where = _device.resolve(device, name)
            return getattr(_device.engine(where), name)(*args, device=where, **kwargs)

        chosen = factory
    else:
        def on_engine_of_args(*args: Any, **kwargs: Any) -> Any:
            return getattr(engine_of(*args, *kwargs.values()), name)(*args, **kwargs)

        chosen = on_engine_of_args
    chosen.__name__ = chosen.__qualname__ = name
    chosen.__doc__ = f"``mytorch.{name}``: ``{name}`` of the engine of its tensors (see mytorch._dispatch)."
    return chosen
