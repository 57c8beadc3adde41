"""PyTorch's type promotion, written once for both engines (``torch.result_type``).

The rule: dtypes fall in the categories bool < integer < floating. Operands are
ranked dimensioned tensors (ndim >= 1) > 0-d tensors > Python numbers; within a
category the highest-ranked operands alone decide the dtype (a 0-d float64
tensor or a Python float does not widen a float32 tensor), and an operand of a
higher category always wins the category. A Python float counts as the default
float dtype, a Python int as int64, a Python bool as bool. So
``float32 tensor + int64 tensor`` is float32 and ``int64 tensor * 2.5`` is the
default dtype, where numpy would give float64.

Example:
    >>> import numpy as np
    >>> result_type(np.ones(3, np.float32), np.array(1.0))  # a 0-d float64 array does not widen
    dtype('float32')
    >>> result_type(np.ones(3, np.int64), 2.5), promote_types(np.uint8, np.int8)
    (dtype('float32'), dtype('int16'))
    >>> can_cast(np.float32, np.int64)
    False
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtype

_BOOL = np.dtype(np.bool_)
_INT64 = np.dtype(np.int64)
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_PROMOTED: dict[tuple[np.dtype, np.dtype], np.dtype] = {}

#: PyTorch's names of the scalar types, as its error messages print them.
TORCH_NAMES = {
    "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
    "float16": "Half", "float32": "Float", "float64": "Double", "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}


def _category(dtype: np.dtype) -> int:
    return _CATEGORY.get(dtype.kind, 1)


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to without losing their category.

    As ``torch.promote_types``: integers with floats give the float (``int64`` and
    ``float16`` give ``float16``), bool with anything gives the other.

    Example:
        >>> promote_types(np.int64, np.float16), promote_types(np.bool_, np.int8)
        (dtype('float16'), dtype('int8'))
    """
    a, b = np.dtype(type1), np.dtype(type2)
    if a == b:
        return a
    key = (a, b)
    result = _PROMOTED.get(key)
    if result is None:
        ca, cb = _category(a), _category(b)
        if ca != cb:  # a higher category wins and keeps its own dtype
            result = a if ca > cb else b
        else:  # integers among integers, floats among floats: numpy agrees with PyTorch here
            result = np.promote_types(a, b)
        _PROMOTED[key] = result
    return result


def _rank_and_dtype(x: Any) -> tuple[int, np.dtype]:
    """``(rank, dtype)`` of an operand: rank 2 for a dimensioned tensor, 1 for 0-d, 0 for a number."""
    if isinstance(x, (bool, np.bool_)):
        return 0, _BOOL
    if isinstance(x, (int, np.integer)):
        return 0, _INT64
    if isinstance(x, (float, np.floating)):
        return 0, _dtype.get_default_dtype()
    if isinstance(x, complex):
        return 0, np.dtype(np.complex128 if _dtype.get_default_dtype() == np.float64 else np.complex64)
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        raise TypeError(f"result_type: expected Tensors or numbers, got {type(x).__name__}")
    return (2 if len(x.shape) else 1), np.dtype(dtype)


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """PyTorch's ``combine_categories``: ``higher`` (the higher-ranked result) wins its category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if _category(higher) >= _category(lower):
        return higher if higher != _BOOL else promote_types(higher, lower)
    return promote_types(higher, lower)


def result_type(*operands: Any) -> np.dtype:
    """The dtype PyTorch computes an elementwise op of ``operands`` in (Tensors, arrays or numbers).

    Example:
        >>> result_type(np.ones(2, np.int32), 7), result_type(True, False)
        (dtype('int32'), dtype('bool'))
    """
    if not operands:
        raise TypeError("result_type: expected at least one operand")
    by_rank: list[np.dtype | None] = [None, None, None]
    for x in operands:
        rank, dtype = _rank_and_dtype(x)
        seen = by_rank[rank]
        by_rank[rank] = dtype if seen is None else promote_types(seen, dtype)
    out = _combine(by_rank[2], _combine(by_rank[1], by_rank[0]))
    assert out is not None  # operands is not empty, so some rank holds a dtype
    return out


def true_divide_type(*operands: Any) -> np.dtype:
    """The dtype of ``/`` (and of ops that compute only in floating point, such as ``atan2``).

    The result type, or the default float dtype when that is bool or integer.
    """
    dtype = result_type(*operands)
    return dtype if dtype.kind in "fc" else _dtype.get_default_dtype()


def can_cast(from_: Any, to: Any) -> bool:
    """Whether an in-place op may write a result of dtype ``from_`` into a tensor of dtype ``to``.

    As ``torch.can_cast``: anything but floating to integer, complex to real, or
    non-bool to bool (narrowing within a category is allowed).

    Example:
        >>> can_cast(np.float64, np.float32), can_cast(np.int64, np.bool_)
        (True, False)
    """
    a, b = np.dtype(from_), np.dtype(to)
    ca, cb = _category(a), _category(b)
    if ca >= 2 and cb < ca:  # floating into bool or integer, complex into real
        return False
    return b != _BOOL or a == _BOOL


def torch_name(dtype: np.dtype) -> str:
    """PyTorch's name of a dtype in messages (``Float``, ``Long``)."""
    return TORCH_NAMES.get(dtype.name, dtype.name)


def check_inplace(op: str, result: np.dtype, target: np.dtype) -> None:
    """Raise PyTorch's error when an in-place op's result dtype cannot be written into ``target``.

    Example:
        >>> try:
        ...     check_inplace("mul_", np.dtype("float32"), np.dtype("int8"))
        ... except RuntimeError as error:
        ...     print(error)
        mul_: result type Float can't be cast to the desired output type Char (float32 into int8)
    """
    if result != target and not can_cast(result, target):
        raise RuntimeError(
            f"{op}: result type {torch_name(result)} can't be cast to the desired output type "
            f"{torch_name(target)} ({result.name} into {target.name})"
        )


def inplace_result_type(op: str, target: Any, other: Any) -> np.dtype:
    """The dtype ``target op= other`` computes in; raises when it cannot be written into ``target``.

    Example:
        >>> inplace_result_type("add_", np.zeros(2, np.float32), np.ones(2))  # computed in float64
        dtype('float64')
    """
    dtype = (true_divide_type if op == "div_" else result_type)(target, other)
    check_inplace(op, dtype, np.dtype(target.dtype))
    return dtype
