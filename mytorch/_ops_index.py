"""Index ops (``gather``, ``scatter``, ``index_select``, ``masked_fill``, ...), a mixin of ``TensorBase``.

Written with indexing, so both engines share them: ``gather`` is an advanced
index (its gradient adds back at the indices), ``scatter`` a clone with an
indexed write, ``scatter_add`` the engine's ``_index_add`` primitive.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.gather(1, mt.tensor([[1, 0], [1, 1]])).tolist()
    [[2.0, 1.0], [4.0, 4.0]]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._grad_fn import recorded_as
from ._ops_base import OpsBase
from ._ops_math import as_numpy

if TYPE_CHECKING:
    from typing import Self

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def index_array(op: str, index: Any, name: str = "index") -> np.ndarray:
    """``index`` (a Tensor, array or list) as an int64 array; a TypeError names a non-integer dtype."""
    arr = as_numpy(index)
    if arr.size == 0 and arr.dtype.kind == "f":
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{op}(): Expected dtype int64 for {name}, got {arr.dtype}")
    return arr.astype(np.int64)


def check_range(op: str, index: np.ndarray, size: int, dim: int, allow_negative: bool = False) -> np.ndarray:
    """``index`` checked against ``size`` (negative ones wrapped when allowed)."""
    lo = -size if allow_negative else 0
    bad = index[(index < lo) | (index >= size)]
    if bad.size:
        raise IndexError(
            f"{op}(): index {int(bad.flat[0])} is out of bounds for dimension {dim} with size {size}"
        )
    return np.where(index < 0, index + size, index)


class IndexOps(OpsBase):
    """Index methods of ``TensorBase``."""

    __slots__ = ()

    def _positions(
        self, op: str, dim: int, index: np.ndarray, src_shape: tuple[int, ...] | None = None
    ) -> tuple[tuple[np.ndarray, ...], tuple[int, ...]]:
        """The advanced index ``gather``/``scatter`` address: ``index`` along ``dim``, arange elsewhere."""
        from ._tensor_base import normalize_dim

        shape = tuple(self.shape)
        d = normalize_dim(dim, len(shape))
        if index.ndim != len(shape) and not (index.ndim <= 1 and len(shape) <= 1):
            raise ValueError(
                f"{op}(): Index tensor must have the same number of dimensions as input tensor: "
                f"index has shape {index.shape}, input {shape}"
            )
        shape = shape or (1,)
        index = index.reshape(index.shape or (1,)) if len(shape) == 1 else index
        for k, n in enumerate(index.shape):
            if k != d and n > shape[k]:
                raise ValueError(
                    f"{op}(): Size does not match at dimension {k} expected index {index.shape} to be no "
                    f"larger than self {tuple(self.shape)} apart from dimension {d}"
                )
            if src_shape is not None and n > src_shape[k]:
                raise ValueError(
                    f"{op}(): Size does not match at dimension {k} expected index {index.shape} to be no "
                    f"larger than src {src_shape}"
                )
        index = check_range(op, index, shape[d], d)
        grids = np.ogrid[tuple(slice(0, n) for n in index.shape)]
        return tuple(index if k == d else g for k, g in enumerate(grids)), index.shape

    def _flat_for_positions(self) -> Self:
        return self.reshape(1) if self.ndim == 0 else self

    def gather(self, dim: int, index: Any) -> Self:
        """``out[i][j] = self[index[i][j]][j]`` for ``dim=0`` (and likewise for other dims).

        Example:
            >>> import mytorch.vector as mt
            >>> mt.tensor([10.0, 20.0, 30.0]).gather(0, mt.tensor([2, 2, 0])).tolist()
            [30.0, 30.0, 10.0]
        """
        positions, shape = self._positions("gather", dim, index_array("gather", index))
        out = self._flat_for_positions()[positions]
        return out.reshape(as_numpy(index).shape)

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Self:
        """``gather``, broadcasting ``self`` and ``indices`` outside ``dim``; ``dim=None``: flattened."""
        from ._tensor_base import normalize_dim

        idx = index_array("take_along_dim", indices, "indices")
        if dim is None:
            flat = self.reshape(-1)
            return flat[check_range("take_along_dim", idx, flat.shape[0], 0, allow_negative=True)]
        d = normalize_dim(dim, self.ndim)
        if idx.ndim != self.ndim:
            raise ValueError(
                f"take_along_dim(): input and indices should have the same number of dimensions, "
                f"but got {self.ndim} dimensions for input {tuple(self.shape)}, "
                f"and {idx.ndim} for indices {idx.shape}"
            )
        a = list(self.shape)
        b = list(idx.shape)
        a[d] = b[d] = 1
        try:
            common = list(np.broadcast_shapes(tuple(a), tuple(b)))
        except ValueError:
            raise ValueError(
                f"take_along_dim(): input {tuple(self.shape)} and indices {idx.shape} cannot be broadcast "
                f"outside dim {d}"
            ) from None
        x_shape, i_shape = common.copy(), common.copy()
        x_shape[d], i_shape[d] = self.shape[d], idx.shape[d]
        idx = check_range(
            "take_along_dim", np.broadcast_to(idx, i_shape), self.shape[d], d, allow_negative=True
        )
        return self.expand(*x_shape).gather(d, self._constant(np.ascontiguousarray(idx)))

    @recorded_as("IndexSelectBackward0")
    def index_select(self, dim: int, index: Any) -> Self:
        """The entries ``index`` (a 1-D integer tensor) along ``dim``."""
        from ._tensor_base import normalize_dim

        d = normalize_dim(dim, self.ndim)
        idx = index_array("index_select", index)
        if idx.ndim > 1:
            raise ValueError(f"index_select(): Index is supposed to be a vector, got shape {idx.shape}")
        if self.ndim == 0:
            check_range("index_select", idx.reshape(-1), 1, 0)
            return self.reshape(1)[idx.reshape(-1)].reshape(idx.shape)
        idx = check_range("index_select", idx.reshape(-1), self.shape[d], d)
        return self[(slice(None),) * d + (idx,)]

    def _mask(self, op: str, mask: Any, to_self: bool = True) -> np.ndarray:
        m = as_numpy(mask)
        if m.dtype != np.bool_:
            raise TypeError(f"{op}(): expected mask to be a bool tensor, got dtype {m.dtype}")
        try:
            shape = np.broadcast_shapes(m.shape, tuple(self.shape))
        except ValueError:
            shape = None
        if shape is None or (to_self and shape != tuple(self.shape)):
            raise ValueError(
                f"{op}(): the shape of the mask {m.shape} must be broadcastable to the shape of the "
                f"input {tuple(self.shape)}"
            )
        return m

    def masked_fill(self, mask: Any, value: Any) -> Self:
        """``value`` where ``mask`` is True, else ``self`` (a tensor ``value`` must be 0-d)."""
        m = self._mask("masked_fill", mask)
        if hasattr(value, "grad_fn"):
            if value.ndim != 0:
                raise ValueError(
                    f"masked_fill(): only supports a 0-dimensional value tensor, but got tensor with "
                    f"{value.ndim} dimension(s) (shape {tuple(value.shape)})"
                )
            fill = value.to(self.dtype)
        else:
            fill = self._constant(np.asarray(value, dtype=self.dtype))
        return type(self)._where(m, fill, self)

    def masked_fill_(self, mask: Any, value: Any) -> Self:
        """In place: ``self = self.masked_fill(mask, value)``."""
        return self.copy_(self.masked_fill(mask, value))

    def masked_select(self, mask: Any) -> Self:
        """The elements where ``mask`` (broadcast with ``self``) is True, as a 1-D tensor."""
        m = self._mask("masked_select", mask, to_self=False)
        shape = np.broadcast_shapes(m.shape, tuple(self.shape))
        return self.expand(*shape)[np.broadcast_to(m, shape)] if shape else self.reshape(1)[m.reshape(1)]

    def nonzero(self, *, as_tuple: bool = False) -> Self | tuple[Self, ...]:
        """Indices of the nonzero elements: an ``(n, ndim)`` int64 tensor, or a tuple of 1-D ones."""
        data = np.asarray(self._data)
        if as_tuple:
            return tuple(
                self._constant(i.astype(np.int64)) for i in np.nonzero(data.reshape(data.shape or (1,)))
            )
        return self._constant(np.argwhere(data).astype(np.int64))

    argwhere = nonzero

    def count_nonzero(self, dim: Any = None) -> Self:
        return self._constant(np.asarray(np.count_nonzero(self._data, axis=dim), dtype=np.int64))

    # ------------------------------------------------------------ scatter family
    def _scatter_parts(self, op: str, dim: int, index: Any, src: Any) -> tuple[tuple[np.ndarray, ...], Self]:
        idx = index_array(op, index)
        is_tensor = hasattr(src, "grad_fn")
        src_shape = tuple(src.shape) if is_tensor else None
        if is_tensor and src.ndim != idx.ndim:
            raise ValueError(
                f"{op}(): Index tensor must have the same number of dimensions as src tensor: "
                f"index {idx.shape}, src {src_shape}"
            )
        positions, shape = self._positions(op, dim, idx, src_shape)
        if is_tensor:
            if src.dtype != self.dtype:
                raise TypeError(
                    f"{op}(): Expected self.dtype to be equal to src.dtype, got {self.dtype} and {src.dtype}"
                )
            part = src.reshape(1) if src.ndim == 0 else src
            values = part[tuple(slice(0, n) for n in shape)]
        else:
            values = self._constant(np.full(shape, src, dtype=self.dtype))
        return positions, values

    def scatter(
        self, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None
    ) -> Self:
        """A copy of ``self`` with ``src`` (a tensor or number) written at ``index`` along ``dim``.

        ``out[index[i][j]][j] = src[i][j]`` for ``dim=0``. Where an index repeats, which write
        wins is unspecified (as in PyTorch). ``reduce='add'`` is ``scatter_add``.

        Example:
            >>> import mytorch.vector as mt
            >>> mt.zeros(3).scatter(0, mt.tensor([2, 0]), mt.tensor([5.0, 7.0])).tolist()
            [7.0, 0.0, 5.0]
        """
        src = value if src is None else src
        if src is None:
            raise TypeError("scatter(): expected a src tensor or a value")
        if reduce == "add":
            return self.scatter_add(
                dim,
                index,
                src
                if hasattr(src, "grad_fn")
                else self._constant(np.full(as_numpy(index).shape, src, dtype=self.dtype)),
            )
        if reduce is not None:
            raise ValueError(
                f"scatter(): reduce must be None or 'add' here, got {reduce!r} (use scatter_reduce)"
            )
        positions, values = self._scatter_parts("scatter", dim, index, src)
        out = self._flat_for_positions().clone()
        out[positions] = values
        return out.reshape(self.shape)

    def scatter_(
        self, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None
    ) -> Self:
        return self.copy_(self.scatter(dim, index, src, value=value, reduce=reduce))

    def _added_at(self, positions: tuple, values: Any) -> Self:
        """Zeros of self's shape with ``values`` added at ``positions`` (repeats accumulate)."""
        shape = tuple(self.shape) or (1,)
        if values.dtype.kind != "f":
            out = np.zeros(shape, dtype=values.dtype)
            np.add.at(out, positions, np.asarray(values._data))
            return self._constant(out)
        return values._index_add(shape, positions)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Self:
        """``self`` plus ``src`` added at ``index`` along ``dim`` (repeated indices accumulate).

        Example:
            >>> import mytorch.vector as mt
            >>> mt.zeros(3).scatter_add(0, mt.tensor([2, 2, 0]), mt.tensor([1.0, 2.0, 4.0])).tolist()
            [4.0, 0.0, 3.0]
        """
        if not hasattr(src, "grad_fn"):
            raise TypeError(f"scatter_add(): src must be a Tensor, got {type(src).__name__}")
        positions, values = self._scatter_parts("scatter_add", dim, index, src)
        return (self._flat_for_positions() + self._added_at(positions, values)).reshape(self.shape)

    def scatter_add_(self, dim: int, index: Any, src: Any) -> Self:
        return self.copy_(self.scatter_add(dim, index, src))

    def scatter_reduce(
        self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True
    ) -> Self:
        """Reduce ``src`` into ``self`` at ``index``: ``reduce`` is 'sum', 'prod', 'mean', 'amax' or 'amin'.

        Gradients as PyTorch: ``amax``/``amin`` share them evenly among the elements equal
        to the result; ``mean`` divides by how many elements each output combined; ``prod``
        gives each factor the product of the others (also where factors are 0). With
        ``include_self=False`` the elements of ``self`` that receive values get no gradient.
        ``prod``, ``amax`` and ``amin`` are differentiable once (their gradients are constants).

        Example:
            >>> import mytorch.vector as mt
            >>> x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
            >>> y = mt.ones(2).scatter_reduce(0, mt.tensor([0, 1, 0]), x, "prod")
            >>> y.sum().backward(); y.tolist(), x.grad.tolist()
            ([3.0, 2.0], [3.0, 1.0, 1.0])
        """
        if reduce not in _REDUCTIONS:
            raise ValueError(f"scatter_reduce(): reduce must be one of {_REDUCTIONS}, got {reduce!r}")
        if not hasattr(src, "grad_fn"):
            raise TypeError(f"scatter_reduce(): src must be a Tensor, got {type(src).__name__}")
        positions, values = self._scatter_parts("scatter_reduce", dim, index, src)
        base = self._flat_for_positions()
        shape = tuple(base.shape)
        hits = np.zeros(shape, dtype=np.int64)
        np.add.at(hits, positions, 1)
        touched = hits > 0
        keep = np.where(touched, include_self, True)  # untouched positions keep self whatever include_self
        kept = base * self._constant(keep.astype(base.dtype))
        if reduce in ("sum", "mean"):
            total = kept + self._added_at(positions, values)
            if reduce == "sum":
                return total.reshape(self.shape)
            count = np.maximum(hits + keep, 1).astype(base.dtype)
            if base.dtype.kind != "f":
                return self._constant(np.floor_divide(as_numpy(total), count).astype(base.dtype)).reshape(
                    self.shape
                )
            return (total / self._constant(count)).reshape(self.shape)
        if reduce == "prod":
            return self._scatter_prod(base, positions, values, keep, touched, include_self)
        # amax / amin: the value with numpy, the gradient shared among the elements equal to it
        pick = np.maximum if reduce == "amax" else np.minimum
        data, src_data = np.asarray(base._data), np.asarray(values._data)
        if base.dtype.kind == "f":
            fill = -np.inf if reduce == "amax" else np.inf
        else:  # integers: the dtype's extreme stands for "no value yet"
            limits = np.iinfo(base.dtype) if base.dtype.kind in "iu" else np.iinfo(np.int64)
            fill = limits.min if reduce == "amax" else limits.max
        exact = np.where(keep, data, fill).astype(base.dtype)
        pick.at(exact, positions, src_data.astype(base.dtype))
        if base.dtype.kind != "f":
            return self._constant(exact).reshape(self.shape)
        self_equal = data == exact
        self_wins = keep & self_equal
        src_wins = src_data == exact[positions]
        # PyTorch counts a self equal to the result among the winners even with include_self=False
        # (its share of the gradient is then dropped): the same here, so the gradients agree
        winners = self_equal.astype(np.int64)
        np.add.at(winners, positions, src_wins.astype(np.int64))
        share = 1.0 / np.maximum(winners, 1)
        approx = base * self._constant((self_wins * share).astype(base.dtype)) + self._added_at(
            positions, values * self._constant((src_wins * share[positions]).astype(base.dtype))
        )
        return approx._exact(approx, exact).reshape(self.shape)

    def _scatter_prod(self, base: Any, positions: tuple, values: Any, keep: np.ndarray, touched: np.ndarray,
                      include_self: bool) -> Self:
        """``scatter_reduce(..., "prod")``: the product with numpy, the gradient as PyTorch's formula.

        d out/d self = the product of the others (``self`` taken as 1 where it is 0), and
        d out/d src = out / src, or the product of the others where src holds the only 0 there.
        """
        data, src = as_numpy(base), as_numpy(values)
        dtype = data.dtype

        def product(start: np.ndarray, factors: np.ndarray) -> np.ndarray:
            out = np.where(keep, start, 1).astype(dtype)
            np.multiply.at(out, positions, factors.astype(dtype))
            return out

        exact = product(data, src)
        if dtype.kind != "f":
            return self._constant(exact).reshape(self.shape)
        with np.errstate(all="ignore"):
            masked_self = np.where(data == 0, 1, data)
            d_self = product(masked_self, src) / masked_self
            if not include_self:
                d_self = np.where(touched, 0, d_self)
            src_zero = src == 0
            zeros_at = np.zeros(data.shape, dtype=np.int64)
            np.add.at(zeros_at, positions, src_zero.astype(np.int64))
            single_zero = src_zero & (zeros_at[positions] == 1)
            others = product(data, np.where(single_zero, 1, src))[positions]
            d_src = np.where(single_zero, others, exact[positions] / np.where(src_zero, 1, src))
        approx = base * self._constant(d_self.astype(dtype)) + self._added_at(
            positions, values * self._constant(d_src.astype(dtype))
        )
        return approx._exact(approx, exact).reshape(self.shape)
