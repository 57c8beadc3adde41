"""Dtypes and the default floating dtype, shared by both engines.

MyTorch dtypes are numpy dtypes: ``mytorch.float32 is numpy.dtype("float32")``.

Example:
    >>> set_default_dtype(float64); get_default_dtype()
    dtype('float64')
    >>> set_default_dtype(float32)
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
bool_ = np.dtype("bool")
long = int64
double = float64
float = float32  # noqa: A001 - torch.float is float32

_default: list[np.dtype] = [float32]


def set_default_dtype(dtype: np.dtype | type | str) -> None:
    """Set the dtype that Python floats and creation functions produce (float32 or float64)."""
    d = np.dtype(dtype)
    if d not in (float32, float64):
        raise TypeError(f"set_default_dtype only supports float32 and float64, got {d}")
    _default[0] = d


def get_default_dtype() -> np.dtype:
    """The current default floating dtype (float32 unless changed)."""
    return _default[0]


def is_floating(dtype: np.dtype) -> bool:
    """True for floating dtypes (the only ones that can require grad)."""
    return np.dtype(dtype).kind == "f"  # float16..float128 (cheaper than np.issubdtype)


@overload
def as_dtype(dtype: None) -> None: ...
@overload
def as_dtype(dtype: Any) -> np.dtype: ...
def as_dtype(dtype: Any) -> np.dtype | None:
    """Normalise a dtype argument (None stays None); error names the bad value."""
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"not a dtype: {dtype!r}") from exc
