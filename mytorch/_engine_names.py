"""Names every engine module exports identically: dtypes, grad mode, seeding.

``mytorch.vector`` and ``mytorch.micro`` both start with
``from .._engine_names import *`` and then add their own ``Tensor`` and
``tensor``; ``EngineAPI`` supplies the rest (creation and math functions).

Example:
    >>> import mytorch.micro as mm, mytorch.vector as mv
    >>> mm.float32 is mv.float32 and mm.no_grad is mv.no_grad
    True
"""

from __future__ import annotations

import builtins

from . import _random
from ._device import accelerator, backends, cuda, device
from ._dtype import (
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
from ._generator import Generator
from ._graph import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from ._promotion import can_cast, promote_types, result_type
from ._repr import get_printoptions, printoptions, set_printoptions
from ._size import Size

bool = bool_  # noqa: A001 - torch.bool
float = float32  # noqa: A001 - torch.float
int = int32  # noqa: A001 - torch.int
short = int16
half = float16


def manual_seed(seed: builtins.int) -> None:
    """Seed the generator shared by both engines (``rand``, ``randn``, init, shuffling)."""
    _random.manual_seed(seed)


__all__ = [
    "bool", "bool_", "double", "float", "float16", "float32", "float64", "get_default_dtype",
    "int", "short", "half", "int8", "int16", "int32", "int64", "long", "set_default_dtype", "uint8",
    "accelerator", "backends", "cuda", "device", "Generator",
    "enable_grad", "inference_mode", "is_inference_mode_enabled", "is_grad_enabled", "no_grad",
    "set_grad_enabled", "manual_seed", "can_cast", "promote_types", "result_type",
    "set_printoptions", "get_printoptions", "printoptions", "Size",
]
