"""One random number generator shared by both engines.

``manual_seed(s)`` followed by the same creation calls gives identical values
on ``mytorch.micro`` and ``mytorch.vector``: both draw float64 numbers here
and each engine only casts them to its dtype.

Example:
    >>> _ = manual_seed(0); a = uniform(0.0, 1.0, (2,))
    >>> _ = manual_seed(0); bool((a == uniform(0.0, 1.0, (2,))).all())
    True
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the shared generator (both engines) and return it."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__} {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def generator() -> np.random.Generator:
    """The shared generator (valid until the next ``manual_seed``)."""
    return _generator


def uniform(low: float, high: float, shape: tuple[int, ...]) -> np.ndarray:
    """float64 samples from U[low, high)."""
    return _generator.uniform(low, high, size=shape)


def normal(mean: float, std: float, shape: tuple[int, ...]) -> np.ndarray:
    """float64 samples from N(mean, std**2)."""
    return _generator.normal(mean, std, size=shape)


def permutation(n: int) -> np.ndarray:
    """A random permutation of ``range(n)`` (int64)."""
    return _generator.permutation(n)
