"""``Dropout``: active in training mode, the identity after ``eval()``.

Example:
    >>> import mytorch.vector as mt
    >>> drop = mt.nn.Dropout(0.5).eval()
    >>> drop(mt.ones(3)).tolist()
    [1.0, 1.0, 1.0]
"""

from __future__ import annotations

from typing import Any

from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (training only)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Any) -> Any:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
