"""``mytorch.linalg``: PyTorch's ``torch.linalg`` norms, on either engine (device).

Written with Tensor methods, so each runs on the engine of its input and
differentiates like any composite op.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([[3.0, 4.0], [0.0, 0.0]])
    >>> mt.linalg.vector_norm(x).item(), mt.linalg.norm(x, dim=1).tolist(), mt.linalg.matrix_norm(x).item()
    (5.0, [5.0, 0.0], 5.0)
"""

from __future__ import annotations

from typing import Any

from ._ops_norm import norm as _p_norm
from ._tensor_base import TensorBase


def _check(op: str, x: Any) -> None:
    if not isinstance(x, TensorBase):
        raise TypeError(f"linalg.{op}(): argument 'input' must be a Tensor, not {type(x).__name__}")


def vector_norm(x: Any, ord: float = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Any:
    """``(sum |x|^ord)^(1/ord)`` over ``dim`` (all elements when None), as ``torch.linalg.vector_norm``."""
    _check("vector_norm", x)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm(): ord must be a number, got {ord!r}")
    return _p_norm(x, ord, dim, keepdim, dtype)


def matrix_norm(x: Any, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Any:
    """Matrix norms over the two ``dim`` axes: ``'fro'``, 1 / -1 (max / min column sum), inf / -inf (rows)."""
    _check("matrix_norm", x)
    if x.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm(): the input tensor must have at least 2 dims, got {x.ndim}")
    if dtype is not None:
        x = x.to(dtype)
    rows, cols = (d % x.ndim for d in dim)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm(): dims must be different, got {dim}")
    if ord == "fro":
        return _p_norm(x, 2, (rows, cols), keepdim)
    if ord in (1, -1, float("inf"), float("-inf")):
        summed, other = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = x.abs().sum(dim=summed, keepdim=True)
        out = sums.amax(dim=other, keepdim=True) if ord > 0 else sums.amin(dim=other, keepdim=True)
        return out if keepdim else out.squeeze(max(rows, cols)).squeeze(min(rows, cols))
    raise RuntimeError(f"linalg.matrix_norm(): ord must be 'fro', 1, -1, inf or -inf here, got {ord!r}")


def norm(x: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Any:
    """``torch.linalg.norm``: the 2-norm of the flattened input by default; a vector norm for an int
    ``dim`` (or 1-d input), a matrix norm for a 2-tuple ``dim`` (or 2-d input with ``ord`` given)."""
    _check("norm", x)
    if ord is None:
        return vector_norm(x, 2, dim, keepdim, dtype=dtype)
    matrix = (isinstance(dim, (tuple, list)) and len(dim) == 2) or (dim is None and x.ndim == 2)
    if matrix:
        return matrix_norm(x, ord, tuple(dim) if dim is not None else (-2, -1), keepdim, dtype=dtype)
    return vector_norm(x, ord, dim, keepdim, dtype=dtype)
