"""``Tensor.data`` as in PyTorch on both engines: a history-free Tensor whose writes change the original.

Each program is one function of the library (``torch``, ``mytorch.vector`` or
``mytorch.micro``) that returns what it observed; the test runs the same
function on PyTorch and on each engine and compares the results. Programs work
in float64, so the micro engine (float64 Values) and the vector engine meet
PyTorch to rtol 1e-12 (the same arithmetic in a possibly different order).
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mv
from mytorch._tensor_base import TensorBase

torch = pytest.importorskip("torch")

ENGINES = [pytest.param(mv, id="vector"), pytest.param(mm, id="micro")]
W0 = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]


def _param(lib, values=W0):
    return lib.tensor(values, dtype=lib.float64, requires_grad=True)


def _plain(x):
    """An observation as plain Python/numpy values, from either library."""
    if isinstance(x, (torch.Tensor, TensorBase)):
        return np.array(x.detach().tolist(), dtype=np.float64)
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _check(program, engine):
    expected, got = _plain(program(torch)), _plain(program(engine))
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        if isinstance(e, np.ndarray):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14, err_msg=f"observation {i}")
        else:
            assert g == e, f"observation {i}: {g!r} != PyTorch's {e!r}"


# ---------------------------------------------------------------- what .data is
def _attributes(lib):
    p = _param(lib)
    d = p.data
    return [d, d.requires_grad, d.grad_fn is None, d.is_leaf, tuple(d.shape), d.dtype == p.dtype,
            p.requires_grad, isinstance(d, type(p.detach()))]


def _data_of_non_leaf(lib):
    p = _param(lib)
    y = p * 2 + 1
    d = y.data
    d.mul_(10)  # written into y; no history is recorded
    return [d, d.requires_grad, d.grad_fn is None, d.is_leaf, y, y.requires_grad, y.grad_fn is not None]


def _reads(lib):
    p = _param(lib)
    d = p.data
    return [np.asarray(d).tolist(), d.tolist(), d[1, 2].item(), tuple(d.shape), d.data.tolist(),
            d.numpy().tolist(), p.detach().numpy().tolist(), p.data.numpy().tolist()]


# ---------------------------------------------------------------- writes through .data
def _add_(lib):
    p = _param(lib)
    p.data.add_(lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64))
    return [p, p.requires_grad, p.grad_fn is None]


def _mul_(lib):
    p = _param(lib)
    p.data.mul_(2)
    p.data.div_(4)
    return [p]


def _iadd_grad(lib):
    p = _param(lib)
    (p * p).sum().backward()
    p.data += -0.1 * p.grad
    return [p, p.grad, p.requires_grad, p.is_leaf]


def _sub_(lib):
    p = _param(lib)
    (p * p * p).sum().backward()
    p.data.sub_(0.01 * p.grad)
    return [p]


def _setitem(lib):
    p = _param(lib)
    p.data[0] = 5
    p.data[1, 2] = -7.5
    return [p]


def _write_through_a_view_of_data(lib):
    p = _param(lib)
    p.data[1:].mul_(3)
    p.data[:, 0].add_(1)
    return [p]


def _copy_(lib):
    p = _param(lib)
    p.data.copy_(lib.tensor([9.0, 8.0, 7.0], dtype=lib.float64))  # broadcast over the rows
    return [p]


def _zero_(lib):
    p = _param(lib)
    p.data.zero_()
    return [p]


def _clone(lib):
    p = _param(lib)
    c = p.data.clone()
    c.add_(1)  # a copy: p is unchanged
    return [p, c, c.requires_grad]


def _data_of_a_view_writes_the_base(lib):
    p = _param(lib)
    row = p[1]
    row.data.add_(100)
    p.t().data[0, 0] = -3.0
    return [p, row]


def _integer_tensor_data(lib):
    t = lib.tensor([1, 2, 3])
    t.data[0] = 7
    t.data.mul_(2)
    return [t, t.data.dtype == t.dtype]


def _norm(lib):
    w = _param(lib)
    return [w.data.norm(), (w.data**2).sum().sqrt()]


# ---------------------------------------------------------------- assigning .data
def _assign_tensor(lib):
    p = _param(lib)
    old = p.data
    p.data = lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=lib.float64)  # a new shape
    return [p, tuple(p.shape), p.requires_grad, p.is_leaf, old]  # ``old`` keeps the old values


def _assign_then_train(lib):
    p = _param(lib)
    p.data = lib.tensor([1.0, -2.0], dtype=lib.float64)
    (p * p).sum().backward()
    return [p.grad]


# ---------------------------------------------------------------- training loops written with .data
def _sgd_iadd(lib, update="iadd"):
    x = lib.tensor([[1.0, 2.0], [0.5, -1.0], [-1.5, 0.25], [2.0, 1.0]], dtype=lib.float64)
    y = lib.tensor([[1.0], [-1.0], [0.5], [2.0]], dtype=lib.float64)
    w = lib.tensor([[0.1], [-0.2]], dtype=lib.float64, requires_grad=True)
    b = lib.tensor([0.05], dtype=lib.float64, requires_grad=True)
    lr, losses = 0.1, []
    for _ in range(5):
        loss = ((x @ w + b - y) ** 2).mean()
        losses.append(loss.item())
        w.grad = b.grad = None
        loss.backward()
        for p in (w, b):
            if update == "iadd":
                p.data += -lr * p.grad
            else:
                p.data.sub_(lr * p.grad)
    return [np.array(losses), w, b, w.is_leaf, w.requires_grad]


def _sgd_sub_(lib):
    return _sgd_iadd(lib, update="sub_")


def _makemore_loop(lib):
    """The makemore lecture's loop: embedding table, tanh layer, ``p.data += -0.1 * p.grad``."""
    F = lib.nn.functional
    rng = np.random.default_rng(0)
    Xs = lib.tensor(rng.integers(0, 5, size=(6, 2)))
    Ys = lib.tensor(rng.integers(0, 5, size=(6,)))
    C = lib.tensor(rng.standard_normal((5, 2)), dtype=lib.float64)
    W1 = lib.tensor(rng.standard_normal((4, 3)), dtype=lib.float64)
    b1 = lib.tensor(rng.standard_normal(3), dtype=lib.float64)
    W2 = lib.tensor(rng.standard_normal((3, 5)), dtype=lib.float64)
    b2 = lib.tensor(rng.standard_normal(5), dtype=lib.float64)
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    losses = []
    for _ in range(3):
        emb = C[Xs]
        h = (emb.view(-1, 4) @ W1 + b1).tanh()
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ys)
        losses.append(loss.item())
        for p in parameters:
            p.grad = None
        loss.backward()
        for p in parameters:
            p.data += -0.1 * p.grad
    return [np.array(losses), *parameters]


