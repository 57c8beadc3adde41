"""Graph semantics of the vector engine: PyTorch's autograd rules."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from op_specs import by_name

import mytorch.vector as mt
from mytorch import _graph


def leaf(values, dtype=mt.float64):
    return mt.tensor(values, dtype=dtype, requires_grad=True)


def test_grad_accumulates_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3 + 2, 3 + 4])


def test_zeroing_grad_then_backward_starts_fresh():
    x = leaf([1.0])
    (x * 5).sum().backward()
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.item() == 2.0


def test_retain_graph_allows_second_backward_and_default_frees():
    x = leaf([1.0, -2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, -8.0])
    with pytest.raises(RuntimeError, match="second time.*SumBackward.*retain_graph=True"):
        y.backward()


def test_non_leaf_grad_not_kept_unless_retain_grad():
    x = leaf([1.0, 2.0])
    h = x * 2
    k = x * 3
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None and not h.is_leaf
    np.testing.assert_array_equal(k.grad.numpy(), h.detach().numpy())


def test_detach_cuts_the_graph_and_shares_data():
    x = leaf([1.0, 2.0])
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = (d * x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])  # d treated as a constant


def test_no_grad_records_nothing_and_works_as_decorator():
    x = leaf([1.0])
    with mt.no_grad():
        y = x * 2
        with mt.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @mt.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    assert mt.is_grad_enabled()


def test_double_backward_of_cube_is_6x():
    x = leaf([0.5, -2.0, 3.0])
    (dx,) = mt.autograd.grad((x**3).sum(), x, create_graph=True)
    np.testing.assert_allclose(dx.detach().numpy(), 3 * x.detach().numpy() ** 2)
    (dxx,) = mt.autograd.grad(dx.sum(), x)
    np.testing.assert_allclose(dxx.detach().numpy(), 6 * x.detach().numpy())


def test_backward_create_graph_accumulates_differentiable_grad():
    x = leaf([2.0])
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.sum().backward()
    assert x.grad.item() == pytest.approx(12.0)


HIGHER_ORDER = [
    "mul", "div", "exp", "log", "sqrt", "tanh", "sigmoid", "pow_float", "pow_tensor",
    "sum_dims_keepdim", "mean_dim", "var", "max_dim_values", "reshape", "permute", "expand",
    "getitem_fancy_repeated", "getitem_bool_mask", "matmul_batched", "matmul_mat_vec",
    "softmax", "log_softmax", "cat", "clamp", "abs", "sin",
]


@pytest.mark.parametrize("name", HIGHER_ORDER)
def test_grad_of_grad_matches_torch(name):
    torch = pytest.importorskip("torch")
    spec = by_name()[name]
    arrays = spec.arrays(3)

    def second_order(m, make):
        xs = [make(a) for a in arrays]
        # Squaring first makes every first derivative depend on x, so the
        # op's own backward runs inside the differentiated graph.
        out = spec.fn(m, *[x * x for x in xs])
        r = m.tensor(np.random.default_rng(7).standard_normal(tuple(out.shape)), dtype=m.float64)
        grads = m.autograd.grad((out * r).sum(), xs, create_graph=True)
        total = sum((g * g).sum() for g in grads)
        return [np.asarray(g.detach().numpy()) for g in m.autograd.grad(total, xs)]

    ours = second_order(mt, lambda a: mt.tensor(a, dtype=mt.float64, requires_grad=True))
    theirs = second_order(torch, lambda a: torch.tensor(a, requires_grad=True))
    for g, tg in zip(ours, theirs):
        np.testing.assert_allclose(g, tg, rtol=1e-9, atol=1e-11)


def test_million_node_chain_ordered_without_recursion():
    n = 1_000_000
    parents = lambda i: (i - 1,) if i > 0 else ()  # noqa: E731
    order = _graph.topological_order(n - 1, parents)
    assert len(order) == n and order[0] == 0 and order[-1] == n - 1


def test_topological_order_is_deterministic_and_respects_dependencies():
    graph = {"loss": ("b", "a"), "b": ("a", "w"), "a": ("w",), "w": ()}
    order = _graph.topological_order("loss", graph.__getitem__)
    assert order == ["w", "a", "b", "loss"]
    for node, parents in graph.items():
        assert all(order.index(p) < order.index(node) for p in parents)


def test_hundred_thousand_op_vector_chain_backpropagates():
    x = leaf([1.0])
    y = x
    for _ in range(50_000):
        y = y * 1.0
        y = y + 0.0
    y.sum().backward()
    assert x.grad.item() == 1.0


def test_diamond_graph_runs_each_node_once():
    x = leaf([3.0])
    a = x * x  # shared by both branches
    y = (a + a * 2).sum()
    y.backward()
    assert x.grad.item() == pytest.approx(3 * 2 * 3.0)


# ------------------------------------------------------------------ in-place safety


def test_inplace_after_save_raises_naming_the_op():
    x = leaf([1.0, 2.0])
    a = x * 1
    y = a * a
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*MulBackward.*version 1"):
        y.sum().backward()


def test_inplace_through_a_view_bumps_the_base_version():
    x = leaf([1.0, 2.0, 3.0])
    a = x.exp()
    y = a.log()  # LogBackward saves a
    view = a[1:]
    view.mul_(2)
    assert a._version is view._version
    with pytest.raises(RuntimeError, match="LogBackward"):
        y.sum().backward()


def test_reshape_view_shares_version_counter():
    a = mt.zeros(2, 3)
    v = a.reshape(6)
    v.add_(1)
    assert a._version[0] == 1
    np.testing.assert_array_equal(a.detach().numpy(), np.ones((2, 3)))


def test_inplace_that_saves_nothing_is_fine():
    x = leaf([1.0, 2.0])
    a = x * 2
    b = a + 1  # AddBackward saves nothing
    a.add_(5)
    b.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_differentiable_inplace_adopts_history():
    x = leaf([1.0, 2.0])
    a = x * 1
    a.mul_(3)
    a.add_(x)
    a.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])


def test_setitem_is_differentiable():
    x = leaf([2.0, 5.0])
    z = mt.zeros(3, dtype=mt.float64)
    z[0] = 3 * x[0]
    z[2] = x[1] * x[1]
    (z * mt.tensor([1.0, 1.0, 1.0], dtype=mt.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 10.0])


def test_setitem_overwritten_elements_get_no_gradient():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    y[1] = 0.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 0.0, 2.0])


def test_writing_into_a_leaf_that_requires_grad_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 5.0
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.add_(1)
    with mt.no_grad():
        x.add_(1)  # allowed, as in PyTorch (optimizer updates)
    np.testing.assert_array_equal(x.detach().numpy(), [2.0, 3.0])


# ------------------------------------------------------------------ numerics


@pytest.mark.parametrize("op", ["sigmoid", "tanh", "exp_ratio", "softmax", "log_softmax"])
def test_extreme_inputs_give_no_warnings_and_finite_grads(op):
    x = mt.tensor([-100.0, -20.0, 0.0, 20.0, 100.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if op == "exp_ratio":
            y = (-x.abs()).exp() / (1 + (-x.abs()).exp())
        elif op in ("softmax", "log_softmax"):
            y = getattr(x, op)(dim=0)
        else:
            y = getattr(x, op)()
        (y * mt.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    assert y.dtype == mt.float32 and x.grad.dtype == mt.float32
    assert np.all(np.isfinite(y.detach().numpy())) and np.all(np.isfinite(x.grad.numpy()))


def test_softmax_of_logits_in_the_thousands():
    x = mt.tensor([[1000.0, 2000.0, 3000.0], [-3000.0, 0.0, 3000.0]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = x.softmax(dim=1)
        lp = x.log_softmax(dim=1)
        (lp[:, 0].sum() + p[:, 1].sum()).backward()
    np.testing.assert_allclose(p.detach().numpy(), [[0, 0, 1], [0, 0, 1]], atol=1e-6)
    np.testing.assert_allclose(lp.detach().numpy()[:, 2], [0, 0], atol=1e-6)
    assert np.all(np.isfinite(x.grad.numpy()))


def test_square_of_negative_base_computes_no_logarithm():
    x = mt.tensor([-2.0, -0.5], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # log of a negative number would warn
        (x**2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [-4.0, -1.0])


def test_every_leaf_gets_its_own_writable_grad():
    a = leaf([1.0, 2.0])
    b = leaf([[1.0], [2.0]])
    (a + b).sum().backward()  # both grads come from one broadcast gradient
    assert a.grad.numpy().flags.writeable and b.grad.numpy().flags.writeable
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.numpy()[0] = 100.0
    np.testing.assert_array_equal(b.grad.numpy(), [[2.0], [2.0]])


def test_user_gradient_is_not_aliased():
    x = leaf([1.0, 2.0])
    g = mt.tensor([1.0, 1.0], dtype=mt.float64)
    (x * 1).backward(g)
    x.grad.numpy()[0] = 50
    assert g.detach().numpy()[0] == 1.0


# ------------------------------------------------------------------ interop


def test_numpy_array_on_the_left_gives_a_tensor():
    x = leaf([1.0, 2.0])
    for y in (np.array([2.0, 3.0]) * x, np.float64(2.0) * x, np.array([1.0, 1.0]) + x, 2 ** x):
        assert isinstance(y, mt.Tensor) and y.requires_grad
    y = np.array([2.0, 3.0]) * x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 3.0])


def test_python_and_numpy_scalars_keep_float32():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    for y in (x * 0.5, x + np.float64(1.0), 2.0 / x, x**2, np.float32(3) * x):
        assert y.dtype == mt.float32


def test_comparisons_return_tensors_without_grad():
    x = leaf([1.0, -1.0])
    c = x > 0
    assert isinstance(c, mt.Tensor) and c.dtype == np.bool_ and not c.requires_grad
    assert (x == x).detach().numpy().all()


def test_custom_function_and_ctx():
    class Cube(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g

    x = leaf([2.0, -1.0])
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [12.0, 3.0])
    assert mt.autograd.gradcheck(Cube.apply, (leaf([0.3, -1.2]),))


def test_max_with_dim_returns_values_and_indices():
    x = mt.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert indices.dtype == mt.int64
    assert x.argmax().item() == 3 and x.argmin(dim=0).tolist() == [0, 1, 0]


def test_default_dtype_switch():
    try:
        mt.set_default_dtype(mt.float64)
        assert mt.tensor([1.0]).dtype == mt.float64 and mt.randn(2).dtype == mt.float64
    finally:
        mt.set_default_dtype(mt.float32)
    assert mt.tensor([1.0]).dtype == mt.float32
    assert mt.tensor(np.array([1.0])).dtype == mt.float64  # numpy keeps its dtype, as torch


def test_manual_seed_reproduces_draws():
    mt.manual_seed(3)
    a = mt.randn(4)
    mt.manual_seed(3)
    b = mt.randn(4)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_custom_function_node_keeps_its_name_after_backward():
    class Square(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    y = Square.apply(leaf([1.0])).sum()
    y.backward()
    assert repr(y.grad_fn.next[0]).startswith("<SquareBackward object at 0x")  # as PyTorch's


def test_viz_is_reachable_from_the_top_package():
    import mytorch

    assert callable(mytorch.viz.to_dot)


def test_all_and_any():
    x = mt.tensor([[1.0, -1.0], [2.0, 3.0]])
    assert not (x > 0).all().item() and (x > 0).any().item()
    assert (x > 0).all(dim=1).tolist() == [False, True]
    assert (x > 0).any(dim=0, keepdim=True).tolist() == [[True, True]]


def test_power_with_zero_base_gives_zero_exponent_gradient():
    a = leaf([0.0, 2.0])
    b = leaf([2.0, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no log(0) warning either
        (a**b).sum().backward()
    assert b.grad.tolist()[0] == 0.0
    assert b.grad.tolist()[1] == pytest.approx(2.0**0.5 * np.log(2.0))


@pytest.mark.parametrize("write", [
    lambda y: y[1:].mul_(2),
    lambda y: y.reshape(3, 1)[1:].mul_(2),
    lambda y: y.view(1, 3)[:, 1:].add_(y.detach()[:2].clone()),
])
def test_inplace_through_a_view_reaches_the_base_gradient(write):
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1
    write(y)
    (y * mt.tensor([1.0, 10.0, 100.0], dtype=mt.float64)).sum().backward()
    torch = pytest.importorskip("torch")
    tx = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    ty = tx * 1
    write(ty)
    (ty * torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())


def test_inplace_on_a_view_of_a_leaf_that_requires_grad_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x[1:].mul_(2)


def test_inplace_view_write_with_a_grad_requiring_value_into_a_constant():
    x = leaf([5.0])
    z = mt.zeros(3, dtype=mt.float64)
    z[1:2].add_(x * 2)
    (z * mt.tensor([1.0, 3.0, 1.0], dtype=mt.float64)).sum().backward()
    assert x.grad.tolist() == [6.0] and z.tolist() == [0.0, 10.0, 0.0]


def test_zero_dim_results_hold_arrays_and_accept_inplace_ops():
    m = mt.tensor([1.0, 2.0]).mean()
    assert isinstance(m._data, np.ndarray) and m.shape == ()
    m.add_(1)
    assert m.item() == 2.5


def test_from_numpy_shares_memory_as_in_torch():
    a = np.zeros(3, np.float32)
    t = mt.from_numpy(a)
    a[0] = 5
    assert t.tolist()[0] == 5.0 and t.dtype == mt.float32
    assert mt.as_tensor(a).detach().numpy() is a or np.shares_memory(mt.as_tensor(a).detach().numpy(), a)
    assert not np.shares_memory(mt.tensor(a).detach().numpy(), a)  # tensor() copies


@pytest.mark.parametrize("engine_name", ["vector", "micro"])
def test_inplace_clamp_with_tensor_bounds_sends_gradient_to_the_bound(engine_name):
    import importlib

    m = importlib.import_module(f"mytorch.{engine_name}")
    x = m.tensor([-2.0, 0.5, 3.0], dtype=m.float64, requires_grad=True)
    lo = m.tensor([-1.0, -1.0, -1.0], dtype=m.float64, requires_grad=True)
    y = x * 1
    y.clamp_(min=lo, max=2.0)
    y.sum().backward()
    assert y.tolist() == [-1.0, 0.5, 2.0]
    assert x.grad.tolist() == [0.0, 1.0, 0.0] and lo.grad.tolist() == [1.0, 0.0, 0.0]
