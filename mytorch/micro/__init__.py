"""``mytorch.micro``: the scalar autograd engine (one ``Value`` node per element).

Same names as ``mytorch.vector``; tensors are numpy object arrays of
:class:`~mytorch.micro.value.Value`, so every gradient is the chain rule
applied element by element, micrograd style.

Example:
    >>> import mytorch.micro as mm
    >>> x = mm.tensor([[1.0, 2.0]], requires_grad=True)
    >>> y = (x @ mm.ones(2, 1)).sum(); y.backward(); x.grad.tolist()
    [[1.0, 1.0]]
"""

from __future__ import annotations

import builtins
import sys
from typing import Any

from .._api import EngineAPI
from .._device import engine as _engine_of
from .._device import resolve as _resolve_device
from .._engine_names import *  # noqa: F403 - dtypes, grad mode, manual_seed
from . import autograd  # noqa: F401
from .tensor import Tensor
from .value import Value  # noqa: F401


def tensor(
    data: Any, dtype: Any = None, requires_grad: builtins.bool = False, *, device: Any = None
) -> Tensor:
    """Make a tensor from data (copied). Floating data becomes float64 Values.

    Example:
        >>> tensor([1.0, 2.0]).dtype
        dtype('float64')
    """
    where = _resolve_device(device, "tensor", Tensor._location)
    if where != Tensor._location:
        return _engine_of(where).tensor(data, dtype, requires_grad, device=where)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def Param(data: Any, requires_grad: builtins.bool = False) -> Tensor:
    """The seed project's ``Param``: ``tensor(data)`` (floating data is float64 Values here).

    Example:
        >>> Param([1.0, 2.0]).dtype
        dtype('float64')
    """
    return tensor(data, requires_grad=requires_grad)

_api = EngineAPI(Tensor, tensor)
globals().update({k: v for k, v in _api.exports().items() if k != "tensor"})
Tensor._engine = sys.modules[__name__]



def __getattr__(name: str) -> Any:
    """``nn``, ``utils`` (and the seed's ``layers``/``optimizers``): the one ``mytorch.nn``,
    ``mytorch.utils`` and ``mytorch.optim``, with layers and DataLoader homed on this engine
    (the namespace modules ``micro/nn.py``, ``micro/utils.py``). Imported on first use: the
    engine itself never imports nn."""
    import importlib

    module = {"nn": "mytorch.micro.nn", "layers": "mytorch.micro.nn", "utils": "mytorch.micro.utils",
              "optim": "mytorch.optim", "optimizers": "mytorch.optim", "linalg": "mytorch.linalg"}.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = importlib.import_module(module)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"nn", "optim", "utils", "layers", "optimizers", "linalg"})
