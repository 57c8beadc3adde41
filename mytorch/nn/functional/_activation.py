"""Activation functions, softmax family and ``linear``, as in ``torch.nn.functional``.

Example:
    >>> import mytorch.vector as mt
    >>> relu(mt.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import mytorch
from mytorch import _device
from mytorch._errors import ShapeError
from mytorch._grad_fn import recorded_as
from mytorch._tensor_base import check_same_float_dtype

from ..._erf import erf
from ._checks import check_optional_tensor, check_tensor, shape_str
from ._dispatch import try_fused


def _inplace(input: Any, out: Any, inplace: bool) -> Any:
    """For ``inplace=True``: write ``out`` into ``input`` (PyTorch's in-place variants) and return it."""
    if not inplace:
        return out
    return input.copy_(out)


def relu(input: Any, inplace: bool = False) -> Any:
    """max(x, 0) elementwise."""
    if not isinstance(input, mytorch.Tensor):
        check_tensor("relu", "input", input)  # raises the error
    out = input.relu()
    return input.copy_(out) if inplace else out


@recorded_as("LeakyReluBackward0")
def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Any:
    """x where x > 0, else negative_slope * x."""
    check_tensor("leaky_relu", "input", input)
    out = mytorch.where(np.asarray(input._data) > 0, input, input * negative_slope)
    return _inplace(input, out, inplace)


def sigmoid(input: Any) -> Any:
    return check_tensor("sigmoid", "input", input).sigmoid()


def tanh(input: Any) -> Any:
    return check_tensor("tanh", "input", input).tanh()


@recorded_as("SiluBackward0")
def silu(input: Any, inplace: bool = False) -> Any:
    """x * sigmoid(x) (also called swish)."""
    check_tensor("silu", "input", input)
    return _inplace(input, input * input.sigmoid(), inplace)


def gelu(input: Any, approximate: str = "none") -> Any:
    """x * Phi(x): exact with ``erf`` (``approximate='none'``) or the tanh approximation."""
    check_tensor("gelu", "input", input)
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")
    out = try_fused("gelu", input, approximate)  # the fused node is GeluBackward0 itself
    if out is NotImplemented:
        out = input._composite("GeluBackward0", lambda x: _gelu_composite(x, approximate), input)
    return out


def _gelu_composite(input: Any, approximate: str) -> Any:
    if approximate == "none":
        return input * 0.5 * (1 + erf(input * (1 / math.sqrt(2.0))))
    inner = (input + 0.044715 * input * input * input) * math.sqrt(2.0 / math.pi)
    return input * 0.5 * (1 + inner.tanh())


@recorded_as("SoftplusBackward0")
def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""
    check_tensor("softplus", "input", input)
    bx = input * beta
    data = np.asarray(bx._data)
    safe = bx.clamp(max=threshold)
    soft = (1 + safe.exp()).log() / beta
    return mytorch.where(data > threshold, input, soft)


def _softmax_dim(ndim: int) -> int:
    """PyTorch's legacy implicit dim when ``dim=None``."""
    return 0 if ndim in (0, 1, 3) else 1


def _cast(input: Any, dtype: Any) -> Any:
    return input if dtype is None else input.to(dtype)


def softmax(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Any:
    """exp(x) / sum(exp(x)) along ``dim``."""
    check_tensor("softmax", "input", input)
    return _cast(input, dtype).softmax(_softmax_dim(input.ndim) if dim is None else dim)


def log_softmax(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Any:
    """log(softmax(x)) along ``dim``, computed stably."""
    check_tensor("log_softmax", "input", input)
    return _cast(input, dtype).log_softmax(_softmax_dim(input.ndim) if dim is None else dim)


def linear(input: Any, weight: Any, bias: Any = None) -> Any:
    """``input @ weight.T + bias``; input (*, in_features), weight (out_features, in_features)."""
    # Every layer of every step comes here: the engine's kernel goes first and accepts only
    # arguments it has checked itself (see _dispatch); the rest is checked below, with messages.
    out = try_fused("linear", input, weight, bias)
    if out is NotImplemented:
        _check_linear(input, weight, bias)
        out = _linear_composite(input, weight, bias)
    return out


def _check_linear(input: Any, weight: Any, bias: Any) -> None:
    check_tensor("linear", "input", input)
    check_tensor("linear", "weight", weight)
    check_optional_tensor("linear", "bias", bias)
    _device.check_same("linear", (input, weight) if bias is None else (input, weight, bias))
    check_same_float_dtype("linear", np.dtype(input.dtype), np.dtype(weight.dtype))
    if bias is not None:
        check_same_float_dtype("linear (bias)", np.dtype(weight.dtype), np.dtype(bias.dtype))
    x_shape, w_shape = tuple(input.shape), tuple(weight.shape)
    if len(w_shape) not in (1, 2):
        raise ShapeError(f"linear(): weight must be 1D or 2D, got shape {w_shape}")
    if not x_shape or x_shape[-1] != w_shape[-1]:
        raise ShapeError(
            f"linear(): input has {x_shape[-1] if x_shape else 0} features in its last dim "
            f"(shape {x_shape}) but weight {w_shape} expects {w_shape[-1]}"
        )
    if bias is not None and tuple(bias.shape) not in (w_shape[:1] if len(w_shape) == 2 else (), ()):
        raise ShapeError(
            f"linear(): bias shape {shape_str(bias)} does not match weight's out_features "
            f"{w_shape[0] if len(w_shape) == 2 else 1}"
        )


def _linear_composite(input: Any, weight: Any, bias: Any = None) -> Any:
    if input.ndim != 2:
        name = "ViewBackward0"
    else:
        name = "MmBackward0" if bias is None else "AddmmBackward0"

    if bias is None:
        return input._composite(name, lambda x, w: x.matmul(w.t()), input, weight)
    # PyTorch's addmm(bias, input, weight.t()): the bias is the node's first input
    return input._composite(name, lambda b, x, w: x.matmul(w.t()) + b, bias, input, weight)
