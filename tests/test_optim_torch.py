"""Every optimizer, under several option combinations, follows PyTorch's trajectory step for step.

Same initial parameters, same loss (tests/test_optim_common.py), 12 steps.
float64: the only differences are rounding in the gradient (~1e-16 relative)
and PyTorch's fused multiply-adds, so trajectories agree to ~1e-13; we assert
rtol 1e-10. float32: parameters and every state array stay float32, and the
trajectory agrees with PyTorch's float32 one to float32 precision (rtol 1e-5).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_optim_common import assert_trajectories_close, make_params, run

import mytorch.vector as mt
from mytorch import optim

torch = pytest.importorskip("torch")

STEPS = 12

CASES = {
    "SGD": [
        {"lr": 0.1},
        {"lr": 0.1, "momentum": 0.9},
        {"lr": 0.1, "momentum": 0.9, "dampening": 0.3},
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
        {"lr": 0.1, "weight_decay": 0.05},
        {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1, "nesterov": True},
        {"lr": 0.01, "momentum": 0.9, "maximize": True},
    ],
    "Adam": [
        {"lr": 0.05},
        {"lr": 0.05, "amsgrad": True},
        {"lr": 0.05, "weight_decay": 0.1},
        {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True},
        {"lr": 0.05, "betas": (0.3, 0.8), "eps": 1e-3},  # beta1 < 0.5: lerp's other branch
        {"lr": 0.01, "maximize": True},
    ],
    "AdamW": [
        {"lr": 0.05},
        {"lr": 0.05, "weight_decay": 0.2, "amsgrad": True},
        {"lr": 0.05, "betas": (0.5, 0.9), "weight_decay": 0.0},
        {"lr": 0.01, "maximize": True},
    ],
    "RMSprop": [
        {"lr": 0.01},
        {"lr": 0.01, "centered": True},
        {"lr": 0.01, "momentum": 0.9},
        {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1},
        {"lr": 0.02, "alpha": 0.5, "eps": 1e-4},
        {"lr": 0.01, "maximize": True, "centered": True},
    ],
    "Adagrad": [
        {"lr": 0.1},
        {"lr": 0.1, "lr_decay": 0.1},
        {"lr": 0.1, "weight_decay": 0.1},
        {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3},
        {"lr": 0.1, "maximize": True},
    ],
}

ALL = [(name, kw) for name, cases in CASES.items() for kw in cases]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, kw in ALL]


def _ours(name, kw):
    return lambda params: getattr(optim, name)(params, **kw)


def _theirs(name, kw):
    return lambda params: getattr(torch.optim, name)(params, **kw)


@pytest.mark.parametrize("name, kw", ALL, ids=IDS)
def test_trajectory_float64_matches_torch(name, kw):
    ours, params, opt = run(mt, _ours(name, kw), STEPS, mt.float64)
    theirs, tparams, topt = run(torch, _theirs(name, kw), STEPS, torch.float64)
    assert_trajectories_close(ours, theirs, rtol=1e-10, atol=1e-12)
    # the parameter without a gradient is skipped: unchanged and without state, as in PyTorch
    np.testing.assert_array_equal(params[4].detach().numpy(), make_params(mt, mt.float64)[4].detach().numpy())
    if name == "Adagrad":  # Adagrad makes its state up front; the skipped parameter's stays at step 0
        assert opt.state[params[4]]["step"] == topt.state[tparams[4]]["step"].item() == 0
    else:
        assert params[4] not in opt.state and tparams[4] not in topt.state


@pytest.mark.parametrize("name, kw", ALL, ids=IDS)
def test_state_matches_torch(name, kw):
    """Same state entries as PyTorch (names, step counts and buffer values) after the run."""
    _, params, opt = run(mt, _ours(name, kw), STEPS, mt.float64)
    _, tparams, topt = run(torch, _theirs(name, kw), STEPS, torch.float64)
    for p, tp in zip(params[:4], tparams[:4]):
        ours, theirs = opt.state[p], topt.state[tp]
        assert set(ours) == set(theirs)
        for key, value in theirs.items():
            if key == "step":
                assert ours[key] == value.item() == STEPS
            else:
                np.testing.assert_allclose(ours[key], value.detach().numpy(), rtol=1e-10, atol=1e-12,
                                           err_msg=key)
    ours_groups, theirs_groups = opt.state_dict()["param_groups"], topt.state_dict()["param_groups"]
    for g, tg in zip(ours_groups, theirs_groups):
        assert {k: tg[k] for k in g} == g  # our hyper-parameters are a subset of PyTorch's, same values


@pytest.mark.parametrize("name", CASES)
def test_options_change_the_trajectory(name):
    """Each option combination gives a different trajectory, so the comparisons above are not vacuous."""
    finals = [run(mt, _ours(name, kw), STEPS, mt.float64)[0][-1] for kw in CASES[name]]
    for (i, a), (j, b) in itertools.combinations(enumerate(finals), 2):
        diff = max(np.max(np.abs(x - y)) for x, y in zip(a, b))
        assert diff > 1e-6, f"{name} cases {CASES[name][i]} and {CASES[name][j]} give the same trajectory"


FLOAT32_CASES = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1}),
]


@pytest.mark.parametrize("name, kw", FLOAT32_CASES, ids=[c[0] for c in FLOAT32_CASES])
def test_float32_stays_float32_and_matches_torch(name, kw):
    ours, params, opt = run(mt, _ours(name, kw), STEPS, mt.float32)
    theirs, _, _ = run(torch, _theirs(name, kw), STEPS, torch.float32)
    for p in params:
        assert p.dtype == np.float32
    for p in params[:4]:
        assert p.grad.dtype == np.float32
        arrays = {k: v for k, v in opt.state[p].items() if isinstance(v, np.ndarray)}
        assert arrays, f"{name} keeps no state arrays?"
        for key, value in arrays.items():
            assert value.dtype == np.float32, f"state {key!r} is {value.dtype}"
    assert_trajectories_close(ours, theirs, rtol=1e-5, atol=1e-6)


def test_float32_with_numpy_float64_hyper_parameters_stays_float32():
    """A numpy float64 lr (e.g. from np.linspace) must not upcast float32 parameters or state."""
    p = mt.tensor(np.ones(3, np.float32), requires_grad=True)
    opt = optim.Adam([p], lr=np.float64(0.1), betas=(np.float64(0.9), np.float64(0.99)))
    opt.param_groups[0]["eps"] = np.float64(1e-8)
    p.grad = mt.tensor(np.full(3, 0.5, np.float32))
    array_before = p._data
    opt.step()
    assert p._data is array_before  # updated in place (vector engine: no copy per step)
    assert p.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, np.ndarray))


def test_param_groups_with_own_options_match_torch():
    def groups(params):
        return [
            {"params": params[:2], "lr": 0.2, "momentum": 0.5},
            {"params": params[2:], "nesterov": True, "weight_decay": 0.1},
        ]

    ours, _, _ = run(mt, lambda ps: optim.SGD(groups(ps), lr=0.05, momentum=0.9), STEPS, mt.float64)
    theirs, _, _ = run(
        torch, lambda ps: torch.optim.SGD(groups(ps), lr=0.05, momentum=0.9), STEPS, torch.float64
    )
    assert_trajectories_close(ours, theirs, rtol=1e-10, atol=1e-12)


def test_add_param_group_midway_matches_torch():
    def go(lib, make, dtype):
        params = make_params(lib, dtype)
        opt = make(params[:2])
        traj, _, _ = run(lib, None, 3, dtype, params=params, opt=opt)
        opt.add_param_group({"params": params[2:4], "lr": 0.01})
        traj += run(lib, None, 5, dtype, params=params, opt=opt)[0]
        return traj

    ours = go(mt, lambda ps: optim.Adam(ps, lr=0.05), mt.float64)
    theirs = go(torch, lambda ps: torch.optim.Adam(ps, lr=0.05), torch.float64)
    assert_trajectories_close(ours, theirs, rtol=1e-10, atol=1e-12)


def test_closure_is_evaluated_and_its_loss_returned():
    def go(lib, opt_cls, dtype):
        params = make_params(lib, dtype)
        opt = opt_cls(params, lr=0.05)
        from test_optim_common import loss_fn

        losses = []
        for _ in range(5):
            def closure():
                opt.zero_grad()
                loss = loss_fn(lib, params, dtype)
                loss.backward()
                return loss

            losses.append(opt.step(closure).item())
        return losses, [p.detach().numpy().copy() for p in params]

    ours_losses, ours_params = go(mt, optim.RMSprop, mt.float64)
    theirs_losses, theirs_params = go(torch, torch.optim.RMSprop, torch.float64)
    np.testing.assert_allclose(ours_losses, theirs_losses, rtol=1e-10)
    assert_trajectories_close([ours_params], [theirs_params], rtol=1e-10, atol=1e-12)
    assert ours_losses[-1] < ours_losses[0]


def test_defaults_match_torch():
    for name in CASES:
        ours = getattr(optim, name)(make_params(mt, mt.float64)).defaults
        theirs = getattr(torch.optim, name)(make_params(torch, torch.float64)).defaults
        assert {k: theirs[k] for k in ours} == ours, name
