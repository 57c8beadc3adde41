"""Scans, products, sorting: ``cumsum``, ``cumprod``, ``logcumsumexp``, ``cummax``, ``prod``, ``sort``.

A mixin of ``TensorBase``. Scans are Hillis-Steele prefix scans along ``dim``:
log2(n) rounds of ``cat(head, combine(tail, shifted))``, so a scan of n elements
is O(log n) graph nodes on the vector engine, and the gradient (zeros included
for ``cumprod``) is autograd's. ``prod`` is a pairwise tree of products.
``sort``/``cummax`` pick indices with numpy and ``gather`` the values, so the
gradient goes to the picked elements, as in PyTorch.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([1.0, 2.0, 3.0, 4.0])
    >>> x.cumsum(0).tolist(), x.cumprod(0).tolist(), x.prod().item()
    ([1.0, 3.0, 6.0, 10.0], [1.0, 2.0, 6.0, 24.0], 24.0)
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _dtype
from ._grad_fn import recorded_as
from ._ops_base import OpsBase

if TYPE_CHECKING:
    from typing import Self

SortResult = namedtuple("SortResult", ["values", "indices"])


def _along(d: int, index: Any) -> tuple:
    return (slice(None),) * d + (index,)


class ScanOps(OpsBase):
    """Scan, product and sorting methods of ``TensorBase``."""

    __slots__ = ()

    def _scan(self, dim: int, combine: Any, numpy_scan: Any, dtype: Any = None) -> Self:
        """The inclusive prefix scan of ``combine`` along ``dim`` (``numpy_scan`` for integers)."""
        from ._tensor_base import normalize_dim

        x = self if dtype is None else self.to(dtype)
        d = normalize_dim(dim, x.ndim)
        if x.ndim == 0:
            return x.reshape(1)._scan(0, combine, numpy_scan).reshape(())
        if x.dtype.kind != "f" and numpy_scan is not None:
            data = np.asarray(x._data)
            if data.dtype.kind == "b":
                data = data.astype(np.int64)
            return self._constant(np.asarray(numpy_scan(data, axis=d)))
        x = x._floating()
        n = x.shape[d]
        step = 1
        while step < n:
            head = x[_along(d, slice(0, step))]
            tail = combine(x[_along(d, slice(step, n))], x[_along(d, slice(0, n - step))])
            x = type(self)._cat([head, tail], d)
            step *= 2
        return x

    @recorded_as("CumsumBackward0")
    def cumsum(self, dim: int, *, dtype: Any = None) -> Self:
        """Running sums along ``dim`` (integers and bools give int64, as PyTorch)."""
        return self._scan(dim, lambda a, b: a + b, np.cumsum, _dtype.as_dtype(dtype))

    @recorded_as("CumprodBackward0")

    def cumprod(self, dim: int, *, dtype: Any = None) -> Self:
        """Running products along ``dim``; the gradient is right with zeros in the input."""
        return self._scan(dim, lambda a, b: a * b, np.cumprod, _dtype.as_dtype(dtype))

    def logcumsumexp(self, dim: int) -> Self:
        """``log(cumsum(exp(x)))`` along ``dim``, without overflow (a scan of ``logaddexp``)."""
        return self._scan(dim, lambda a, b: a.logaddexp(b), None)

    def _cum_extreme(self, op: str, dim: int, maximum: bool) -> SortResult:
        from ._tensor_base import normalize_dim

        d = normalize_dim(dim, self.ndim)
        if self.ndim == 0:
            return SortResult(self * 1, self._constant(np.zeros((), np.int64)))
        data = np.moveaxis(np.asarray(self._data), d, 0)
        index = np.zeros(data.shape, np.int64)
        best = data[0].copy() if len(data) else data[:0]
        seen_nan = np.isnan(best) if data.dtype.kind == "f" else np.zeros(best.shape, bool)
        for i in range(1, len(data)):
            row = data[i]
            wins = (row >= best) if maximum else (row <= best)
            if data.dtype.kind == "f":
                wins = (wins | np.isnan(row)) & ~seen_nan
                seen_nan |= np.isnan(row)
            index[i] = np.where(wins, i, index[i - 1])
            best = np.where(wins, row, best)
        indices = self._constant(np.ascontiguousarray(np.moveaxis(index, 0, d)))
        return SortResult(self.gather(d, indices), indices)

    def cummax(self, dim: int) -> SortResult:
        """``(values, indices)`` of the running maximum along ``dim`` (ties: the latest index; NaN sticks)."""
        return self._cum_extreme("cummax", dim, True)

    def cummin(self, dim: int) -> SortResult:
        """``(values, indices)`` of the running minimum along ``dim``."""
        return self._cum_extreme("cummin", dim, False)

    @recorded_as(lambda x, dim=None, *a, **k: "ProdBackward0" if dim is None else "ProdBackward1")
    def prod(self, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Self:
        """The product of all elements, or along ``dim``; gradients are right with zeros (autograd's)."""
        from ._tensor_base import normalize_dim

        if dtype is None and self.dtype.kind != "f" and self.dtype != np.int64:
            dtype = np.int64  # integers and bools multiply in int64, as PyTorch
        x = self if dtype is None else self.to(_dtype.as_dtype(dtype))
        if dim is None:
            out = x.reshape(-1).prod(0)
            return out.reshape((1,) * x.ndim) if keepdim else out
        d = normalize_dim(dim, x.ndim)
        if x.ndim == 0:
            return x * 1
        if x.dtype.kind != "f":
            data = np.asarray(x._data)
            return self._constant(
                np.asarray(
                    np.prod(
                        data.astype(np.int64) if data.dtype.kind == "b" else data, axis=d, keepdims=keepdim
                    )
                )
            )
        if x.shape[d] == 0:
            shape = list(x.shape)
            shape[d] = 1
            out = self._constant(np.ones(shape, x.dtype)) + x.sum(d, keepdim=True)  # 1, joined to the graph
            return out if keepdim else out.squeeze(d)
        while x.shape[d] > 1:
            n = x.shape[d]
            half = n // 2
            pairs = x[_along(d, slice(0, half))] * x[_along(d, slice(half, 2 * half))]
            x = type(self)._cat([pairs, x[_along(d, slice(2 * half, n))]], d) if n % 2 else pairs
        return x if keepdim else x.squeeze(d)

    # ------------------------------------------------------------ sorting
    def _sort_index(self, d: int, descending: bool) -> np.ndarray:
        data = np.asarray(self._data)
        if not descending:
            return np.argsort(data, axis=d, kind="stable")
        n = data.shape[d]
        flipped = np.flip(data, axis=d)  # stable descending: ties keep their order, NaN first
        return np.flip(n - 1 - np.argsort(flipped, axis=d, kind="stable"), axis=d)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:
        """``(values, indices)`` sorted along ``dim`` (stably; NaN sorts as the largest value).

        Example:
            >>> import mytorch.vector as mt
            >>> mt.tensor([3.0, 1.0, 2.0]).sort(descending=True).indices.tolist()
            [0, 2, 1]
        """
        from ._tensor_base import normalize_dim

        d = normalize_dim(dim, self.ndim)
        if self.ndim == 0:
            return SortResult(self * 1, self._constant(np.zeros((), np.int64)))
        index = self._constant(np.ascontiguousarray(self._sort_index(d, descending)).astype(np.int64))
        return SortResult(self.gather(d, index), index)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Self:
        """The indices that sort ``self`` along ``dim``."""
        return self.sort(dim, descending, stable).indices

    def msort(self) -> Self:
        return self.sort(0).values

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> SortResult:  # noqa: A002
        """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``, sorted."""
        from ._tensor_base import normalize_dim

        d = normalize_dim(dim, self.ndim)
        n = self.shape[d] if self.ndim else 1
        if not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
            raise IndexError(f"topk(): k ({k!r}) is out of range for dimension {d} of size {n}")
        values, indices = self.sort(d, descending=largest)
        if self.ndim == 0:
            return SortResult(values, indices)
        return SortResult(values.narrow(d, 0, k), indices.narrow(d, 0, k))

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> SortResult:
        """``(values, indices)`` of the ``k``-th smallest element (1-based) along ``dim``."""
        from ._tensor_base import normalize_dim

        d = normalize_dim(dim, self.ndim)
        n = self.shape[d] if self.ndim else 1
        if not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
            raise IndexError(f"kthvalue(): k ({k!r}) is out of range for dimension {d} of size {n}")
        values, indices = self.sort(d)
        if self.ndim == 0:
            return SortResult(values, indices)
        v, i = values.select(d, k - 1), indices.select(d, k - 1)
        return SortResult(v.unsqueeze(d), i.unsqueeze(d)) if keepdim else SortResult(v, i)
