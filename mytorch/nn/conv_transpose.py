"""``ConvTranspose1d`` and ``ConvTranspose2d`` with PyTorch's arguments, weight layout, init and repr.

Example:
    >>> import mytorch.vector as mt
    >>> up = mt.nn.ConvTranspose2d(8, 3, 2, stride=2)
    >>> up, up(mt.zeros(1, 8, 4, 4)).shape
    (ConvTranspose2d(8, 3, kernel_size=(2, 2), stride=(2, 2)), mytorch.Size([1, 3, 8, 8]))
"""

from __future__ import annotations

from typing import Any

import mytorch

from . import functional as F
from .conv import _ConvNd
from .functional._checks import ntuple
from .module import Module
from .parameter import Parameter


class _ConvTransposeNd(Module):
    _nd = 0

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        nd = self._nd
        name = type(self).__name__
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: groups={groups} must divide in_channels={in_channels} "
                f"and out_channels={out_channels}"
            )
        if padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = ntuple(kernel_size, nd, "kernel_size", minimum=1)
        self.stride = ntuple(stride, nd, "stride", minimum=1)
        self.padding = ntuple(padding, nd, "padding", minimum=0)
        self.output_padding = ntuple(output_padding, nd, "output_padding", minimum=0)
        self.dilation = ntuple(dilation, nd, "dilation", minimum=1)
        self.padding_mode = padding_mode
        self.transposed = True
        shape = (in_channels, out_channels // groups) + self.kernel_size
        self.weight = Parameter(mytorch.empty(*shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(mytorch.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    # PyTorch's init for both: kaiming-uniform weight, bias uniform in +-1/sqrt(fan_in)
    reset_parameters = _ConvNd.reset_parameters

    def extra_repr(self) -> str:
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s

    def _forward(self, input: Any, fn: Any) -> Any:
        return fn(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1D convolution over (N, C_in, L) inputs."""

    _nd = 1

    def forward(self, input: Any) -> Any:
        return self._forward(input, F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2D convolution over (N, C_in, H, W) inputs (the upsampling layer of U-Nets and GANs)."""

    _nd = 2

    def forward(self, input: Any) -> Any:
        return self._forward(input, F.conv_transpose2d)
