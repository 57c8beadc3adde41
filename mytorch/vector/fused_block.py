"""``max_pool2d(relu(conv2d(x)))`` as one node: the ReLU runs on the pooled quarter, for free.

The commonest CNN block, conv -> ReLU -> non-overlapping max pool, as one
node built on :class:`~.fused_conv.Conv2dNode`'s im2col kernel. Since
``relu(max(window)) == max(0, window)``, the ReLU is folded into the pooling:
each window's running maximum starts at 0 instead of at its first element, and
a window whose elements are all <= 0 has no winner (its output is 0 and it
passes no gradient, as ReLU's zero slope at and below 0). That removes the
ReLU's pass over the full-size conv output (and its saved mask) and its
mask-and-multiply backward pass; the pooling backward writes each window's
gradient straight into the buffer the convolution's backward reads.

Ties keep the first maximum in row-major window order, as PyTorch. One
difference: a window holding a NaN outputs NaN (as PyTorch) but its gradient
goes to the first positive maximum before the NaN, where PyTorch sends none.

Measured on bench_cnn's model (batch 64, conv 1->8 and 8->16 on 28x28 and
14x14, float32), in CPU time per step with one BLAS thread on the shared
2-core machine, interleaved rounds: the three separate nodes 11.6 ms, fused
10.3 ms (PyTorch 9.4 ms in the same rounds); the separate ReLU nodes alone
took 1.0 ms of a step (forward 0.45, backward 0.57). With the conv output and
its gradient (which never leave the node) and the conv's columns in reused
scratch buffers (:mod:`.scratch`), a step takes 6.1 ms against PyTorch's 8.2 ms
(0.74x; before this module 1.35-1.46x). Tried and dropped: the
pooling as a two-level tree of pairwise maxima (forward 0.46 vs 0.52 ms, but
backward 0.48 vs 0.28 ms), and a stride-1 conv on the flattened padded image
(every kernel offset one contiguous shift; 1.2x slower per step: the wider
GEMMs and buffers cost more than the short-row copies they remove); col2im by
flat shifts over rows widened to the padded width, or one kernel row at a time
while its column gradient is in cache (both within noise).

Example:
    >>> import numpy as np
    >>> x = np.arange(-8.0, 8.0).reshape(1, 1, 4, 4); w = np.ones((1, 1, 1, 1))
    >>> ConvReluPoolNode.apply(x, w, None, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1),
    ...                        groups=1, kernel=(2, 2)).data.tolist()
    [[[[0.0, 0.0], [5.0, 7.0]]]]
"""

from __future__ import annotations

import numpy as np

from . import dual
from .fused_conv import COLUMNS, Conv2dNode
from .fused_pool import in_order_of, uncrop, windows


def relu_max_pool(y: np.ndarray, kernel: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``(max(0, window max), winner)`` over the non-overlapping windows of ``y`` (A, B, H, W).

    ``winner`` is 0 for a window with no positive element, else 1 + the row-major offset
    of its first maximum. Both keep ``y``'s first two axes in memory order.
    """
    view = windows(y, kernel)
    kh, kw = kernel
    best = np.zeros(view[:, :, :, 0, :, 0].shape, dtype=y.dtype)
    winner = np.zeros(best.shape, dtype=np.uint8 if kh * kw < 255 else np.int32)
    for k in range(kh * kw):
        s = view[:, :, :, k // kw, :, k % kw]
        better = s > best  # strictly: a tie keeps the earlier (first) maximum
        # winner = k + 1 where better, else unchanged: k + 1 exceeds every earlier value
        np.maximum(winner, np.multiply(better, winner.dtype.type(k + 1), dtype=winner.dtype), out=winner)
        np.maximum(best, s, out=best)
    return best, winner


class ConvReluPoolNode(Conv2dNode):
    """``max_pool2d(relu(conv2d(x, w, b, ...)), kernel)`` for (N, C, H, W) inputs."""

    def forward(self, x, w, b, stride, pads, dilation, groups, kernel):
        self.kernel = kernel
        y = super().forward(x, w, b, stride, pads, dilation, groups)  # (N, O, oh, ow), channel-major
        best, self.winner = relu_max_pool(y.transpose(1, 0, 2, 3), kernel)
        COLUMNS.give(y.base)  # the conv output stays inside the node: its buffer is scratch
        return best.transpose(1, 0, 2, 3)

    def _output_buffer(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        return COLUMNS.take(shape, dtype)

    def backward(self, g):
        if dual._is_tensor(g):
            return self._backward_tensor(self._conv_grad_tensor(g))
        kh, kw = self.kernel
        oh, ow = self.args[5]
        winner = self.winner  # (O, N, ph, pw)
        o, n, ph, pw = winner.shape
        gy = COLUMNS.take((o, n, oh, ow), g.dtype)  # scratch: the conv backward reads it, keeps nothing
        if ph * kh != oh or pw * kw != ow:  # rows or columns no window covers get no gradient
            gy.fill(0)
        view = windows(gy, self.kernel)
        gq = in_order_of(g, winner.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
        for k in range(kh * kw):
            np.multiply(gq, winner == k + 1, out=view[:, :, :, k // kw, :, k % kw])
        grads = super().backward(gy.transpose(1, 0, 2, 3))
        COLUMNS.give(gy)
        return grads

    def _conv_grad_tensor(self, g):
        """The gradient at the conv output as a differentiable Tensor (create_graph)."""
        kh, kw = self.kernel
        n, o, ph, pw = g.shape
        offsets = np.arange(1, kh * kw + 1).reshape(1, 1, 1, kh, 1, kw)
        winner = self.winner.transpose(1, 0, 2, 3).reshape(n, o, ph, 1, pw, 1)
        spread = g.reshape(n, o, ph, 1, pw, 1) * (winner == offsets).astype(g.dtype)
        return uncrop(spread.reshape(n, o, ph * kh, pw * kw), (n, o) + tuple(self.args[5]))
