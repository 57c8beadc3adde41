"""More activations of ``torch.nn.functional`` (ELU family, hard activations, mish, ...) and ``normalize``.

Each is a composite of Tensor ops, with PyTorch's gradient at the kinks (the
hard activations pass gradient strictly inside their linear range only).

Example:
    >>> import mytorch.vector as mt
    >>> relu6(mt.tensor([-1.0, 3.0, 7.0])).tolist(), hardtanh(mt.tensor([-2.0, 0.5])).tolist()
    ([0.0, 3.0, 6.0], [-1.0, 0.5])
"""

from __future__ import annotations

from typing import Any

import numpy as np

import mytorch
from mytorch._grad_fn import recorded_as
from mytorch._tensor_base import normalize_dim

from ._activation import _inplace, softplus
from ._checks import check_tensor

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _x(name: str, input: Any) -> Any:
    """The checked input, as a floating tensor."""
    check_tensor(name, "input", input)
    return input._floating()


def _numbers(x: Any) -> np.ndarray:
    return np.asarray(x._data)


@recorded_as("EluBackward0")
def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    """x for x > 0, else ``alpha * (exp(x) - 1)``."""
    x = _x("elu", input)
    negative = x.clamp(max=0).expm1() * alpha
    return _inplace(input, mytorch.where(_numbers(x) > 0, x, negative), inplace)


@recorded_as("EluBackward0")
def selu(input: Any, inplace: bool = False) -> Any:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return _inplace(input, elu(_x("selu", input), _SELU_ALPHA) * _SELU_SCALE, inplace)


@recorded_as("CeluBackward0")
def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    """x for x > 0, else ``alpha * (exp(x / alpha) - 1)``."""
    if alpha == 0:
        raise ValueError("celu(): alpha must not be 0 (it divides the input)")
    x = _x("celu", input)
    negative = (x.clamp(max=0) / alpha).expm1() * alpha
    return _inplace(input, mytorch.where(_numbers(x) > 0, x, negative), inplace)


def _inside(x: Any, lo: float, hi: float, inner: Any, below: float, above: float) -> Any:
    """``inner`` strictly inside (lo, hi), the constants ``below``/``above`` outside (no gradient)."""
    data = _numbers(x)
    outside = np.where(data <= lo, below, above).astype(data.dtype)
    return mytorch.where((data > lo) & (data < hi), inner, mytorch.tensor(outside, device=x.device))


@recorded_as("HardtanhBackward0")
def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Any:
    """x clamped to [min_val, max_val]; the gradient is 1 strictly inside, else 0 (PyTorch)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh(): min_val {min_val} must be <= max_val {max_val}")
    x = _x("hardtanh", input)
    return _inplace(input, _inside(x, min_val, max_val, x, min_val, max_val), inplace)


@recorded_as("HardtanhBackward0")
def relu6(input: Any, inplace: bool = False) -> Any:
    """``min(max(x, 0), 6)``."""
    _x("relu6", input)
    return hardtanh(input, 0.0, 6.0, inplace)


@recorded_as("HardsigmoidBackward0")
def hardsigmoid(input: Any, inplace: bool = False) -> Any:
    """0 for x <= -3, 1 for x >= 3, ``x / 6 + 1 / 2`` between."""
    x = _x("hardsigmoid", input)
    return _inplace(input, _inside(x, -3.0, 3.0, x / 6 + 0.5, 0.0, 1.0), inplace)


@recorded_as("HardswishBackward0")
def hardswish(input: Any, inplace: bool = False) -> Any:
    """0 for x <= -3, x for x >= 3, ``x * (x + 3) / 6`` between (PyTorch's gradient at both ends)."""
    x = _x("hardswish", input)
    data = _numbers(x)
    middle = mytorch.where(data < 3, x * (x + 3) / 6, x)
    zeros = mytorch.tensor(np.zeros_like(data), device=x.device)
    return _inplace(input, mytorch.where(data <= -3, zeros, middle), inplace)


@recorded_as("MishBackward0")
def mish(input: Any, inplace: bool = False) -> Any:
    """``x * tanh(softplus(x))``."""
    x = _x("mish", input)
    return _inplace(input, x * softplus(x).tanh(), inplace)


def softsign(input: Any) -> Any:
    """``x / (1 + |x|)``."""
    x = _x("softsign", input)
    return x / (1 + x.abs())


@recorded_as("LogSigmoidBackward0")
def logsigmoid(input: Any) -> Any:
    """``log(sigmoid(x))``, accurate for large |x| (``x - log1p(e^x)`` for x < 0, else ``-log1p(e^-x)``)."""
    x = _x("logsigmoid", input)
    negative = x.clamp(max=0)
    positive = x.clamp(min=0)
    return mytorch.where(_numbers(x) < 0, negative - negative.exp().log1p(), -(-positive).exp().log1p())


def tanhshrink(input: Any) -> Any:
    """``x - tanh(x)``."""
    x = _x("tanhshrink", input)
    return x - x.tanh()


def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Any:
    """``input / max(||input||_p, eps)`` along ``dim`` (the norm of a zero vector has gradient 0, as PyTorch).

    Example:
        >>> import mytorch.vector as mt
        >>> normalize(mt.tensor([[3.0, 4.0]])).tolist()
        [[0.6000000238418579, 0.800000011920929]]
    """
    x = _x("normalize", input)
    if not p > 0:
        raise ValueError(f"normalize(): p must be positive, got {p}")
    d = normalize_dim(dim, x.ndim)
    data = _numbers(x)
    zero = ~np.any(data != 0, axis=d if x.ndim else None, keepdims=True)
    safe = mytorch.where(zero, mytorch.tensor(np.ones_like(data), device=x.device), x) if zero.any() else x
    if p == 2:
        norm = (safe * safe).sum(dim=d, keepdim=True).sqrt()
    elif p == 1:
        norm = safe.abs().sum(dim=d, keepdim=True)
    elif p == float("inf"):
        norm = safe.abs().amax(dim=d, keepdim=True)
    else:
        norm = (safe.abs() ** p).sum(dim=d, keepdim=True) ** (1.0 / p)
    if zero.any():  # ||0|| is 0 with a zero gradient, as PyTorch's norm
        norm = mytorch.where(zero, mytorch.tensor(np.zeros(zero.shape, data.dtype), device=x.device), norm)
    return x / norm.clamp(min=eps)
