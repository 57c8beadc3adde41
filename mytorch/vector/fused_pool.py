"""Fused non-overlapping pooling (kernel == stride, no padding): windows by reshape.

The input (N, C, H, W), cropped to ``(oh*kh, ow*kw)`` as PyTorch floors, is
viewed (no copy) as (N, C, oh, kh, ow, kw); offset ``(i, j)`` of every window
is then the strided slice ``[:, :, :, i, :, j]``. Max pooling runs a max over
the ``kh*kw`` slices while it records, branch-free, the first offset holding
the maximum (strictly-greater updates, so ties keep the first, as PyTorch);
backward writes the gradient to that one offset per window. Average pooling
adds the slices and divides. Outputs and gradients keep the input's memory
order (a channel-major conv output stays channel-major).

NaN inside a window gives NaN, as PyTorch, but its gradient goes to the first
non-NaN maximum rather than to the NaN.

Example:
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> MaxPool2dNode.apply(x, kernel=(2, 2)).data.tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import dual
from .node import Node
from .ops import IndexAdd


def windows(a: np.ndarray, kernel: tuple[int, int]) -> np.ndarray:
    """The (N, C, oh, kh, ow, kw) view of ``a`` (N, C, H, W): whole windows only, never a copy."""
    n, c, h, w = a.shape
    kh, kw = kernel
    s_n, s_c, s_h, s_w = a.strides
    return as_strided(a, (n, c, h // kh, kh, w // kw, kw), (s_n, s_c, kh * s_h, s_h, kw * s_w, s_w))


def grad_buffer(shape: tuple[int, ...], kernel: tuple[int, int], dtype: np.dtype,
                strides: tuple[int, ...]) -> np.ndarray:
    """The input gradient's buffer, laid out in memory like the input (whose ``strides`` are given).

    Uninitialised when the windows cover the whole input (backward writes every element),
    zeros when pooling dropped rows or columns.
    """
    perm = sorted(range(len(shape)), key=lambda i: -strides[i])
    covered = shape[2] % kernel[0] == 0 and shape[3] % kernel[1] == 0
    buf = (np.empty if covered else np.zeros)([shape[i] for i in perm], dtype=dtype)
    return buf.transpose(np.argsort(perm))


def in_order_of(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``a``, copied into ``like``'s memory order when it differs (a small copy of an output-sized
    array; ufuncs mixing two memory orders over strided windows are several times slower)."""
    order = sorted(range(a.ndim), key=lambda i: -like.strides[i])
    if sorted(range(a.ndim), key=lambda i: -a.strides[i]) == order:
        return a
    out = np.empty_like(like, dtype=a.dtype)
    np.copyto(out, a)
    return out


def uncrop(t, in_shape: tuple[int, ...]):
    """Zero-pad a Tensor of whole windows back to ``in_shape`` (the rows/cols pooling dropped)."""
    if tuple(t.shape) == tuple(in_shape):
        return t
    inner = (slice(None), slice(None), slice(0, t.shape[2]), slice(0, t.shape[3]))
    return IndexAdd.apply(t, shape=tuple(in_shape), index=inner)


class MaxPool2dNode(Node):
    """Max over non-overlapping ``kernel`` windows; ``self.index`` is each window's argmax offset."""

    fresh_grads = True

    def forward(self, x, kernel):
        self.kernel, self.in_shape, self.in_strides = kernel, x.shape, x.strides
        view = windows(x, kernel)
        kh, kw = kernel
        best = np.empty_like(view[:, :, :, 0, :, 0])
        np.copyto(best, view[:, :, :, 0, :, 0])
        index = np.zeros_like(best, dtype=np.uint8 if kh * kw < 256 else np.int32)
        for k in range(1, kh * kw):
            s = view[:, :, :, k // kw, :, k % kw]
            better = s > best  # strictly: a tie keeps the earlier (first) maximum
            # index = k where better, else unchanged. k exceeds every earlier index, so the max
            # of index and better * k does it without a data-dependent branch.
            np.maximum(index, np.multiply(better, index.dtype.type(k), dtype=index.dtype), out=index)
            np.maximum(best, s, out=best)
        self.index = index
        return best

    def backward(self, g):
        kh, kw = self.kernel
        if dual._is_tensor(g):
            n, c, oh, ow = g.shape
            offsets = np.arange(kh * kw).reshape(1, 1, 1, kh, 1, kw)
            picked = (self.index.reshape(n, c, oh, 1, ow, 1) == offsets).astype(g.dtype)
            spread = g.reshape(n, c, oh, 1, ow, 1) * picked
            return (uncrop(spread.reshape(n, c, oh * kh, ow * kw), self.in_shape),)
        gx = grad_buffer(self.in_shape, self.kernel, g.dtype, self.in_strides)
        view = windows(gx, self.kernel)
        g = in_order_of(g, self.index)
        for k in range(kh * kw):  # every window element is written: the max gets g, the rest 0
            np.multiply(g, self.index == k, out=view[:, :, :, k // kw, :, k % kw])
        return (gx,)



class AvgPool2dNode(Node):
    """Sum over non-overlapping ``kernel`` windows divided by ``divisor`` (kh*kw for a mean)."""

    fresh_grads = True

    def forward(self, x, kernel, divisor):
        self.kernel, self.in_shape, self.in_strides, self.divisor = kernel, x.shape, x.strides, divisor
        view = windows(x, kernel)
        kh, kw = kernel
        total = np.empty_like(view[:, :, :, 0, :, 0])
        np.copyto(total, view[:, :, :, 0, :, 0])
        for k in range(1, kh * kw):
            total += view[:, :, :, k // kw, :, k % kw]
        total /= x.dtype.type(divisor)
        return total

    def backward(self, g):
        kh, kw = self.kernel
        if dual._is_tensor(g):
            n, c, oh, ow = g.shape
            spread = (g / self.divisor).reshape(n, c, oh, 1, ow, 1).expand(n, c, oh, kh, ow, kw)
            return (uncrop(spread.reshape(n, c, oh * kh, ow * kw), self.in_shape),)
        gx = grad_buffer(self.in_shape, self.kernel, g.dtype, self.in_strides)
        view = windows(gx, self.kernel)
        share = in_order_of(g / g.dtype.type(self.divisor), view[:, :, :, 0, :, 0])
        for k in range(kh * kw):
            np.copyto(view[:, :, :, k // kw, :, k % kw], share)
        return (gx,)

