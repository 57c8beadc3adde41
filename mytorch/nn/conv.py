"""``Conv1d`` and ``Conv2d`` with PyTorch's arguments, defaults, initialisation and repr.

Example:
    >>> import mytorch.vector as mt
    >>> conv = mt.nn.Conv2d(3, 8, 3, padding=1)
    >>> conv, conv(mt.zeros(2, 3, 28, 28)).shape
    (Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)), mytorch.Size([2, 8, 28, 28]))
"""

from __future__ import annotations

import math
from typing import Any

import mytorch

from . import functional as F
from . import init
from .functional._checks import check_tensor, ntuple
from .functional._conv import check_conv_input
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _nd = 0

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
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
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = ntuple(kernel_size, nd, "kernel_size", minimum=1)
        self.stride = ntuple(stride, nd, "stride", minimum=1)
        self.dilation = ntuple(dilation, nd, "dilation", minimum=1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"{name}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}"
                )
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            self.padding: str | tuple[int, ...] = padding
        else:
            self.padding = ntuple(padding, nd, "padding", minimum=0)
        self.groups = groups
        self.padding_mode = padding_mode
        self.output_padding = (0,) * nd
        self.transposed = False
        shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(mytorch.empty(*shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(mytorch.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self: Module) -> None:  # shared by _ConvTransposeNd
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _check_input(self, input: Any) -> None:
        check_tensor(repr(self), "input", input)
        check_conv_input(repr(self), input, self.in_channels, self._nd)

    def _padding_amounts(self) -> list[int]:
        """``pad()`` amounts (last dim first) for a non-zero ``padding_mode``, as PyTorch computes them."""
        amounts: list[int] = []
        for i in reversed(range(self._nd)):
            if isinstance(self.padding, str) and self.padding == "valid":
                before = after = 0
            elif isinstance(self.padding, str):  # 'same'
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                before, after = total // 2, total - total // 2
            else:
                before = after = self.padding[i]
            amounts += [before, after]
        return amounts

    def _conv_forward(self, input: Any, fn: Any) -> Any:
        self._check_input(input)
        padding: str | tuple[int, ...] | int = self.padding
        if self.padding_mode != "zeros":
            input = F.pad(input, self._padding_amounts(), mode=self.padding_mode)
            padding = 0
        return fn(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1D convolution over (N, C_in, L) inputs."""

    _nd = 1

    def forward(self, input: Any) -> Any:
        return self._conv_forward(input, F.conv1d)


class Conv2d(_ConvNd):
    """2D convolution over (N, C_in, H, W) inputs: stride, padding (int, tuple, 'same', 'valid'),
    dilation, groups, bias and padding_mode as in PyTorch."""

    _nd = 2

    def forward(self, input: Any) -> Any:
        return self._conv_forward(input, F.conv2d)
