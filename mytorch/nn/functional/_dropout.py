"""``dropout``: zero each element with probability ``p``, scale the rest by ``1 / (1 - p)``.

The mask comes from the generator shared by both engines, so ``manual_seed``
gives the same mask on ``mytorch.micro`` and ``mytorch.vector``.

Example:
    >>> import mytorch.vector as mt
    >>> dropout(mt.ones(3), p=0.5, training=False).tolist()
    [1.0, 1.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch import _random

from ._activation import _inplace
from ._checks import check_tensor


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """Randomly zero elements (training only); the identity when ``training=False``."""
    check_tensor("dropout", "input", input)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout(): p must be a probability in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    keep = _random.uniform(0.0, 1.0, tuple(input.shape)) >= p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    out = input * np.asarray(keep * scale, dtype=input.dtype)
    return _inplace(input, out, inplace)
