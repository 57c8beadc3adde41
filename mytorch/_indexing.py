"""PyTorch's indexing rules written as numpy keys, once for both engines.

numpy and PyTorch agree on most keys. They differ on one: an integer next to
an advanced index (an int array or a bool mask). numpy counts the integer as
an advanced index too, so ``a[0, :, [0, 1]]`` has two advanced indices split
by a slice, and numpy puts their broadcast dimension first: shape ``(2, 3)``
for ``a`` of shape ``(2, 3, 4)``. PyTorch first applies every integer as a
``select`` (a view), and only then the advanced indices, to what is left:
``a[0]`` is ``(3, 4)``, then ``[:, [0, 1]]`` gives ``(3, 2)``.

:func:`torch_index_steps` turns such a key into the two numpy keys PyTorch
applies one after the other: the basic part (ints, slices, None, Ellipsis),
then the advanced part on its result. Both engines index with the steps in
turn, so values, ``__setitem__`` and gradients all follow PyTorch.

Example:
    >>> import numpy as np
    >>> a = np.arange(24).reshape(2, 3, 4)
    >>> steps = torch_index_steps((0, slice(None), np.array([0, 1])))
    >>> out = a
    >>> for key in steps:
    ...     out = out[key]
    >>> out.shape
    (3, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np

_FULL = slice(None)


def _is_int(item: Any) -> bool:
    return isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_))


def is_basic_index(index: Any) -> bool:
    """True when ``index`` uses only ints, slices, None and Ellipsis (a view; no repeats possible)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(_is_int(i) or isinstance(i, (slice, type(None), type(Ellipsis))) for i in items)


def as_view_index(index: Any) -> tuple:
    """A basic index that gives a (0-d) array view even when it picks a single element.

    numpy returns a scalar copy for ``a[1]`` on a 1-d array, but a 0-d view for
    ``a[1, ...]``: PyTorch's ``t[1]`` is a view, so the engines index with the latter.
    """
    items = index if isinstance(index, tuple) else (index,)
    return items if any(i is Ellipsis for i in items) else (*items, Ellipsis)


def torch_index_steps(index: Any) -> tuple:
    """The numpy keys that, applied in turn, index as PyTorch does (one key when numpy agrees)."""
    items = index if isinstance(index, tuple) else (index,)
    advanced = [isinstance(i, np.ndarray) for i in items]
    if not any(advanced) or not any(_is_int(i) for i in items):
        return (index,)
    basic: list[Any] = []
    rest: list[Any] = []
    for item, is_advanced in zip(items, advanced):
        if is_advanced:
            basic.extend([_FULL] * (item.ndim if item.dtype == np.bool_ else 1))
            rest.append(item)
        elif _is_int(item):
            basic.append(item)  # applied as a select: its dimension is gone in the next step
        elif item is None:
            basic.append(None)
            rest.append(_FULL)  # the new dimension of size 1 is kept, and it separates
        elif item is Ellipsis:
            basic.append(Ellipsis)
            rest.append(Ellipsis)  # spans the same dimensions in both steps
        else:
            basic.append(item)
            rest.append(_FULL)
    return (as_view_index(tuple(basic)), tuple(rest))
