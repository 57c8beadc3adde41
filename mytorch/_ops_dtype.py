"""``Tensor.type`` and the remaining dtype shorthands (``half``, ``short``, ``byte``, ``char``).

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([1.5, 2.5])
    >>> x.type(), x.type(mt.int64).tolist(), x.type("torch.DoubleTensor").dtype
    ('torch.FloatTensor', [1, 2], dtype('float64'))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._ops_base import OpsBase

if TYPE_CHECKING:
    from typing import Self

_TYPE_NAMES = {
    "float16": "HalfTensor",
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "int8": "CharTensor",
    "int16": "ShortTensor",
    "int32": "IntTensor",
    "int64": "LongTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}
_BY_TYPE_NAME = {name: np.dtype(dtype) for dtype, name in _TYPE_NAMES.items()}


class DtypeOps(OpsBase):
    """dtype methods of ``TensorBase``."""

    __slots__ = ()

    def type(self, dtype: Any = None, non_blocking: bool = False) -> str | Self:
        """PyTorch's type name (``'torch.FloatTensor'``) without an argument, else a cast to ``dtype``."""
        if dtype is None:
            return "torch." + _TYPE_NAMES.get(self.dtype.name, f"{self.dtype.name}Tensor")
        if isinstance(dtype, str) and dtype.removeprefix("torch.") in _BY_TYPE_NAME:
            dtype = _BY_TYPE_NAME[dtype.removeprefix("torch.")]
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"type(): invalid type {dtype!r}") from None
        return self.to(dtype)

    def half(self) -> Self:
        return self.to(np.dtype("float16"))

    def short(self) -> Self:
        return self.to(np.dtype("int16"))

    def byte(self) -> Self:
        return self.to(np.dtype("uint8"))

    def char(self) -> Self:
        return self.to(np.dtype("int8"))
