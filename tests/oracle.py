"""Run one op spec on a library and collect its output and input gradients.

Used by the vector, micro and PyTorch comparisons, so every engine is
exercised the same way: float64 inputs that require grad, then backward of
``sum(out * r)`` for a fixed random ``r`` (every output element matters).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from op_specs import OpSpec


def run_spec(m: Any, spec: OpSpec, seed: int = 0) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """Output and gradients (float64 numpy) of ``spec`` on library ``m``."""
    is_torch = m.__name__ == "torch"
    arrays = spec.arrays(seed)
    if is_torch:
        inputs = [m.tensor(a, dtype=m.float64, requires_grad=spec.grad) for a in arrays]
    else:
        inputs = [m.tensor(a, dtype=m.float64, requires_grad=spec.grad) for a in arrays]
    out = spec.fn(m, *inputs)
    out_np = np.asarray(out.detach().numpy(), dtype=np.float64)
    if not spec.grad:
        return out_np, []
    direction = np.random.default_rng(seed + 1).standard_normal(out_np.shape)
    r = m.tensor(direction, dtype=m.float64)
    (out * r).sum().backward()
    grads = []
    for t in inputs:
        g = t.grad
        grads.append(None if g is None else np.asarray(g.detach().numpy(), dtype=np.float64))
    return out_np, grads
