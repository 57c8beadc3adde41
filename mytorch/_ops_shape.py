"""Shape ops (``split``, ``chunk``, ``repeat``, ``tile``, ``roll``, ``flip``, ``tril``, ``diagonal``, ...).

A mixin of ``TensorBase``, written with slicing, indexing, ``expand``/``reshape``
and ``where``, so both engines share them and their gradients.
``split``/``chunk``/``unbind``/``narrow``/``select`` return views, as in PyTorch;
``diagonal`` returns a copy here (PyTorch: a view).

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.flip(0).tolist(), x.repeat(1, 2).tolist(), x.tril().tolist()
    ([[3.0, 4.0], [1.0, 2.0]], [[1.0, 2.0, 1.0, 2.0], [3.0, 4.0, 3.0, 4.0]], [[1.0, 0.0], [3.0, 4.0]])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._grad_fn import recorded_as
from ._ops_base import OpsBase
from ._ops_index import index_array

if TYPE_CHECKING:
    from typing import Self


def _along(d: int, index: Any) -> tuple:
    """An index that applies ``index`` to dim ``d`` and keeps the other dims."""
    return (slice(None),) * d + (index,)


def _ints(op: str, name: str, values: Any) -> tuple[int, ...]:
    items = tuple(values) if isinstance(values, (tuple, list)) else (values,)
    for v in items:
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"{op}(): {name} must be ints, got {type(v).__name__} {v!r} in {items}")
    return tuple(int(v) for v in items)


class ShapeOps(OpsBase):
    """Shape methods of ``TensorBase``."""

    __slots__ = ()

    def _dim(self, dim: int) -> int:
        from ._tensor_base import normalize_dim

        return normalize_dim(dim, self.ndim)

    # ------------------------------------------------------------ pieces (views)
    def narrow(self, dim: int, start: int, length: int) -> Self:
        """The view ``self[..., start:start + length, ...]`` along ``dim``."""
        d = self._dim(dim)
        n = self.shape[d]
        start = start + n if start < 0 else start
        if not 0 <= start <= n or length < 0 or start + length > n:
            raise IndexError(f"narrow(): start {start} + length {length} exceeds dimension {d} of size {n}")
        return self[_along(d, slice(start, start + length))]

    def select(self, dim: int, index: int) -> Self:
        """The view with ``dim`` removed at position ``index``."""
        d = self._dim(dim)
        n = self.shape[d]
        if not -n <= index < n:
            raise IndexError(f"select(): index {index} out of range for dimension {d} of size {n}")
        return self[_along(d, int(index))]

    def unbind(self, dim: int = 0) -> tuple:
        """The slices along ``dim``, as a tuple of views."""
        d = self._dim(dim)
        return tuple(self.select(d, i) for i in range(self.shape[d]))

    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple:
        """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes.

        Example:
            >>> import mytorch.vector as mt
            >>> [p.tolist() for p in mt.arange(5).split(2)]
            [[0, 1], [2, 3], [4]]
        """
        d = self._dim(dim)
        n = self.shape[d]
        if isinstance(split_size_or_sections, (int, np.integer)) and not isinstance(
            split_size_or_sections, bool
        ):
            size = int(split_size_or_sections)
            if size <= 0 and not (size == 0 and n == 0):
                raise ValueError(f"split(): split_size must be a positive int, got {size}")
            sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
        else:
            sizes = list(_ints("split", "split sizes", split_size_or_sections))
            if sum(sizes) != n or any(s < 0 for s in sizes):
                raise ValueError(
                    f"split(): split_sizes {sizes} must be non-negative and sum to the size {n} "
                    f"of dimension {d}"
                )
        starts = np.cumsum([0] + sizes[:-1])
        return tuple(self[_along(d, slice(int(s), int(s) + k))] for s, k in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """At most ``chunks`` pieces of size ``ceil(n / chunks)`` along ``dim``."""
        if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
            raise ValueError(f"chunk(): chunks must be a positive int, got {chunks!r}")
        n = self.shape[self._dim(dim)]
        return self.split(max(math.ceil(n / chunks), 1), dim)

    def tensor_split(self, indices_or_sections: int | Sequence[int], dim: int = 0) -> tuple:
        """``numpy.array_split``: ``n`` nearly equal pieces, or pieces between the given indices."""
        d = self._dim(dim)
        n = self.shape[d]
        if isinstance(indices_or_sections, (int, np.integer)):
            k = int(indices_or_sections)
            if k <= 0:
                raise ValueError(f"tensor_split(): number of sections must be positive, got {k}")
            sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
            bounds = np.cumsum([0] + sizes).tolist()
        else:
            bounds = (
                [0] + [min(max(i, 0), n) for i in _ints("tensor_split", "indices", indices_or_sections)] + [n]
            )
        return tuple(self[_along(d, slice(a, max(a, b)))] for a, b in zip(bounds[:-1], bounds[1:]))

    # ------------------------------------------------------------ repeating
    @recorded_as("RepeatBackward0")
    def repeat(self, *sizes: Any) -> Self:
        """Tile the tensor ``sizes[i]`` times along dim ``i`` (new leading dims when there are more sizes)."""
        from ._tensor_base import parse_shape

        sizes = parse_shape(sizes)
        if len(sizes) < self.ndim:
            raise ValueError(
                f"repeat(): Number of dimensions of repeat dims {sizes} can not be smaller than number "
                f"of dimensions of tensor {tuple(self.shape)}"
            )
        if any(s < 0 for s in sizes):
            raise ValueError(f"repeat(): repeats must be non-negative, got {sizes}")
        shape = (1,) * (len(sizes) - self.ndim) + tuple(self.shape)
        x = self.reshape(tuple(v for n in shape for v in (1, n)))
        x = x.expand(*(v for r, n in zip(sizes, shape) for v in (r, n)))
        return x.reshape(tuple(r * n for r, n in zip(sizes, shape)))

    def tile(self, *dims: Any) -> Self:
        """``repeat`` with ``dims`` padded with leading 1s to the tensor's number of dims."""
        from ._tensor_base import parse_shape

        dims = parse_shape(dims)
        return self.repeat(*((1,) * (self.ndim - len(dims)) + dims))

    def repeat_interleave(
        self, repeats: Any, dim: int | None = None, *, output_size: int | None = None
    ) -> Self:
        """Repeat each element ``repeats`` times (an int, or one count per element) along ``dim``.

        Example:
            >>> import mytorch.vector as mt
            >>> mt.tensor([1, 2]).repeat_interleave(mt.tensor([1, 3])).tolist()
            [1, 2, 2, 2]
        """
        x = self.reshape(-1) if dim is None else self
        d = 0 if dim is None else self._dim(dim)
        n = x.shape[d] if x.ndim else 1
        if isinstance(repeats, (int, np.integer)) and not isinstance(repeats, bool):
            counts = np.full(n, int(repeats))
        else:
            counts = index_array("repeat_interleave", repeats, "repeats").reshape(-1)
            if counts.size == 1:
                counts = np.full(n, int(counts[0]))
            if counts.size != n:
                raise ValueError(
                    f"repeat_interleave(): repeats must have the same size as input along dim {d}: "
                    f"{counts.size} repeats for size {n}"
                )
        if (counts < 0).any():
            raise ValueError(f"repeat_interleave(): repeats can not be negative, got {counts.tolist()}")
        if output_size is not None and output_size != counts.sum():
            raise ValueError(
                f"repeat_interleave(): output_size {output_size} != sum of repeats {counts.sum()}"
            )
        return x.index_select(d, self._constant(np.repeat(np.arange(n), counts)))

    # ------------------------------------------------------------ reordering
    @recorded_as("FlipBackward0")
    def flip(self, *dims: Any) -> Self:
        """Reverse the order of the elements along ``dims`` (a copy, as PyTorch)."""
        from ._tensor_base import normalize_dims, parse_shape

        dims = normalize_dims(parse_shape(dims), self.ndim) or ()
        index = tuple(slice(None, None, -1) if k in dims else slice(None) for k in range(self.ndim))
        return self[index].clone() if dims and self.ndim else self.clone()

    def fliplr(self) -> Self:
        if self.ndim < 2:
            raise ValueError(f"fliplr(): input must be >= 2-d, got shape {tuple(self.shape)}")
        return self.flip(1)

    def flipud(self) -> Self:
        if self.ndim < 1:
            raise ValueError("flipud(): input must be >= 1-d, got a 0-d tensor")
        return self.flip(0)

    @recorded_as("RollBackward0")
    def roll(self, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Self:
        """Shift the elements along ``dims`` circularly (the flattened tensor when ``dims`` is None)."""
        shifts = _ints("roll", "shifts", shifts)
        if dims is None:
            if len(shifts) != 1:
                raise ValueError(f"roll(): with dims=None, shifts must be a single int, got {shifts}")
            return self.reshape(-1).roll(shifts[0], 0).reshape(self.shape)
        dims = _ints("roll", "dims", dims)
        if len(shifts) != len(dims):
            raise ValueError(f"roll(): shifts {shifts} and dims {dims} should have the same size")
        out = self
        for s, dim in zip(shifts, dims):
            d = self._dim(dim)
            n = self.shape[d]
            if n:
                out = out.index_select(d, self._constant((np.arange(n) - s) % n))
        return out

    def movedim(self, source: int | Sequence[int], destination: int | Sequence[int]) -> Self:
        src = [self._dim(d) for d in _ints("movedim", "source", source)]
        dst = [self._dim(d) for d in _ints("movedim", "destination", destination)]
        if len(src) != len(dst):
            raise ValueError(f"movedim(): source {src} and destination {dst} must have the same length")
        order = [k for k in range(self.ndim) if k not in src]
        for d, s in sorted(zip(dst, src)):
            order.insert(d, s)
        return self.permute(*order)

    moveaxis = movedim

    def swapaxes(self, axis0: int, axis1: int) -> Self:
        return self.transpose(axis0, axis1)

    swapdims = swapaxes

    # ------------------------------------------------------------ triangles and diagonals
    def _triangle(self, op: str, diagonal: int, lower: bool) -> Self:
        if self.ndim < 2:
            raise ValueError(
                f"{op}(): input tensor must have at least 2 dimensions, got shape {tuple(self.shape)}"
            )
        rows, cols = self.shape[-2:]
        keep = np.tri(rows, cols, diagonal, dtype=bool)
        if not lower:
            keep = ~np.tri(rows, cols, diagonal - 1, dtype=bool)
        return type(self)._where(keep, self, self._constant(np.zeros((), self.dtype)))

    @recorded_as("TrilBackward0")
    def tril(self, diagonal: int = 0) -> Self:
        """The lower triangle (elements on and below the ``diagonal``-th diagonal); zeros elsewhere."""
        return self._triangle("tril", diagonal, lower=True)

    @recorded_as("TriuBackward0")

    def triu(self, diagonal: int = 0) -> Self:
        """The upper triangle (elements on and above the ``diagonal``-th diagonal); zeros elsewhere."""
        return self._triangle("triu", diagonal, lower=False)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Self:
        """The ``offset``-th diagonal of the matrices in ``dim1``, ``dim2``, appended as the last dim.

        Example:
            >>> import mytorch.vector as mt
            >>> mt.tensor([[1.0, 2.0], [3.0, 4.0]]).diagonal(1).tolist()
            [2.0]
        """
        a, b = self._dim(dim1), self._dim(dim2)
        if a == b:
            raise ValueError(f"diagonal(): dim1 and dim2 cannot be equal, got {dim1} and {dim2}")
        order = [k for k in range(self.ndim) if k not in (a, b)] + [a, b]
        x = self.permute(*order)
        rows, cols = self.shape[a], self.shape[b]
        length = max(0, min(rows - max(-offset, 0), cols - max(offset, 0)))
        i = np.arange(length) + max(-offset, 0)
        return x[(Ellipsis, i, i + offset)]

    def trace(self) -> Self:
        """The sum of the main diagonal of a 2-D tensor."""
        if self.ndim != 2:
            raise ValueError(f"trace(): expected a matrix, got shape {tuple(self.shape)}")
        return self.diagonal().sum()
