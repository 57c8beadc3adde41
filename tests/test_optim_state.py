"""Optimizer bookkeeping: state_dict round trips, parameter groups, zero_grad, and bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_optim_common import make_params, run

import mytorch.vector as mt
from mytorch import optim

CONFIGS = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
]


@pytest.mark.parametrize("name, kw", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_state_dict_round_trip_continues_the_same_trajectory(name, kw):
    """Save after 5 steps, load into a fresh optimizer (other lr) on fresh parameters, run 5 more."""
    cls = getattr(optim, name)
    straight, _, _ = run(mt, lambda ps: cls(ps, **kw), 10, mt.float64)

    first, params, opt = run(mt, lambda ps: cls(ps, **kw), 5, mt.float64)
    saved = opt.state_dict()
    fresh = [mt.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    opt2 = cls(fresh, lr=123.0)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kw["lr"]
    second, _, _ = run(mt, None, 5, mt.float64, params=fresh, opt=opt2)
    for a, b in zip(straight, first + second):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)  # the same operations in the same order: bit-identical


@pytest.mark.parametrize("name, kw", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_state_dict_is_a_copy(name, kw):
    _, params, opt = run(mt, lambda ps: getattr(optim, name)(ps, **kw), 3, mt.float64)
    saved = opt.state_dict()
    frozen = {i: {k: np.array(v, copy=True) for k, v in s.items()} for i, s in saved["state"].items()}
    run(mt, None, 2, mt.float64, params=params, opt=opt)
    for i, s in saved["state"].items():
        for k, v in s.items():
            np.testing.assert_array_equal(v, frozen[i][k], err_msg=f"param {i} state {k!r} changed")
    loaded = getattr(optim, name)(params, **kw)
    loaded.load_state_dict(saved)
    run(mt, None, 1, mt.float64, params=params, opt=loaded)
    for i, s in saved["state"].items():  # loading copies too: stepping the loaded optimizer leaves it alone
        for k, v in s.items():
            np.testing.assert_array_equal(v, frozen[i][k])


def test_state_dict_layout_uses_indices_through_all_groups():
    a, b, c = (mt.zeros(n, requires_grad=True) for n in (1, 2, 3))
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    for p in (a, c):
        p.grad = mt.ones(p.shape[0])
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sorted(sd["state"]) == [0, 2]  # b had no gradient: no state
    np.testing.assert_array_equal(sd["state"][2]["momentum_buffer"], np.ones(3, np.float32))
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["momentum"] == 0.9


def test_load_state_dict_casts_state_to_the_parameter_dtype():
    p64 = mt.tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([p64])
    p64.grad = mt.tensor(np.ones(2))
    opt.step()
    p32 = mt.tensor(np.ones(2, np.float32), requires_grad=True)
    opt32 = optim.Adam([p32])
    opt32.load_state_dict(opt.state_dict())
    assert opt32.state[p32]["exp_avg"].dtype == np.float32
    assert opt32.state[p32]["step"] == 1


def test_load_state_dict_errors_name_the_mismatch():
    a, b = mt.zeros(2, requires_grad=True), mt.zeros(3, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="has 2 parameter groups, but the optimizer has 1"):
        optim.SGD([a, b], lr=0.1).load_state_dict(opt.state_dict())
    one_group = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="saved group 0 has 2 parameters, the optimizer's group 0 has 1"):
        optim.SGD([a], lr=0.1).load_state_dict(one_group)
    a.grad, b.grad = mt.ones(2), mt.ones(3)
    opt.step()
    swapped = optim.SGD([{"params": [b]}, {"params": [a]}], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=re.escape("'momentum_buffer' for parameter index 0 has shape (2,)")):
        swapped.load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match="needs the keys 'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


def test_optimizer_step_bumps_the_version_so_stale_backward_raises():
    """As in PyTorch: a graph that saved a parameter before step() cannot be backpropagated after it."""
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation|version"):
        loss.backward()


def test_zero_grad():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * 3).sum().backward()
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad and w.grad.tolist() == [0.0, 0.0]
    (w * 2).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0]  # accumulates onto the zeros
    opt.zero_grad()
    assert w.grad is None
    opt.step()  # no gradient: nothing happens
    assert w.tolist() == [1.0, 2.0]


def test_sgd_does_not_modify_the_gradient():
    w = mt.tensor(np.array([1.0, -2.0]), requires_grad=True)
    w.grad = mt.tensor(np.array([0.5, 0.25]))
    for opt in (optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True),
                optim.Adam([w], maximize=True, weight_decay=0.1), optim.RMSprop([w], momentum=0.9),
                optim.Adagrad([w])):
        opt.step()
        opt.step()
        assert w.grad.tolist() == [0.5, 0.25], type(opt).__name__


def test_params_accepts_generators_named_parameters_and_groups():
    ps = make_params(mt, mt.float64)[:2]
    assert optim.SGD(iter(ps)).param_groups[0]["params"] == ps
    opt = optim.Adam([("w", ps[0]), ("b", ps[1])])
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.param_groups[0]["params"][0] is ps[0]
    opt = optim.SGD([{"params": ps[0]}, {"params": [ps[1]], "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0  # defaults fill the rest


def test_repr_lists_groups_like_torch():
    opt = optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n") and text.endswith(")")
    assert "    lr: 0.1\n" in text and "    momentum: 0\n" in text


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: optim.SGD(p, lr=-1.0), "Invalid learning rate: -1.0"),
        (lambda p: optim.SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda p: optim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda p: optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "dampening=0.1"),
        (lambda p: optim.Adam(p, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (lambda p: optim.Adam(p, eps=-1e-8), "Invalid epsilon value: -1e-08"),
        (lambda p: optim.AdamW(p, weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
        (lambda p: optim.RMSprop(p, alpha=-0.9), "Invalid alpha value: -0.9"),
        (lambda p: optim.RMSprop(p, momentum=-1.0), "Invalid momentum value: -1.0"),
        (lambda p: optim.Adagrad(p, lr_decay=-1.0), "Invalid lr_decay value: -1.0"),
        (lambda p: optim.Adagrad(p, initial_accumulator_value=-1.0),
         "Invalid initial_accumulator_value value: -1.0"),
        (lambda p: optim.SGD(p, lr="fast"), "Invalid learning rate: fast"),
    ],
)
def test_invalid_hyper_parameters(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make([mt.zeros(1, requires_grad=True)])


def test_bad_params():
    w = mt.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match="single .*Tensor of shape \\(2,\\); wrap it in a list"):
        optim.SGD(w)
    with pytest.raises(TypeError, match="but parameter 1 of the group is numpy.ndarray"):
        optim.SGD([w, np.zeros(2)])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({w})
    with pytest.raises(ValueError, match=re.escape("non-leaf Tensor (parameter 0 of the group, shape (2,)")):
        optim.SGD([w * 2])
    with pytest.raises(ValueError, match="parameter 0 of the new group .* is already in parameter group 0"):
        optim.SGD([{"params": [w]}, {"params": [mt.zeros(1, requires_grad=True), w][1:]}])
    opt = optim.SGD([w])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [w]})
    with pytest.raises(ValueError, match="needs a 'params' entry"):
        opt.add_param_group({"lr": 0.1})
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([w, w])


class CopyOnReadTensor(mt.Tensor):
    """A vector Tensor with the micro engine's ``._data`` contract (the array optimizers update):
    reading gives a fresh array, assigning writes the values back. Lets us check
    engine-agnosticism without the micro engine."""

    @property
    def _data(self):
        return np.array(self._values, copy=True)

    @_data.setter
    def _data(self, value):
        self._values = np.array(value, copy=True)


@pytest.mark.parametrize("name, kw", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_parameters_whose_data_is_a_copy_follow_the_same_trajectory(name, kw):
    cls = getattr(optim, name)
    params = [CopyOnReadTensor(p.detach().numpy(), requires_grad=True) for p in make_params(mt, mt.float64)]
    assert params[0]._data is not params[0]._data
    copying, params, _ = run(mt, lambda ps: cls(ps, **kw), 8, mt.float64, params=params)
    plain, _, _ = run(mt, lambda ps: cls(ps, **kw), 8, mt.float64)
    for a, b in zip(copying, plain):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
    assert not np.array_equal(copying[-1][0], make_params(mt, mt.float64)[0].detach().numpy())
