"""``MultiheadAttention`` with PyTorch's parameters (``in_proj_weight``, ``in_proj_bias``, ``out_proj``).

Masks follow ``nn.MultiheadAttention``: a bool ``attn_mask`` / ``key_padding_mask``
is True where attention is *not* allowed; a float one is added to the scores.

Example:
    >>> import mytorch.vector as mt
    >>> mha = mt.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> out, weights = mha(mt.zeros(3, 5, 8), mt.zeros(3, 5, 8), mt.zeros(3, 5, 8))
    >>> out.shape, weights.shape
    (mytorch.Size([3, 5, 8]), mytorch.Size([3, 5, 5]))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import mytorch

from . import functional as F
from . import init
from .functional._checks import check_optional_tensor, check_tensor, shape_str
from .linear import Linear
from .module import Module
from .parameter import Parameter


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size ``embed_dim // num_heads``, then ``out_proj``."""

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if num_heads < 1 or embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim {embed_dim} must be divisible by num_heads {num_heads}"
            )
        if (
            add_bias_kv
            or add_zero_attn
            or (kdim or embed_dim) != embed_dim
            or (vdim or embed_dim) != embed_dim
        ):
            raise ValueError(
                "MultiheadAttention: add_bias_kv, add_zero_attn and kdim/vdim != embed_dim are not supported"
            )
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.dropout, self.batch_first = dropout, batch_first
        self.kdim = self.vdim = embed_dim
        self._qkv_same_embed_dim = True
        self.in_proj_weight = Parameter(mytorch.empty(3 * embed_dim, embed_dim, dtype=dtype, device=device))
        if bias:
            self.in_proj_bias = Parameter(mytorch.empty(3 * embed_dim, dtype=dtype, device=device))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        init.xavier_uniform_(self.in_proj_weight)
        if bias:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def _mask(self, name: str, mask: Any, shape: tuple[int, ...], scores: Any) -> Any:
        """``mask`` as an additive float array of ``shape`` (bool True: -inf)."""
        data = np.asarray(mask._data)
        try:
            data = np.broadcast_to(data, shape) if data.shape != shape else data
        except ValueError:
            raise ValueError(
                f"MultiheadAttention: {name} of shape {data.shape} does not fit {shape}"
            ) from None
        if data.dtype == np.bool_:
            return scores._constant(np.where(data, -np.inf, 0.0).astype(scores.dtype))
        return mask.reshape(shape) if tuple(mask.shape) != shape else mask

    def forward(
        self,
        query: Any,
        key: Any,
        value: Any,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple:
        for arg, t in (("query", query), ("key", key), ("value", value)):
            check_tensor("MultiheadAttention", arg, t)
        check_optional_tensor("MultiheadAttention", "key_padding_mask", key_padding_mask)
        check_optional_tensor("MultiheadAttention", "attn_mask", attn_mask)
        if is_causal and attn_mask is None:
            raise ValueError(
                "MultiheadAttention: is_causal=True is a hint and needs the causal attn_mask too"
            )
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(
                f"MultiheadAttention: query, key and value must all be 2-D (unbatched) or 3-D, got "
                f"{shape_str(query)}, {shape_str(key)}, {shape_str(value)}"
            )
        if not batched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            key_padding_mask = None if key_padding_mask is None else key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        length, batch, embed = query.shape
        source = key.shape[0]
        if embed != self.embed_dim or key.shape[2] != embed or value.shape[2] != embed:
            raise ValueError(
                f"MultiheadAttention: expected embed_dim {self.embed_dim} in the last dim, got query "
                f"{shape_str(query)}, key {shape_str(key)}, value {shape_str(value)}"
            )
        if tuple(key.shape[:2]) != tuple(value.shape[:2]) or key.shape[1] != batch:
            raise ValueError(
                f"MultiheadAttention: key {shape_str(key)} and value {shape_str(value)} do not match"
            )
        heads, dim = self.num_heads, self.head_dim
        w = self.in_proj_weight.chunk(3)
        b = self.in_proj_bias.chunk(3) if self.in_proj_bias is not None else (None, None, None)

        def split(x: Any, n: int) -> Any:  # (n, N, E) -> (N, H, n, D)
            return x.reshape(n, batch, heads, dim).permute(1, 2, 0, 3)

        q = split(F.linear(query, w[0], b[0]), length)
        k = split(F.linear(key, w[1], b[1]), source)
        v = split(F.linear(value, w[2], b[2]), source)
        scores = q.matmul(k.transpose(-2, -1)) * (1.0 / math.sqrt(dim))
        if attn_mask is not None:
            shape = (length, source) if attn_mask.ndim == 2 else (batch * heads, length, source)
            mask = self._mask("attn_mask", attn_mask, shape, scores)
            scores = scores + mask.reshape(batch, heads, length, source) if mask.ndim == 3 else scores + mask
        if key_padding_mask is not None:
            mask = self._mask("key_padding_mask", key_padding_mask, (batch, source), scores)
            scores = scores + mask.reshape(batch, 1, 1, source)
        weights = scores.softmax(-1)
        attended = F.dropout(weights, self.dropout, training=self.training) if self.dropout > 0 else weights
        out = attended.matmul(v).permute(2, 0, 1, 3).reshape(length, batch, embed)
        out = self.out_proj(out)
        if not batched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        weights = weights.mean(dim=1) if average_attn_weights else weights
        return out, (weights.squeeze(0) if not batched else weights)

    def extra_repr(self) -> str:
        return ""
