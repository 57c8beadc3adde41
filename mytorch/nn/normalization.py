"""``LayerNorm``: normalise over the trailing ``normalized_shape`` dims of each sample.

Example:
    >>> import mytorch.vector as mt
    >>> mt.nn.LayerNorm(4)
    LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mytorch
from mytorch._errors import ShapeError

from . import functional as F
from . import init
from .functional._checks import check_tensor
from .module import Module
from .parameter import Parameter


class LayerNorm(Module):
    """(x - mean) / sqrt(var + eps) * weight + bias over the last ``len(normalized_shape)`` dims."""

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(mytorch.empty(*shape, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(mytorch.empty(*shape, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Any) -> Any:
        if not isinstance(input, mytorch.Tensor):  # repr() only for the error: it costs ~10 us a call
            check_tensor(repr(self), "input", input)
        k = len(self.normalized_shape)
        if tuple(input.shape[input.ndim - k :]) != self.normalized_shape or input.ndim < k:
            raise ShapeError(
                f"{self!r}: expected input with shape (*, {', '.join(map(str, self.normalized_shape))}), "
                f"got shape {tuple(input.shape)}"
            )
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )
