"""``batch_norm`` and ``layer_norm`` from Tensor ops (mean, biased variance, sqrt).

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([[1.0], [3.0]])
    >>> batch_norm(x, None, None, training=True, eps=0.0).tolist()
    [[-1.0], [1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mytorch

from ._checks import as_node, check_optional_tensor, check_tensor, shape_str
from ._dispatch import try_fused


def _check_channel_vector(name: str, arg: str, value: Any, channels: int) -> None:
    if value is not None and tuple(value.shape) != (channels,):
        raise ValueError(f"{name}(): {arg} must have shape ({channels},), got {shape_str(value)}")


def batch_norm(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Any:
    """Normalise each channel (dim 1) by its batch statistics (training) or the running ones (eval).

    In training the running statistics, when given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch``, with the
    unbiased batch variance, as PyTorch does.
    """
    check_tensor("batch_norm", "input", input)
    for arg, value in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        check_optional_tensor("batch_norm", arg, value)
    if input.ndim < 2:
        raise ValueError(
            f"batch_norm(): expected an input of at least 2 dims (N, C, ...), got {shape_str(input)}"
        )
    channels = input.shape[1]
    for arg, value in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        _check_channel_vector("batch_norm", arg, value, channels)
    dims = (0,) + tuple(range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)
    count = input.numel() // max(channels, 1)
    if training and count <= 1:
        raise ValueError(
            f"batch_norm(): expected more than 1 value per channel when training, got input of "
            f"shape {shape_str(input)}"
        )
    if not training and (running_mean is None or running_var is None):
        raise ValueError("batch_norm(): running_mean and running_var are required when training=False")

    def norm(x: Any, *affine: Any) -> Any:  # one node, as PyTorch's NativeBatchNormBackward0
        w = affine[0] if weight is not None else None
        b = affine[-1] if bias is not None else None
        return _batch_norm_steps(x, running_mean, running_var, w, b, training, momentum, eps, dims, shape,
                                 count)

    return as_node("NativeBatchNormBackward0", norm, input, weight, bias)


def _batch_norm_steps(input: Any, running_mean: Any, running_var: Any, weight: Any, bias: Any, training: bool,
                      momentum: float, eps: float, dims: tuple, shape: tuple, count: int) -> Any:
    channels = shape[1]
    if training:
        mean = input.mean(dim=dims, keepdim=True)
        var = input.var(dim=dims, keepdim=True, correction=0)
        with mytorch.no_grad():
            if running_mean is not None:
                running_mean.copy_(running_mean * (1 - momentum) + mean.detach().reshape(channels) * momentum)
            if running_var is not None:
                unbiased = var.detach().reshape(channels) * (count / (count - 1))
                running_var.copy_(running_var * (1 - momentum) + unbiased * momentum)
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (input - mean) / (var + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(
    input: Any,
    normalized_shape: Sequence[int],
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Any:
    """Normalise over the last ``len(normalized_shape)`` dims (biased variance), then scale and shift."""
    check_tensor("layer_norm", "input", input)
    check_optional_tensor("layer_norm", "weight", weight)
    check_optional_tensor("layer_norm", "bias", bias)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(input.shape[input.ndim - k :]) != shape or input.ndim < k:
        raise ValueError(
            f"layer_norm(): expected input with shape (*, {', '.join(map(str, shape))}), "
            f"got shape {shape_str(input)}"
        )
    for arg, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != shape:
            raise ValueError(f"layer_norm(): {arg} must have shape {shape}, got {shape_str(value)}")
    out = try_fused("layer_norm", input, shape, weight, bias, eps)
    if out is not NotImplemented:
        return out
    dims = tuple(range(input.ndim - k, input.ndim))

    def norm(x: Any, *affine: Any) -> Any:  # one node, as PyTorch's NativeLayerNormBackward0
        mean = x.mean(dim=dims, keepdim=True)
        var = x.var(dim=dims, keepdim=True, correction=0)
        out = (x - mean) / (var + eps).sqrt()
        if weight is not None:
            out = out * affine[0]
        if bias is not None:
            out = out + affine[-1]
        return out

    return as_node("NativeLayerNormBackward0", norm, input, weight, bias)


__all__ = ["batch_norm", "layer_norm"]
