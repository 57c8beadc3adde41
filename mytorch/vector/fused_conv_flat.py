"""Stride-1 convolution on the flattened padded image: every kernel offset is one contiguous shift.

With stride 1, output pixel ``(y, x)`` of image ``n`` reads padded input pixel
``(y + i*dh, x + j*dw)`` for kernel offset ``(i, j)``. Number the pixels of the
padded batch ``xp`` (C, N, Hp, Wp) in one flat run per channel, and compute the
output on the same *wide* grid (N, Hp, Wp): output ``q`` then reads input
``q + off`` with ``off = i*dh*Wp + j*dw``, the same shift for every pixel. So

* im2col is ``kh*kw`` contiguous slices ``xp[:, off : off + M]`` (M = N*Hp*Wp),
  copied by one ``copyto`` whose inner loop runs over the whole batch;
* col2im adds ``dcols[:, i, j]`` back at the same shifts: ``kh*kw`` long
  contiguous adds instead of ``N*C*oh`` short rows of ``ow`` elements each.

The wide grid's extra pixels (``y >= oh`` or ``x >= ow``) are computed and
dropped: the output is the ``[:, :, :oh, :ow]`` view (no copy), and backward
puts the gradient into a zeroed wide grid, so they contribute nothing. That
costs ``Hp*Wp / (oh*ow)`` more GEMM columns (1.15x for 28x28 with padding 1,
1.31x for 14x14) but removes the short-row copies that dominated.

Measured (bench_cnn's convolutions, batch 64, float32, 2 threads, per call):
col2im of conv 8->16 on 14x14 0.71 ms -> 0.12 ms, its im2col 0.28 ms -> 0.07 ms;
one CNN step 8.3 ms -> see ``fused`` (the numbers behind each choice are in the
x-cnn report). Strided convolutions keep :class:`~.fused_conv.Conv2dNode`'s kernel.

Example:
    >>> import numpy as np
    >>> x = np.ones((1, 1, 3, 3), np.float32); w = np.ones((1, 1, 2, 2), np.float32)
    >>> y = FlatConv2dNode.apply(x, w, None, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1), groups=1)
    >>> y.data[0, 0].tolist()
    [[4.0, 4.0], [4.0, 4.0]]
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import dual
from .fused_conv import Conv2dNode


def flat_padded(x: np.ndarray, pads: tuple[int, int, int, int], tail: int) -> np.ndarray:
    """``x`` (N, C, H, W) zero-padded into a (C, N*Hp*Wp + tail) buffer, one flat run per channel."""
    n, c, h, w = x.shape
    top, bottom, left, right = pads
    hp, wp = h + top + bottom, w + left + right
    m = n * hp * wp
    buf = np.zeros((c, m + tail), dtype=x.dtype)
    buf[:, :m].reshape(c, n, hp, wp)[:, :, top : top + h, left : left + w] = x.transpose(1, 0, 2, 3)
    return buf


def shifts(kernel: tuple[int, int], dilation: tuple[int, int], wp: int) -> list[int]:
    """The flat shift ``i*dh*Wp + j*dw`` of every kernel offset, in (i, j) row-major order."""
    return [i * dilation[0] * wp + j * dilation[1] for i in range(kernel[0]) for j in range(kernel[1])]


class FlatConv2dNode(Conv2dNode):
    """:class:`~.fused_conv.Conv2dNode` for stride 1, computed on the wide flat grid (see the module)."""

    def forward(self, x, w, b, stride, pads, dilation, groups):
        self.is_1d = x.ndim == 3
        if self.is_1d:
            x, w = x[:, :, None, :], w[:, :, None, :]
        oh, ow = self._wide_dims(x.shape, w.shape, pads, dilation)[2:]
        y = self._forward_wide(x, w, b, pads, dilation, groups)[:, :, :oh, :ow].transpose(1, 0, 2, 3)
        return y[:, :, 0, :] if self.is_1d else y

    def backward(self, g):
        if dual._is_tensor(g):
            return self._backward_tensor(g)
        oh, ow = self.args[5]
        if self.is_1d:
            g = g[:, :, None, :]
        n, o = g.shape[:2]
        hp, wp = self._wide_dims(self.args[4], (o, 1, 1, 1), self.args[1], (1, 1))[:2]
        wide = np.zeros((o, n, hp, wp), dtype=g.dtype)  # zero on the pixels the forward dropped
        wide[:, :, :oh, :ow] = g.transpose(1, 0, 2, 3)
        gx, gw, gb = self._backward_wide(wide)
        if self.is_1d and gx is not None:
            gx = gx[:, :, 0, :]
        return gx, gw, gb

    @staticmethod
    def _wide_dims(x_shape, w_shape, pads, dilation) -> tuple[int, int, int, int]:
        """(Hp, Wp, oh, ow): the padded (wide grid) size and the valid output size."""
        hp, wp = x_shape[2] + pads[0] + pads[1], x_shape[3] + pads[2] + pads[3]
        return hp, wp, hp - dilation[0] * (w_shape[2] - 1), wp - dilation[1] * (w_shape[3] - 1)

    def _forward_wide(self, x, w, b, pads, dilation, groups) -> np.ndarray:
        """The (O, N, Hp, Wp) wide-grid output of 4-d ``x`` and ``w``; saves ``cols`` and ``args``."""
        n, c = x.shape[:2]
        o, cg, kh, kw = w.shape
        hp, wp, oh, ow = self._wide_dims(x.shape, w.shape, pads, dilation)
        self.args = ((1, 1), pads, dilation, groups, x.shape, (oh, ow))
        m = n * hp * wp
        offsets = shifts((kh, kw), dilation, wp)
        xp = flat_padded(x, pads, offsets[-1])
        s_c, s_e = xp.strides
        window = as_strided(xp, (c, kh, kw, m), (s_c, dilation[0] * wp * s_e, dilation[1] * s_e, s_e),
                            writeable=False)
        cols = np.empty((c, kh, kw, m), dtype=x.dtype)
        np.copyto(cols, window)
        self.cols = cols
        k = cg * kh * kw
        if groups == 1:
            out = w.reshape(o, k) @ cols.reshape(k, m)
        else:
            out = np.matmul(w.reshape(groups, o // groups, k), cols.reshape(groups, k, m)).reshape(o, m)
        if b is not None:
            out += b[:, None]
        return out.reshape(o, n, hp, wp)

    def _backward_wide(self, wide: np.ndarray) -> tuple:
        """(gx, gw, gb) from the output gradient on the wide grid (O, N, Hp, Wp), zero off the valid part."""
        _, pads, dilation, groups, (n, c, h, wd), _ = self.args
        w = self.saved(1, wide)
        w_shape = w.shape
        if self.is_1d:
            w = w[:, :, None, :]
        o, cg, kh, kw = w.shape
        hp, wp = wide.shape[2:]
        m, k = n * hp * wp, cg * kh * kw
        g2 = wide.reshape(groups, o // groups, m)
        gx = gw = gb = None
        if self.needs_grad(2):
            gb = wide.reshape(o, m).sum(axis=1)
        if self.needs_grad(1):
            self.saved(0, wide)  # raises if x was modified in place since the forward
            cols = self.cols.reshape(groups, k, m)
            # cols @ g2.T, transposed: OpenBLAS runs this (K, M) @ (M, O) shape ~2x faster than g2 @ cols.T
            gw = np.matmul(cols, g2.transpose(0, 2, 1)).transpose(0, 2, 1).reshape(w_shape)
        if self.needs_grad(0):
            dcols = np.matmul(w.reshape(groups, o // groups, k).transpose(0, 2, 1), g2)
            dcols = dcols.reshape(c, kh * kw, m)
            offsets = shifts((kh, kw), dilation, wp)
            gxp = np.zeros((c, m + offsets[-1]), dtype=wide.dtype)
            for t, off in enumerate(offsets):
                gxp[:, off : off + m] += dcols[:, t]
            top, left = pads[0], pads[2]
            gx = gxp[:, :m].reshape(c, n, hp, wp)[:, :, top : top + h, left : left + wd].transpose(1, 0, 2, 3)
        return gx, gw, gb
