"""``mytorch.explain``: the printed chain-rule terms add up to ``.grad`` and to a finite difference.

Oracles: the engine's own ``.grad`` (the terms are built from local derivatives and upstream
gradients, not from ``.grad``) and central finite differences of the loss in float64.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch
from mytorch.viz import _micro


def _engine(name):
    return __import__(f"mytorch.{name}", fromlist=["nn"])


def _mlp(name):
    mt = _engine(name)
    mt.manual_seed(1)
    nn = mt.nn
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])

    def loss_fn():
        return nn.functional.mse_loss(net(mt.tensor(x)), mt.tensor(y))

    return mt, net, loss_fn


def _cnn(name):
    mt = _engine(name)
    mt.manual_seed(2)
    nn = mt.nn
    net = nn.Sequential(nn.Conv2d(1, 2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(18, 2)).double()
    image = np.random.default_rng(0).standard_normal((1, 1, 4, 4))

    def loss_fn():
        return nn.functional.cross_entropy(net(mt.tensor(image)), mt.tensor([1]))

    return mt, net, loss_fn


def _nudge(engine, p, idx, delta):
    if engine == "micro":
        _micro.value_array(p)[idx].data += delta
    else:
        p.data[idx] += delta


def _central_difference(engine, loss_fn, p, idx, eps=1e-6):
    _nudge(engine, p, idx, eps)
    up = loss_fn().item()
    _nudge(engine, p, idx, -2 * eps)
    down = loss_fn().item()
    _nudge(engine, p, idx, eps)
    return (up - down) / (2 * eps)


@pytest.mark.parametrize("engine", ["micro", "vector"])
@pytest.mark.parametrize("model", [_mlp, _cnn], ids=["mlp", "cnn"])
def test_terms_sum_to_grad_and_to_finite_differences_on_20_random_elements(engine, model):
    mt, net, loss_fn = model(engine)
    loss = loss_fn()
    loss.backward(retain_graph=True)
    named = list(net.named_parameters())
    rng = np.random.default_rng(7)
    for _ in range(20):
        name, p = named[rng.integers(len(named))]
        idx = tuple(int(rng.integers(n)) for n in p.shape)
        e = mytorch.explain(p, idx, root=loss, model=net)
        assert e.target == f"{name}[{', '.join(map(str, idx))}]"
        assert e.terms, e.text
        total = math.fsum(t.value for t in e.terms)
        if engine == "micro":
            for t in e.terms:
                assert t.value == t.local * t.upstream
        grad = p.grad.numpy()[idx]
        assert math.isclose(total, grad, rel_tol=1e-12, abs_tol=1e-15), (name, idx, total, grad)
        assert e.value == total
        fd = _central_difference(engine, loss_fn, p, idx)
        # float64 central difference: truncation ~eps^2, rounding ~1e-16/eps = 1e-10
        assert math.isclose(total, fd, rel_tol=1e-5, abs_tol=1e-8), (name, idx, total, fd)
        assert e.target in e.text and "=" in e.text


def test_micro_text_shows_local_times_upstream_terms_in_backward_order():
    from mytorch.micro.value import Value

    x = Value(3.0)
    y = (x * x).tanh() + x
    y.backward()
    e = mytorch.explain(x, root=y)
    assert e.value == x.grad
    lines = e.lines
    assert "grad(value)" in lines[-1]  # the target comes last, the root first
    assert "the root" in lines[3]
    assert lines[-1].count(" x ") == 3  # three consumers: + and the two slots of *


def test_depth_and_width_limits_count_what_was_left_out():
    import mytorch.micro as mm

    x = mm.tensor([0.3], requires_grad=True)
    h = x
    for _ in range(30):
        h = h.tanh()
    loss = h.sum() + sum((x * float(c)).sum() for c in range(10))
    loss.backward()
    e = mytorch.explain(x, (0,), root=loss, max_depth=3, max_terms=4)
    # x has 11 consumers (the first tanh and ten products): 4 shown, 7 summed and counted
    assert len(e.terms) == 11 and e.omitted["terms"] >= 7
    assert "(7 more terms" in e.lines[-1]
    assert e.omitted["nodes"] > 20 and f"{e.omitted['nodes']} Values more than 3 steps" in e.text
    assert math.isclose(e.value, x.grad[0].item(), rel_tol=1e-12)


def test_vector_text_gives_rules_shapes_and_the_element():
    import mytorch.vector as mt

    a = mt.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = mt.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    loss = (a @ b).tanh().sum()
    e = mytorch.explain(b, (2, 1), root=loss, params={"b": b})
    assert "grad_a = grad @ b.T;  grad_b = a.T @ grad" in e.text
    assert "received grad (2, 4)" in e.text
    loss.backward()
    assert e.value == b.grad[2, 1].item()


@pytest.mark.parametrize("engine", ["micro", "vector"])
def test_bad_input_is_a_clear_error(engine):
    mt = _engine(engine)
    w = mt.tensor([[1.0, 2.0]], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    with pytest.raises(ValueError, match="pass root="):
        mytorch.explain(w, (0, 0))
    with pytest.raises(IndexError, match=r"out of range for shape \(1, 2\) \(dim 1 has size 2, got 5\)"):
        mytorch.explain(w, (0, 5), root=loss)
    with pytest.raises(IndexError, match="give 2 integers"):
        mytorch.explain(w, 0, root=loss)
    with pytest.raises(ValueError, match=r"shape \(1, 2\) \(2 elements\): pass index="):
        mytorch.explain(w, root=loss)
    with pytest.raises(RuntimeError, match="has no graph"):
        mytorch.explain(w, (0, 0), root=mt.tensor([3.0]))
    with pytest.raises(RuntimeError, match="pass gradient="):
        mytorch.explain(w, (0, 0), root=w * 2)
    with pytest.raises(TypeError, match="expected a micro Value"):
        mytorch.explain([1.0], root=loss)


def test_vector_non_scalar_root_with_gradient():
    import mytorch.vector as mt

    w = mt.tensor([1.0, 2.0], requires_grad=True)
    out = w * w
    e = mytorch.explain(w, (1,), root=out, gradient=np.array([1.0, 10.0]))
    assert e.value == 40.0  # 10 * 2 * w[1]
