"""The vector engine's fused fast paths, with ``torch.nn.functional``'s signatures.

``mytorch.nn.functional`` calls the function of the same name here, after
checking the arguments (``linear`` and ``cross_entropy``, which run every
step, are called first and accept only arguments they have fully checked
themselves). Each builds ONE graph node (instead of the dozens the composite
Tensor-op path records) with a numpy kernel written for speed:

* ``linear``: one GEMM plus the bias (``fused_linear``);
* ``conv1d``/``conv2d``: one strided im2col copy and one GEMM (``fused_conv``);
* ``max_pool2d``/``avg_pool2d``: non-overlapping windows by reshape (``fused_pool``);
* ``cross_entropy``: log-softmax and NLL together, backward ``softmax - target`` (``fused_loss``);
* ``gelu``: ``x * Phi(x)`` with a numpy ``erf``, backward in closed form (``fused_gelu``);
* ``layer_norm``: mean, variance, normalise, scale and shift; closed-form backward (``fused_layernorm``);
* ``scaled_dot_product_attention``: scores, mask and softmax in place between two batched GEMMs
  (``fused_attention``).
* ``conv2d_relu_max_pool2d``: a conv, ReLU and non-overlapping max pool in one node
  (``fused_block``), which ``nn.Sequential`` uses for those three modules in a row.

A function returns ``NotImplemented`` for a case it does not handle (mixed
dtypes, overlapping or padded pooling, legacy ``size_average``/``reduce``
arguments, a target that requires grad, ...): ``nn.functional`` then runs its
composite path, which ``nn.functional.composite_only()`` forces everywhere
(that is how the tests compare the two).

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.ones(1, 1, 4, 4, requires_grad=True)
    >>> y = conv2d(x, mt.ones(1, 1, 3, 3), padding=1)
    >>> y[0, 0, 0].tolist()
    [4.0, 6.0, 6.0, 4.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .fused_attention import scaled_dot_product_attention
from .fused_block import ConvReluPoolNode
from .fused_conv import Conv2dNode, out_size
from .fused_gelu import gelu
from .fused_layernorm import layer_norm
from .fused_linear import LinearNode
from .fused_loss import CrossEntropyNode
from .fused_pool import AvgPool2dNode, MaxPool2dNode
from .tensor import Tensor

__all__ = ["linear", "conv1d", "conv2d", "max_pool2d", "avg_pool2d", "cross_entropy", "gelu",
           "layer_norm", "scaled_dot_product_attention", "conv2d_relu_max_pool2d"]


# --------------------------------------------------------------- argument helpers


def _same_float(*tensors: Any) -> bool:
    """All Tensors of one floating dtype (None entries are skipped)."""
    present = [t for t in tensors if t is not None]
    if not all(isinstance(t, Tensor) for t in present):
        return False
    dtype = present[0]._data.dtype
    return dtype.kind == "f" and all(t._data.dtype == dtype for t in present)


def _ints(value: Any, n: int, minimum: int) -> tuple[int, ...] | None:
    """``value`` (an int or a sequence of ``n`` ints, each >= minimum) as a tuple, else None."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,) * n
    if not isinstance(value, (tuple, list)) or len(value) != n:
        return None
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum for v in value):
        return None
    return tuple(int(v) for v in value)


