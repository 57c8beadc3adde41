"""In-place numpy helpers that round like PyTorch's CPU kernels.

Example:
    >>> import numpy as np
    >>> a = np.array([0.0, 1.0]); _ = lerp_(a, np.array([10.0, 10.0]), 0.1); a.tolist()
    [1.0, 1.9]
"""

from __future__ import annotations

import numpy as np


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """``start += weight * (end - start)`` in place, with PyTorch's formula choice for ``weight >= 0.5``."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        # end - (end - start) * (1 - weight), written into start
        diff = end - start
        diff *= 1.0 - weight
        np.subtract(end, diff, out=start)
    return start
