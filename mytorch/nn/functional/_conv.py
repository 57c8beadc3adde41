"""``conv1d`` and ``conv2d``: argument checks, the fused fast path, and an im2col composite.

The composite gathers every receptive field with one integer-array index
(``x[:, :, rows, cols]`` gives ``(N, C, kh, kw, out_h, out_w)``), then one
batched matmul per group does the convolution. Written with Tensor ops only,
it runs (and differentiates) on both engines.

Example:
    >>> import mytorch.vector as mt
    >>> x, w = mt.ones(1, 1, 3, 3), mt.ones(1, 1, 2, 2)
    >>> conv2d(x, w).tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch._errors import ShapeError

from ._checks import as_node, check_optional_tensor, check_tensor, ntuple, shape_str
from ._dispatch import try_fused
from ._padding import pad

_LAYOUT = {1: "(N, C, L)", 2: "(N, C, H, W)"}


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def resolve_padding(
    name: str, padding: Any, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> tuple[tuple[int, ...], list[int] | None]:
    """``(symmetric padding, extra pad() amounts or None)`` for an int, a tuple, 'valid' or 'same'.

    'same' pads ``dilation * (kernel - 1)`` in total per dim, the odd element on
    the right/bottom as PyTorch does; an uneven split is returned as explicit
    ``pad()`` amounts to apply before a convolution with zero padding.
    """
    nd = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * nd, None
        if padding != "same":
            raise ValueError(f"{name}(): padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(
                f"{name}(): padding='same' is not supported for strided convolutions (stride={stride})"
            )
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        if all(t % 2 == 0 for t in totals):
            return tuple(t // 2 for t in totals), None
        amounts: list[int] = []
        for t in reversed(totals):  # pad() lists the last dim first
            amounts += [t // 2, t - t // 2]
        return (0,) * nd, amounts
    return ntuple(padding, nd, "padding", minimum=0), None


def _conv(
    name: str,
    nd: int,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Any:
    check_tensor(name, "input", input)
    check_tensor(name, "weight", weight)
    check_optional_tensor(name, "bias", bias)
    if weight.ndim != nd + 2:
        raise ShapeError(
            f"{name}(): weight must be {nd + 2}D (out_channels, in_channels/groups, *kernel), "
            f"got shape {shape_str(weight)}"
        )
    if not isinstance(groups, (int, np.integer)) or groups < 1 or weight.shape[0] % groups:
        raise ShapeError(
            f"{name}(): groups={groups} must be a positive int dividing out_channels={weight.shape[0]}"
        )
    in_channels = weight.shape[1] * groups
    check_conv_input(name, input, in_channels, nd)
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ShapeError(f"{name}(): bias must have shape ({weight.shape[0]},), got {shape_str(bias)}")
    kernel = tuple(weight.shape[2:])
    stride = ntuple(stride, nd, "stride", minimum=1)
    dilation = ntuple(dilation, nd, "dilation", minimum=1)
    padding, extra = resolve_padding(name, padding, kernel, stride, dilation)
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    if extra is not None:
        x = pad(x, extra)
    check_conv_size(name, x, kernel, padding, dilation)
    out = try_fused(name, x, weight, bias, stride, padding, dilation, int(groups))
    if out is NotImplemented:
        composite = _conv1d_composite if nd == 1 else _conv2d_composite

        def conv(a: Any, w: Any, *b: Any) -> Any:  # one node, as PyTorch's ConvolutionBackward0
            return composite(a, w, b[0] if b else None, stride, padding, dilation, int(groups))

        out = as_node("ConvolutionBackward0", conv, x, weight, bias)
    return out.squeeze(0) if unbatched else out


def check_conv_input(who: str, input: Any, in_channels: int, nd: int) -> None:
    """Raise a ValueError naming ``who`` when ``input`` has the wrong rank or channel count."""
    layout = _LAYOUT[nd]
    if input.ndim not in (nd + 1, nd + 2):
        raise ShapeError(
            f"{who}: expected a {nd + 2}D input {layout} (or {nd + 1}D without the batch dim), "
            f"got shape {shape_str(input)}"
        )
    channels = input.shape[0 if input.ndim == nd + 1 else 1]
    if channels != in_channels:
        expected = layout.replace("C", str(in_channels))
        raise ShapeError(
            f"{who}: expected input with {in_channels} channels (shape {expected}), "
            f"got shape {shape_str(input)}"
        )


def check_conv_size(
    name: str, x: Any, kernel: tuple[int, ...], padding: tuple[int, ...], dilation: tuple[int, ...]
) -> None:
    spatial = tuple(x.shape[2:])
    padded = tuple(s + 2 * p for s, p in zip(spatial, padding))
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < e for p, e in zip(padded, effective)):
        raise ShapeError(
            f"{name}(): the padded input size {padded} (input {spatial}, padding {padding}) is "
            f"smaller than the dilated kernel size {effective}"
        )


def conv1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Any:
    """1D convolution of ``input`` (N, C_in, L) with ``weight`` (C_out, C_in/groups, k)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Any:
    """2D convolution of ``input`` (N, C_in, H, W) with ``weight`` (C_out, C_in/groups, kh, kw).

    ``padding`` is an int, a pair, ``'valid'`` (none) or ``'same'`` (output size = input size).
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def window_indices(size: int, kernel: int, stride: int, dilation: int, out: int) -> np.ndarray:
    """``(kernel, out)`` positions: element ``[k, o]`` is ``o * stride + k * dilation``."""
    return (np.arange(kernel) * dilation)[:, None] + (np.arange(out) * stride)[None, :]


def unfold2d(
    x: Any,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    out_size: tuple[int, int],
) -> Any:
    """Every receptive field of ``x`` (N, C, H, W): shape (N, C, kh, kw, out_h, out_w)."""
    rows = window_indices(x.shape[2], kernel[0], stride[0], dilation[0], out_size[0])
    cols = window_indices(x.shape[3], kernel[1], stride[1], dilation[1], out_size[1])
    return x[:, :, rows[:, None, :, None], cols[None, :, None, :]]


def _conv2d_composite(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Any:
    """conv2d by im2col and a batched matmul (Tensor ops only: works on both engines)."""
    stride = ntuple(stride, 2, "stride", minimum=1)
    dilation = ntuple(dilation, 2, "dilation", minimum=1)
    padding = ntuple(padding, 2, "padding", minimum=0)
    if any(padding):
        input = pad(input, (padding[1], padding[1], padding[0], padding[0]))
    n, c, h, w = input.shape
    o, cg, kh, kw = weight.shape
    out_h = conv_output_size(h, kh, stride[0], 0, dilation[0])
    out_w = conv_output_size(w, kw, stride[1], 0, dilation[1])
    patches = unfold2d(input, (kh, kw), stride, dilation, (out_h, out_w))
    patches = patches.reshape(n, groups, cg * kh * kw, out_h * out_w)
    out = weight.reshape(groups, o // groups, cg * kh * kw).matmul(patches)
    out = out.reshape(n, o, out_h, out_w)
    return out if bias is None else out + bias.reshape(1, o, 1, 1)


def _conv1d_composite(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Any:
    """conv1d as a conv2d over a height-1 image."""
    stride = ntuple(stride, 1, "stride", minimum=1)
    dilation = ntuple(dilation, 1, "dilation", minimum=1)
    padding = ntuple(padding, 1, "padding", minimum=0)
    out = _conv2d_composite(
        input.unsqueeze(2),
        weight.unsqueeze(2),
        bias,
        (1, stride[0]),
        (0, padding[0]),
        (1, dilation[0]),
        groups,
    )
    return out.squeeze(2)
