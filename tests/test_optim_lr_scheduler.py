"""Learning-rate schedulers: the lr sequence over 40 epochs equals PyTorch's, and state_dict round trips.

Both sides do the same Python float arithmetic, so sequences agree to the
last bit in practice; we allow 1e-13 relative.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import mytorch.vector as mt
from mytorch import optim
from mytorch.optim import lr_scheduler

torch = pytest.importorskip("torch")

EPOCHS = 40
LRS = (0.1, 0.03)

SCHEDULERS = [
    ("StepLR", {"step_size": 7}),
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [5, 12, 12, 30], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.93}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 13, "eta_min": 0.002}),
]
IDS = [f"{n}-{kw}" for n, kw in SCHEDULERS]


def _optimizers():
    ours = optim.SGD([{"params": [mt.zeros(1, requires_grad=True)], "lr": LRS[1]},
                      {"params": [mt.zeros(2, requires_grad=True)]}], lr=LRS[0], momentum=0.9)
    theirs = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": LRS[1]},
                              {"params": [torch.zeros(2, requires_grad=True)]}], lr=LRS[0], momentum=0.9)
    return ours, theirs


def _sequence(opt, sched, epochs=EPOCHS):
    out = []
    for _ in range(epochs):
        opt.step()
        sched.step()
        out.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups]))
    return out


def _assert_same(a, b):
    assert len(a) == len(b)
    for epoch, ((last_a, groups_a), (last_b, groups_b)) in enumerate(zip(a, b)):
        np.testing.assert_allclose(last_a, last_b, rtol=1e-13, err_msg=f"epoch {epoch}")
        np.testing.assert_allclose(groups_a, groups_b, rtol=1e-13, err_msg=f"epoch {epoch}")


@pytest.mark.parametrize("name, kw", SCHEDULERS, ids=IDS)
def test_lr_sequence_matches_torch(name, kw):
    ours_opt, theirs_opt = _optimizers()
    ours = getattr(lr_scheduler, name)(ours_opt, **kw)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kw)
    assert ours.get_last_lr() == theirs.get_last_lr() == list(LRS[::-1])
    seq = _sequence(ours_opt, ours)
    _assert_same(seq, _sequence(theirs_opt, theirs))
    assert len({tuple(s[0]) for s in seq}) > 3  # the schedule really moves


def test_cosine_follows_the_closed_form_within_a_period():
    opt, _ = _optimizers()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=20, eta_min=0.001)
    for t, (last, _) in enumerate(_sequence(opt, sched, 20), start=1):
        expected = 0.001 + (LRS[1] - 0.001) * (1 + math.cos(math.pi * t / 20)) / 2
        assert last[0] == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name, kw", SCHEDULERS, ids=IDS)
def test_step_with_epoch_uses_the_closed_form_like_torch(name, kw):
    ours_opt, theirs_opt = _optimizers()
    ours = getattr(lr_scheduler, name)(ours_opt, **kw)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (3, 17, 9, 25):
            ours_opt.step()
            theirs_opt.step()
            ours.step(epoch)
            theirs.step(epoch)
            np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-13)


@pytest.mark.parametrize("name, kw", SCHEDULERS, ids=IDS)
def test_state_dict_round_trip(name, kw):
    opt, _ = _optimizers()
    straight = _sequence(opt, getattr(lr_scheduler, name)(opt, **kw), 20)

    opt, _ = _optimizers()
    sched = getattr(lr_scheduler, name)(opt, **kw)
    first = _sequence(opt, sched, 10)
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in saved_sched
    opt2, _ = _optimizers()
    sched2 = getattr(lr_scheduler, name)(opt2, **kw)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    _assert_same(straight, first + _sequence(opt2, sched2, 10))


def test_resuming_with_last_epoch_needs_initial_lr():
    opt, _ = _optimizers()
    with pytest.raises(KeyError, match="initial_lr.*param_groups\\[0\\].*last_epoch=4"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=4)


def test_resuming_with_last_epoch_matches_torch():
    ours_opt, theirs_opt = _optimizers()
    for group in ours_opt.param_groups + theirs_opt.param_groups:
        group["initial_lr"] = 1.0
    ours = lr_scheduler.CosineAnnealingLR(ours_opt, T_max=10, last_epoch=4)
    theirs = torch.optim.lr_scheduler.CosineAnnealingLR(theirs_opt, T_max=10, last_epoch=4)
    _assert_same(_sequence(ours_opt, ours, 15), _sequence(theirs_opt, theirs, 15))


def test_warns_when_scheduler_steps_before_optimizer():
    opt, _ = _optimizers()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt, _ = _optimizers()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_not_an_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(TypeError, match="dict is not an Optimizer"):
        lr_scheduler.ReduceLROnPlateau({})


# ---------------------------------------------------------------- ReduceLROnPlateau

def _metrics(n=EPOCHS):
    """Improves, plateaus, improves slightly (below and above the threshold), then plateaus again."""
    values = [5.0, 4.0, 3.0, 3.0, 3.0, 3.0, 2.9999, 2.99, 2.99, 2.99, 2.99, 2.99, 2.5, 2.5]
    values += [2.5 + 0.01 * math.sin(i) for i in range(n - len(values))]
    return values


PLATEAU = [
    {},
    {"patience": 2},
    {"patience": 0, "factor": 0.5},
    {"patience": 1, "cooldown": 2, "factor": 0.5},
    {"patience": 1, "threshold": 0.05, "threshold_mode": "abs"},
    {"patience": 1, "threshold": 0.0, "factor": 0.5, "min_lr": [0.01, 0.001]},
    {"patience": 1, "factor": 0.5, "min_lr": 0.02, "eps": 1e-3},
    {"mode": "max", "patience": 1, "factor": 0.7},
    {"mode": "max", "patience": 2, "threshold_mode": "abs", "threshold": 0.5},
]


@pytest.mark.parametrize("kw", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_on_plateau_matches_torch(kw):
    ours_opt, theirs_opt = _optimizers()
    ours = lr_scheduler.ReduceLROnPlateau(ours_opt, **kw)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kw)
    sign = -1.0 if kw.get("mode") == "max" else 1.0
    seen = set()
    for m in _metrics():
        ours.step(sign * m)
        theirs.step(sign * m)
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-13)
        assert ours.num_bad_epochs == theirs.num_bad_epochs
        assert ours.cooldown_counter == theirs.cooldown_counter
        seen.add(tuple(ours.get_last_lr()))
    assert len(seen) > 1  # the lr was reduced at least once


def test_reduce_on_plateau_accepts_our_tensors_and_round_trips():
    opt, _ = _optimizers()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    for m in _metrics(20):
        sched.step(mt.tensor(m))
    saved = sched.state_dict()
    opt2, _ = _optimizers()
    sched2 = lr_scheduler.ReduceLROnPlateau(opt2, mode="max")
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(saved)
    assert sched2.mode == "min" and sched2.get_last_lr() == sched.get_last_lr()
    for m in _metrics()[20:]:
        sched.step(m)
        sched2.step(m)
        assert sched.get_last_lr() == sched2.get_last_lr()


def test_reduce_on_plateau_bad_arguments():
    opt, _ = _optimizers()
    with pytest.raises(ValueError, match="factor should be < 1.0, got 1.5"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'up'"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(ValueError, match="threshold_mode must be 'rel' or 'abs', got 'pct'"):
        lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="pct")
    with pytest.raises(ValueError, match="expected 2 min_lrs \\(one per parameter group\\), got 3"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0, 0, 0])
