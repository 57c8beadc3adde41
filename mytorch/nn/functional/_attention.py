"""``scaled_dot_product_attention``, as ``torch.nn.functional`` computes it, with Tensor ops.

``softmax(q @ k^T * scale + mask) @ v``: a bool ``attn_mask`` says which positions
take part (True), a float one is added to the scores; ``is_causal`` masks the
upper triangle (top-left aligned, as PyTorch); ``enable_gqa`` repeats key/value
heads for grouped-query attention.

Example:
    >>> import mytorch.vector as mt
    >>> q = k = v = mt.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    >>> scaled_dot_product_attention(q, k, v, is_causal=True)[0, 0].tolist()
    [1.0, 0.0]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._checks import check_optional_tensor, check_tensor, shape_str
from ._dropout import dropout


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Any:
    """Attention of ``query`` (..., L, E) over ``key`` (..., S, E) and ``value`` (..., S, Ev)."""
    name = "scaled_dot_product_attention"
    for arg, t in (("query", query), ("key", key), ("value", value)):
        check_tensor(name, arg, t)
        if t.ndim < 2:
            raise ValueError(
                f"{name}(): {arg} needs at least 2 dims (..., sequence, features), got {shape_str(t)}"
            )
    check_optional_tensor(name, "attn_mask", attn_mask)
    q_shape, k_shape, v_shape = tuple(query.shape), tuple(key.shape), tuple(value.shape)
    if q_shape[-1] != k_shape[-1] or k_shape[-2] != v_shape[-2]:
        raise ValueError(
            f"{name}(): query {q_shape} and key {k_shape} need the same last dim, and key and value "
            f"{v_shape} the same sequence length (dim -2)"
        )
    if enable_gqa and query.ndim >= 3 and k_shape[-3] != q_shape[-3]:
        if q_shape[-3] % k_shape[-3]:
            raise ValueError(
                f"{name}(): with enable_gqa the query heads {q_shape[-3]} must be a multiple of the key "
                f"heads {k_shape[-3]}"
            )
        groups = q_shape[-3] // k_shape[-3]
        key = key.repeat_interleave(groups, dim=-3)
        value = value.repeat_interleave(groups, dim=-3)
    if is_causal and attn_mask is not None:
        raise ValueError(f"{name}(): pass either attn_mask or is_causal=True, not both")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{name}(): dropout_p must be a probability in [0, 1], got {dropout_p}")
    length, source = q_shape[-2], k_shape[-2]
    factor = 1.0 / math.sqrt(q_shape[-1]) if scale is None else scale
    scores = query.matmul(key.transpose(-2, -1)) * factor
    if is_causal:
        attn_mask = np.tril(np.ones((length, source), dtype=bool))
    if attn_mask is not None:
        mask = attn_mask if isinstance(attn_mask, np.ndarray) else np.asarray(attn_mask._data)
        try:
            np.broadcast_shapes(mask.shape, tuple(scores.shape))
        except ValueError:
            raise ValueError(
                f"{name}(): attn_mask of shape {mask.shape} cannot be broadcast to the attention scores "
                f"{tuple(scores.shape)}"
            ) from None
        if mask.dtype == np.bool_:
            scores = scores + scores._constant(np.where(mask, 0.0, -np.inf).astype(scores.dtype))
        else:
            scores = scores + attn_mask
    weights = scores.softmax(-1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, training=True)
    return weights.matmul(value)
