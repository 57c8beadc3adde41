"""``Tensor.norm`` / ``mytorch.norm``: vector p-norms over some or all dims, as ``torch.norm``.

``p`` is ``'fro'`` (the 2-norm of the elements, the default), a number (``sum(|x|**p)**(1/p)``),
``inf``/``-inf`` (max/min of ``|x|``) or ``0`` (how many elements are nonzero). Where the
norm is 0 its gradient is 0, as PyTorch's (not the 0 * inf = nan of the chain rule).

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([[3.0, 4.0], [0.0, 0.0]], dtype=mt.float64, requires_grad=True)
    >>> n = norm(x, dim=1)
    >>> n.sum().backward(); n.tolist(), (x.grad * 10).round().tolist()
    ([5.0, 0.0], [[6.0, 8.0], [0.0, 0.0]])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def norm(x: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Any:
    """The ``p``-norm of ``x`` over ``dim`` (an int, a tuple, or None: all elements)."""
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be floating point, but got {x.dtype}")
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise ValueError(f"norm(): p must be 'fro' or a number (inf, -inf, 0, 1, 2, ...), got {p!r}")
    if not isinstance(p, (int, float)) or isinstance(p, bool):
        raise TypeError(
            f"norm(): p must be 'fro' or a number, got {type(p).__name__} {p!r} (dims go in dim=)"
        )
    dims = () if dim is None else dim
    if p == math.inf:
        return x.abs().amax(dims, keepdim)
    if p == -math.inf:
        return x.abs().amin(dims, keepdim)
    if p == 0:  # a count: its gradient is 0 (still joined to the graph, as PyTorch's)
        count = x._constant((np.asarray(x._data) != 0).astype(x.dtype))
        return (x * 0 + count).sum(dims, keepdim)
    where = type(x)._where
    if p == 2:
        powered = x * x
    else:  # |x|**p with the gradient 0 at x == 0, as PyTorch (not p * 0**(p-1) * 0 = nan for p < 1)
        at_zero = np.asarray(x._data) == 0
        a = x.abs()
        if at_zero.any():
            a = where(at_zero, x._constant(np.ones(at_zero.shape, x.dtype)), a)
            powered = where(at_zero, x._constant(np.zeros(at_zero.shape, x.dtype)), a ** p)
        else:
            powered = a ** p
    total = powered.sum(dims, keepdim)
    zero = np.asarray(total._data) == 0
    if not zero.any():
        return total.sqrt() if p == 2 else total ** (1.0 / p)
    safe = where(zero, x._constant(np.ones(zero.shape, total.dtype)), total)
    root = safe.sqrt() if p == 2 else safe ** (1.0 / p)
    return where(zero, x._constant(np.zeros(zero.shape, total.dtype)), root)
