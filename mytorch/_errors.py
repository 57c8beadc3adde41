"""The error raised when shapes (or dims) do not fit an op.

PyTorch raises ``RuntimeError`` for a shape that does not fit (matmul, reshape,
permute, cat, conv, broadcasting), so PyTorch programs catch ``RuntimeError``;
MyTorch raised ``ValueError`` with a clearer message. :class:`ShapeError` is both,
so ``except RuntimeError`` and ``except ValueError`` each catch it.

Example:
    >>> import mytorch.vector as mt
    >>> try:
    ...     mt.ones(2, 3) @ mt.ones(2, 3)
    ... except RuntimeError as e:
    ...     print(type(e).__name__, isinstance(e, ValueError))
    ShapeError True
"""

from __future__ import annotations


class ShapeError(RuntimeError, ValueError):
    """Shapes or dims that do not fit an op: a ``RuntimeError`` (as PyTorch) and a ``ValueError``."""
