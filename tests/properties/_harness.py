"""Run one function on vector, micro and PyTorch and compare values and gradients.

A property draws shapes (and keys, dims, op chains) with hypothesis and hands
``check`` a function ``fn(m, *tensors)`` written with names the three libraries
share. ``check`` then compares, in float64:

- vector against PyTorch (when installed): the output, and the gradients of
  ``sum(out * r)`` for a fixed random direction ``r``; rtol 1e-10 (float64 has
  ~1e-16 relative precision; the ops chained here lose at most a few digits);
- vector's gradients against central finite differences of the same scalar
  (step 1e-6: truncation error ~1e-12, rounding ~1e-10, so atol/rtol 1e-5);
- micro against vector for inputs of at most ``MICRO_MAX`` elements (the
  scalar engine is the exact reference: rtol 1e-10).

Inputs are standard normal draws from a seed that hypothesis chooses (no ties,
so the kinks of max/abs are never at finite-difference scale), or in [0.5, 2)
for ops that need a positive input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import mytorch.micro as micro
import mytorch.vector as vector

try:
    import torch
except ImportError:  # the PyTorch oracle is optional
    torch = None

MICRO_MAX = 48
RTOL = 1e-10
FD_STEP = 1e-6
FD_TOL = 1e-5


def draw_arrays(seed: int, shapes: Sequence[tuple[int, ...]], positive: bool = False) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if positive:
        return [rng.uniform(0.5, 2.0, s) for s in shapes]
    return [rng.standard_normal(s) for s in shapes]


def _numpy(t: Any) -> np.ndarray:
    t = t.detach() if hasattr(t, "detach") else t
    return np.asarray(t.detach().numpy(), dtype=np.float64)


def run(m: Any, fn: Callable[..., Any], arrays: Sequence[np.ndarray], grad: bool = True):
    """``(output, gradients)`` of ``fn`` on library ``m`` (gradients None where none arrived)."""
    inputs = [m.tensor(a, dtype=m.float64, requires_grad=grad) for a in arrays]
    out = fn(m, *inputs)
    out_np = _numpy(out)
    if not grad:
        return out_np, []
    direction = np.random.default_rng(1).standard_normal(out_np.shape)
    (out * m.tensor(direction, dtype=m.float64)).sum().backward()
    return out_np, [None if t.grad is None else _numpy(t.grad) for t in inputs]


def outcome(m: Any, fn: Callable[..., Any], arrays: Sequence[np.ndarray], grad: bool = True):
    """``run``, or ``("error", exception)`` when the library refuses the call."""
    try:
        return run(m, fn, arrays, grad)
    except (RuntimeError, ValueError, IndexError, TypeError) as exc:
        return "error", exc


def assert_close(found: np.ndarray, expected: np.ndarray, what: str, rtol: float = RTOL, atol: float = 1e-12):
    assert found.shape == expected.shape, f"{what}: shape {found.shape}, expected {expected.shape}"
    np.testing.assert_allclose(found, expected, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def _refused(result: tuple) -> bool:
    return isinstance(result[0], str)


def assert_same_outcome(a, b, names: str) -> None:
    """Both refused, or both gave the same output and gradients."""
    if _refused(a) or _refused(b):
        assert _refused(a) and _refused(b), f"{names}: one raised, the other did not: {a!r:.300} / {b!r:.300}"
        return
    assert_close(a[0], b[0], f"{names}: output")
    for i, (ga, gb) in enumerate(zip(a[1], b[1])):
        if ga is None or gb is None:
            assert ga is None and gb is None or np.all((ga if ga is not None else gb) == 0), (
                f"{names}: gradient {i} is None on one side only"
            )
            continue
        assert_close(ga, gb, f"{names}: gradient of input {i}")


def finite_difference_check(
    fn: Callable[..., Any], arrays: Sequence[np.ndarray], engine: Any = vector
) -> None:
    """``engine``'s gradients of ``sum(fn(x) * r)`` against central differences, element by element."""
    out, grads = run(engine, fn, arrays)
    if not np.all(np.isfinite(out)):
        return  # no derivative to compare where the function is not finite
    direction = np.random.default_rng(1).standard_normal(out.shape)

    def scalar(values: list[np.ndarray]) -> float:
        with engine.no_grad():
            y = fn(engine, *[engine.tensor(v, dtype=engine.float64) for v in values])
        return float(np.sum(_numpy(y) * direction))

    for i, a in enumerate(arrays):
        numeric = np.zeros_like(a)
        for j in np.ndindex(a.shape):
            plus = [v.copy() for v in arrays]
            minus = [v.copy() for v in arrays]
            plus[i][j] += FD_STEP
            minus[i][j] -= FD_STEP
            numeric[j] = (scalar(plus) - scalar(minus)) / (2 * FD_STEP)
        analytic = np.zeros_like(a) if grads[i] is None else grads[i]
        # Rounding in the scalar (~1e-16 of its terms' magnitude) divided by the step bounds the
        # difference quotient's absolute error: large outputs elsewhere widen it for every element.
        rounding = 1e-15 * float(np.abs(out * direction).sum()) / FD_STEP
        np.testing.assert_allclose(
            analytic, numeric, rtol=FD_TOL, atol=FD_TOL + rounding, err_msg=f"input {i}"
        )


def check(
    fn: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    grad: bool = True,
    fd: bool = True,
    micro_vs_vector: bool = True,
) -> None:
    """The three oracles of this module on ``fn`` (see the module docstring)."""
    vec = outcome(vector, fn, arrays, grad)
    if torch is not None:
        assert_same_outcome(vec, outcome(torch, fn, arrays, grad), "vector vs torch")
    if micro_vs_vector and sum(a.size for a in arrays) <= MICRO_MAX:
        assert_same_outcome(outcome(micro, fn, arrays, grad), vec, "micro vs vector")
    if grad and fd and not _refused(vec):
        finite_difference_check(fn, arrays)
