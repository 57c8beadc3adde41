"""``BatchNorm1d`` and ``BatchNorm2d``: batch statistics in training, running ones in eval.

Buffers ``running_mean``, ``running_var`` (updated with the unbiased batch
variance) and ``num_batches_tracked``, as in PyTorch (same state_dict keys).

Example:
    >>> import mytorch.vector as mt
    >>> bn = mt.nn.BatchNorm2d(8)
    >>> bn, [name for name, _ in bn.named_buffers()]
    (BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True), \
['running_mean', 'running_var', 'num_batches_tracked'])
"""

from __future__ import annotations

from typing import Any

import mytorch
from mytorch._errors import ShapeError

from . import functional as F
from . import init
from .functional._checks import check_tensor
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    _layout = ""
    _ndims: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(mytorch.empty(num_features, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(mytorch.empty(num_features, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", mytorch.zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", mytorch.ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", mytorch.tensor(0, dtype="int64", device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with mytorch.no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input(self, input: Any) -> None:
        check_tensor(repr(self), "input", input)
        if input.ndim not in self._ndims:  # a ValueError in PyTorch too
            raise ValueError(
                f"{self!r}: expected input of shape {self._layout}, got shape {tuple(input.shape)}"
            )
        if input.shape[1] != self.num_features:
            expected = self._layout.replace("C", str(self.num_features))
            raise ShapeError(
                f"{self!r}: expected input with {self.num_features} channels (shape {expected}), "
                f"got shape {tuple(input.shape)}"
            )

    def forward(self, input: Any) -> Any:
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with mytorch.no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L) inputs, per channel C."""

    _layout = "(N, C) or (N, C, L)"
    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, C, H, W) inputs, per channel C."""

    _layout = "(N, C, H, W)"
    _ndims = (4,)
