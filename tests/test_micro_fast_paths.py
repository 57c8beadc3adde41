"""The micro engine's fast paths give exactly what the reference chain rule gives.

Fast paths under test (each documented where it lives, with its measurement):

* ``arrays.matmul`` builds every ``dot`` node from its row's and column's tuples,
  shared between nodes (``value.dot_of``): same data, parents and local
  derivatives as ``value.dot`` on that row and column, bit for bit;
* n-ary nodes keep their parents in groups; ``_prev``/``_local`` flatten them;
* ``value_order`` skips walking a group whose parents were all seen;
* ``_chain_rule`` skips a group when the node's gradient is 0 and its local
  derivatives are finite (and still gives 0 * inf = nan, as PyTorch).

Oracles: a textbook chain rule written here over ``_prev``/``_local`` and the
generic topological walk, the vector engine in float64, central differences,
and PyTorch.
"""

from __future__ import annotations

import math
import random
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mytorch.micro as mm
import mytorch.vector as mv
from mytorch._graph import topological_order
from mytorch.micro import arrays
from mytorch.micro import value as V
from mytorch.micro.value import Value


def bits(x: float) -> bytes:
    """The float's bytes: equal bits, so -0.0 != 0.0 and nan == nan of the same payload."""
    return struct.pack("<d", x)


def textbook_backward(root: Value) -> dict[int, float]:
    """d root / d v for every v: reverse topological order over ``_prev``/``_local``, no shortcuts."""
    order = topological_order(root, lambda v: v._prev)
    grads = {id(v): 0.0 for v in order}
    grads[id(root)] = 1.0
    for v in reversed(order):
        for parent, local in zip(v._prev, v._local):
            grads[id(parent)] += local * grads[id(v)]
    return grads


def engine_backward(root: Value) -> dict[int, float]:
    order = V.value_order(root)
    for v in order:
        v.grad = 0.0
    root.backward()
    return {id(v): v.grad for v in order}


# ---------------------------------------------------------------- matmul's shared dot nodes
SHAPES = [((3, 4), (4, 2)), ((1, 5), (5, 1)), ((2, 3, 4), (4, 3)), ((2, 1, 2, 3), (3, 3, 2))]


@pytest.mark.parametrize("shapes", SHAPES)
def test_matmul_dot_nodes_equal_the_reference_dot_bit_for_bit(shapes):
    rng = np.random.default_rng(0)
    a = arrays.to_values(rng.normal(size=shapes[0]))
    b = arrays.to_values(rng.normal(size=shapes[1]))
    out = arrays.matmul(a, b)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a_full = np.broadcast_to(a, batch + a.shape[-2:])
    b_full = np.broadcast_to(b, batch + b.shape[-2:])
    for index in np.ndindex(out.shape):
        *lead, i, j = index
        ref = V.dot(list(a_full[(*lead, i)]), list(b_full[(*lead, slice(None), j)]))
        node = out[index]
        assert node._op == ref._op == "dot"
        assert bits(node.data) == bits(ref.data)
        assert [id(p) for p in node._prev] == [id(p) for p in ref._prev]
        assert [bits(x) for x in node._local] == [bits(x) for x in ref._local]


def test_dot_nodes_of_one_row_share_its_tuples():
    a = arrays.to_values(np.arange(6.0).reshape(2, 3))
    b = arrays.to_values(np.ones((3, 4)))
    out = arrays.matmul(a, b)
    assert out[0, 0]._rest[0] is out[0, 3]._rest[0]  # the row's Values
    assert out[0, 1]._rest[1] is out[1, 1]._rest[1]  # the column's Values
    assert out[0, 0]._drest[1] is out[0, 2]._drest[1]  # the row's data, d/d column
    assert out[1, 2].data == 3.0 + 4.0 + 5.0


def test_value_with_children_by_hand_keeps_prev_and_local():
    a, b = Value(2.0), Value(3.0)
    c = Value(7.0, (a, b), "f", (0.5, -1.0))
    assert c._prev == (a, b) and c._local == (0.5, -1.0)
    c.backward()
    assert (a.grad, b.grad) == (0.5, -1.0)
    with pytest.raises(ValueError, match="2 children but 1 local derivatives"):
        Value(1.0, (a, b), "f", (1.0,))


# ---------------------------------------------------------------- backward: engine == textbook chain rule
def _random_graph(seed: int, size: int, specials: bool) -> Value:
    """Random unary/binary/sum/dot/matmul nodes, with dead ReLUs (gradient 0) and, optionally, infinities."""
    rng = random.Random(seed)
    pool = [Value(rng.choice([-1.0, 0.0, 0.5, 2.0]) if specials else rng.uniform(-1, 1)) for _ in range(4)]
    if specials:
        pool.append(Value(math.inf))
    for _ in range(size):
        pick = lambda: rng.choice(pool)  # noqa: E731
        kind = rng.choice(["relu", "mul", "add", "sum", "dot", "matmul", "tanh"])
        if kind == "relu":
            pool.append(pick().relu())
        elif kind == "tanh":
            pool.append(pick().tanh())
        elif kind == "mul":
            pool.append(pick() * pick())
        elif kind == "add":
            pool.append(pick() + pick())
        elif kind == "sum":
            pool.append(V.total([pick() for _ in range(rng.randint(1, 4))]))
        elif kind == "dot":
            k = rng.randint(1, 4)
            pool.append(V.dot([pick() for _ in range(k)], [pick() for _ in range(k)]))
        else:
            n, k, m = rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 3)
            a = arrays.from_list([pick() for _ in range(n * k)], (n, k))
            b = arrays.from_list([pick() for _ in range(k * m)], (k, m))
            pool.extend(arrays.matmul(a, b).flat)
    return V.total(pool[-4:])


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 40), st.booleans())
def test_backward_equals_the_textbook_chain_rule_bit_for_bit(seed, size, specials):
    root = _random_graph(seed, size, specials)
    want = textbook_backward(root)
    got = engine_backward(root)
    assert want.keys() == got.keys()
    assert {k: bits(v) for k, v in got.items()} == {k: bits(v) for k, v in want.items()}


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 40))
def test_value_order_with_shared_groups_equals_the_generic_walk(seed, size):
    root = _random_graph(seed, size, specials=False)
    assert [id(v) for v in V.value_order(root)] == [id(v) for v in topological_order(root, V._parents)]