def _linear_layer_weights_set_through_data(lib):
    layer = lib.nn.Linear(3, 2, dtype=lib.float64)
    layer.weight.data.fill_(0.5)
    layer.bias.data.zero_()
    layer.weight.data[0, 1] = -1.0
    x = lib.tensor([[1.0, 2.0, 3.0]], dtype=lib.float64)
    return [layer(x), layer.weight.requires_grad]


PROGRAMS = {f.__name__.lstrip("_"): f for f in [
    _attributes, _data_of_non_leaf, _reads, _add_, _mul_, _iadd_grad, _sub_, _setitem,
    _write_through_a_view_of_data, _data_of_a_view_writes_the_base, _integer_tensor_data, _copy_, _zero_,
    _clone, _assign_tensor, _assign_then_train,
    _sgd_iadd, _sgd_sub_, _makemore_loop, _linear_layer_weights_set_through_data,
]}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_program_observes_what_pytorch_observes(name, engine):
    _check(PROGRAMS[name], engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_w_data_norm(engine):
    if not hasattr(engine.Tensor, "norm"):
        pytest.skip("Tensor.norm is not implemented yet (another part of issue #17)")
    _check(_norm, engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_assigning_an_array_or_a_list_replaces_the_values(engine):
    """Kept from MyTorch's older ``.data`` (PyTorch accepts only a Tensor here)."""
    p = _param(engine)
    p.data = np.array([[1.0, 2.0]])
    assert p.tolist() == [[1.0, 2.0]] and p.requires_grad and p.is_leaf
    p.data = [3.0, 4.0, 5.0]
    assert p.tolist() == [3.0, 4.0, 5.0] and tuple(p.shape) == (3,)


# ---------------------------------------------------------------- what PyTorch refuses
@pytest.mark.parametrize("lib", [torch, mv, mm], ids=["torch", "vector", "micro"])
def test_numpy_of_a_tensor_that_requires_grad_is_refused(lib):
    p = _param(lib)
    with pytest.raises(RuntimeError, match="requires grad"):
        p.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(p)
    assert p.data.numpy().shape == (2, 3)


@pytest.mark.parametrize("lib", [torch, mv, mm], ids=["torch", "vector", "micro"])
def test_assigning_integer_data_to_a_tensor_that_requires_grad_is_refused(lib):
    p = _param(lib)
    with pytest.raises(RuntimeError, match="floating point"):
        p.data = lib.tensor([1, 2])


@pytest.mark.parametrize("engine", ENGINES)
def test_assigning_the_other_engines_tensor_is_refused(engine):
    other = mm if engine is mv else mv
    p = _param(engine)
    with pytest.raises(TypeError, match="cannot set the data"):
        p.data = other.tensor([1.0])


# ---------------------------------------------------------------- autograd does not see .data writes
def test_write_through_data_is_invisible_to_autograd_vector():
    """PyTorch: ``.data`` has its own version counter, so backward uses the new values without raising."""

    def program(lib):
        p = _param(lib)
        y = (p * p).sum()
        p.data.mul_(2)
        y.backward()
        return [p.grad]

    _check(program, mv)


def test_a_true_in_place_change_still_raises_vector():
    """The counter check itself is kept: a write through ``p`` (not ``p.data``) is caught, as in PyTorch."""
    for lib in (torch, mv):
        p = _param(lib)
        q = p * 1
        y = (q * q).sum()
        q.mul_(2)
        with pytest.raises(RuntimeError):
            y.backward()


def test_data_shares_storage_both_ways_vector():
    def program(lib):
        p = _param(lib)
        d = p.data
        with lib.no_grad():
            p.mul_(3)  # seen through d: they share memory
        return [d]

    _check(program, mv)


def test_seed_tutorial_style_reads_vector():
    """``(abs(pred - y).mean()).data`` formats as a tensor, float() converts it; plt.plot reads __array__."""
    pred = mv.tensor([1.0, 2.0, 4.0], requires_grad=True)
    mae = (abs(pred - mv.tensor([1.5, 2.0, 3.0])).mean()).data
    assert f"{mae}".startswith("tensor(") and float(mae) == pytest.approx(0.5)
    assert np.asarray(pred.data, dtype=np.float64).tolist() == [1.0, 2.0, 4.0]
