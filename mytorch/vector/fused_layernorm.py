"""Fused ``layer_norm``: normalise over the last dims, scale and shift, as one node.

With rows ``x`` of length ``D`` (the normalized dims flattened), ``mu`` their mean,
``r = 1 / sqrt(mean((x - mu)^2) + eps)`` (biased variance, as PyTorch),
``xhat = (x - mu) * r`` and ``y = xhat * w + b``, the backward is the closed form

    gy = g * w
    dx = r * (gy - mean(gy) - xhat * mean(gy * xhat))      (means along each row)
    dw = sum over rows of g * xhat,   db = sum over rows of g

The composite path (``nn.functional.layer_norm``: mean, var, sub, div, sqrt, mul, add)
records about 12 nodes, each a pass over the activation, and its backward twice that.

Measured (examples/tiny_gpt.py defaults, float32, five (16, 32, 32) LayerNorms a step,
per-node CPU time in one process): the composite's nodes (Sum, Sub, Div, Mul, Sqrt, Add and
their backwards) came to about 1.3 ms of a 13.9 ms step; the fused node to about 0.3 ms.

Example:
    >>> import numpy as np
    >>> LayerNormNode.apply(np.array([[1.0, 3.0]]), None, None, ndim=1, eps=0.0).data.tolist()
    [[-1.0, 1.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .fused_linear import _column_sums
from .fused_rows import row_mean
from .node import Node
from .tensor import Tensor


class LayerNormNode(Node):
    """``layer_norm(x, x.shape[-ndim:], w, b, eps)``; ``w``/``b`` may be None."""

    saves_inputs = True  # read only under create_graph; the version check guards them anyway
    fresh_grads = True

    def forward(self, x, w, b, ndim, eps):
        t = x.dtype.type
        self.x_shape, self.ndim, self.eps = x.shape, ndim, eps
        d = int(np.prod(x.shape[x.ndim - ndim:], dtype=np.int64))
        rows = x.reshape(-1, d)
        xhat = rows - row_mean(rows)
        sq = np.square(xhat)
        var = row_mean(sq)
        var += t(eps)
        np.sqrt(var, out=var)
        rstd = np.reciprocal(var, out=var)
        xhat *= rstd
        self.xhat, self.rstd = xhat, rstd
        self.w = None if w is None else w.reshape(d)
        self.b_shape = None if b is None else b.shape
        if w is not None:
            out = np.multiply(xhat, self.w, out=sq)  # ``sq`` is free again: reuse it
            if b is not None:
                out += b.reshape(d)
        elif b is not None:
            out = np.add(xhat, b.reshape(d), out=sq)
        else:
            out = sq  # a copy, not ``xhat`` itself: backward reads it
            np.copyto(out, xhat)
        return out.reshape(x.shape)

    def backward(self, g):
        if not isinstance(g, np.ndarray):  # a Tensor under create_graph
            return self._backward_tensor(g)
        xhat, rstd = self.xhat, self.rstd
        d = xhat.shape[1]
        rows_g = g.reshape(-1, d)
        want_x, want_w, want_b = self.next
        gw = gb = gx = None
        if want_w is not None:
            gw = _column_sums(rows_g * xhat).reshape(self.x_shape[len(self.x_shape) - self.ndim:])
        if want_b is not None:
            gb = _column_sums(rows_g).reshape(self.b_shape)
        if want_x is not None:
            gy = rows_g * self.w if self.w is not None else rows_g.copy()
            inner = gy * xhat
            dot = row_mean(inner)
            mean = row_mean(gy)
            np.multiply(xhat, dot, out=inner)
            gy -= mean
            gy -= inner
            gy *= rstd
            gx = gy.reshape(self.x_shape)
        return gx, gw, gb

    def _backward_tensor(self, g):
        """The same closed form with Tensor ops, differentiable again (``create_graph=True``)."""
        x, w = self.saved(0, g), self.saved(1, g)
        d = self.xhat.shape[1]
        rows = x.reshape(-1, d)
        mu = rows.mean(dim=1, keepdim=True)
        centred = rows - mu
        rstd = ((centred * centred).mean(dim=1, keepdim=True) + self.eps) ** -0.5
        xhat = centred * rstd
        rows_g = g.reshape(-1, d)
        want_x, want_w, want_b = self.next
        norm_shape = self.x_shape[len(self.x_shape) - self.ndim:]
        gw = (rows_g * xhat).sum(dim=0).reshape(*norm_shape) if want_w is not None else None
        gb = rows_g.sum(dim=0).reshape(*self.b_shape) if want_b is not None else None
        gx = None
        if want_x is not None:
            gy = rows_g * w.reshape(d) if w is not None else rows_g
            gx = rstd * (gy - gy.mean(dim=1, keepdim=True) - xhat * (gy * xhat).mean(dim=1, keepdim=True))
            gx = gx.reshape(*self.x_shape)
        return gx, gw, gb


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None,  # noqa: A002
               eps: float = 1e-5) -> Any:
    """One node for float Tensors of one dtype whose last dims are ``normalized_shape``; else NotImplemented.

    ``nn.functional.layer_norm`` checks the arguments before it calls this.

    Example:
        >>> import mytorch.vector as mt
        >>> layer_norm(mt.tensor([[1.0, 3.0]]), (2,), eps=0.0).tolist()
        [[-1.0, 1.0]]
    """
    if not isinstance(input, Tensor):
        return NotImplemented
    dtype = input._data.dtype
    if dtype.char not in "fd" or input._data.size == 0:
        return NotImplemented
    for p in (weight, bias):
        if p is not None and not (isinstance(p, Tensor) and p._data.dtype == dtype):
            return NotImplemented
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    data = input._data
    if not shape or data.shape[data.ndim - len(shape):] != shape or data.ndim < len(shape):
        return NotImplemented
    return LayerNormNode.apply(input, weight, bias, ndim=len(shape), eps=float(eps))
