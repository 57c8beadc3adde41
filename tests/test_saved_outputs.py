"""Ops whose backward reads their own output refuse a backward after that output changed in place
(issue #12, point 1): before, exp/sqrt/tanh/sigmoid/softmax/log_softmax silently used the new values."""

from __future__ import annotations

import pytest

import mytorch.vector as mt

try:
    import torch
except ImportError:
    torch = None

OPS = {
    "Exp": lambda t: t.exp(),
    "Sqrt": lambda t: t.sqrt(),
    "Tanh": lambda t: t.tanh(),
    "Sigmoid": lambda t: t.sigmoid(),
    "Softmax": lambda t: t.softmax(0),
    "LogSoftmax": lambda t: t.log_softmax(0),
}
WRITES = {
    "mul_": lambda b: b.mul_(2.0),
    "setitem": lambda b: b.__setitem__(0, 5.0),
    "view_add_": lambda b: b[1:].add_(1.0),
}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("op", sorted(OPS))
def test_backward_refuses_a_modified_saved_output(op, write):
    w = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = OPS[op](w * 1.0)
    WRITES[write](b)
    pattern = rf"output 0 of {op}Backward0, is at version 1; expected version 0"
    with pytest.raises(RuntimeError, match=pattern):
        (b * mt.tensor([1.0, 2.0, 3.0])).sum().backward()


@pytest.mark.skipif(torch is None, reason="PyTorch (optional oracle) not installed: pip install torch")
@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("op", sorted(OPS))
def test_torch_refuses_the_same_programs(op, write):
    """The oracle: each program above is one PyTorch refuses too (not a MyTorch-only rule)."""
    w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = OPS[op](w * 1.0)
    WRITES[write](b)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (b * torch.tensor([1.0, 2.0, 3.0])).sum().backward()


@pytest.mark.parametrize("op", sorted(OPS))
def test_changing_a_clone_of_the_output_is_fine(op):
    w = mt.tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=mt.float64)
    b = OPS[op](w * 1.0)
    c = b.clone()
    c.mul_(2.0)
    c.sum().backward()
    w2 = mt.tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=mt.float64)
    (OPS[op](w2 * 1.0) * 2.0).sum().backward()
    assert w.grad.tolist() == w2.grad.tolist()


def test_modified_input_names_its_position():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1.0
    y = x * a
    a.mul_(3.0)
    with pytest.raises(RuntimeError, match=r"input 1 of MulBackward0, is at version 1"):
        y.sum().backward()
