"""Scratch buffers reused across training steps, so large temporaries skip the page faults of fresh memory.

A training step allocates the same large temporaries every time (a conv's
im2col columns, its column gradient). Arrays of a few MB are served by
``mmap``, so every fresh one costs a page fault per 4 KB page on first touch,
more than the copy that fills it. A :class:`ScratchPool` keeps a few buffers
per (shape, dtype) that their user handed back once it was done with them,
and serves them to the next request of that shape. Only arrays that never
escape their user go through a pool (saved columns are returned when the
node frees its saved values), and each pool holds at most ``per_key`` buffers
for at most ``keys`` shapes, so memory stays bounded by a step's temporaries.

Example:
    >>> pool = ScratchPool()
    >>> a = pool.take((2, 3), np.dtype(np.float32)); pool.give(a)
    >>> pool.take((2, 3), np.dtype(np.float32)) is a
    True
"""

from __future__ import annotations

import numpy as np


class ScratchPool:
    """Free buffers by (shape, dtype): ``take`` one (or a new ``np.empty``), ``give`` it back when done."""

    def __init__(self, per_key: int = 2, keys: int = 16) -> None:
        self.per_key, self.keys = per_key, keys
        self._free: dict[tuple, list[np.ndarray]] = {}

    def take(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """An uninitialised C-contiguous array of ``shape`` and ``dtype`` that nobody else holds."""
        free = self._free.get((shape, dtype))
        return free.pop() if free else np.empty(shape, dtype=dtype)

    def give(self, a: np.ndarray) -> None:
        """Hand back ``a`` (from :meth:`take`); the caller must not use it afterwards."""
        key = (a.shape, a.dtype)
        free = self._free.get(key)
        if free is None:
            if len(self._free) >= self.keys:
                self._free.clear()  # a model with many shapes: start over rather than grow
            free = self._free[key] = []
        if len(free) < self.per_key and not any(b is a for b in free):  # never hand one out twice
            free.append(a)
