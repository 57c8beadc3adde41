"""``grad_fn.next_functions`` and ``grad_fn.name()`` on both engines, walked side by side with PyTorch."""

from __future__ import annotations

import pytest

import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")

ENGINES = pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])


def _shape_of(fn, leaves):
    """The graph below ``fn`` as nested (name, children) with leaves named by their label."""
    if fn is None:
        return None
    name = fn.name()
    if name == "torch::autograd::AccumulateGrad":
        return ("leaf", next(label for label, t in leaves.items() if t is fn.variable))
    name = name[:-1] if name.endswith("Backward0") else name  # PyTorch numbers its node classes
    return (name, tuple((_shape_of(n, leaves), i) for n, i in fn.next_functions))


def _build(lib, x, y, w):
    return ((x * y + w).exp() - x).sum()


@ENGINES
def test_graph_walk_matches_pytorch(mt):
    data = dict(x=[1.0, 2.0], y=[0.5, -1.0], w=[0.1, 0.2])
    ours = {k: mt.tensor(v, requires_grad=k != "y") for k, v in data.items()}
    theirs = {k: torch.tensor(v, requires_grad=k != "y") for k, v in data.items()}
    a = _shape_of(_build(mt, **ours).grad_fn, ours)
    b = _shape_of(_build(torch, **theirs).grad_fn, theirs)
    assert a == b
    assert a[0] == "SumBackward"  # and the walk did reach the leaves:
    assert "('leaf', 'w')" in repr(a) and "('leaf', 'x')" in repr(a)


@ENGINES
def test_blitz_walk(mt):
    # the 60-minute blitz: print(loss.grad_fn); loss.grad_fn.next_functions[0][0]; ...[0][0]
    mt.manual_seed(0)
    net = mt.nn.Linear(3, 2)
    loss = mt.nn.functional.mse_loss(net(mt.randn(4, 3)), mt.randn(4, 2))
    first = loss.grad_fn.next_functions[0][0]
    second = first.next_functions[0][0]
    assert (loss.grad_fn.name(), first.name()) == ("MseLossBackward0", "AddmmBackward0")  # as PyTorch's
    assert second is not None and second.name() == "torch::autograd::AccumulateGrad"  # the bias
    assert all(isinstance(pair, tuple) and pair[1] == 0 for pair in loss.grad_fn.next_functions)


@ENGINES
def test_accumulate_grad_of_a_leaf(mt):
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    a = (w * 2).grad_fn.next_functions[0][0]
    b = (w * 3).grad_fn.next_functions[0][0]
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    ta = (tw * 2).grad_fn.next_functions[0][0]
    assert a.variable is w and a.name() == ta.name() == "torch::autograd::AccumulateGrad"
    assert (a is b) == (ta is (tw * 3).grad_fn.next_functions[0][0])
    assert a.next_functions == ta.next_functions == ()
    assert w.grad_fn is None and tw.grad_fn is None


@ENGINES
def test_constant_input_is_none(mt):
    x = mt.tensor([1.0], requires_grad=True)
    c = mt.tensor([2.0])
    tx = torch.tensor([1.0], requires_grad=True)
    ours = [(n if n is None else n.name(), i) for n, i in (x * c).grad_fn.next_functions]
    theirs = [(n if n is None else n.name(), i) for n, i in (tx * torch.tensor([2.0])).grad_fn.next_functions]
    assert ours == theirs == [("torch::autograd::AccumulateGrad", 0), (None, 0)]


@ENGINES
def test_walk_survives_backward(mt):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    assert y.grad_fn.next_functions[0][0].next_functions[0][0].variable is x
