"""The micro Tensor: an array of Values with the vector engine's Tensor semantics.

References are PyTorch (float64, importorskip), the vector engine, or hand
derivations; every expected number is computed independently of micro.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mt
from mytorch.micro.value import Value


def _values(t):
    return list(t._values.flat)


@pytest.fixture
def float64_vector():
    previous = mt.get_default_dtype()
    mt.set_default_dtype(mt.float64)
    yield
    mt.set_default_dtype(previous)


# ---------------------------------------------------------------- storage
def test_elements_are_values_and_dtype_is_float64():
    t = mm.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mm.float32)
    assert all(type(v) is Value for v in _values(t))
    assert t.dtype == np.float64 and t.shape == (2, 2) and t.ndim == 2 and t.numel() == 4
    assert mm.tensor([1, 2]).dtype == np.int64 and mm.tensor([True]).dtype == np.bool_
    assert mm.tensor([1, 2], dtype=mm.float64).dtype == np.float64


def test_internal_data_is_a_fresh_float_array_and_its_setter_writes_into_the_values():
    """``_data`` (the array optimizers update; ``.data`` is a Tensor, tests/test_data_attribute.py)."""
    p = mm.tensor([1.0, 2.0, 3.0], requires_grad=True)
    before = _values(p)
    d = p._data
    assert d.dtype == np.float64 and d.tolist() == [1.0, 2.0, 3.0]
    d -= 0.5  # an optimizer step: changing the copy changes nothing ...
    assert p.tolist() == [1.0, 2.0, 3.0]
    p._data = d  # ... until it is written back, into the same Value objects
    assert p.tolist() == [0.5, 1.5, 2.5]
    assert all(a is b for a, b in zip(before, _values(p)))
    p._data = np.zeros((2, 2))  # a new shape replaces the Values, as vector's `._data = ` does
    assert p.shape == (2, 2) and p.requires_grad


def test_views_share_the_same_value_objects():
    x = mm.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    values = _values(x)
    assert _values(x.reshape(4, 3)) == values
    assert set(map(id, _values(x.T))) == set(map(id, values))
    assert _values(x[1]) == values[4:8]
    assert x[1, 2]._values[()] is values[6]
    assert all(v is values[0] for v in _values(x[:1, :1].expand(5, 7)))


def test_each_tensor_op_tags_its_values_with_one_group():
    x = mm.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 2
    z = y @ x
    groups_y = {v._group for v in _values(y)}
    groups_z = {v._group for v in _values(z)}
    assert len(groups_y) == 1 and len(groups_z) == 1
    (gy,), (gz,) = groups_y, groups_z
    assert gy[1] == "mul" and gz[1] == "matmul" and gy[0] != gz[0]
    assert {v._group for v in _values(x)} == {None}
    # the constant 2 made inside the mul belongs to the mul too
    assert all(v._b._group == gy for v in _values(y))


# ---------------------------------------------------------------- autograd semantics
def test_grads_accumulate_and_can_be_reset():
    x = mm.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    first = x.grad
    (x * 3).sum().backward()
    assert x.grad is first  # accumulated in place, as the vector engine does
    assert x.grad.tolist() == [2.0 + 3.0, 4.0 + 3.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_non_leaf_grads_are_kept_only_when_retained():
    x = mm.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = x + 1
    z.retain_grad()
    (y * z).sum().backward()
    assert y.grad is None and y.grad_fn is not None and not y.is_leaf
    assert z.grad.tolist() == [2.0, 4.0]  # d/dz sum(y z) = y
    assert x.grad.tolist() == [2 * 2.0 + 2.0, 2 * 3.0 + 4.0]  # 2 z + y


def test_retain_graph_allows_a_second_backward():
    x = mm.tensor([1.0, -2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, -8.0]
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_backward_with_gradient_and_repeated_elements():
    x = mm.tensor([1.0, 2.0], requires_grad=True)
    y = x.expand(3, 2)  # the same Values three times
    y.backward(mm.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    assert x.grad.tolist() == [9.0, 12.0]


def test_leaf_grad_is_zero_where_the_values_were_not_reached():
    torch = pytest.importorskip("torch")
    x = mm.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[1].backward()
    tx = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    tx[1].backward()
    assert x.grad.tolist() == tx.grad.tolist() == [0.0, 1.0, 0.0]


def test_no_grad_records_no_parents():
    x = mm.tensor([1.0, 2.0], requires_grad=True)
    with mm.no_grad():
        y = (x * 2 + 1).exp().sum()
    assert not y.requires_grad and y.grad_fn is None
    assert all(v._prev == () and v._op == "" for v in _values(y))
    z = x.detach() * 3
    assert not z.requires_grad and all(v._prev == () for v in _values(z))
    assert x.detach()._values[0] is not x._values[0]


def test_constants_are_cut_from_the_graph_even_with_grad_enabled():
    c = mm.tensor([1.0, 2.0]) * 5  # nothing requires grad
    assert c.grad_fn is None and all(v._prev == () for v in _values(c))


def test_create_graph_gives_differentiable_grads():
    x = mm.tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.tolist() == [3.0, 12.0]
    x.grad = None
    g.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]  # d/dx 3x^2


def test_autograd_grad_second_derivative():
    x = mm.tensor(0.7, requires_grad=True)
    y = x.sin() * x.exp()
    (dy,) = mm.autograd.grad(y, x, create_graph=True)
    (d2y,) = mm.autograd.grad(dy, x)
    # (sin x e^x)'' = 2 cos(x) e^x
    assert d2y.item() == pytest.approx(2 * np.cos(0.7) * np.exp(0.7), rel=1e-13)
    assert x.grad is None  # autograd.grad leaves .grad alone


def test_backward_inputs_only_fills_those():
    a = mm.tensor([1.0], requires_grad=True)
    b = mm.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [2.0] and b.grad is None


# ---------------------------------------------------------------- in-place
def test_in_place_under_no_grad_keeps_the_value_objects():
    p = mm.tensor([1.0, 2.0], requires_grad=True)
    before = _values(p)
    with mm.no_grad():
        p.add_(mm.tensor([0.5, 0.5]), alpha=2).mul_(2)
    assert p.tolist() == [4.0, 6.0] and _values(p) == before and p.is_leaf


def test_in_place_on_non_leaf_matches_torch():
    torch = pytest.importorskip("torch")

    def run(m, make):
        x = make([1.0, -2.0, 3.0])
        w = make([0.5])
        y = x * 2
        y.mul_(3).add_(w)
        y[0] = w[0] * 4
        y.relu_()
        (y * m.tensor([1.0, 2.0, 3.0], dtype=m.float64)).sum().backward()
        return [y.detach().numpy().tolist(), x.grad.numpy().tolist(), w.grad.numpy().tolist()]

    ours = run(mm, lambda v: mm.tensor(v, requires_grad=True))
    theirs = run(torch, lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    assert ours == theirs


def test_in_place_on_a_view_reaches_the_base_gradient():
    torch = pytest.importorskip("torch")

    def run(make):
        x = make([1.0, 2.0, 3.0])
        y = x * 1
        y[1:].mul_(2)
        y.sum().backward()
        return x.grad.tolist(), y.tolist()

    ours = run(lambda v: mm.tensor(v, requires_grad=True))
    theirs = run(lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    assert ours == theirs == ([1.0, 2.0, 2.0], [1.0, 4.0, 6.0])


def test_in_place_on_a_view_of_a_leaf_is_refused():
    x = mm.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x[:1].mul_(2)


def test_fill_zero_copy_and_random_fills():
    t = mm.zeros(2, 3)
    t.fill_(2.5)
    assert t.tolist() == [[2.5] * 3] * 2
    t.copy_(mm.tensor([1.0, 2.0, 3.0]))
    assert t.tolist() == [[1.0, 2.0, 3.0]] * 2
    t[:, 1] = 0
    assert t.tolist() == [[1.0, 0.0, 3.0]] * 2
    t.zero_()
    assert t.tolist() == [[0.0] * 3] * 2
    mm.manual_seed(5)
    t.uniform_(-1, 1)
    mt.manual_seed(5)
    assert t.tolist() == mt.zeros(2, 3, dtype=mt.float64).uniform_(-1, 1).tolist()
    w = mm.zeros(3, requires_grad=True)
    with mm.no_grad():
        w.normal_()
    assert w.is_leaf and w.requires_grad and np.all(w.detach().numpy() != 0)


# ---------------------------------------------------------------- math details
def test_softmax_and_log_softmax_are_stable_for_large_logits():
    logits = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    x = mm.tensor(logits, requires_grad=True)
    p = x.softmax(dim=1)
    lp = x.log_softmax(dim=1)
    shifted = logits - logits.max(axis=1, keepdims=True)
    expected_lp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(lp.detach().numpy(), expected_lp, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(p.detach().numpy(), np.exp(expected_lp), rtol=1e-13, atol=1e-300)
    (p[:, 0].sum() + lp[:, 2].sum()).backward()
    assert np.all(np.isfinite(x.grad.numpy()))


def test_same_seed_same_numbers_on_both_engines(float64_vector):
    results = []
    for m in (mm, mt):
        m.manual_seed(7)
        lin = m.nn.Linear(3, 2)
        results.append([m.randn(2, 3).numpy(), m.rand(4).numpy(), lin.weight.detach().numpy(),
                       lin.bias.detach().numpy(),
                        m.randperm(5).detach().numpy(), m.randint(0, 9, (3,)).detach().numpy()])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_comparisons_and_integer_tensors_carry_no_gradient():
    x = mm.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    mask = x > 0
    assert mask.dtype == np.bool_ and not mask.requires_grad and mask.tolist() == [False, True, True]
    assert x.argmax().item() == 2 and x.argmax().dtype == np.int64
    idx = mm.arange(3)
    assert idx.dtype == np.int64 and (idx * 2).tolist() == [0, 2, 4] and (idx / 2).dtype == np.float64
    picked = x[mm.tensor([2, 2, 0])]
    picked.sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 2.0]


def test_repr_and_python_conversions():
    assert repr(mm.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    product = mm.tensor([1.0]) * mm.tensor([1.0], requires_grad=True)
    assert repr(product) == "tensor([1.], grad_fn=<MulBackward0>)"
    assert repr(mm.tensor([1, 2], dtype=mm.int32)) == "tensor([1, 2], dtype=mytorch.int32)"
    assert mm.tensor(2.5).item() == 2.5 and float(mm.tensor([[3.0]])) == 3.0
    assert f"{mm.tensor(0.25):.2f}" == "0.25"


# ---------------------------------------------------------------- user-defined Function
class Square(mm.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


class ScaledProduct(mm.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, k):
        ctx.save_for_backward(a, b)
        ctx.k = k
        return (a * b).sum(dim=1) * k

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        g = g.unsqueeze(1) * ctx.k
        return g * b, g * a, None


def test_function_gradients_match_the_composite():
    x = mm.tensor([3.0, -1.0], requires_grad=True)
    y = Square.apply(x)
    assert y.grad_fn.name() == "SquareBackward"
    y.sum().backward()
    assert x.grad.tolist() == [6.0, -2.0]

    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    a, b = mm.tensor(a0, requires_grad=True), mm.tensor(b0, requires_grad=True)
    out = ScaledProduct.apply(a, b, 2.0)
    (out * mm.tensor([1.0, -3.0])).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), (a0 * b0).sum(axis=1) * 2.0, rtol=1e-14)
    weights = np.array([[1.0], [-3.0]]) * 2.0
    np.testing.assert_allclose(a.grad.numpy(), weights * b0, rtol=1e-14)
    np.testing.assert_allclose(b.grad.numpy(), weights * a0, rtol=1e-14)


# ---------------------------------------------------------------- nn on the micro engine
def test_linear_forward_backward_and_sgd_step_match_vector(float64_vector):
    x = np.random.default_rng(3).standard_normal((4, 3))
    results = []
    for m in (mm, mt):
        m.manual_seed(11)
        layer = m.nn.Linear(3, 2)
        opt = m.optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
        loss = m.nn.functional.mse_loss(layer(m.tensor(x)), m.zeros(4, 2))
        loss.backward()
        grads = [p.grad.numpy().copy() for p in layer.parameters()]
        opt.step()
        results.append([loss.detach().numpy(), *grads,
                       *[p.detach().numpy().copy() for p in layer.parameters()]])
    assert isinstance(mm.nn.Linear(1, 1).weight, mm.Tensor)
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_a_trained_step_leaves_no_garbage_for_the_cyclic_gc():
    import gc

    def alive():
        return sum(1 for o in gc.get_objects() if type(o) in (Value, mm.Tensor))

    enabled = gc.isenabled()
    gc.collect()
    gc.disable()  # reference counting alone must free graphs, records and views
    try:
        mm.manual_seed(0)
        net = mm.nn.Sequential(mm.nn.Linear(3, 4), mm.nn.Tanh(), mm.nn.Linear(4, 1))
        x = mm.randn(5, 3)
        baseline = alive()
        loss = (net(x).softmax(0) * 2).sum()
        h = loss.reshape(1)
        h.retain_grad()
        h.sum().backward()
        assert alive() > baseline
        del loss, h
        for p in net.parameters():
            p.grad = None
        assert alive() == baseline
    finally:
        if enabled:
            gc.enable()


def test_accumulating_into_a_grad_of_another_shape_is_an_error():
    x = mm.tensor([1.0, 2.0], requires_grad=True)
    x.grad = mm.zeros(3)
    with pytest.raises(RuntimeError, match=r"shape \(2,\) into the .grad of shape \(3,\)"):
        (x * 2).sum().backward()
