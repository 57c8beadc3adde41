"""Adadelta, Adamax, NAdam, RAdam, ASGD and LBFGS follow PyTorch step for step, on both engines.

The problem and helpers are tests/test_optim_common.py's (a tiny tanh MLP, a
parameter without gradient that must be skipped). float64: trajectories agree
to ~1e-13; we assert rtol 1e-10 as tests/test_optim_torch.py does. PyTorch
keeps NAdam's ``mu_product`` and ASGD's ``eta``/``mu`` as scalar tensors of
float32 unless the default dtype is float64, so the PyTorch runs here set the
default dtype to float64 (the oracle then computes every scalar in float64,
as we do).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_optim_common import assert_trajectories_close, loss_fn, make_params, run

import mytorch.micro as mm
import mytorch.vector as mt
from mytorch import optim

torch = pytest.importorskip("torch")

STEPS = 12

CASES = {
    "Adadelta": [
        {},
        {"lr": 0.5, "rho": 0.5},
        {"lr": 1.0, "eps": 1e-3, "weight_decay": 0.1},
        {"lr": 0.5, "maximize": True},
    ],
    "Adamax": [
        {"lr": 0.05},
        {"lr": 0.05, "betas": (0.3, 0.8), "eps": 1e-3},  # beta1 < 0.5: lerp's other branch
        {"lr": 0.05, "weight_decay": 0.1},
        {"lr": 0.01, "maximize": True},
    ],
    "NAdam": [
        {"lr": 0.05},
        {"lr": 0.05, "momentum_decay": 0.1},
        {"lr": 0.05, "weight_decay": 0.1},
        {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.05, "betas": (0.3, 0.8), "eps": 1e-3},
        {"lr": 0.01, "maximize": True},
    ],
    "RAdam": [
        {"lr": 0.05},  # rho_t > 5 from step 6: both branches within 12 steps
        {"lr": 0.05, "betas": (0.9, 0.9)},  # rho_inf = 19
        {"lr": 0.05, "weight_decay": 0.1},
        {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.01, "maximize": True, "eps": 1e-3},
    ],
    "ASGD": [
        {"lr": 0.1},
        {"lr": 0.1, "t0": 3},  # averaging starts at step 4 (mu != 1)
        {"lr": 0.1, "lambd": 0.1, "alpha": 0.5, "t0": 5, "weight_decay": 0.05},
        {"lr": 0.05, "maximize": True},
    ],
}

ALL = [(name, kw) for name, cases in CASES.items() for kw in cases]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, kw in ALL]


@pytest.fixture(autouse=True)
def torch_float64_scalars():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def _ours(name, kw):
    return lambda params: getattr(optim, name)(params, **kw)


def _theirs(name, kw):
    return lambda params: getattr(torch.optim, name)(params, **kw)


@pytest.mark.parametrize("name, kw", ALL, ids=IDS)
def test_trajectory_float64_matches_torch(name, kw):
    ours, params, opt = run(mt, _ours(name, kw), STEPS, mt.float64)
    theirs, tparams, topt = run(torch, _theirs(name, kw), STEPS, torch.float64)
    assert_trajectories_close(ours, theirs, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(params[4].detach().numpy(), make_params(mt, mt.float64)[4].detach().numpy())
    assert params[4] not in opt.state and tparams[4] not in topt.state


@pytest.mark.parametrize("name, kw", ALL, ids=IDS)
def test_state_matches_torch(name, kw):
    """Same state entries as PyTorch (names, step counts, buffers, scalars) and hyper-parameters."""
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
    for g, tg in zip(opt.state_dict()["param_groups"], topt.state_dict()["param_groups"]):
        assert {k: tg[k] for k in g} == g


@pytest.mark.parametrize("name", CASES)
def test_options_change_the_trajectory(name):
    """Each option combination gives different parameters or state (ASGD's t0 moves only the average
    ``ax``), so the comparisons above are not vacuous."""
    finals = []
    for kw in CASES[name]:
        trajectory, params, opt = run(mt, _ours(name, kw), STEPS, mt.float64)
        state = [v for p in params[:4] for _, v in sorted(opt.state[p].items()) if isinstance(v, np.ndarray)]
        finals.append(trajectory[-1] + state)
    for (i, a), (j, b) in itertools.combinations(enumerate(finals), 2):
        diff = max(np.max(np.abs(x - y)) for x, y in zip(a, b))
        assert diff > 1e-6, f"{name} cases {CASES[name][i]} and {CASES[name][j]} give the same trajectory"


def test_defaults_match_torch():
    for name in CASES:
        ours = getattr(optim, name)(make_params(mt, mt.float64)).defaults
        theirs = getattr(torch.optim, name)(make_params(torch, torch.float64)).defaults
        assert {k: theirs[k] for k in ours} == ours, name
    ours = optim.LBFGS(make_params(mt, mt.float64)).defaults
    theirs = torch.optim.LBFGS(make_params(torch, torch.float64)).defaults
    assert ours == theirs


MICRO_CASES = [(name, cases[-1]) for name, cases in CASES.items()] + [("NAdam", CASES["NAdam"][3])]


@pytest.mark.parametrize("name, kw", MICRO_CASES, ids=[f"{n}-{kw}" for n, kw in MICRO_CASES])
def test_micro_trajectory_equals_vector_and_torch(name, kw):
    micro, params, _ = run(mm, _ours(name, kw), 8, mm.float64)
    vector, _, _ = run(mt, _ours(name, kw), 8, mt.float64)
    theirs, _, _ = run(torch, _theirs(name, kw), 8, torch.float64)
    assert all(isinstance(p, mm.Tensor) for p in params)
    assert_trajectories_close(micro, vector, rtol=1e-12, atol=1e-14)
    assert_trajectories_close(micro, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, kw", [(n, c[-2]) for n, c in CASES.items()], ids=list(CASES))
def test_state_dict_round_trip_continues_the_trajectory(name, kw):
    straight, _, _ = run(mt, _ours(name, kw), 8, mt.float64)
    first, params, opt = run(mt, _ours(name, kw), 4, mt.float64)
    fresh = [mt.tensor(p.detach().numpy(), dtype=mt.float64, requires_grad=True) for p in params]
    opt2 = getattr(optim, name)(fresh)
    opt2.load_state_dict(opt.state_dict())
    second, _, _ = run(mt, None, 4, mt.float64, params=fresh, opt=opt2)
    assert_trajectories_close(straight, first + second, rtol=0, atol=0)


def test_param_groups_with_own_options_match_torch():
    def groups(params):
        return [{"params": params[:2], "lr": 0.2, "momentum_decay": 0.01}, {"params": params[2:]}]

    ours, _, _ = run(mt, lambda ps: optim.NAdam(groups(ps), lr=0.05), STEPS, mt.float64)
    theirs, _, _ = run(torch, lambda ps: torch.optim.NAdam(groups(ps), lr=0.05), STEPS, torch.float64)
    assert_trajectories_close(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_float32_stays_float32_and_matches_torch(name):
    """float32 parameters keep float32 state and follow PyTorch's float32 run to float32 precision."""
    kw = CASES[name][-2]
    ours, params, opt = run(mt, _ours(name, kw), STEPS, mt.float32)
    theirs, _, _ = run(torch, _theirs(name, kw), STEPS, torch.float32)
    for p in params[:4]:
        assert p.dtype == np.float32
        arrays = {k: v for k, v in opt.state[p].items() if isinstance(v, np.ndarray)}
        assert arrays and all(v.dtype == np.float32 for v in arrays.values()), arrays
    assert_trajectories_close(ours, theirs, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------- LBFGS

LBFGS_CASES = [
    {"lr": 1.0, "max_iter": 5},
    {"lr": 0.5, "max_iter": 7, "history_size": 3},
    {"lr": 1.0, "max_iter": 6, "line_search_fn": "strong_wolfe"},
    {"lr": 1.0, "max_iter": 20, "history_size": 4, "line_search_fn": "strong_wolfe"},
    {"lr": 1.0, "max_iter": 20, "tolerance_grad": 1e-3, "tolerance_change": 1e-4},
]


def _lbfgs_run(lib, dtype, kw, steps, make=None, params=None, opt=None):
    params = make_params(lib, dtype) if params is None else params
    opt = (make or (lambda ps: lib_optim(lib).LBFGS(ps, **kw)))(params) if opt is None else opt
    losses, traj = [], []

    def closure():
        opt.zero_grad()
        loss = loss_fn(lib, params, dtype)
        loss.backward()
        return loss

    for _ in range(steps):
        losses.append(float(opt.step(closure).detach()))
        traj.append([p.detach().numpy().copy() for p in params])
    return losses, traj, params, opt


def lib_optim(lib):
    return torch.optim if lib is torch else optim


@pytest.mark.parametrize("kw", LBFGS_CASES, ids=[str(kw) for kw in LBFGS_CASES])
@pytest.mark.parametrize("engine", [mt, mm], ids=["vector", "micro"])
def test_lbfgs_matches_torch(engine, kw):
    steps = 3 if engine is mt else 2
    losses, traj, params, opt = _lbfgs_run(engine, engine.float64, kw, steps)
    tlosses, ttraj, tparams, topt = _lbfgs_run(torch, torch.float64, kw, steps)
    # Up to 60 quasi-Newton iterations amplify float64 rounding differences (~1e-12 after 20
    # iterations, ~1e-9 after 60), so looser than the first-order optimizers' 1e-10.
    np.testing.assert_allclose(losses, tlosses, rtol=1e-8)
    assert_trajectories_close(traj, ttraj, rtol=1e-7, atol=1e-8)
    ours, theirs = opt.state[params[0]], topt.state[tparams[0]]
    assert ours["func_evals"] == theirs["func_evals"] and ours["n_iter"] == theirs["n_iter"]
    assert len(ours["old_dirs"]) == len(theirs["old_dirs"])
    assert losses[-1] < losses[0]


def test_lbfgs_converges_on_a_quadratic_and_state_dict_round_trips():
    target = np.array([1.0, -2.0, 0.5])

    def make(w):
        opt = optim.LBFGS([w], line_search_fn="strong_wolfe", max_iter=4)

        def closure():
            opt.zero_grad()
            loss = ((w - mt.tensor(target)) ** 2 * mt.tensor([1.0, 10.0, 100.0])).sum()
            loss.backward()
            return loss

        return opt, closure

    w = mt.tensor(np.zeros(3), requires_grad=True)
    opt, closure = make(w)
    opt.step(closure)
    w2 = mt.tensor(w.detach().numpy(), requires_grad=True)
    opt2, closure2 = make(w2)
    opt2.load_state_dict(opt.state_dict())
    assert opt2.state[w2]["n_iter"] == opt.state[w]["n_iter"] > 1 and opt2.state[w2]["old_dirs"]
    for _ in range(3):
        opt.step(closure)
        opt2.step(closure2)
    np.testing.assert_array_equal(w2.detach().numpy(),
                                  w.detach().numpy())  # the loaded history steers the same way
    np.testing.assert_allclose(w.detach().numpy(), target, atol=1e-8)


def test_lbfgs_errors():
    p = make_params(mt, mt.float64)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": p[:2]}, {"params": p[2:]}])
    with pytest.raises(ValueError, match="line_search_fn .* 'wolfe'"):
        optim.LBFGS(p, line_search_fn="wolfe")
    with pytest.raises(ValueError, match="needs a closure"):
        optim.LBFGS(p).step()
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.LBFGS(p, lr=-1)


# --------------------------------------------------------------- bad hyper-parameters

BAD = [
    ("Adadelta", {"lr": -0.1}, "Invalid learning rate: -0.1"),
    ("Adadelta", {"rho": 1.5}, "Invalid rho value: 1.5"),
    ("Adadelta", {"eps": -1e-6}, "Invalid epsilon value: -1e-06"),
    ("Adadelta", {"weight_decay": -1}, "Invalid weight_decay value: -1"),
    ("Adamax", {"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0: 1.0"),
    ("Adamax", {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ("Adamax", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("NAdam", {"momentum_decay": -0.5}, "Invalid momentum_decay value: -0.5"),
    ("NAdam", {"lr": -2}, "Invalid learning rate: -2"),
    ("NAdam", {"weight_decay": -0.01}, "Invalid weight_decay value: -0.01"),
    ("RAdam", {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    ("RAdam", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ("ASGD", {"lr": -0.01}, "Invalid learning rate: -0.01"),
    ("ASGD", {"weight_decay": -3}, "Invalid weight_decay value: -3"),
]


@pytest.mark.parametrize("name, kw, message", BAD, ids=[f"{n}-{kw}" for n, kw, _ in BAD])
def test_bad_hyper_parameters_raise_as_torch(name, kw, message):
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)(make_params(mt, mt.float64), **kw)
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)(make_params(torch, torch.float64), **kw)
    assert str(ours.value) == str(theirs.value) == message
