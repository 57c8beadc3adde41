"""Argument checks shared by the functional ops: tensors, tuples of ints, reductions.

Example:
    >>> ntuple(3, 2, "stride")
    (3, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import mytorch
from mytorch._tensor_base import TensorBase

REDUCTIONS = ("none", "mean", "sum")


def check_tensor(fn: str, name: str, value: Any) -> Any:
    """``value`` if it is a Tensor of this engine, else a TypeError naming the function and argument.

    ``fn`` is a function name (``"conv2d"``) or a layer's repr (``"Linear(...)"``).
    """
    if isinstance(value, mytorch.Tensor):
        return value
    who = fn if fn.endswith(")") else fn + "()"
    if isinstance(value, TensorBase):
        raise TypeError(
            f"{who}: argument '{name}' is a {type(value).__module__} Tensor but this is "
            f"mytorch.nn; do not mix engines"
        )
    raise TypeError(f"{who}: argument '{name}' must be a Tensor, not {type(value).__name__}")


def check_optional_tensor(fn: str, name: str, value: Any) -> Any:
    return None if value is None else check_tensor(fn, name, value)


def shape_str(t: Any) -> str:
    return str(tuple(t.shape))


def ntuple(value: Any, n: int, name: str, minimum: int | None = None) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints as an ``n``-tuple; error names the argument."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value),) * n
    elif isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != n or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
        ):
            raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
        out = tuple(int(v) for v in value)
    else:
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    if minimum is not None and any(v < minimum for v in out):
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return out


def legacy_reduction(size_average: Any, reduce: Any, reduction: str) -> str:
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` onto ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if reduce:
        return "mean" if size_average else "sum"
    return "none"


def check_reduction(fn: str, reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{fn}(): reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction


def reduce(loss: Any, reduction: str) -> Any:
    """Apply ``reduction`` ('none', 'mean' or 'sum') to an elementwise loss."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def const(like: Any, array: Any) -> np.ndarray:
    """A numpy constant in ``like``'s dtype (so constants never upcast a float32 graph)."""
    return np.asarray(array, dtype=like.dtype)


def full(shape: tuple[int, ...], value: float, like: Any) -> Any:
    """A constant tensor of ``shape`` filled with ``value``, in ``like``'s dtype."""
    return mytorch.tensor(np.full(shape, value, dtype=like.dtype), dtype=like.dtype, device=like.device)



def as_node(name: str, fn: Any, *tensors: Any) -> Any:
    """``fn(*tensors)`` recorded as one node with PyTorch's ``name`` (``MseLossBackward0``).

    ``tensors`` that are None are left out of the call and of the node's inputs, so
    ``fn`` takes the present ones in order; it must compute from its arguments only.

    Example:
        >>> import mytorch.vector as mt
        >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> as_node("MyOpBackward0", lambda a: (a * 2).sum(), x, None).grad_fn.name()
        'MyOpBackward0'
    """
    present = [t for t in tensors if t is not None]
    return present[0]._composite(name, fn, *present)
