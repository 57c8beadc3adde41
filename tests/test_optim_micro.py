"""The optimizers are engine-agnostic: on ``mytorch.micro`` tensors they follow the vector trajectory.

Both engines compute the same float64 loss and gradients (to ~1e-16), and the
optimizer runs the same numpy update on ``p.data`` (for micro: a fresh array,
written back by ``p.data = d``), so trajectories agree to rtol 1e-12.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from test_optim_common import assert_trajectories_close, make_params, run

import mytorch.vector as mt
from mytorch import optim

try:
    mm = importlib.import_module("mytorch.micro")
except ImportError as exc:  # pragma: no cover - depends on the tree's state
    pytest.skip(f"mytorch.micro cannot be imported: {exc}", allow_module_level=True)
if not hasattr(mm, "tensor"):
    pytest.skip(
        "mytorch.micro cannot be imported as an engine yet (no mytorch/micro/__init__.py "
        "defining tensor)",
        allow_module_level=True,
    )

CASES = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "dampening": 0.2, "maximize": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.2}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.1}),
]


@pytest.mark.parametrize("name, kw", CASES, ids=[f"{n}-{kw}" for n, kw in CASES])
def test_micro_trajectory_equals_vector(name, kw):
    make = lambda ps: getattr(optim, name)(ps, **kw)  # noqa: E731
    micro, params, opt = run(mm, make, 12, mm.float64)
    vector, _, _ = run(mt, make, 12, mt.float64)
    assert_trajectories_close(micro, vector, rtol=1e-12, atol=1e-14)
    assert all(isinstance(p, mm.Tensor) for p in params)
    np.testing.assert_array_equal(params[4].detach().numpy(), make_params(mt, mt.float64)[4].detach().numpy())


def test_micro_state_dict_round_trip():
    straight, _, _ = run(mm, lambda ps: optim.Adam(ps, lr=0.05), 6, mm.float64)
    first, params, opt = run(mm, lambda ps: optim.Adam(ps, lr=0.05), 3, mm.float64)
    fresh = [mm.tensor(p.detach().numpy(), dtype=mm.float64, requires_grad=True) for p in params]
    opt2 = optim.Adam(fresh)
    opt2.load_state_dict(opt.state_dict())
    second, _, _ = run(mm, None, 3, mm.float64, params=fresh, opt=opt2)
    assert_trajectories_close(straight, first + second, rtol=0, atol=0)


def test_micro_zero_grad_and_clip_grad_norm():
    utils_micro = importlib.import_module("mytorch.micro.nn.utils")
    utils_vector = importlib.import_module("mytorch.nn.utils")
    grads = [np.random.default_rng(3).standard_normal(s) for s in [(2, 3), (4,)]]
    pm = [mm.tensor(np.zeros_like(g), dtype=mm.float64, requires_grad=True) for g in grads]
    pv = [mt.tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    for p, q, g in zip(pm, pv, grads):
        p.grad = mm.tensor(g, dtype=mm.float64)
        q.grad = mt.tensor(g)
    total_m = utils_micro.clip_grad_norm_(pm, 0.5)
    total_v = utils_vector.clip_grad_norm_(pv, 0.5)
    assert isinstance(total_m, mm.Tensor)
    assert total_m.item() == pytest.approx(total_v.item(), rel=1e-14)
    for p, q in zip(pm, pv):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-14)
    opt = optim.SGD(pm)
    opt.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in pm)
    opt.zero_grad()
    assert all(p.grad is None for p in pm)
