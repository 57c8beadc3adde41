"""The scalar ``Value`` of the micro engine: micrograd's API, exact gradients, linear-time backward.

Reference values come from PyTorch (float64) or from the chain rule worked out
by hand; nothing is copied from the code under test.
"""

from __future__ import annotations

import gc
import math
import time

import numpy as np
import pytest

from mytorch.micro.value import Value


def _micrograd_expression(make):
    """micrograd's test_more_ops expression, on any scalar type with its arithmetic."""
    a = make(-4.0)
    b = make(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return a, b, g


def test_micrograd_expression_matches_pytorch():
    torch = pytest.importorskip("torch")
    a, b, g = _micrograd_expression(Value)
    g.backward()
    ta, tb, tg = _micrograd_expression(lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True))
    tg.backward()
    # float64 on both sides, same operations: a few ulps at most.
    assert g.data == pytest.approx(tg.item(), rel=1e-12)
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)


def test_micrograd_sanity_expression_matches_pytorch():
    torch = pytest.importorskip("torch")

    def expression(x):
        z = 2 * x + 2 + x
        q = z.relu() + z * x
        h = (z * z).relu()
        return h + q + q * x

    x = Value(-4.0)
    y = expression(x)
    y.backward()
    tx = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    ty = expression(tx)
    ty.backward()
    assert y.data == ty.item()
    assert x.grad == tx.grad.item()


def test_same_numbers_as_micrograd_itself():
    micrograd = pytest.importorskip("micrograd.engine")
    a, b, g = _micrograd_expression(Value)
    g.backward()
    ma, mb, mg = _micrograd_expression(micrograd.Value)
    mg.backward()
    # micrograd divides as x * y**-1, we divide directly: equal up to rounding.
    assert g.data == pytest.approx(mg.data, rel=1e-12)
    assert (a.grad, b.grad) == pytest.approx((ma.grad, mb.grad), rel=1e-12)


def test_hand_derived_gradients():
    a, b = Value(2.0), Value(-3.0)
    c = a * b + b**2  # dc/da = b = -3, dc/db = a + 2b = -4
    c.backward()
    assert (c.data, a.grad, b.grad) == (3.0, -3.0, -4.0)
    assert c._op == "+" and len(c._prev) == 2
    assert c._prev[0]._op == "*" and c._prev[0]._prev == (a, b)
    assert c._prev[0]._local == (-3.0, 2.0)


UNARY = {
    "exp": (lambda v: v.exp(), math.exp, 0.7),
    "log": (lambda v: v.log(), math.log, 1.7),
    "sqrt": (lambda v: v.sqrt(), math.sqrt, 2.3),
    "tanh": (lambda v: v.tanh(), math.tanh, -0.4),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x)), -1.3),
    "sigmoid_positive": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x)), 2.1),
    "sin": (lambda v: v.sin(), math.sin, 0.9),
    "cos": (lambda v: v.cos(), math.cos, 0.9),
    "relu_positive": (lambda v: v.relu(), lambda x: max(x, 0.0), 1.5),
    "relu_negative": (lambda v: v.relu(), lambda x: max(x, 0.0), -1.5),
    "abs": (lambda v: abs(v), abs, -2.5),
    "neg": (lambda v: -v, lambda x: -x, 1.25),
    "pow_int": (lambda v: v**3, lambda x: x**3, -1.5),
    "pow_float": (lambda v: v**0.5, math.sqrt, 3.0),
    "rpow": (lambda v: 2.0**v, lambda x: 2.0**x, 0.3),
    "rsub": (lambda v: 1.0 - v, lambda x: 1.0 - x, 0.3),
    "rdiv": (lambda v: 3.0 / v, lambda x: 3.0 / x, 0.6),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_value_and_derivative_against_central_differences(name):
    op, reference, x0 = UNARY[name]
    x = Value(x0)
    y = op(x)
    y.backward()
    h = 1e-6
    numeric = (reference(x0 + h) - reference(x0 - h)) / (2 * h)
    assert y.data == pytest.approx(reference(x0), rel=1e-14, abs=1e-15)
    # central differences in float64: error ~h**2 + 1e-16/h ~ 1e-10
    assert x.grad == pytest.approx(numeric, rel=1e-7, abs=1e-9)


