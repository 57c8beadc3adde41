"""``Flatten`` (merge dims ``start_dim..end_dim``) and ``Unflatten``.

Example:
    >>> import mytorch.vector as mt
    >>> mt.nn.Flatten()(mt.zeros(2, 3, 4)).shape
    mytorch.Size([2, 12])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mytorch._tensor_base import normalize_dim

from .module import Module


class Flatten(Module):
    """Flatten dims ``start_dim`` to ``end_dim`` (by default all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Any) -> Any:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Any) -> Any:
        d = normalize_dim(self.dim, input.ndim)
        shape = tuple(input.shape)
        return input.reshape(shape[:d] + self.unflattened_size + shape[d + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
