"""#12 points 2, 3, 4, 6, 8, 9 and 10: views that write back, views whose history follows
their base, PyTorch's advanced-index axis order, in-place ops that need the old value, and
the indexing corner cases (0-d setitem, ``x[[]]``).

Expected numbers are derived by hand in the comments (and compared with PyTorch where it is
installed, in tests/properties); float64 throughout, so the tolerances are rounding only.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.micro as micro
import mytorch.vector as vector

ENGINES = [pytest.param(micro, id="micro"), pytest.param(vector, id="vector")]
f64 = {"dtype": "float64"}


def _close(t, expected):
    found = np.asarray(t.detach().numpy(), dtype=np.float64)
    np.testing.assert_allclose(found, expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- point 2: int index is a view
@pytest.mark.parametrize("m", ENGINES)
def test_int_index_is_a_view_that_writes_back(m):
    t = m.tensor([1.0, 2.0, 3.0], **f64)
    t[1].mul_(10)
    _close(t, [1.0, 20.0, 3.0])
    mat = m.tensor([[1.0, 2.0], [3.0, 4.0]], **f64)
    mat[0, 1].zero_()
    _close(mat, [[1.0, 0.0], [3.0, 4.0]])
    mat[1][0].add_(5)  # a view of a view
    _close(mat, [[1.0, 0.0], [8.0, 4.0]])


@pytest.mark.parametrize("m", ENGINES)
def test_int_index_of_an_integer_tensor_is_a_view(m):
    t = m.tensor([1, 2, 3])
    t[1].mul_(10)
    assert t.tolist() == [1, 20, 3]


@pytest.mark.parametrize("m", ENGINES)
def test_int_index_view_sees_later_writes_to_the_base(m):
    t = m.tensor([1.0, 2.0, 3.0], **f64)
    element = t[2]
    assert element.shape == ()
    t.mul_(2)
    assert element.item() == 6.0


@pytest.mark.parametrize("m", ENGINES)
def test_int_index_view_in_place_has_autograd(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True, **f64)
    b = x * 1
    b[1].mul_(10)  # b = [x0, 10 x1, x2]
    b.sum().backward()
    _close(b, [1.0, 20.0, 3.0])
    _close(x.grad, [1.0, 10.0, 1.0])


# ---------------------------------------------------------------- point 3: stale view history
@pytest.mark.parametrize("m", ENGINES)
def test_view_made_before_an_in_place_write_to_its_base(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True, **f64)
    b = x * 1
    v = b[0:2]
    b.mul_(2)  # v = 2 x[0:2]
    v.sum().backward()
    _close(x.grad, [2.0, 2.0, 0.0])


@pytest.mark.parametrize("m", ENGINES)
def test_views_of_views_and_sibling_views_follow_writes(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True, **f64)
    b = x * 1
    v = b[0:2]
    w = v[1:]  # b[1]
    b[1:].mul_(3)  # a sibling view: b = [x0, 3 x1, 3 x2]
    # (w * v).sum() = 3 x1 * x0 + 3 x1 * 3 x1 = 3 x0 x1 + 9 x1^2
    # d/dx0 = 3 x1 = 6; d/dx1 = 3 x0 + 18 x1 = 39; d/dx2 = 0
    (w * v).sum().backward()
    _close(x.grad, [6.0, 39.0, 0.0])


@pytest.mark.parametrize("m", ENGINES)
def test_reshape_and_transpose_views_follow_writes(m):
    x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, **f64)
    b = x * 1
    flat = b.reshape(4)
    tr = b.transpose(0, 1)
    b.add_(x)  # b = 2x: flat and tr are 2x too
    (flat.sum() + (tr * tr).sum()).backward()  # d/dx = 2 + 2 (2x) 2 = 2 + 8x
    _close(x.grad, 2 + 8 * np.array([[1.0, 2.0], [3.0, 4.0]]))


# ---------------------------------------------------------------- point 4: PyTorch's axis order
@pytest.mark.parametrize("m", ENGINES)
def test_advanced_index_after_an_int_follows_pytorch(m):
    a = m.arange(24.0).reshape(2, 3, 4)
    # PyTorch selects a[0] first (3, 4), then [:, [0, 1]]: shape (3, 2), out[i, j] = a[0, i, j]
    out = a[0, :, [0, 1]]
    assert tuple(out.shape) == (3, 2)
    _close(out, np.arange(24.0).reshape(2, 3, 4)[0][:, [0, 1]])
    # a[0] is (3, 4); None adds a leading dim; [0, 1] picks rows: (1, 2, 4)
    assert tuple(a[0, None, [0, 1]].shape) == (1, 2, 4)
    # a[..., 0, [0, 1]]: select the middle dim at 0 -> (2, 4), then [:, [0, 1]] -> (2, 2)
    assert tuple(a[:, 0, :][:, [0, 1]].shape) == (2, 2)
    assert tuple(a[:, 0, [0, 1]].shape) == (2, 2)


@pytest.mark.parametrize("m", ENGINES)
def test_advanced_setitem_after_an_int_follows_pytorch(m):
    a = m.zeros(2, 3, 4, **f64)
    a[0, :, [0, 1]] = m.arange(6.0, **f64).reshape(3, 2)  # a[0, i, j] = 2 i + j for j < 2
    expected = np.zeros((2, 3, 4))
    expected[0, :, :2] = np.arange(6.0).reshape(3, 2)
    _close(a, expected)


@pytest.mark.parametrize("m", ENGINES)
def test_advanced_index_after_an_int_gradient(m):
    x = m.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True, **f64)
    weights = m.tensor(np.arange(1.0, 7.0).reshape(3, 2), **f64)
    (x[1, :, [3, 0]] * weights).sum().backward()  # x[1, i, 3] gets w[i, 0], x[1, i, 0] gets w[i, 1]
    expected = np.zeros((2, 3, 4))
    expected[1, :, 3] = [1.0, 3.0, 5.0]
    expected[1, :, 0] = [2.0, 4.0, 6.0]
    _close(x.grad, expected)


@pytest.mark.parametrize("m", ENGINES)
def test_zero_dim_integer_tensor_index_is_an_int(m):
    a = m.arange(24.0).reshape(2, 3, 4)
    assert tuple(a[m.tensor(0), :, [0, 1]].shape) == (3, 2)  # as a[0, :, [0, 1]] (PyTorch)


# ---------------------------------------------------------------- point 6: repeated-index setitem
def _repeated_setitem(m):
    v = m.tensor([1.0, 2.0], requires_grad=True, **f64)
    b = m.zeros(3, **f64)
    b[[0, 0]] = v  # the last write wins: b = [2, 0, 0]
    (b * m.tensor([1.0, 2.0, 3.0], **f64)).sum().backward()
    return b, v.grad


def test_repeated_index_setitem_vector_follows_pytorch():
    b, grad = _repeated_setitem(vector)
    _close(b, [2.0, 0.0, 0.0])
    _close(grad, [1.0, 1.0])  # PyTorch gathers the output's gradient at each index, for every write


def test_repeated_index_setitem_micro_gives_the_true_derivative():
    """The documented difference (README, "Where the engines differ"): b[0] depends on v[1]
    only, so db/dv0 is 0, which a central difference confirms."""
    b, grad = _repeated_setitem(micro)
    _close(b, [2.0, 0.0, 0.0])
    _close(grad, [0.0, 1.0])

    def loss(v0):
        b = np.zeros(3)
        b[[0, 0]] = [v0, 2.0]
        return float(b @ [1.0, 2.0, 3.0])

    assert (loss(1.0 + 1e-6) - loss(1.0 - 1e-6)) / 2e-6 == 0.0


# ---------------------------------------------------------------- point 8: in-place needing old values
@pytest.mark.parametrize("m", ENGINES)
def test_mul_div_pow_in_place_by_tensors_that_require_grad(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True, **f64)
    w = m.tensor([2.0, 3.0, 4.0], requires_grad=True, **f64)
    b = x * 1
    b.mul_(w)
    b.div_(w * w)  # b = x / w
    b.pow_(w)  # b = (x / w) ** w
    b.sum().backward()
    xv, wv = np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 4.0])
    r = xv / wv
    _close(x.grad, wv * r ** (wv - 1) / wv)  # d/dx (x/w)^w = w (x/w)^(w-1) / w
    _close(w.grad, r**wv * (np.log(r) - 1))  # d/dw exp(w log(x/w)) = (x/w)^w (log(x/w) - 1)


@pytest.mark.parametrize("m", ENGINES)
def test_pow_in_place_by_a_constant_tensor(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True, **f64)
    b = x * 1
    b.pow_(m.tensor(2.0, **f64))
    b.sum().backward()
    _close(x.grad, [2.0, 4.0, 6.0])


@pytest.mark.parametrize("m", ENGINES)
def test_in_place_by_itself(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True, **f64)
    b = x * 1
    c = b.clone()
    b.mul_(c)  # b = x^2
    b.sum().backward()
    _close(x.grad, [2.0, 4.0, 6.0])


# ---------------------------------------------------------------- points 9 and 10: corner cases
@pytest.mark.parametrize("m", ENGINES)
@pytest.mark.parametrize("key", [(), Ellipsis], ids=["empty-tuple", "ellipsis"])
def test_setitem_on_a_zero_dim_tensor_has_a_gradient(m, key):
    x = m.tensor(2.0, requires_grad=True, **f64)
    b = x * 1
    b[key] = x * 3  # b = 3x
    (b * b).backward()  # d/dx 9 x^2 = 18 x
    assert x.grad.item() == 36.0


@pytest.mark.parametrize("m", ENGINES)
def test_empty_list_index(m):
    x = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True, **f64)
    assert tuple(x[[]].shape) == (0, 3)
    assert tuple(x[[], 0].shape) == (0,)
    (x[[]].sum() + x[0, 0]).backward()
    _close(x.grad, [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