BINARY = {
    "add": (lambda a, b: a + b, (1.0, 1.0)),
    "sub": (lambda a, b: a - b, (1.0, -1.0)),
    "mul": (lambda a, b: a * b, (-0.5, 1.5)),  # (b, a)
    "div": (lambda a, b: a / b, (1 / -0.5, -1.5 / 0.25)),  # (1/b, -a/b^2)
    "pow": (lambda a, b: a**b, (-0.5 * 1.5**-1.5, 1.5**-0.5 * math.log(1.5))),  # (b a^(b-1), a^b ln a)
}


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_derivatives(name):
    op, expected = BINARY[name]
    a, b = Value(1.5), Value(-0.5)
    op(a, b).backward()
    assert (a.grad, b.grad) == pytest.approx(expected, rel=1e-14)


def test_python_numbers_on_either_side():
    x = Value(3.0)
    results = [x + 1, 1 + x, x - 1, 1 - x, x * 2, 2 * x, x / 2, 6 / x, x**2, 2**x]
    assert [r.data for r in results] == [4.0, 4.0, 2.0, -2.0, 6.0, 6.0, 1.5, 2.0, 9.0, 8.0]
    assert Value(2).data == 2.0 and isinstance(Value(2).data, float)
    assert Value(np.float32(0.5)).data == 0.5 and type(Value(np.int64(3)).data) is float


def test_ieee_results_instead_of_python_exceptions():
    with np.errstate(all="ignore"):
        cases = [
            (Value(1000.0).exp(), np.exp(1000.0)),
            (Value(0.0).log(), np.log(0.0)),
            (Value(-1.0).log(), np.log(-1.0)),
            (Value(-1.0).sqrt(), np.sqrt(-1.0)),
            (Value(1.0) / Value(0.0), np.float64(1.0) / 0.0),
            (Value(0.0) ** -1, np.float64(0.0) ** -1),
            (Value(-8.0) ** (1 / 3), np.power(-8.0, 1 / 3)),
            (Value(1e300) ** 2, np.float64(1e300) ** 2),
        ]
    for v, expected in cases:
        assert isinstance(v.data, float)
        assert v.data == expected or (math.isnan(v.data) and math.isnan(expected))


def test_relu_gradient_at_zero_is_zero_and_tanh_saturates():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0
    y = Value(50.0)
    y.tanh().backward()
    assert y.grad == 0.0


def test_leaves_accumulate_intermediates_restart():
    a = Value(2.0)
    b = a * a
    c = b + a  # dc/da = 2a + 1 = 5
    c.backward()
    c.backward()
    assert a.grad == 10.0  # leaves accumulate, as in micrograd and PyTorch
    assert b.grad == 1.0  # computed Values are recomputed, not doubled


def test_shared_subexpressions_are_linear_time():
    x = Value(1.0)
    y = x
    for _ in range(60):
        y = y + y  # 2**60 paths from y to x: a naive recursion would never finish
    start = time.perf_counter()
    y.backward()
    assert time.perf_counter() - start < 1.0
    assert x.grad == 2.0**60
    assert y.data == 2.0**60


def test_long_chain_has_no_recursion_limit():
    x, c = Value(1.0), Value(1.000001)
    y = x
    n = 200_000
    for _ in range(n):
        y = y * c  # 200,000 nodes in one chain
    y.backward()
    assert x.grad == pytest.approx(1.000001**n, rel=1e-9)
    assert c.grad == pytest.approx(n * 1.000001 ** (n - 1), rel=1e-9)
    del y  # freeing a 200,000-deep chain must not overflow the C stack either


def test_graph_has_no_reference_cycles():
    def alive():
        return sum(1 for o in gc.get_objects() if type(o) is Value)

    enabled = gc.isenabled()
    gc.disable()  # only reference counting may free the graph
    try:
        before = alive()
        x = Value(0.5)
        y = x
        for _ in range(100):
            y = (y * x + 1.0).tanh() / 2.0
        y.backward()
        assert alive() > before + 100
        del x, y
        assert alive() == before
    finally:
        if enabled:
            gc.enable()


def test_hand_built_node_and_micrograd_signature():
    a, b = Value(1.0), Value(2.0)
    c = Value(5.0, (a, b), "custom", (3.0, 4.0))
    c.backward()
    assert (a.grad, b.grad) == (3.0, 4.0) and c._prev == (a, b) and c._op == "custom"
    with pytest.raises(ValueError, match="2 children but 1 local derivatives"):
        Value(0.0, (a, b), "bad", (1.0,))


@pytest.mark.parametrize("bad", ["1.0", None, 1 + 2j, [1.0]])
def test_non_numeric_data_is_a_type_error_naming_it(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)
    with pytest.raises(TypeError, match="real number"):
        Value(1.0) + bad


def test_value_has_slots_and_no_group_outside_tensor_ops():
    v = Value(1.0) * 2
    assert not hasattr(v, "__dict__")
    assert v._group is None
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
