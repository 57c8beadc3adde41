"""Helpers that work on numpy arrays and on Tensors alike.

Backward functions use them so each derivative is written once: on arrays in
an ordinary backward, on Tensors (recording a graph) when
``create_graph=True`` asks for a differentiable gradient.

Example:
    >>> import numpy as np
    >>> sum_to(np.ones((2, 3)), (3,)).tolist()
    [2.0, 2.0, 2.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._indexing import is_basic_index


def _is_tensor(x: Any) -> bool:
    return not isinstance(x, np.ndarray) and hasattr(x, "grad_fn")


def sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum a broadcast gradient back down to ``shape``: THE one place broadcasting is undone."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if _is_tensor(g):
        if axes:
            g = g.sum(dim=axes, keepdim=True)
        return g.reshape(shape) if g.shape != shape else g
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def cast(g: Any, dtype: np.dtype) -> Any:
    """Convert to ``dtype`` (a differentiable cast for Tensors)."""
    return g.to(dtype) if _is_tensor(g) else g.astype(dtype, copy=False)


def reduce_sum(g: Any, axes: tuple[int, ...] | None, keepdims: bool) -> Any:
    """Sum over ``axes`` (None: all)."""
    if _is_tensor(g):
        return g.sum(dim=axes, keepdim=keepdims)
    return g.sum(axis=axes, keepdims=keepdims)


def broadcast_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast (numpy: a read-only view; Tensor: ``expand``)."""
    return g.expand(*shape) if _is_tensor(g) else np.broadcast_to(g, shape)


def reshape(g: Any, shape: tuple[int, ...]) -> Any:
    """Reshape to ``shape``."""
    return g.reshape(shape)


def permute(g: Any, axes: tuple[int, ...]) -> Any:
    """Reorder dimensions."""
    return g.permute(*axes) if _is_tensor(g) else g.transpose(axes)


def swap_last(g: Any) -> Any:
    """Swap the last two dimensions (the transpose of a batched matrix)."""
    return g.transpose(-1, -2) if _is_tensor(g) else np.swapaxes(g, -1, -2)


def exp(g: Any) -> Any:
    return g.exp() if _is_tensor(g) else np.exp(g)


def log(g: Any) -> Any:
    return g.log() if _is_tensor(g) else np.log(g)


def where(mask: np.ndarray, a: Any, b: Any) -> Any:
    """Pick ``a`` where ``mask`` else ``b`` (mask is a constant)."""
    if _is_tensor(a) or _is_tensor(b):
        from .ops import Where

        return Where.apply(mask, a, b)
    return np.where(mask, a, b)


def scatter_add(g: Any, shape: tuple[int, ...], index: Any) -> Any:
    """A zeros array of ``shape`` with ``g`` added at ``index`` (repeats accumulate)."""
    if _is_tensor(g):
        from .ops import IndexAdd

        return IndexAdd.apply(g, shape=shape, index=index)
    out = np.zeros(shape, dtype=g.dtype)
    if is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def getitem(g: Any, index: Any) -> Any:
    return g[index]
