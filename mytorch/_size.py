"""``Size``: what ``Tensor.size()`` returns, a tuple of dims with PyTorch's ``torch.Size`` behaviour.

Example:
    >>> import mytorch.vector as mt
    >>> s = mt.zeros(3, 4).size()
    >>> s, s.numel(), s == (3, 4), s[1:]
    (mytorch.Size([3, 4]), 12, True, mytorch.Size([4]))
"""

from __future__ import annotations

import math
from typing import Any, SupportsIndex, overload


class Size(tuple):
    """A tuple of ints (``torch.Size``): compares equal to a plain tuple, slices stay a Size."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"mytorch.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        """The number of elements of a tensor of this size."""
        return math.prod(self)

    @overload
    def __getitem__(self, index: SupportsIndex) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> Size: ...
    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Size:  # Size + tuple is a Size
        return Size(tuple(self) + tuple(other))
