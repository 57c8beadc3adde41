"""Edge values, 0-d tensors and empty reductions follow PyTorch on both engines (issue #12).

Every case states its expected values and gradients, derived by hand in the comment next
to it, so the file runs without PyTorch; with PyTorch installed, ``test_torch_agrees``
checks that PyTorch 2.13 (float64) gives exactly those numbers, so the engines agree with
PyTorch by the same comparison. Gradients are those of ``out.sum()``.

The comparison is exact about where NaNs and infinities are and, for cases that say so,
about the sign of zeros; finite values agree to 1e-12 (a few float64 ulps).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mt

ENGINES = {"vector": mt, "micro": mm}
INF, NAN = math.inf, math.nan
THIRD = 1 / 3
R2 = math.sqrt(0.5)  # std of (2, 3) and its gradient scale


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable[..., Any]  # fn(m, *inputs) with m = mytorch.vector, mytorch.micro or torch
    inputs: tuple[Any, ...]  # float64 arrays (or nested lists)
    out: Any  # expected output
    grads: tuple[Any, ...] | None  # expected d out.sum() / d input, per input; None: no backward
    signed_zeros: bool = False  # compare the sign of zero results too


def _case(name, fn, inputs, out, grads=None, **kw) -> Case:
    return Case(name, fn, tuple(np.asarray(x, dtype=np.float64) for x in inputs), out, grads, **kw)


CASES = [
    # ---- point 5: logsumexp with infinities (shift by the max only where it is finite)
    # [inf, 1]: shift 0, log(e^inf + e) = inf; grad exp(x - out) = [exp(nan), exp(-inf)] = [nan, 0]
    _case("logsumexp_inf", lambda m, x: x.logsumexp(0), [[INF, 1.0]], INF, ([NAN, 0.0],)),
    # [-inf, -inf]: log(0 + 0) = -inf; grad exp(-inf - -inf) = exp(nan) = nan
    _case("logsumexp_all_neg_inf", lambda m, x: x.logsumexp(0), [[-INF, -INF]], -INF, ([NAN, NAN],)),
    # [-inf, 1]: the finite max 1 is the shift: 1 + log(0 + 1) = 1; grad softmax = [0, 1]
    _case("logsumexp_neg_inf_and_finite", lambda m, x: x.logsumexp(0), [[-INF, 1.0]], 1.0, ([0.0, 1.0],)),
    # ---- point 5: mean over no elements is 0 / 0 = nan; the gradient has the input's (empty) shape
    _case("mean_empty_all", lambda m, x: x.mean(), [np.zeros((0, 3))], NAN, (np.zeros((0, 3)),)),
    _case("mean_empty_dim", lambda m, x: x.mean(0), [np.zeros((0, 3))], [NAN] * 3, (np.zeros((0, 3)),)),
    _case("mean_over_nonempty_dim_of_empty", lambda m, x: x.mean(1), [np.zeros((0, 3))], np.zeros(0),
          (np.zeros((0, 3)),)),
    # ---- point 5: x ** 0 = 1 everywhere, so its derivative is 0 (not 0 * x**-1 = nan at 0)
    _case("pow_zero_exponent", lambda m, x: x**0, [[2.0, 0.0, -1.0]], [1.0] * 3, ([0.0] * 3,)),
    _case("pow_zero_float_exponent", lambda m, x: x**0.0, [[2.0, 0.0, -1.0]], [1.0] * 3, ([0.0] * 3,)),
    # x ** e with both tensors. d/dx = e x^(e-1), 0 where e == 0: [0, 1*0^0, 2*0^1, 0, 0, -1*0^-2]
    # d/de = x^e log x, 0 where x == 0 and e >= 0: [0, 0, 0, 1*log 2, 1*log(-1), inf*log 0]
    _case("pow_tensor_at_zero", lambda m, x, e: x**e,
          [[0.0, 0.0, 0.0, 2.0, -1.0, 0.0], [0.0, 1.0, 2.0, 0.0, 0.0, -1.0]],
          [1.0, 0.0, 0.0, 1.0, 1.0, INF],
          ([0.0, 1.0, 0.0, 0.0, 0.0, -INF], [0.0, 0.0, 0.0, math.log(2.0), NAN, -INF])),
    # 0 ** e with a number base: d/de = 0^e log 0, 0 where e >= 0; at e = -1: inf * -inf = -inf
    _case("rpow_zero_base", lambda m, e: 0.0**e, [[0.0, 1.0, -1.0, 2.0]], [1.0, 0.0, INF, 0.0],
          ([0.0, 0.0, -INF, 0.0],)),
    # ---- point 5: std of equal values is 0 and its gradient 0 (sqrt'(0) = inf times 0 is taken as 0)
    _case("std_equal_values", lambda m, x: x.std(), [[1.0, 1.0, 1.0]], 0.0, ([0.0] * 3,)),
    _case("var_equal_values", lambda m, x: x.var(), [[1.0, 1.0, 1.0]], 0.0, ([0.0] * 3,)),
    # column 0 equal (std 0, grad 0); column 1 = (2, 3): std sqrt(1/2), grad (x - 2.5) / std = -+sqrt(1/2)
    _case("std_dim_one_column_equal", lambda m, x: x.std(0), [[[1.0, 2.0], [1.0, 3.0]]], [0.0, R2],
          ([[0.0, -R2], [0.0, R2]],)),
    # one element, correction 1: 0 / 0 = nan, and so is its gradient (the 0-gradient rule is for std == 0)
    _case("std_single_element_nan", lambda m, x: x.std(), [[1.0]], NAN, ([NAN],)),
    # ---- point 5: amax/amin ties split the gradient evenly
    _case("amax_ties", lambda m, x: x.amax(), [[1.0, 3.0, 3.0]], 3.0, ([0.0, 0.5, 0.5],)),
    _case("amax_ties_dim", lambda m, x: x.amax(1), [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]], [3.0, 2.0],
          ([[0.0, 0.5, 0.5], [THIRD, THIRD, THIRD]],)),
    _case("amin_ties_dim", lambda m, x: x.amin(1), [[[1.0, 1.0, 3.0], [2.0, 2.0, 2.0]]], [1.0, 2.0],
          ([[0.5, 0.5, 0.0], [THIRD, THIRD, THIRD]],)),
    # a NaN is the amax; nothing ties with it, so every gradient is 1 / 0 * 0 = nan (as PyTorch)
    _case("amax_nan", lambda m, x: x.amax(), [[NAN, 1.0]], NAN, ([NAN, NAN],)),
    # max() over all: the NaNs are the maxima and share the gradient
    _case("max_all_nan", lambda m, x: x.max(), [[NAN, 1.0, NAN]], NAN, ([0.5, 0.0, 0.5],)),
    # ---- point 5 (micro): maximum/minimum propagate NaN; both sides then get the whole gradient
    _case("maximum_nan", lambda m, a, b: m.maximum(a, b), [[NAN, 1.0, 1.0, 2.0], [1.0, NAN, 1.0, 1.0]],
          [NAN, NAN, 1.0, 2.0], ([1.0, 1.0, 0.5, 1.0], [1.0, 1.0, 0.5, 0.0])),
    _case("minimum_nan", lambda m, a, b: m.minimum(a, b), [[NAN, 1.0, 1.0, 0.0], [1.0, NAN, 1.0, 1.0]],
          [NAN, NAN, 1.0, 0.0], ([1.0, 1.0, 0.5, 1.0], [1.0, 1.0, 0.5, 0.0])),
    # ---- point 5 (micro): IEEE signed zero: sqrt(-0) = -0, d/dx = 1 / (2 * -0) = -inf
    _case("sqrt_signed_zero", lambda m, x: x.sqrt(), [[-0.0, 0.0]], [-0.0, 0.0], ([-INF, INF],),
          signed_zeros=True),
    # rsqrt = 1 / sqrt: 1 / -0 = -inf; d/dx = -x^(-3/2) / 2 -> (-1 / (+0)) * (-inf) = +inf at -0
    _case("rsqrt_signed_zero", lambda m, x: x.rsqrt(), [[-0.0, 0.0]], [-INF, INF], ([INF, -INF],)),
    # ---- point 5 (micro): domain edges give nan/inf as IEEE (numpy, PyTorch), not ValueError
    _case("sin_inf", lambda m, x: x.sin(), [[INF, -INF, NAN]], [NAN] * 3, ([NAN] * 3,)),
    _case("cos_inf", lambda m, x: x.cos(), [[INF, -INF, NAN]], [NAN] * 3, ([NAN] * 3,)),
    # log: [nan, -inf, -inf, inf]; d/dx = 1/x: [-1, inf, -inf, 0]
    _case("log_domain", lambda m, x: x.log(), [[-1.0, 0.0, -0.0, INF]], [NAN, -INF, -INF, INF],
          ([-1.0, INF, -INF, 0.0],)),
    _case("sqrt_negative", lambda m, x: x.sqrt(), [[-1.0, -INF]], [NAN, NAN], ([NAN, NAN],)),
    # clamp keeps NaN (it is neither below nor above a bound) and gives it gradient 0
    _case("clamp_nan", lambda m, x: x.clamp(0.0, 1.0), [[NAN, 0.5, 2.0]], [NAN, 0.5, 1.0],
          ([0.0, 1.0, 0.0],)),
    # abs: d/dx = sign(x), taken as 0 at NaN and at 0
    _case("abs_nan", lambda m, x: x.abs(), [[NAN, -2.0, 0.0, INF]], [NAN, 2.0, 0.0, INF],
          ([0.0, -1.0, 0.0, 1.0],)),
    # ---- point 9: reductions of a 0-d tensor along dim 0 / -1 (keepdim changes nothing: shape ())
    _case("sum_0d_dim0", lambda m, x: x.sum(0), [2.5], 2.5, (1.0,)),
    _case("sum_0d_dim_neg1_keepdim", lambda m, x: x.sum(-1, keepdim=True), [2.5], 2.5, (1.0,)),
    _case("mean_0d_dim0", lambda m, x: x.mean(0), [2.5], 2.5, (1.0,)),
    _case("mean_0d_keepdim", lambda m, x: x.mean(-1, keepdim=True), [2.5], 2.5, (1.0,)),
    # var/std of one element with correction 1: 0 / 0 = nan, gradient nan
    _case("var_0d_dim0", lambda m, x: x.var(0), [2.5], NAN, (NAN,)),
    _case("std_0d_dim_neg1_keepdim", lambda m, x: x.std(-1, keepdim=True), [2.5], NAN, (NAN,)),
    # correction 0: var 0, and std 0 with gradient 0
    _case("std_0d_correction0", lambda m, x: x.std(0, correction=0), [2.5], 0.0, (0.0,)),
    _case("max_0d_dim0", lambda m, x: x.max(0)[0], [2.5], 2.5, (1.0,)),
    _case("max_0d_keepdim_indices", lambda m, x: x.max(-1, keepdim=True)[1], [2.5], 0, None),
    _case("min_0d_dim_neg1", lambda m, x: x.min(-1).values, [2.5], 2.5, (1.0,)),
    _case("logsumexp_0d", lambda m, x: x.logsumexp(0), [2.5], 2.5, (1.0,)),
    _case("logsumexp_0d_keepdim", lambda m, x: x.logsumexp(-1, keepdim=True), [2.5], 2.5, (1.0,)),
    _case("amax_0d", lambda m, x: x.amax(0), [2.5], 2.5, (1.0,)),
    _case("amin_0d_keepdim", lambda m, x: x.amin(-1, keepdim=True), [2.5], 2.5, (1.0,)),
    _case("argmax_0d_keepdim", lambda m, x: x.argmax(0, keepdim=True), [2.5], 0, None),
    _case("argmin_0d_dim_neg1", lambda m, x: x.argmin(-1), [2.5], 0, None),
    # softmax of one element is 1 (constant: gradient 0); log_softmax is 0
    _case("softmax_0d", lambda m, x: x.softmax(0), [2.5], 1.0, (0.0,)),
    _case("log_softmax_0d", lambda m, x: x.log_softmax(-1), [2.5], 0.0, (0.0,)),
    _case("any_0d_dim0", lambda m, x: x.any(0), [2.5], True, None),
    _case("all_0d_keepdim", lambda m, x: x.all(-1, keepdim=True), [0.0], False, None),
    # ---- point 10: amax/amin over a tuple of dims; logsumexp over an empty dim; empty matmul
    # dims (0, 1) of [[1, 3, 3], [2, 2, 2]]: max 3 (two ties)
    _case("amax_tuple_dims", lambda m, x: x.amax((0, 1)), [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]], 3.0,
          ([[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]],)),
    # dims (0, 2) with keepdim of shape (1, 2, 3): per row of the middle dim
    _case("amax_tuple_dims_keepdim", lambda m, x: x.amax((0, 2), keepdim=True),
          [[[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]]], [[[3.0], [2.0]]],
          ([[[0.0, 0.5, 0.5], [THIRD, THIRD, THIRD]]],)),
    _case("amin_tuple_dims", lambda m, x: x.amin((1, 0)), [[[1.0, 3.0], [1.0, 2.0]]], 1.0,
          ([[0.5, 0.0], [0.5, 0.0]],)),
    # module functions: amax(1) = [3, 2] plus amin over all = 1 (added to both: its gradient is 2)
    _case("module_amax_amin", lambda m, x: m.amax(x, 1) + m.amin(x, (0, 1)),
          [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]], [4.0, 3.0], ([[2.0, 0.5, 0.5], [THIRD, THIRD, THIRD]],)),
    # log(sum of no exps) = log 0 = -inf
    _case("logsumexp_empty_dim", lambda m, x: x.logsumexp(1), [np.zeros((3, 0))], [-INF] * 3,
          (np.zeros((3, 0)),)),
    _case("logsumexp_empty_all_dims", lambda m, x: x.logsumexp((0, 1)), [np.zeros((0, 2))], -INF,
          (np.zeros((0, 2)),)),
    # a sum of no products is 0
    _case("matmul_empty_vectors", lambda m, a, b: a @ b, [np.zeros(0), np.zeros(0)], 0.0,
          (np.zeros(0), np.zeros(0))),
    _case("matmul_empty_inner", lambda m, a, b: a @ b, [np.zeros((2, 0)), np.zeros((0, 3))], np.zeros((2, 3)),
          (np.zeros((2, 0)), np.zeros((0, 3)))),
    _case("matmul_empty_vec_mat", lambda m, a, b: a @ b, [np.zeros(0), np.zeros((0, 3))], np.zeros(3),
          (np.zeros(0), np.zeros((0, 3)))),
    _case("matmul_empty_batched", lambda m, a, b: a @ b, [np.zeros((2, 3, 0)), np.zeros((2, 0, 4))],
          np.zeros((2, 3, 4)), (np.zeros((2, 3, 0)), np.zeros((2, 0, 4)))),
]
IDS = [c.name for c in CASES]


def _run(m: Any, case: Case) -> tuple[np.ndarray, list[np.ndarray]]:
    """Output and gradients of ``case`` on library ``m``, as float64 (or int/bool) numpy arrays."""
    inputs = [m.tensor(x, dtype=m.float64, requires_grad=case.grads is not None) for x in case.inputs]
    out = case.fn(m, *inputs)
    out_np = np.asarray(out.detach().numpy())
    if case.grads is None:
        assert not out.requires_grad, f"{case.name}: the result should carry no gradient"
        return out_np, []
    out.sum().backward()
    return out_np, [np.asarray(t.grad.numpy(), dtype=np.float64) for t in inputs]


def _assert_same(actual: Any, expected: Any, what: str, signed_zeros: bool) -> None:
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    if expected.dtype.kind in "bi" or actual.dtype.kind in "bi":
        assert actual.dtype.kind == np.asarray(expected).dtype.kind, f"{what}: dtype {actual.dtype}"
        np.testing.assert_array_equal(actual, expected, err_msg=what)
        return
    actual, expected = actual.astype(np.float64), expected.astype(np.float64)
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected), err_msg=f"{what}: NaN positions")
    np.testing.assert_array_equal(np.isinf(actual), np.isinf(expected), err_msg=f"{what}: inf positions")
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-14, err_msg=what)  # equal infs pass
    if signed_zeros:
        zero = expected == 0
        np.testing.assert_array_equal(np.signbit(actual[zero]), np.signbit(expected[zero]),
                                      err_msg=f"{what}: sign of zero")


def _check(m: Any, case: Case, label: str) -> None:
    out, grads = _run(m, case)
    _assert_same(out, case.out, f"{label} {case.name}: output", case.signed_zeros)
    for i, (g, expected) in enumerate(zip(grads, case.grads or ())):
        _assert_same(g, expected, f"{label} {case.name}: gradient of input {i}", case.signed_zeros)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy notes the inf/nan it computes
@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_engine_matches_hand_values(case, engine):
    _check(ENGINES[engine], case, engine)


GRAD_CASES = [c for c in CASES if c.grads is not None]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("case", GRAD_CASES, ids=[c.name for c in GRAD_CASES])
def test_create_graph_gives_the_same_gradients(case, engine):
    """The differentiable backward (``create_graph=True``, Tensors all the way) keeps the conventions."""
    m = ENGINES[engine]
    inputs = [m.tensor(x, dtype=m.float64, requires_grad=True) for x in case.inputs]
    grads = m.autograd.grad(case.fn(m, *inputs).sum(), inputs, create_graph=True)
    for i, (g, expected) in enumerate(zip(grads, case.grads)):
        _assert_same(g.detach().numpy(), expected, f"{engine} {case.name}: create_graph gradient {i}",
                     case.signed_zeros)


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch warns about var with no degrees of freedom
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_torch_agrees(case):
    """The hand-derived expectations are PyTorch's (so the engines match PyTorch too)."""
    torch = pytest.importorskip("torch")
    _check(torch, case, "torch")


