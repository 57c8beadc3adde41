"""``mytorch.vector``: the numpy-vectorized autograd engine.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([[1.0, 2.0]], requires_grad=True)
    >>> y = (x @ mt.ones(2, 1)).sum(); y.backward(); x.grad.tolist()
    [[1.0, 1.0]]
"""

from __future__ import annotations

import sys
from typing import Any

from .. import _random
from .._api import EngineAPI
from .._dtype import (  # noqa: F401
    bool_,
    double,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    uint8,
)
from .._graph import enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from . import autograd, fused  # noqa: F401
from .tensor import Tensor

bool = bool_  # noqa: A001 - torch.bool
float = float32  # noqa: A001 - torch.float


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Make a tensor from data (copied). Python floats take the default dtype.

    Example:
        >>> tensor([1.0, 2.0]).dtype
        dtype('float32')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def manual_seed(seed: int) -> None:
    """Seed the generator shared by both engines (``rand``, ``randn``, init, shuffling)."""
    _random.manual_seed(seed)


Param = tensor  # the seed project's name

_api = EngineAPI(Tensor, tensor)
globals().update({k: v for k, v in _api.exports().items() if k != "tensor"})
Tensor._engine = sys.modules[__name__]

# Written-once packages, bound to this engine (imported last: they use the names above).
from .. import nn, optim, utils  # noqa: E402, F401

sys.modules[__name__ + ".nn"] = nn
layers = nn  # the seed project's names
optimizers = optim
