"""Finite-difference gradient checking, written once for both engines.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([0.5, -1.0], dtype=mt.float64, requires_grad=True)
    >>> gradcheck(lambda t: (t * t.exp()).sum(), (x,))
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._tensor_base import TensorBase


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when analytic and numeric gradients disagree."""


def _excess_error(analytic: float, numeric: float, atol: float, rtol: float) -> float:
    """How far ``analytic`` is outside the tolerance around ``numeric`` (<= 0: they agree).

    A NaN on either side never agrees, and an inf agrees only with the same inf: the
    rules of PyTorch's gradcheck (``allclose``), so a backward that returns NaN fails.
    """
    if math.isfinite(analytic) and math.isfinite(numeric):
        return abs(analytic - numeric) - (atol + rtol * abs(numeric))
    return 0.0 if analytic == numeric else math.inf


def _as_outputs(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Compare backward's gradients with central differences, in float64.

    The outputs are projected on a fixed random direction ``r``, so one
    backward gives the gradient of ``sum(r * fn(inputs))`` for every input
    element; each element is then checked against
    ``(f(x + eps) - f(x - eps)) / (2 eps)``. On failure the error names the
    worst element: input, index, analytic and numeric values.
    """
    inputs = tuple(inputs)
    positions = [i for i, x in enumerate(inputs) if isinstance(x, TensorBase) and x.requires_grad]
    tensors = [inputs[i] for i in positions]
    if not tensors:
        raise ValueError("gradcheck: no input requires grad")
    for t in tensors:
        if np.dtype(t.dtype) != np.float64:
            raise TypeError(f"gradcheck needs float64 inputs for accuracy, got {t.dtype}")
    engine = type(tensors[0])._engine
    rng = np.random.default_rng(seed)
    outputs = _as_outputs(fn(*inputs))
    directions = [rng.standard_normal(tuple(o.shape)) for o in outputs]

    def projected(values: Sequence[Any]) -> float:
        with engine.no_grad():
            outs = _as_outputs(fn(*values))
        return float(sum((np.asarray(o._data, np.float64) * r).sum() for o, r in zip(outs, directions)))

    total = None
    for o, r in zip(outputs, directions):
        if o.requires_grad:
            term = (o * engine.tensor(r, dtype=o.dtype)).sum()
            total = term if total is None else total + term
    if total is None:
        raise ValueError("gradcheck: no output requires grad")
    analytic = engine.autograd.grad(total, tensors, allow_unused=True)

    worst: tuple[float, Any] = (0.0, None)  # the largest excess error and where it is
    for pos, t, g in zip(positions, tensors, analytic):
        base = np.array(t._data, dtype=np.float64)
        g_arr = np.zeros_like(base) if g is None else np.asarray(g._data, np.float64)
        for idx in np.ndindex(base.shape):
            values = list(inputs)
            plus, minus = base.copy(), base.copy()
            plus[idx] += eps
            minus[idx] -= eps
            values[pos] = engine.tensor(plus, dtype=np.float64)
            f_plus = projected(values)
            values[pos] = engine.tensor(minus, dtype=np.float64)
            f_minus = projected(values)
            numeric = (f_plus - f_minus) / (2 * eps)
            err = _excess_error(float(g_arr[idx]), numeric, atol, rtol)
            if err > worst[0]:
                worst = (err, (pos, idx, float(g_arr[idx]), numeric))
    if worst[1] is None:
        return True
    pos, idx, a, n = worst[1]
    message = (
        f"gradcheck failed: input {pos} element {idx}: analytic {a!r} vs numeric {n!r} "
        f"(atol {atol}, rtol {rtol})"
    )
    if raise_exception:
        raise GradcheckError(message)
    return False
