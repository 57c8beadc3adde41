"""The shared problem the optimizer tests run on, plus a check that it is the same on every library.

A small MLP-like loss ``mean((tanh(x @ W1 + b1) @ W2 + b2 - y) ** 2)``, written
once against the common API of ``mytorch.vector``, ``mytorch.micro`` and
PyTorch. Each step: zero_grad, backward of the loss, optimizer.step. A fifth
parameter (``unused``) never enters the loss, so its ``.grad`` stays None and
the optimizer must skip it.

Other test modules import the helpers from here (tests/ is on sys.path).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import mytorch.vector as mt

SHAPES = [(3, 4), (4,), (4, 2), (2,)]


def initial_arrays(seed: int = 0) -> list[np.ndarray]:
    """Initial values of W1, b1, W2, b2, unused (float64)."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) * 0.7 for s in SHAPES] + [rng.standard_normal(3)]


def data(seed: int = 100) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((5, 3)), rng.standard_normal((5, 2))


def loss_fn(lib: Any, params: list[Any], dtype: Any) -> Any:
    """The loss on library ``lib`` (mytorch.vector, mytorch.micro or torch)."""
    x, y = data()
    xt, yt = lib.tensor(x, dtype=dtype), lib.tensor(y, dtype=dtype)
    w1, b1, w2, b2 = params[:4]
    h = (xt @ w1 + b1).tanh()
    return ((h @ w2 + b2 - yt) ** 2).mean()


def make_params(lib: Any, dtype: Any, seed: int = 0) -> list[Any]:
    return [lib.tensor(a, dtype=dtype, requires_grad=True) for a in initial_arrays(seed)]


def to_numpy(t: Any) -> np.ndarray:
    return np.array(t.detach().numpy(), copy=True)


def run(
    lib: Any,
    make_opt: Callable[[list[Any]], Any],
    steps: int,
    dtype: Any,
    params: list[Any] | None = None,
    opt: Any = None,
) -> tuple[list[list[np.ndarray]], list[Any], Any]:
    """``steps`` optimizer steps on the problem; the parameter values after each step (numpy copies)."""
    if params is None:
        params = make_params(lib, dtype)
    if opt is None:
        opt = make_opt(params)
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(lib, params, dtype).backward()
        opt.step()
        trajectory.append([to_numpy(p) for p in params])
    return trajectory, params, opt


def assert_trajectories_close(
    a: list[list[np.ndarray]], b: list[list[np.ndarray]], rtol: float, atol: float
) -> None:
    assert len(a) == len(b)
    for step, (pa, pb) in enumerate(zip(a, b)):
        for i, (x, y) in enumerate(zip(pa, pb)):
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=f"step {step + 1}, param {i}")


def test_loss_and_gradients_agree_with_torch():
    """The precondition of every trajectory comparison: same loss and gradients at the start."""
    torch = pytest.importorskip("torch")
    ours = make_params(mt, mt.float64)
    theirs = make_params(torch, torch.float64)
    lo, lt = loss_fn(mt, ours, mt.float64), loss_fn(torch, theirs, torch.float64)
    np.testing.assert_allclose(lo.item(), lt.item(), rtol=1e-14)
    lo.backward()
    lt.backward()
    for a, b in zip(ours[:4], theirs[:4]):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert ours[4].grad is None and theirs[4].grad is None