def _conv_pads(padding: Any, kernel: tuple[int, ...], stride: tuple[int, ...],
               dilation: tuple[int, ...]) -> tuple[int, ...] | None:
    """(before, after) amounts per spatial dim for an int, a tuple, 'valid' or 'same'; None if unsupported."""
    if padding == "valid":
        return (0,) * (2 * len(kernel))
    if padding == "same":
        if any(s != 1 for s in stride):
            return None
        pads: tuple[int, ...] = ()
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            pads += (total // 2, total - total // 2)  # the odd one after, as PyTorch
        return pads
    sym = _ints(padding, len(kernel), 0)
    return None if sym is None else tuple(p for p in sym for _ in range(2))


def _conv_args(nd: int, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,  # noqa: A002
               dilation: Any, groups: Any) -> tuple | None:
    """(stride, pads, dilation, groups) as the conv kernels take them (2-d), or None if unsupported."""
    if not _same_float(input, weight, bias) or input.ndim != nd + 2 or weight.ndim != nd + 2:
        return None
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        return None
    o, cg = weight.shape[:2]
    if o % groups or input.shape[1] != cg * groups or (bias is not None and bias.shape != (o,)):
        return None
    kernel = tuple(weight.shape[2:])
    stride, dilation = _ints(stride, nd, 1), _ints(dilation, nd, 1)
    if stride is None or dilation is None:
        return None
    pads = _conv_pads(padding, kernel, stride, dilation)
    if pads is None:
        return None
    for size, k, s, d, i in zip(input.shape[2:], kernel, stride, dilation, range(nd)):
        if out_size(size, k, s, pads[2 * i] + pads[2 * i + 1], d) < 1:
            return None
    if nd == 1:  # a conv1d is a conv2d over images of height 1
        stride, dilation, pads = (1,) + stride, (1,) + dilation, (0, 0) + pads
    return stride, pads, dilation, int(groups)


def _conv(nd: int, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,  # noqa: A002
          dilation: Any, groups: Any) -> Any:
    args = _conv_args(nd, input, weight, bias, stride, padding, dilation, groups)
    if args is None:
        return NotImplemented
    stride, pads, dilation, groups = args
    return Conv2dNode.apply(input, weight, bias, stride=stride, pads=pads, dilation=dilation, groups=groups)


def _whole_windows(input: Any, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,  # noqa: A002
                   dilation: Any = 1) -> tuple[int, int] | None:
    """The kernel when pooling is non-overlapping (stride == kernel, no padding), else None."""
    if not _same_float(input) or input.ndim != 4:
        return None
    return _pool_kernel(input.shape[2:], kernel_size, stride, padding, ceil_mode, dilation)


def _pool_kernel(hw: tuple[int, ...], kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
                 dilation: Any) -> tuple[int, int] | None:
    """:func:`_whole_windows` for an input of height and width ``hw``."""
    kernel = _ints(kernel_size, 2, 1)
    stride = kernel if stride is None or stride == () or stride == [] else _ints(stride, 2, 1)
    if kernel is None or stride != kernel:
        return None
    if _ints(padding, 2, 0) != (0, 0) or _ints(dilation, 2, 1) != (1, 1):
        return None
    h, w = hw
    if h < kernel[0] or w < kernel[1]:
        return None
    if ceil_mode and (h % kernel[0] or w % kernel[1]):
        return None  # ceil_mode would add a partial window
    return kernel[0], kernel[1]  # _ints gave two


# --------------------------------------------------------------- public API


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Any:  # noqa: A002
    """``input @ weight.T + bias`` as one node.

    Example:
        >>> import mytorch.vector as mt
        >>> linear(mt.ones(2, 3), mt.ones(4, 3), mt.zeros(4)).shape
        mytorch.Size([2, 4])
    """
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)):
        return NotImplemented
    x, w = input._data, weight._data  # checked on the arrays: this runs for every layer of every step
    dtype = x.dtype
    if dtype.kind != "f" or w.dtype != dtype or w.ndim != 2 or x.ndim < 1 or x.shape[-1] != w.shape[1]:
        return NotImplemented
    if bias is not None and not (
        isinstance(bias, Tensor) and bias._data.dtype == dtype and bias._data.shape in ((w.shape[0],), ())
    ):
        return NotImplemented
    out = LinearNode.apply(input, weight, bias)
    if bias is None or x.ndim != 2:  # PyTorch's names: AddmmBackward0 (default), MmBackward0, ViewBackward0
        out._named("MmBackward0" if x.ndim == 2 else "ViewBackward0")
    return out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Any:
    """1D convolution of (N, C_in, L) with (C_out, C_in/groups, k).

    Example:
        >>> import mytorch.vector as mt
        >>> conv1d(mt.ones(1, 1, 5), mt.ones(1, 1, 3)).tolist()
        [[[3.0, 3.0, 3.0]]]
    """
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Any:
    """2D convolution of (N, C_in, H, W) with (C_out, C_in/groups, kh, kw).

    ``padding`` is an int, a pair, ``'valid'`` or ``'same'``.

    Example:
        >>> import mytorch.vector as mt
        >>> conv2d(mt.ones(1, 1, 3, 3), mt.ones(2, 1, 2, 2)).shape
        mytorch.Size([1, 2, 2, 2])
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over non-overlapping windows (stride == kernel_size, no padding); else NotImplemented.

    Example:
        >>> import mytorch.vector as mt
        >>> max_pool2d(mt.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
        [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    kernel = _whole_windows(input, kernel_size, stride, padding, ceil_mode, dilation)
    if kernel is None:
        return NotImplemented
    out = MaxPool2dNode.apply(input, kernel=kernel)
    if not return_indices:
        return out
    index = out.grad_fn.index if out.grad_fn is not None else _argmax_offsets(input._data, kernel)
    return out, Tensor._wrap(_flat_indices(index, kernel, input.shape[3]))


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Any:
    """Mean over non-overlapping windows (stride == kernel_size, no padding); else NotImplemented.

    Example:
        >>> import mytorch.vector as mt
        >>> avg_pool2d(mt.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
        [[[[2.5, 4.5], [10.5, 12.5]]]]
    """
    kernel = _whole_windows(input, kernel_size, stride, padding, ceil_mode)
    if kernel is None:
        return NotImplemented
    if divisor_override is not None and (not isinstance(divisor_override, int) or divisor_override == 0):
        return NotImplemented
    divisor = divisor_override if divisor_override is not None else kernel[0] * kernel[1]
    return AvgPool2dNode.apply(input, kernel=kernel, divisor=divisor)


def conv2d_relu_max_pool2d(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,  # noqa: A002
                           padding: Any, dilation: Any, groups: int, kernel_size: Any,
                           pool_stride: Any = None, pool_padding: Any = 0, pool_dilation: Any = 1,
                           ceil_mode: bool = False) -> Any:
    """``max_pool2d(relu(conv2d(input, ...)), kernel_size, ...)`` as one node (``fused_block``),
    for a non-overlapping pool; else NotImplemented.

    Example:
        >>> import mytorch.vector as mt
        >>> x = mt.arange(-8.0, 8.0).reshape(1, 1, 4, 4)
        >>> conv2d_relu_max_pool2d(x, mt.ones(1, 1, 1, 1), None, 1, 0, 1, 1, 2).tolist()
        [[[[0.0, 0.0], [5.0, 7.0]]]]
    """
    args = _conv_args(2, input, weight, bias, stride, padding, dilation, groups)
    if args is None:
        return NotImplemented
    stride, pads, dilation, groups = args
    hw = tuple(out_size(input.shape[2 + i], weight.shape[2 + i], stride[i], pads[2 * i] + pads[2 * i + 1],
                        dilation[i]) for i in range(2))
    kernel = _pool_kernel(hw, kernel_size, pool_stride, pool_padding, ceil_mode, pool_dilation)
    if kernel is None:
        return NotImplemented
    return ConvReluPoolNode.apply(input, weight, bias, stride=stride, pads=pads, dilation=dilation,
                                  groups=groups, kernel=kernel)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Any:
    """Cross-entropy of logits (N, C, ...) or (C,) with class indices or class probabilities.

    Example:
        >>> import mytorch.vector as mt
        >>> round(cross_entropy(mt.zeros(2, 4), mt.tensor([1, 3])).item(), 4)
        1.3863
    """
    # Called before nn.functional checks anything: accept only what is fully checked here.
    if size_average is not None or reduce is not None or reduction not in ("none", "mean", "sum"):
        return NotImplemented
    if not (isinstance(input, Tensor) and isinstance(target, Tensor)):
        return NotImplemented
    x, t = input._data, target._data
    if x.dtype.kind != "f" or x.ndim < 1 or not isinstance(label_smoothing, (int, float)):
        return NotImplemented
    if not 0.0 <= label_smoothing <= 1.0 or not isinstance(ignore_index, (int, np.integer)):
        return NotImplemented
    classes = x.shape[1] if x.ndim >= 2 else x.shape[0]
    if weight is not None and (
        not isinstance(weight, Tensor) or weight.requires_grad or weight._data.shape != (classes,)
    ):
        return NotImplemented
    kind = t.dtype.kind
    if kind == "f":
        if target.requires_grad or t.dtype != x.dtype or t.shape != x.shape:
            return NotImplemented
        may_ignore: bool | None = False
    elif kind in "iu" and t.shape == (x.shape[:1] + x.shape[2:] if x.ndim >= 2 else ()):
        may_ignore = _ignored_targets(t, classes, int(ignore_index))
        if may_ignore is None:
            return NotImplemented  # a class index out of range: nn.functional raises the error
    else:
        return NotImplemented
    out = CrossEntropyNode.apply(input, target, weight, ignore_index=int(ignore_index), reduction=reduction,
                                 label_smoothing=float(label_smoothing), may_ignore=may_ignore)
    node = out.grad_fn
    if node is not None and kind != "f" and label_smoothing == 0:
        # One node (21 us a step faster than two on the MLP benchmark), shown as PyTorch records
        # it: NllLossBackward0 over LogSoftmaxBackward0 (see CrossEntropyNode.next_functions).
        node._label = "NllLoss2DBackward0" if x.ndim > 2 else "NllLossBackward0"
    return out


def _ignored_targets(t: np.ndarray, classes: int, ignore_index: int) -> bool | None:
    """Whether some class index equals ``ignore_index``; None when one is out of range (and not ignored)."""
    if not t.size:
        return False
    # two cheap reductions (ufunc.reduce itself: ndarray.min/max add a Python wrapper): the usual case
    if np.minimum.reduce(t, axis=None) >= 0 and np.maximum.reduce(t, axis=None) < classes:
        return 0 <= ignore_index < classes and bool((t == ignore_index).any())
    ignored = t == ignore_index
    if ((t < 0) | (t >= classes))[~ignored].any():
        return None
    return bool(ignored.any())


# --------------------------------------------------------------- max-pool indices


def _argmax_offsets(x: np.ndarray, kernel: tuple[int, int]) -> np.ndarray:
    node = MaxPool2dNode.__new__(MaxPool2dNode)
    node.forward(x, kernel)
    return node.index


def _flat_indices(offsets: np.ndarray, kernel: tuple[int, int], width: int) -> np.ndarray:
    """PyTorch's max-pool indices: the flat ``h * W + w`` position of each window's maximum."""
    kh, kw = kernel
    oh, ow = offsets.shape[2:]
    rows = np.arange(oh)[:, None] * kh + offsets // kw
    cols = np.arange(ow)[None, :] * kw + offsets % kw
    return (rows * width + cols).astype(np.int64)


#: ``nn.functional``'s fast paths on this engine, by name: registering a kernel is one entry here.
KERNELS: dict[str, Any] = {
    "linear": linear,
    "conv1d": conv1d,
    "conv2d": conv2d,
    "max_pool2d": max_pool2d,
    "avg_pool2d": avg_pool2d,
    "conv2d_relu_max_pool2d": conv2d_relu_max_pool2d,
    "cross_entropy": cross_entropy,
    "gelu": gelu,
    "layer_norm": layer_norm,
    "scaled_dot_product_attention": scaled_dot_product_attention,
}
Tensor._fused_kernels = KERNELS