# ---------------------------------------------------------------- refusals, as PyTorch's
@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: x.amax(), RuntimeError, r"amax\(\): Expected reduction dim to be specified"),
        (lambda x: x.amax(0), IndexError, r"amax\(\): Expected reduction dim 0 to have non-zero size"),
        (lambda x: x.amin((1, 0)), IndexError, r"amin\(\): Expected reduction dim 0 to have non-zero size"),
        (lambda x: x.max(0), IndexError, r"max\(\): Expected reduction dim 0 to have non-zero size"),
        (lambda x: x.argmax(0), IndexError, r"argmax\(\): Expected reduction dim 0 to have non-zero size"),
        (lambda x: x.argmin(), RuntimeError, r"argmin\(\): Expected reduction dim to be specified"),
    ],
    ids=["amax_all", "amax_dim", "amin_dims", "max_dim", "argmax_dim", "argmin_all"],
)
def test_extremes_of_no_elements_are_refused(engine, call, error, match):
    x = ENGINES[engine].zeros(0, 3)
    with pytest.raises(error, match=match):
        call(x)


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_reductions_of_0d_refuse_dim_1(engine):
    x = ENGINES[engine].tensor(2.5)
    for call in (lambda: x.sum(1), lambda: x.amax(1), lambda: x.max(1), lambda: x.softmax(1),
                 lambda: x.argmax(-2), lambda: x.logsumexp(1), lambda: x.any(1)):
        with pytest.raises(IndexError, match=r"range of \[-1, 0\]"):
            call()


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_empty_tuple_of_dims_reduces_everything(engine):
    """``sum(dim=())`` and friends reduce over all dims, as PyTorch (hand values: 1+2+3+3 = 9)."""
    m = ENGINES[engine]
    x = m.tensor([[1.0, 2.0], [3.0, 3.0]])
    assert x.sum(dim=()).item() == 9.0
    assert x.mean(dim=()).item() == 2.25
    assert x.amax(dim=()).item() == 3.0
    assert x.sum(dim=(), keepdim=True).shape == (1, 1)


