"""``mytorch.vector``: the numpy-vectorized autograd engine.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([[1.0, 2.0]], requires_grad=True)
    >>> y = (x @ mt.ones(2, 1)).sum(); y.backward(); x.grad.tolist()
    [[1.0, 1.0]]
"""

from __future__ import annotations

import builtins
import sys
from typing import Any

import numpy as np

from .. import _dtype
from .._api import EngineAPI
from .._device import engine as _engine_of
from .._device import resolve as _resolve_device
from .._engine_names import *  # noqa: F403 - dtypes, grad mode, manual_seed
from . import autograd, fused  # noqa: F401
from .tensor import Tensor


def tensor(
    data: Any, dtype: Any = None, requires_grad: builtins.bool = False, *, device: Any = None
) -> Tensor:
    """Make a tensor from data (copied). Python floats take the default dtype.

    Example:
        >>> tensor([1.0, 2.0]).dtype
        dtype('float32')
    """
    where = _resolve_device(device, "tensor", Tensor._location)
    if where != Tensor._location:
        return _engine_of(where).tensor(data, dtype, requires_grad, device=where)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def Param(data: Any, requires_grad: builtins.bool = False) -> Tensor:
    """The seed project's ``Param``: ``tensor(data)`` with floating data in the default dtype.

    The seed fed numpy's float64 arrays straight into its layers. Like PyTorch, this
    engine refuses float64 data into float32 weights (``linear``/``matmul``), so the
    seed's name converts floating data explicitly; ``tensor`` keeps numpy's dtype.

    Example:
        >>> import numpy as np
        >>> Param(np.zeros(2)).dtype, tensor(np.zeros(2)).dtype
        (dtype('float32'), dtype('float64'))
    """
    kind = (data.dtype if isinstance(data, Tensor) else np.asarray(data).dtype).kind
    dtype = _dtype.get_default_dtype() if kind == "f" else None
    return tensor(data, dtype=dtype, requires_grad=requires_grad)

_api = EngineAPI(Tensor, tensor)
globals().update({k: v for k, v in _api.exports().items() if k != "tensor"})
Tensor._engine = sys.modules[__name__]



def __getattr__(name: str) -> Any:
    """``nn``, ``optim``, ``utils`` (and the seed's ``layers``/``optimizers``): the one
    ``mytorch.nn``, ``mytorch.optim``, ``mytorch.utils``, whose home device is this engine.
    Imported on first use: the engine itself never imports nn."""
    import importlib

    module = {"nn": "mytorch.vector.nn", "layers": "mytorch.vector.nn", "utils": "mytorch.vector.utils",
              "optim": "mytorch.optim", "optimizers": "mytorch.optim", "linalg": "mytorch.linalg"}.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = importlib.import_module(module)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"nn", "optim", "utils", "layers", "optimizers", "linalg"})
