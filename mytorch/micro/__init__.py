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

import sys
from typing import Any

from .._api import EngineAPI
from .._device import resolve as _resolve_device
from .._engine_names import *  # noqa: F403 - dtypes, grad mode, manual_seed
from . import autograd  # noqa: F401
from .tensor import Tensor
from .value import Value  # noqa: F401


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """Make a tensor from data (copied). Floating data becomes float64 Values.

    Example:
        >>> tensor([1.0, 2.0]).dtype
        dtype('float64')
    """
    _resolve_device(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def Param(data: Any, requires_grad: bool = False) -> Tensor:
    """The seed project's ``Param``: ``tensor(data)`` (floating data is float64 Values here).

    Example:
        >>> Param([1.0, 2.0]).dtype
        dtype('float64')
    """
    return tensor(data, requires_grad=requires_grad)

_api = EngineAPI(Tensor, tensor)
globals().update({k: v for k, v in _api.exports().items() if k != "tensor"})
Tensor._engine = sys.modules[__name__]

# Written-once packages, bound to this engine (imported last: they use the names above).
from .._engine_loader import load_nn_for as _load_nn_for  # noqa: E402

nn = _load_nn_for("mytorch.micro")
utils = _load_nn_for("mytorch.micro", "utils")  # utils.data collates into micro Tensors
from .. import optim  # noqa: E402, F401

layers = nn  # the seed project's names
optimizers = optim
