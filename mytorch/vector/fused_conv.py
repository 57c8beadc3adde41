"""Fused convolution: one im2col copy and one GEMM forward, one GEMM per gradient backward.

Layout. The receptive fields are copied once, through a strided view
(``as_strided``), into a contiguous buffer laid out *channel-major*:
``cols[c, i, j, n, y, x] = xpad[n, c, y*sh + i*dh, x*sw + j*dw]``. Seen as a
``(C*kh*kw, N*oh*ow)`` matrix it makes the whole batch one GEMM,
``out = W (O, C*kh*kw) @ cols``, whose ``(O, N, oh, ow)`` result is returned as
the ``(N, O, oh, ow)`` view ``out.transpose(1, 0, 2, 3)`` (no copy). Because
ReLU and the pooling kernels keep their input's memory order, the next
convolution receives that channel-major layout and its own copies stay cheap.

Backward, with ``g2 = g`` as ``(O, N*oh*ow)``: ``dW = g2 @ cols.T`` and
``dcols = W.T @ g2``; col2im adds ``dcols`` back with one strided slice-add
per kernel offset (``kh*kw`` adds, no loop over the batch, no ``np.add.at``).
Groups make each GEMM a batched one over the groups. The weight gradient is
computed as ``(cols @ g2.T).T``: OpenBLAS runs that (K, L) @ (L, O) shape about
2x faster than ``g2 @ cols.T`` for the long L = N*oh*ow of a batch (bench_cnn's
8->16 conv: 0.58 -> 0.28 ms). The columns and the column gradient live in
reused scratch buffers (:mod:`.scratch`): fresh, these multi-MB arrays cost a
page fault per page each step (bench_cnn, one BLAS thread, CPU time per step:
8.8 -> 5.6 ms with the fused block's buffers, see :mod:`.fused_block`).

Double backward (``create_graph=True``, the gradient arrives as a Tensor)
recomputes the gradients with differentiable Tensor ops (index gathers and
scatter-adds): slower, but exact and itself differentiable.

Example:
    >>> import numpy as np
    >>> x = np.ones((1, 1, 3, 3), np.float32); w = np.ones((1, 1, 2, 2), np.float32)
    >>> y = Conv2dNode.apply(x, w, None, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1), groups=1)
    >>> y.data[0, 0].tolist()
    [[4.0, 4.0], [4.0, 4.0]]
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import dual
from .node import Node
from .ops import IndexAdd
from .scratch import ScratchPool

Pads = tuple[int, int, int, int]  # (top, bottom, left, right)
#: The im2col columns: taken by ``im2col``, given back when the node frees its saved values, and the
#: column gradient of backward. Fresh, these multi-MB arrays cost a page fault per page on first
#: touch: on bench_cnn (batch 64) im2col took 1.5 ms per step in the training loop against 0.4 ms
#: into a warm buffer.
COLUMNS = ScratchPool()


def out_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    """Output length of a convolution along one dimension (PyTorch's formula)."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def padded_channel_major(x: np.ndarray, pads: Pads) -> np.ndarray:
    """``x`` (N, C, H, W) zero-padded, as an (N, C, Hp, Wp) view of a (C, N, Hp, Wp) buffer.

    Without padding ``x`` itself is returned (the im2col view reads any layout).
    """
    top, bottom, left, right = pads
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    buf = np.zeros((c, n, h + top + bottom, w + left + right), dtype=x.dtype)
    buf[:, :, top : top + h, left : left + w] = x.transpose(1, 0, 2, 3)
    return buf.transpose(1, 0, 2, 3)


def im2col(xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
           dilation: tuple[int, int], out_hw: tuple[int, int]) -> np.ndarray:
    """The receptive fields of ``xp`` (N, C, Hp, Wp) as a contiguous (C, kh, kw, N, oh, ow) array."""
    n, c = xp.shape[:2]
    s_n, s_c, s_h, s_w = xp.strides
    shape = (c, kernel[0], kernel[1], n, out_hw[0], out_hw[1])
    strides = (s_c, dilation[0] * s_h, dilation[1] * s_w, s_n, stride[0] * s_h, stride[1] * s_w)
    cols = COLUMNS.take(shape, xp.dtype)
    np.copyto(cols, as_strided(xp, shape, strides, writeable=False))
    return cols


def col2im(dcols: np.ndarray, x_shape: tuple[int, ...], pads: Pads, stride: tuple[int, int],
           dilation: tuple[int, int]) -> np.ndarray:
    """Adjoint of :func:`im2col` + padding: sum ``dcols`` (C, kh, kw, N, oh, ow) into an (N, C, H, W) view."""
    c, kh, kw, n, oh, ow = dcols.shape
    top, bottom, left, right = pads
    h, w = x_shape[2], x_shape[3]
    sh, sw = stride
    dh, dw = dilation
    gxp = np.zeros((c, n, h + top + bottom, w + left + right), dtype=dcols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            gxp[:, :, rows, j * dw : j * dw + sw * (ow - 1) + 1 : sw] += dcols[:, i, j]
    return gxp[:, :, top : top + h, left : left + w].transpose(1, 0, 2, 3)


class Conv2dNode(Node):
    """``conv2d(x, w, b)`` for (N, C, H, W) inputs, and conv1d on (N, C, L) as height-1 images.

    ``pads`` is ``(top, bottom, left, right)``; ``stride``/``dilation`` are pairs.
    """

    saves_inputs = True
    fresh_grads = True

    def forward(self, x, w, b, stride, pads, dilation, groups):
        self.is_1d = x.ndim == 3
        if self.is_1d:
            x, w = x[:, :, None, :], w[:, :, None, :]
        n, c, h, wd = x.shape
        o, cg, kh, kw = w.shape
        oh = out_size(h, kh, stride[0], pads[0] + pads[1], dilation[0])
        ow = out_size(wd, kw, stride[1], pads[2] + pads[3], dilation[1])
        self.args = (stride, pads, dilation, groups, (n, c, h, wd), (oh, ow))
        cols = im2col(padded_channel_major(x, pads), (kh, kw), stride, dilation, (oh, ow))
        self.cols = cols
        k = cg * kh * kw
        out = self._output_buffer((groups, o // groups, n * oh * ow), cols.dtype)
        np.matmul(w.reshape(groups, o // groups, k), cols.reshape(groups, k, n * oh * ow), out=out)
        out = out.reshape(o, n * oh * ow)
        if b is not None:
            out += b[:, None]
        y = out.reshape(o, n, oh, ow).transpose(1, 0, 2, 3)
        return y[:, :, 0, :] if self.is_1d else y

    def backward(self, g):
        if dual._is_tensor(g):
            return self._backward_tensor(g)
        stride, pads, dilation, groups, x_shape, (oh, ow) = self.args
        w = self.saved(1, g)
        w_shape = w.shape
        if self.is_1d:
            g, w = g[:, :, None, :], w[:, :, None, :]
        o, cg, kh, kw = w.shape
        n, c = x_shape[:2]
        k, cols_n = cg * kh * kw, n * oh * ow
        g2 = np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(groups, o // groups, cols_n)
        gx = gw = gb = None
        if self.needs_grad(2):
            gb = g2.reshape(o, cols_n).sum(axis=1)
        if self.needs_grad(1):
            self.saved(0, g)  # raises if x was modified in place since the forward
            cols = self.cols.reshape(groups, k, cols_n)
            # cols @ g2.T, transposed, rather than g2 @ cols.T: the same product, but OpenBLAS runs
            # this (K, L) @ (L, O) shape about 2x faster for the long L = N*oh*ow of a batch
            gw = np.matmul(cols, g2.transpose(0, 2, 1)).transpose(0, 2, 1).reshape(w_shape)
        if self.needs_grad(0):
            dcols = COLUMNS.take((groups, k, cols_n), g2.dtype)
            np.matmul(w.reshape(groups, o // groups, k).transpose(0, 2, 1), g2, out=dcols)
            gx = col2im(dcols.reshape(c, kh, kw, n, oh, ow), x_shape, pads, stride, dilation)
            COLUMNS.give(dcols)
            if self.is_1d:
                gx = gx[:, :, 0, :]
        return gx, gw, gb

    def _output_buffer(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """Where the forward GEMM writes: a new array (it becomes the output tensor's)."""
        return np.empty(shape, dtype=dtype)

    def free(self) -> None:
        cols = self.__dict__.get("cols")
        if cols is not None:
            COLUMNS.give(cols)  # nothing else holds the columns: the next forward may reuse them
        super().free()

    def _backward_tensor(self, g):
        """Differentiable gradients (create_graph): gathers, matmuls and a scatter-add on Tensors."""
        stride, pads, dilation, groups, (n, c, h, wd), (oh, ow) = self.args
        x, w = self.saved(0, g), self.saved(1, g)
        x4 = x.unsqueeze(2) if self.is_1d else x
        w4 = w.unsqueeze(2) if self.is_1d else w
        g4 = g.unsqueeze(2) if self.is_1d else g
        o, cg, kh, kw = w4.shape
        top, bottom, left, right = pads
        hp, wp = h + top + bottom, wd + left + right
        inner = (slice(None), slice(None), slice(top, top + h), slice(left, left + wd))
        xp = IndexAdd.apply(x4, shape=(n, c, hp, wp), index=inner) if hp != h or wp != wd else x4
        rows = (np.arange(kh) * dilation[0])[:, None] + (np.arange(oh) * stride[0])[None, :]
        cols = (np.arange(kw) * dilation[1])[:, None] + (np.arange(ow) * stride[1])[None, :]
        index = (slice(None), slice(None), rows[:, None, :, None], cols[None, :, None, :])
        k, length = cg * kh * kw, oh * ow
        patches = xp[index].reshape(n, groups, k, length)
        gg = g4.reshape(n, groups, o // groups, length)
        gw = gx = gb = None
        if self.needs_grad(1):
            gw = gg.matmul(patches.transpose(-1, -2)).sum(0).reshape(w.shape)
        if self.needs_grad(0):
            dcols = w4.reshape(groups, o // groups, k).transpose(-1, -2).matmul(gg)
            gxp = IndexAdd.apply(dcols.reshape(n, c, kh, kw, oh, ow), shape=(n, c, hp, wp), index=index)
            gx = gxp[inner] if xp is not x4 else gxp
            gx = gx.reshape(x.shape)
        if self.needs_grad(2):
            gb = g.sum(dim=(0, 2) if self.is_1d else (0, 2, 3))
        return gx, gw, gb

