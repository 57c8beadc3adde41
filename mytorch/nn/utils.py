"""``nn.utils``: gradient clipping and flattening parameters, as in ``torch.nn.utils``.

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([3.0, 4.0], requires_grad=True)
    >>> w.grad = mt.tensor([3.0, 4.0])
    >>> clip_grad_norm_([w], max_norm=1.0).item()  # the norm before clipping
    5.0
    >>> [round(g, 5) for g in w.grad.tolist()]
    [0.6, 0.8]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

import mytorch
from mytorch._tensor_base import TensorBase  # absolute: this file is also loaded as mytorch.micro.nn.utils

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _as_list(parameters: Any) -> list[Any]:
    return [parameters] if isinstance(parameters, TensorBase) else list(parameters)


def _vector_norm(x: np.ndarray, norm_type: float) -> np.ndarray:
    """The ``norm_type``-norm of all elements of ``x``, in ``x``'s dtype (a 0-d array)."""
    x = np.abs(x.ravel())
    if norm_type == math.inf:
        return x.max(initial=0).astype(x.dtype)
    if norm_type == -math.inf:
        return x.min().astype(x.dtype)
    if norm_type == 0:
        return np.asarray(np.count_nonzero(x), dtype=x.dtype)
    if norm_type == 1:
        return np.asarray(x.sum(), dtype=x.dtype)
    if norm_type == 2:
        return np.sqrt(np.dot(x, x))
    return np.asarray(np.sum(x**norm_type) ** (1.0 / norm_type), dtype=x.dtype)


def clip_grad_norm_(
    parameters: Any, max_norm: float, norm_type: float | str = 2.0, error_if_nonfinite: bool = False
) -> Any:
    """Scale the gradients of ``parameters`` in place so that their total norm is at most ``max_norm``.

    The total norm is taken over all gradients together, as if concatenated
    into one vector; every gradient is multiplied by
    ``min(1, max_norm / (total_norm + 1e-6))``. Parameters without a gradient
    are skipped.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` to clip.
        max_norm: the largest allowed total norm.
        norm_type: the p of the p-norm (default 2); ``float("inf")`` or "inf" for the max-norm.
        error_if_nonfinite: raise if the total norm is nan or inf (default False).

    Returns:
        The total norm before clipping, as a 0-d tensor.

    Example:
        >>> import mytorch.vector as mt
        >>> w = mt.ones(4, requires_grad=True); w.grad = mt.full((4,), 2.0)
        >>> clip_grad_norm_(w, 8.0).item(), w.grad.tolist()  # norm 4 <= 8: unchanged
        (4.0, [2.0, 2.0, 2.0, 2.0])
    """
    params = [p for p in _as_list(parameters) if p.grad is not None]
    norm_type = float(norm_type)
    max_norm = float(max_norm)
    if not params:
        return mytorch.tensor(0.0)
    grads = [p.grad._data for p in params]
    dtype = np.result_type(*grads)
    norms = np.stack([_vector_norm(g, norm_type) for g in grads]).astype(dtype)
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite "
            f"({float(total)}), so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    clip_coef = np.minimum(dtype.type(max_norm) / (total + dtype.type(1e-6)), dtype.type(1.0))
    for p, g in zip(params, grads):
        np.multiply(g, clip_coef.astype(g.dtype), out=g)
        p.grad._data = g
    return mytorch.tensor(np.asarray(total, dtype=dtype), device=params[0].device)


def clip_grad_value_(parameters: Any, clip_value: float) -> None:
    """Clamp every gradient element of ``parameters`` into ``[-clip_value, clip_value]``, in place.

    Example:
        >>> import mytorch.vector as mt
        >>> w = mt.zeros(3, requires_grad=True); w.grad = mt.tensor([-5.0, 0.5, 5.0])
        >>> clip_grad_value_([w], 1.0); w.grad.tolist()
        [-1.0, 0.5, 1.0]
    """
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is None:
            continue
        g = p.grad._data
        np.clip(g, -clip_value, clip_value, out=g)
        p.grad._data = g


def parameters_to_vector(parameters: Iterable[Any]) -> Any:
    """Flatten and concatenate parameters into one 1-d tensor (differentiable).

    Example:
        >>> import mytorch.vector as mt
        >>> parameters_to_vector([mt.ones(2, 2), mt.zeros(3)]).tolist()
        [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    """
    return mytorch.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Any, parameters: Iterable[Any]) -> None:
    """Copy slices of the 1-d tensor ``vec`` into ``parameters`` (inverse of ``parameters_to_vector``).

    Example:
        >>> import mytorch.vector as mt
        >>> a, b = mt.zeros(2), mt.zeros(1)
        >>> vector_to_parameters(mt.tensor([1.0, 2.0, 3.0]), [a, b]); a.tolist(), b.tolist()
        ([1.0, 2.0], [3.0])
    """
    params = list(parameters)
    values = np.asarray(vec._data)
    total = sum(int(np.prod(p.shape)) for p in params)
    if values.ndim != 1 or values.size != total:
        raise ValueError(
            f"vector_to_parameters: expected a 1-d vector of {total} elements (the parameters' total), "
            f"got shape {values.shape}"
        )
    offset = 0
    for p in params:
        d = p._data
        d[...] = values[offset : offset + d.size].reshape(d.shape)
        offset += d.size
        p._data = d