def test_zero_gradient_still_sends_nan_through_an_infinite_local():
    """relu kills the gradient (0), but the dot node's local derivative is inf: 0 * inf = nan (PyTorch)."""
    torch = pytest.importorskip("torch")
    x = mm.tensor([[math.inf, 1.0]])
    w = mm.tensor([[-1.0], [2.0]], requires_grad=True)
    (x @ w).relu().sum().backward()
    tx = torch.tensor([[math.inf, 1.0]], dtype=torch.float64)
    tw = torch.tensor([[-1.0], [2.0]], dtype=torch.float64, requires_grad=True)
    (tx @ tw).relu().sum().backward()
    want = tw.grad.numpy()
    assert np.isnan(want[0, 0]) and want[1, 0] == 0.0  # PyTorch's answer, which the skip must keep
    np.testing.assert_array_equal(w.grad.numpy(), want)


def test_dead_units_give_exact_zero_gradients():
    w = mm.tensor([[1.0, -1.0], [1.0, -1.0]], requires_grad=True)
    x = mm.tensor([[1.0, 2.0]])
    (x @ w).relu().sum().backward()
    assert w.grad.tolist() == [[1.0, 0.0], [2.0, 0.0]]
    assert all(bits(g) == bits(0.0) for g in w.grad.numpy()[:, 1])  # +0.0, not -0.0


# ---------------------------------------------------------------- against the vector engine and differences
def test_boston_step_gradients_equal_the_vector_engine_in_float64():
    from mytorch.recipes import boston

    data = boston.load_split()
    old = mv.get_default_dtype()
    mv.set_default_dtype(mv.float64)
    try:
        grads = {}
        for name, engine in (("micro", mm), ("vector", mv)):
            engine.manual_seed(0)
            model = boston.seed_model(engine)
            x = engine.tensor(data.train_x[:40], dtype=engine.float64)
            y = engine.tensor(data.train_y[:40], dtype=engine.float64)
            ((model(x) - y) ** 2).mean().backward()
            grads[name] = {k: p.grad.numpy() for k, p in model.named_parameters()}
    finally:
        mv.set_default_dtype(old)
    assert grads["micro"].keys() == grads["vector"].keys()
    for k in grads["micro"]:
        np.testing.assert_allclose(grads["micro"][k], grads["vector"][k], rtol=1e-10, atol=1e-13, err_msg=k)


def test_boston_recipe_micro_and_vector_float64_agree_after_training():
    from mytorch.recipes import boston

    data = boston.load_split()
    old = mv.get_default_dtype()
    mv.set_default_dtype(mv.float64)
    try:
        micro = boston.train(mm, steps=4, progress=False, data=data)
        vector = boston.train(mv, steps=4, progress=False, data=data)
    finally:
        mv.set_default_dtype(old)
    np.testing.assert_allclose(micro.losses, vector.losses, rtol=1e-12)
    for k in ("train_mae", "test_mae"):
        assert micro.metrics[k] == pytest.approx(vector.metrics[k], rel=1e-12)


def test_matmul_gradients_equal_central_differences():
    rng = np.random.default_rng(3)
    a0, b0 = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 2))
    c0 = rng.normal(size=(2, 3, 2))

    def f(a, b):
        return float((np.tanh(a @ b) * c0).sum())

    a = mm.tensor(a0, requires_grad=True)
    b = mm.tensor(b0, requires_grad=True)
    ((a @ b).tanh() * mm.tensor(c0)).sum().backward()
    h = 1e-6
    for arr, grad, other in ((a0, a.grad.numpy(), "a"), (b0, b.grad.numpy(), "b")):
        for idx in np.ndindex(arr.shape):
            up, down = arr.copy(), arr.copy()
            up[idx] += h
            down[idx] -= h
            if other == "a":
                numeric = (f(up, b0) - f(down, b0)) / (2 * h)
            else:
                numeric = (f(a0, up) - f(a0, down)) / (2 * h)
            assert grad[idx] == pytest.approx(numeric, rel=1e-6, abs=1e-8), (other, idx)


def test_create_graph_through_a_matmul_gives_second_derivatives():
    """The dot node's create_graph rule (``_dot_locals``) reads the two groups: d2/dx2 of (x @ x.T)."""
    x0 = np.array([[0.5, -1.0, 2.0]])
    x = mm.tensor(x0, requires_grad=True)
    (g,) = mm.autograd.grad((x @ x.T).sum() ** 2, [x], create_graph=True)
    (h,) = mm.autograd.grad(g.sum(), [x])
    s = float((x0 * x0).sum())  # f = s**2, df/dx = 4 s x, sum_i df/dx_i = 4 s sum(x); its gradient:
    np.testing.assert_allclose(g.detach().numpy(), 4 * s * x0, rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), 4 * s + 8 * x0 * x0.sum(), rtol=1e-12)
