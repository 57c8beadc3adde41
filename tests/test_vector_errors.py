"""Bad input to the vector engine: errors that name the shapes, dims or dtype."""

from __future__ import annotations

import pytest

import mytorch.vector as mt


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        mt.ones(2, 3) @ mt.ones(4, 5)


def test_broadcast_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        mt.ones(2, 3) + mt.ones(4)


def test_backward_on_non_scalar_names_the_shape():
    x = mt.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2, 3\)"):
        (x * 2).backward()


def test_backward_gradient_of_wrong_shape():
    x = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(mt.ones(3))


def test_second_backward_without_retain_graph():
    x = mt.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


@pytest.mark.parametrize("call", [
    lambda t: t.sum(dim=3), lambda t: t.mean(dim=-4), lambda t: t.softmax(dim=2),
    lambda t: t.max(dim=5), lambda t: t.unsqueeze(4), lambda t: t.transpose(0, 2),
])
def test_dim_out_of_range_names_the_range(call):
    with pytest.raises(IndexError, match=r"range of \[-\d, \d\], but got -?\d"):
        call(mt.ones(2, 3))


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point.*int64"):
        mt.tensor([1, 2, 3], requires_grad=True)
    with pytest.raises(RuntimeError, match="int64"):
        mt.tensor([1, 2]).requires_grad_()


def test_backward_of_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mt.ones(1).sum().backward()


def test_non_numeric_data():
    with pytest.raises(TypeError, match="numeric"):
        mt.tensor(["a", "b"])


def test_reshape_to_wrong_size_names_shapes():
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(2, 3\)"):
        mt.ones(2, 3).reshape(4, 2)


def test_cat_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"\(2, 4\).*\(2, 3\)"):
        mt.cat([mt.ones(2, 3), mt.ones(2, 4)], dim=0)


def test_item_on_many_elements():
    with pytest.raises(ValueError, match=r"6 elements.*\(2, 3\)"):
        mt.ones(2, 3).item()


def test_float_index_rejected():
    with pytest.raises(IndexError, match="long or bool.*float32"):
        mt.ones(3)[mt.tensor([0.0, 1.0])]


def test_autograd_grad_unused_input():
    x = mt.ones(2, requires_grad=True)
    z = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="not used"):
        mt.autograd.grad((x * 2).sum(), [x, z])
    gx, gz = mt.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None and gx.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("engine_name", ["vector", "micro"])
def test_setitem_value_of_wrong_shape_names_both_shapes(engine_name):
    import importlib

    m = importlib.import_module(f"mytorch.{engine_name}")
    t = m.zeros(3, 4)
    with pytest.raises(ValueError, match=r"\(3,\).*indexed shape \(2, 4\)"):
        t[1:] = m.ones(3)


def test_clamp_with_a_tensor_bound_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"clamp \(min\).*\(2, 3\) and \(4,\)"):
        mt.ones(2, 3).clamp(min=mt.zeros(4))
