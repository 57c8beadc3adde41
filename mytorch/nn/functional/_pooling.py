"""``max_pool2d`` and ``avg_pool2d``: checks, fast path, and a window-gathering composite.

Output sizes follow PyTorch (``ceil_mode`` included). The composite pads
(with -inf for max, zeros for average), gathers every window with one
integer-array index as the convolution does, and reduces over it.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool2d(x, 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import mytorch

from ._checks import check_tensor, ntuple, shape_str
from ._conv import unfold2d
from ._dispatch import try_fused
from ._padding import pad


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool
) -> int:
    """PyTorch's pooling output size (a last window must start inside the input or left padding)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _pool_args(
    name: str,
    input: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
) -> tuple:
    check_tensor(name, "input", input)
    if input.ndim not in (3, 4):
        raise ValueError(
            f"{name}(): expected a 4D input (N, C, H, W) or 3D (C, H, W), got shape {shape_str(input)}"
        )
    kernel = ntuple(kernel_size, 2, "kernel_size", minimum=1)
    stride = kernel if stride is None or stride == [] or stride == () else ntuple(stride, 2, "stride", 1)
    padding = ntuple(padding, 2, "padding", minimum=0)
    dilation = ntuple(dilation, 2, "dilation", minimum=1)
    for p, k, d in zip(padding, kernel, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise ValueError(
                f"{name}(): padding {padding} must be at most half of the (dilated) kernel size {kernel}"
            )
    spatial = tuple(input.shape[-2:])
    out = tuple(
        pool_output_size(s, k, st, p, d, ceil_mode)
        for s, k, st, p, d in zip(spatial, kernel, stride, padding, dilation)
    )
    if min(out) < 1:
        raise ValueError(
            f"{name}(): input spatial size {spatial} is too small for kernel_size={kernel}, "
            f"stride={stride}, padding={padding}, dilation={dilation} (output size would be {out})"
        )
    return kernel, stride, padding, dilation, out


def _windows(x: Any, kernel, stride, padding, dilation, out, fill: float) -> Any:
    """(N, C, kh*kw, out_h, out_w): every window, padded with ``fill`` as far as the windows reach."""
    after = [
        max(0, (o - 1) * s + d * (k - 1) + 1 - (n + p))
        for n, k, s, p, d, o in zip(x.shape[2:], kernel, stride, padding, dilation, out)
    ]
    if any(padding) or any(after):
        x = pad(x, (padding[1], after[1], padding[0], after[0]), value=fill)
    patches = unfold2d(x, kernel, stride, dilation, out)
    n, c = x.shape[:2]
    return patches.reshape(n, c, kernel[0] * kernel[1], out[0], out[1])


def max_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The maximum of each ``kernel_size`` window (``stride`` defaults to ``kernel_size``).

    With ``return_indices=True`` also returns each maximum's flat index into the
    input's ``H * W`` plane, as PyTorch does.
    """
    kernel, stride, padding, dilation, out = _pool_args(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode
    )
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    result = try_fused(
        "max_pool2d", x, kernel, stride, padding, dilation, bool(ceil_mode), bool(return_indices)
    )
    if result is NotImplemented and return_indices:
        result = _max_pool2d_composite(x, kernel, stride, padding, dilation, ceil_mode, return_indices)
    elif result is NotImplemented:  # one node, as PyTorch's
        result = x._composite("MaxPool2DWithIndicesBackward0", lambda a: _max_pool2d_composite(
            a, kernel, stride, padding, dilation, ceil_mode), x)
    if unbatched:
        return tuple(r.squeeze(0) for r in result) if return_indices else result.squeeze(0)
    return result


def _max_pool2d_composite(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    kernel, stride, padding, dilation, out = _pool_args(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode
    )
    windows = _windows(input, kernel, stride, padding, dilation, out, -math.inf)
    values, where = windows.max(dim=2)
    if not return_indices:
        return values
    k = np.asarray(where._data)
    oh = np.arange(out[0])[:, None]
    ow = np.arange(out[1])[None, :]
    h = oh * stride[0] + (k // kernel[1]) * dilation[0] - padding[0]
    w = ow * stride[1] + (k % kernel[1]) * dilation[1] - padding[1]
    return values, mytorch.tensor((h * input.shape[3] + w).astype(np.int64), device=input.device)


def avg_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Any:
    """The mean of each ``kernel_size`` window (``stride`` defaults to ``kernel_size``).

    Zero padding counts in the divisor unless ``count_include_pad=False``;
    ``divisor_override`` replaces the divisor.
    """
    kernel, stride, padding, _, _ = _pool_args(
        "avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode
    )
    if divisor_override is not None and (not isinstance(divisor_override, int) or divisor_override == 0):
        raise ValueError(f"avg_pool2d(): divisor_override must be a non-zero int, got {divisor_override!r}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    result = try_fused(
        "avg_pool2d", x, kernel, stride, padding, bool(ceil_mode), bool(count_include_pad), divisor_override
    )
    if result is NotImplemented:
        result = x._composite("AvgPool2DBackward0", lambda a: _avg_pool2d_composite(  # one node, as PyTorch's
            a, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override), x)
    return result.squeeze(0) if unbatched else result


def avg_pool_divisor(
    size: tuple[int, int], kernel, stride, padding, out, count_include_pad: bool, divisor_override: int | None
) -> np.ndarray:
    """(out_h, out_w) divisors, as PyTorch computes them (padding counts; the ceil overhang never)."""
    if divisor_override is not None:
        return np.full(out, float(divisor_override))
    counts = []
    for n, k, s, p, o in zip(size, kernel, stride, padding, out):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(np.minimum(end, n) - np.maximum(start, 0))
    return (counts[0][:, None] * counts[1][None, :]).astype(np.float64)


def _avg_pool2d_composite(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Any:
    kernel, stride, padding, dilation, out = _pool_args(
        "avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode
    )
    windows = _windows(input, kernel, stride, padding, dilation, out, 0.0)
    divisor = avg_pool_divisor(
        tuple(input.shape[2:]), kernel, stride, padding, out, count_include_pad, divisor_override
    )
    return windows.sum(dim=2) / np.asarray(divisor, dtype=input.dtype)
