"""Module-function reductions (``mytorch.sum(x, dim, keepdim, dtype=)``, ...) at parity with the
Tensor methods and with PyTorch: ``axis=``/``keepdims=`` aliases, ``dtype=``, tuple dims,
result dtypes of integer and bool inputs, ``norm``, ``nansum``/``nanmean``, and PyTorch's
errors where it refuses (``mean`` of integers).

The micro engine keeps floats as float64 Values, so its float results are compared by
value only (their dtype is float64 by design).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")

LIBS = pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])
F = [[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]]
I = [[1, -2, 3], [0, 4, -1]]  # noqa: E741
B = [[True, False, True], [False, False, True]]


def make(lib, kind):
    return {
        "f64": lambda: lib.tensor(F, dtype=lib.float64),
        "f32": lambda: lib.tensor(F, dtype=lib.float32),
        "i64": lambda: lib.tensor(I),
        "i32": lambda: lib.tensor(I, dtype=lib.int32),
        "bool": lambda: lib.tensor(B),
    }[kind]()


def outcome(lib, kind, call):
    x = make(lib, kind)
    try:
        result = call(lib, x)
    except (RuntimeError, TypeError, ValueError, IndexError) as e:
        return ("error", type(e).__name__)
    parts = result if isinstance(result, tuple) else (result,)
    return ("ok", [(str(np.asarray(p.detach().numpy()).dtype), tuple(p.shape), p.tolist()) for p in parts])


def assert_same(mt, kind, call, rtol=1e-12):
    ours, theirs = outcome(mt, kind, call), outcome(torch, kind, call)
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "error":
        assert ours[1] == theirs[1] or "RuntimeError" in (ours[1], theirs[1]) and ours[1] == "RuntimeError"
        return
    for (our_dtype, our_shape, our_value), (dtype, shape, value) in zip(ours[1], theirs[1]):
        assert our_shape == shape
        float_by_design = mt is mm and dtype.startswith("float")
        assert our_dtype == ("float64" if float_by_design else dtype)
        tol = 1e-6 if dtype == "float32" else rtol
        np.testing.assert_allclose(np.array(our_value, dtype=float), np.array(value, dtype=float), rtol=tol)


FORMS = {
    "all": lambda f: lambda L, x: getattr(L, f)(x),
    "dim": lambda f: lambda L, x: getattr(L, f)(x, 0),
    "dim_keepdim_positional": lambda f: lambda L, x: getattr(L, f)(x, 1, keepdim=True),
    "dim_keyword": lambda f: lambda L, x: getattr(L, f)(x, dim=1, keepdim=True),
    "axis": lambda f: lambda L, x: getattr(L, f)(x, axis=1),
    "keepdims": lambda f: lambda L, x: getattr(L, f)(x, 1, keepdims=True),
    "axis_keepdims": lambda f: lambda L, x: getattr(L, f)(x, axis=0, keepdims=True),
    "method_axis_keepdims": lambda f: lambda L, x: getattr(x, f)(axis=0, keepdims=True),
}
TUPLE_DIMS = ["sum", "mean", "amax", "amin", "var", "std", "logsumexp", "any", "all", "norm", "nansum"]


@LIBS
@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("name", ["sum", "mean", "prod", "amax", "amin", "max", "min", "var", "std",
                                  "logsumexp", "argmax", "argmin", "any", "all", "norm", "nansum"])
@pytest.mark.parametrize("kind", ["f64", "f32", "i64", "bool"])
def test_reduction_call_forms_match_pytorch(mt, form, name, kind):
    if form == "all" and name in ("logsumexp",):
        pytest.skip("logsumexp needs dim in PyTorch")
    if kind == "bool" and name in ("argmax", "argmin"):
        pytest.skip("PyTorch has no argmax for bool; MyTorch answers as numpy")
    if name == "norm" and ("axis" in form or "keepdims" in form):
        pytest.skip("torch.norm takes no axis=/keepdims= (MyTorch's do)")
    assert_same(mt, kind, FORMS[form](name))


@LIBS
@pytest.mark.parametrize("name", TUPLE_DIMS)
def test_tuple_dims_as_module_functions(mt, name):
    assert_same(mt, "f64", lambda L, x: getattr(L, name)(x, (0, 1)))
    assert_same(mt, "f64", lambda L, x: getattr(L, name)(x, dim=(1,), keepdim=True))


@LIBS
@pytest.mark.parametrize("kind", ["f64", "i64", "i32", "bool"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
@pytest.mark.parametrize("name", ["sum", "prod", "nansum"])
def test_sum_and_prod_dtype_argument(mt, kind, dtype, name):
    assert_same(mt, kind, lambda L, x: getattr(L, name)(x, dtype=getattr(L, dtype)))
    assert_same(mt, kind, lambda L, x: getattr(x, name)(1, dtype=getattr(L, dtype)))


@LIBS
@pytest.mark.parametrize("kind", ["i64", "i32", "bool"])
def test_sum_and_prod_of_integers_and_bools_give_int64(mt, kind):
    assert_same(mt, kind, lambda L, x: L.sum(x))
    assert_same(mt, kind, lambda L, x: x.sum(0))
    assert_same(mt, kind, lambda L, x: L.prod(x, 1))
    assert_same(mt, kind, lambda L, x: x.prod())
    assert outcome(mt, "bool", lambda L, x: L.sum(x))[1][0][0] == "int64"


@LIBS
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_mean_dtype_argument_and_integer_errors(mt, dtype):
    assert_same(mt, "i64", lambda L, x: L.mean(x, dtype=getattr(L, dtype)))
    assert_same(mt, "f64", lambda L, x: L.mean(x, 1, dtype=getattr(L, dtype)))
    for kind in ("i64", "bool"):
        assert_same(mt, kind, lambda L, x: L.mean(x))
        assert_same(mt, kind, lambda L, x: x.var(0))  # noqa: B023 - called at once
    assert_same(mt, "f64", lambda L, x: L.mean(x, dtype=L.int64))
    with pytest.raises(RuntimeError, match="mean.*floating point.*int64"):
        mt.mean(mt.tensor([1, 2]))


@LIBS
def test_var_and_std_positional_unbiased_overloads(mt):
    for name in ("var", "std"):
        assert_same(mt, "f64", lambda L, x, n=name: getattr(L, n)(x, 1, False))  # (dim, unbiased)
        assert_same(mt, "f64", lambda L, x, n=name: getattr(L, n)(x, False))  # (unbiased)
        assert_same(mt, "f64", lambda L, x, n=name: getattr(x, n)(1, True, True))  # (dim, unbiased, keepdim)
        assert_same(mt, "f64", lambda L, x, n=name: getattr(L, n)(x, 0, correction=0, keepdim=True))


@LIBS
@pytest.mark.parametrize("p", ["fro", 1, 2, 3, 0.5, math.inf, -math.inf, 0])
@pytest.mark.parametrize("dim", [None, 1, (0, 1)])
def test_norm_values_and_gradients(mt, p, dim):
    def run(lib):
        x = lib.tensor([[3.0, -4.0, 0.5], [0.0, 0.0, 0.0]], dtype=lib.float64, requires_grad=True)
        if p == "fro" and dim == 1:
            n = lib.norm(x, dim=dim)
        else:
            n = x.norm(p, dim) if dim is not None else lib.norm(x, p)
        (n * 1.5).sum().backward()
        return n.tolist(), None if x.grad is None else x.grad.tolist()

    ours, theirs = run(mt), run(torch)
    if p == 0:  # a count: PyTorch's backward gives no gradient at all, MyTorch's zeros
        assert theirs[1] is None and ours[1] in (None, [[0.0] * 3] * 2)
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
        return
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-15)


@LIBS
def test_norm_keepdim_dtype_and_errors(mt):
    assert_same(mt, "f64", lambda L, x: L.norm(x, 2, 1, True))
    assert_same(mt, "f32", lambda L, x: x.norm(dim=0, keepdim=True, dtype=L.float64))
    assert_same(mt, "i64", lambda L, x: L.norm(x))
    with pytest.raises(ValueError, match="p must be"):
        mt.norm(mt.ones(2), "nope")


@LIBS
def test_nansum_and_nanmean_skip_nan_with_gradients(mt):
    def run(lib):
        x = lib.tensor([[1.0, float("nan"), 2.0], [float("nan"), 3.0, 4.0]],
                       dtype=lib.float64, requires_grad=True)
        a, b = lib.nansum(x, 1), x.nanmean(dim=0)
        (a.sum() + (b * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).nansum()).backward()
        return a.tolist(), b.tolist(), x.grad.tolist()

    ours, theirs = run(mt), run(torch)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@LIBS
def test_alias_given_twice_is_a_clear_error(mt):
    x = mt.ones(2, 3)
    with pytest.raises(TypeError, match="dim= and its alias axis="):
        mt.sum(x, dim=0, axis=1)
    with pytest.raises(TypeError, match="keepdim= and its alias keepdims="):
        x.amax(0, keepdim=True, keepdims=True)


@LIBS
def test_module_reduction_keeps_gradients(mt):
    def run(lib):
        x = lib.tensor(F, dtype=lib.float64, requires_grad=True)
        y = (lib.sum(x, axis=1, keepdims=True) * lib.amax(x, axis=0) + lib.logsumexp(x, axis=0)).sum()
        y = y + lib.prod(x, axis=1).sum() + lib.std(x, axis=1).sum()
        y.backward()
        return x.grad.tolist()

    np.testing.assert_allclose(run(mt), run(torch), rtol=1e-12)
