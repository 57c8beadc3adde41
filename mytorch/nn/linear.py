"""``Linear`` (y = x W^T + b, PyTorch's default initialisation) and ``Identity``.

Example:
    >>> import mytorch.vector as mt
    >>> mt.manual_seed(0); layer = mt.nn.Linear(13, 32)
    >>> layer, layer(mt.zeros(4, 13)).shape
    (Linear(in_features=13, out_features=32, bias=True), mytorch.Size([4, 32]))
"""

from __future__ import annotations

import math
from typing import Any

import mytorch
from mytorch._errors import ShapeError

from . import functional as F
from . import init
from .functional._checks import check_tensor
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """Returns its input unchanged (arguments are accepted and ignored, as in PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Linear(Module):
    """Affine map of the last dim: input ``(*, in_features)`` -> ``(*, out_features)``.

    Weight ``(out_features, in_features)`` from ``kaiming_uniform_(a=sqrt(5))``,
    i.e. U(-1/sqrt(in), 1/sqrt(in)), and bias from the same range, as PyTorch.
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(mytorch.empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(mytorch.empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Any) -> Any:
        if not isinstance(input, mytorch.Tensor):
            check_tensor(repr(self), "input", input)
        shape = input.shape
        if not shape or shape[-1] != self.in_features:
            raise ShapeError(
                f"{self!r}: expected input with {self.in_features} features in the last dim "
                f"(shape (*, {self.in_features})), got shape {tuple(input.shape)}"
            )
        params = self._parameters  # read directly: ``self.weight`` goes through __getattr__ (~1 us)
        try:
            weight, bias = params["weight"], params["bias"]
        except KeyError:  # replaced by a plain attribute (a reparametrisation): the usual lookup
            weight, bias = self.weight, self.bias
        return F.linear(input, weight, bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )
