"""Operations on numpy object arrays of ``Value`` (the bodies of micro Tensor ops).

A micro Tensor is an ndarray whose elements are ``Value`` objects. Most of its
operations are numpy's own: ``np.add`` on object arrays calls ``Value.__add__``
per element (with broadcasting), ``reshape``/``transpose``/``[...]`` are views
of the same Value objects. This module has the rest: making and reading Value
arrays, and the reductions and linear algebra that build one n-ary node per
output element (``sum``, ``dot``) instead of long chains of ``+``.

Example:
    >>> import numpy as np
    >>> v = to_values(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> floats(total(v, (1,), False)).tolist()
    [3.0, 7.0]
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import numpy as np

from . import value as _v
from .value import Value

_data = attrgetter("data")
_grad = attrgetter("grad")


def obj(x: Any) -> np.ndarray:
    """``x`` as an object ndarray (numpy returns a bare element for 0-d results)."""
    if isinstance(x, np.ndarray):
        return x
    out = np.empty((), dtype=object)
    out[()] = x
    return out


def from_list(items: list, shape: tuple[int, ...]) -> np.ndarray:
    """An object array of ``shape`` holding ``items`` in C order."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)


def to_values(a: np.ndarray) -> np.ndarray:
    """Fresh leaf Values holding the numbers of ``a`` (as float64)."""
    a = np.asarray(a, dtype=np.float64)
    return from_list(list(map(_v.leaf, a.ravel().tolist())), a.shape)


def floats(values: np.ndarray) -> np.ndarray:
    """The ``.data`` of each Value, as a new float64 array."""
    return np.fromiter(map(_data, values.flat), np.float64, values.size).reshape(values.shape)


def grads(values: np.ndarray) -> np.ndarray:
    """The ``.grad`` of each Value, as a new float64 array."""
    return np.fromiter(map(_grad, values.flat), np.float64, values.size).reshape(values.shape)


def cut(values: np.ndarray) -> None:
    """Make freshly computed Values constants: no parents, nothing recorded."""
    for v in values.flat:
        _v.make_leaf(v)


def ufunc(fn: Any, nin: int) -> Any:
    """``fn`` applied elementwise to object arrays (with broadcasting), always returning an array."""
    u = np.frompyfunc(fn, nin, 1)
    return lambda *args: obj(u(*args))


def _rows(values: np.ndarray, dims: tuple[int, ...]) -> tuple[np.ndarray, tuple[int, ...]]:
    """Move ``dims`` last and flatten them: one row per output element, and the kept shape."""
    keep = [d for d in range(values.ndim) if d not in dims]
    moved = values.transpose(keep + list(dims))
    kept_shape = tuple(values.shape[d] for d in keep)
    n = int(np.prod([values.shape[d] for d in dims], dtype=np.int64))
    return moved.reshape(int(np.prod(kept_shape, dtype=np.int64)), n), kept_shape


def _keepdims(shape: tuple[int, ...], ndim: int, dims: tuple[int, ...], kept: tuple[int, ...]) -> tuple:
    it = iter(kept)
    return tuple(1 if d in dims else next(it) for d in range(ndim))


def total(values: np.ndarray, dims: tuple[int, ...] | None, keepdim: bool) -> np.ndarray:
    """Sum over ``dims`` (None: all): one ``sum`` node per output element."""
    dims = tuple(range(values.ndim)) if dims is None else dims
    rows, kept = _rows(values, dims)
    out = from_list([_v.total(row) for row in rows], kept)
    return out.reshape(_keepdims(values.shape, values.ndim, dims, kept)) if keepdim else out


def extreme(values: np.ndarray, dim: int | None, keepdim: bool, minimum: bool) -> np.ndarray:
    """Max (min) over everything (ties share the gradient) or along ``dim`` (the first winner gets it)."""
    op = "min" if minimum else "max"
    if dim is None:
        out = obj(_v.pick(list(values.flat), op))
        return out.reshape((1,) * values.ndim) if keepdim else out
    rows, kept = _rows(values, (dim,))
    data = floats(rows)
    index = (np.argmin if minimum else np.argmax)(data, axis=1) if rows.shape[1] else []
    out = from_list([_v.identity(row[i], op) for row, i in zip(rows, index)], kept)
    return out.reshape(_keepdims(values.shape, values.ndim, (dim,), kept)) if keepdim else out


def spread_extreme(values: np.ndarray, dims: tuple[int, ...] | None, keepdim: bool,
                   minimum: bool) -> np.ndarray:
    """amax (amin) over ``dims`` (None: all): one node per output element, ties share its gradient."""
    op = "amin" if minimum else "amax"
    dims = tuple(range(values.ndim)) if dims is None else dims
    rows, kept = _rows(values, dims)
    out = from_list([_v.pick(list(row), op, nan_shares=False) for row in rows], kept)
    return out.reshape(_keepdims(values.shape, values.ndim, dims, kept)) if keepdim else out


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched ``a @ b`` for rank >= 2 with broadcast batch dims: one ``dot`` node per element."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    n, k, m = a.shape[-2], a.shape[-1], b.shape[-1]
    count = int(np.prod(batch, dtype=np.int64))  # not -1: a reshape of no elements needs every size
    a3 = np.broadcast_to(a, batch + (n, k)).reshape(count, n, k)
    b3 = np.broadcast_to(b, batch + (k, m)).reshape(count, k, m)
    out = []
    dot_of = _v.dot_of
    for x, y in zip(a3, b3):
        # each row of x and column of y as tuples of Values and of their data, built once
        columns = [(tuple(col), tuple(map(_data, col))) for col in y.T]
        for row in x:
            row_values, row_data = tuple(row), tuple(map(_data, row))
            out.extend([dot_of(row_values, row_data, c, c_data) for c, c_data in columns])
    return from_list(out, batch + (n, m))


def _along(values: np.ndarray, dim: int, fn: Any) -> np.ndarray:
    """Apply ``fn(list of Values) -> list of Values`` to every 1-d slice along ``dim``."""
    if values.ndim == 0:
        return _along(values.reshape(1), 0, fn).reshape(())
    moved = np.moveaxis(values, dim, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = from_list([v for row in rows for v in fn(list(row))], moved.shape)
    return np.moveaxis(out, -1, dim)


def _softmax_row(row: list[Value]) -> list[Value]:
    shift = max(v.data for v in row)  # a constant: softmax(x - c) == softmax(x)
    exps = [(v - shift).exp() for v in row]
    s = _v.total(exps)
    return [e / s for e in exps]


def _log_softmax_row(row: list[Value]) -> list[Value]:
    shift = max(v.data for v in row)
    shifted = [v - shift for v in row]
    log_sum = _v.total([x.exp() for x in shifted]).log()
    return [x - log_sum for x in shifted]


def softmax(values: np.ndarray, dim: int) -> np.ndarray:
    """Softmax along ``dim``, shifted by the row max so large logits do not overflow."""
    return _along(values, dim, _softmax_row) if values.size else values.copy()


def log_softmax(values: np.ndarray, dim: int) -> np.ndarray:
    """Log-softmax along ``dim`` as ``x - max - log(sum(exp(x - max)))``."""
    return _along(values, dim, _log_softmax_row) if values.size else values.copy()


def copies(values: np.ndarray, op: str) -> np.ndarray:
    """New Values equal to ``values`` (derivative 1): the result of a copying op."""
    return from_list([_v.identity(v, op) for v in values.flat], values.shape)
