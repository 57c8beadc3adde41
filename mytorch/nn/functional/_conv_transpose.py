"""``conv_transpose1d`` / ``conv_transpose2d``: the gradient of a convolution as a convolution.

The input is dilated by ``stride`` (zeros between elements), padded by
``dilation * (kernel - 1) - padding`` (plus ``output_padding`` at the end; a
negative amount crops), then convolved at stride 1 with the weight flipped and
with its two channel dims swapped per group. Built on ``conv1d``/``conv2d`` and
Tensor ops, so both engines share it, gradients included.

Example:
    >>> import mytorch.vector as mt
    >>> conv_transpose1d(mt.tensor([[[1.0, 2.0]]]), mt.tensor([[[1.0, 10.0]]]), stride=2).tolist()
    [[[1.0, 10.0, 2.0, 20.0]]]
"""

from __future__ import annotations

from typing import Any

import mytorch

from ._checks import check_optional_tensor, check_tensor, ntuple, shape_str
from ._conv import conv1d, conv2d
from ._padding import pad


def _dilate(x: Any, dim: int, stride: int) -> Any:
    """Insert ``stride - 1`` zeros between the elements along ``dim``."""
    n = x.shape[dim]
    if stride == 1 or n == 0:
        return x
    shape = list(x.shape)
    shape.insert(dim + 1, stride - 1)
    zeros = mytorch.zeros(*shape, dtype=x.dtype, device=x.device)
    merged = mytorch.cat([x.unsqueeze(dim + 1), zeros], dim + 1)
    flat = merged.reshape(*x.shape[:dim], n * stride, *x.shape[dim + 1 :])
    return flat.narrow(dim, 0, (n - 1) * stride + 1)


def _conv_transpose(
    name: str,
    nd: int,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
) -> Any:
    check_tensor(name, "input", input)
    check_tensor(name, "weight", weight)
    check_optional_tensor(name, "bias", bias)
    if input.ndim != nd + 2 or weight.ndim != nd + 2:
        raise ValueError(
            f"{name}(): expected a {nd + 2}-D input (N, C_in, ...) and weight (C_in, C_out/groups, ...), "
            f"got input {shape_str(input)} and weight {shape_str(weight)}"
        )
    stride = ntuple(stride, nd, "stride", minimum=1)
    padding = ntuple(padding, nd, "padding", minimum=0)
    output_padding = ntuple(output_padding, nd, "output_padding", minimum=0)
    dilation = ntuple(dilation, nd, "dilation", minimum=1)
    c_in = weight.shape[0]
    if groups < 1 or c_in % groups:
        raise ValueError(f"{name}(): groups={groups} must divide the weight's in_channels {c_in}")
    if input.shape[1] != c_in:
        raise ValueError(
            f"{name}(): input has {input.shape[1]} channels (shape {shape_str(input)}) but weight "
            f"{shape_str(weight)} expects {c_in}"
        )
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= max(s, d):
            raise ValueError(
                f"{name}(): output_padding {output_padding} must be smaller than stride {stride} or "
                f"dilation {dilation}"
            )
    kernel = tuple(weight.shape[2:])
    x = input
    for k in range(nd):
        x = _dilate(x, 2 + k, stride[k])
    amounts: list[int] = []
    for k in reversed(range(nd)):
        edge = dilation[k] * (kernel[k] - 1) - padding[k]
        amounts += [edge, edge + output_padding[k]]
    x = pad(x, amounts)
    c_out = weight.shape[1] * groups
    w = weight.reshape(groups, c_in // groups, weight.shape[1], *kernel).transpose(1, 2)
    w = w.reshape(c_out, c_in // groups, *kernel).flip(*range(2, 2 + nd))
    conv = conv1d if nd == 1 else conv2d
    return conv(x, w, bias, 1, 0, dilation, groups)


def conv_transpose1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Any:
    """Transposed 1D convolution: ``input`` (N, C_in, L), ``weight`` (C_in, C_out/groups, k)."""
    return _conv_transpose(
        "conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Any:
    """Transposed 2D convolution: ``input`` (N, C_in, H, W), ``weight`` (C_in, C_out/groups, kh, kw)."""
    return _conv_transpose(
        "conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups, dilation
    )