# ---------------------------------------------------------------- point 7: gradcheck and NaN
def _nan_backward_function(m: Any, bad: float) -> Any:
    class DoubleWithBadBackward(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * bad  # the true derivative is 2

    return DoubleWithBadBackward


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("bad", [NAN, INF], ids=["nan", "inf"])
def test_gradcheck_fails_a_non_finite_analytic_gradient(engine, bad):
    m = ENGINES[engine]
    fn = _nan_backward_function(m, bad).apply
    x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
    with pytest.raises(m.autograd.GradcheckError, match=r"analytic -?(nan|inf) vs numeric -?\d"):
        m.autograd.gradcheck(fn, (x,))
    assert m.autograd.gradcheck(fn, (x,), raise_exception=False) is False


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_gradcheck_fails_a_nan_numeric_gradient(engine):
    """sqrt at -1: NaN both ways; PyTorch's gradcheck fails it (NaN is never close to anything)."""
    m = ENGINES[engine]
    x = m.tensor([-1.0, 4.0], dtype=m.float64, requires_grad=True)
    assert m.autograd.gradcheck(lambda t: t.sqrt(), (x,), raise_exception=False) is False


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_gradcheck_still_passes_a_correct_function(engine):
    m = ENGINES[engine]
    fn = _nan_backward_function(m, 2.0).apply
    x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
    assert m.autograd.gradcheck(fn, (x,))


@pytest.mark.parametrize("engine", [mt, mm], ids=["vector", "micro"])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_over_an_empty_dim_is_empty(engine, op):
    """Found by tests/properties (thorough profile): torch returns an empty result, vector raised."""
    x = engine.zeros(0, 3, requires_grad=True)
    y = getattr(x, op)(0)
    assert tuple(y.shape) == (0, 3)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3)
