"""Type promotion follows PyTorch (``torch.result_type``), not numpy, on both engines.

Oracle: PyTorch itself. Every op runs on the same operands in PyTorch and in
MyTorch; the output dtype must be PyTorch's and the values must agree. The micro
engine keeps every floating tensor in float64 (its Values hold Python floats),
so there a floating PyTorch result is expected as float64; its integer and bool
results follow PyTorch exactly.

Operand grid: the first operand is a tensor of 1 dim or 0 dims, the second a
tensor of 1 or 0 dims or a Python int, float or bool; dtypes bool, uint8, int8,
int32, int64, float32, float64. Combinations PyTorch itself refuses (bool - bool,
``//`` of bools, ``logaddexp`` of integers...) are not compared.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mt

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float32", "float64"]
FIRST_VALUES = {"bool": [True, False, True], "int": [3, 1, 2], "float": [1.5, 0.25, 2.0]}
SECOND_VALUES = {"bool": [True, True, True], "int": [2, 1, 3], "float": [0.5, 2.0, 1.5]}
SCALARS = {"py_int": 2, "py_float": 2.5, "py_bool": True}
ENGINES = {"vector": mt, "micro": mm}


def _family(dtype: str) -> str:
    return "bool" if dtype == "bool" else "float" if dtype.startswith("float") else "int"


def _operands(values: dict, rank: str, dtype: str):
    """``(torch operand, numpy data)`` for a tensor of ``rank`` ('nd' or '0d')."""
    data = values[_family(dtype)]
    array = np.array(data if rank == "nd" else data[0], dtype=dtype)
    return torch.tensor(array), array


def _pairs():
    """(label, torch a, torch b, make_a(engine), make_b(engine)) over the whole operand grid."""
    for dtype_a, rank_a in itertools.product(DTYPES, ("nd", "0d")):
        ta, na = _operands(FIRST_VALUES, rank_a, dtype_a)
        seconds = [
            (f"{rank_b} {dtype_b}", *_operands(SECOND_VALUES, rank_b, dtype_b))
            for dtype_b, rank_b in itertools.product(DTYPES, ("nd", "0d"))
        ]
        seconds += [(name, value, value) for name, value in SCALARS.items()]
        for name_b, tb, nb in seconds:
            def make_b(engine, nb=nb):
                return engine.tensor(nb) if isinstance(nb, np.ndarray) else nb

            yield (f"{rank_a} {dtype_a} with {name_b}", ta, tb,
                   lambda engine, na=na: engine.tensor(na), make_b)


def _expected_dtype(torch_dtype, engine_name: str) -> np.dtype:
    name = str(torch_dtype).removeprefix("torch.")
    if engine_name == "micro" and name.startswith("float"):
        return np.dtype("float64")  # the micro engine's only floating dtype
    return np.dtype(name)


def _as_numpy(t) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def _mismatch(label: str, want, got, engine_name: str) -> str | None:
    """None when ``got`` (MyTorch) has PyTorch's dtype and values, else what differs."""
    want_dtype = _expected_dtype(want.dtype, engine_name)
    if np.dtype(got.dtype) != want_dtype:
        return f"{label}: dtype {np.dtype(got.dtype)}, PyTorch {want.dtype}"
    expected = want.numpy()
    if want.dtype == torch.float32:  # float32 results: a few ulps (micro computes in float64)
        rtol, atol = 2e-6, 1e-7
    elif want.dtype.is_floating_point:
        rtol, atol = 1e-12, 0.0
    else:
        rtol = atol = 0.0
    got_values = _as_numpy(got)
    if got_values.shape != expected.shape or not np.allclose(
        got_values.astype(np.float64), expected.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True
    ):
        return f"{label}: values {got_values.tolist()}, PyTorch {expected.tolist()}"
    return None


def _torch_fn(op):
    return lambda a, b: op(torch, a, b)


BINARY = {
    "add": lambda m, a, b: a + b,
    "radd": lambda m, a, b: b + a,
    "sub": lambda m, a, b: a - b,
    "rsub": lambda m, a, b: b - a,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "rdiv": lambda m, a, b: b / a,
    "floor_divide": lambda m, a, b: a // b,
    "rfloor_divide": lambda m, a, b: b // a,
    "remainder": lambda m, a, b: a % b,
    "rremainder": lambda m, a, b: b % a,
    "fmod": lambda m, a, b: m.fmod(a, b),
    "pow": lambda m, a, b: a**b,
    "rpow": lambda m, a, b: b**a,
    "eq": lambda m, a, b: a == b,
    "lt": lambda m, a, b: a < b,
    "ge": lambda m, a, b: a >= b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "where": lambda m, a, b: m.where(m.tensor(np.array([True, False, True])), a, b),
    "atan2": lambda m, a, b: m.atan2(a, b),
    "copysign": lambda m, a, b: m.copysign(a, b),
    "logaddexp": lambda m, a, b: m.logaddexp(a, b),
    "add_alpha": lambda m, a, b: m.add(a, b, alpha=2),
}


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("op", BINARY)
def test_binary_op_dtype_and_values_match_pytorch(op, engine_name):
    engine, fn = ENGINES[engine_name], BINARY[op]
    compared, problems = 0, []
    for label, ta, tb, make_a, make_b in _pairs():
        try:
            want = fn(torch, ta, tb)
        except (RuntimeError, TypeError, NotImplementedError, ZeroDivisionError):
            continue  # PyTorch refuses this combination: nothing to compare
        compared += 1
        try:
            with np.errstate(all="ignore"):
                got = fn(engine, make_a(engine), make_b(engine))
        except Exception as exc:  # noqa: BLE001 - reported with the combination
            problems.append(f"{label}: raised {type(exc).__name__}: {exc}")
            continue
        problem = _mismatch(label, want, got, engine_name)
        if problem:
            problems.append(problem)
    assert compared > 50  # the grid really ran
    assert not problems, f"{len(problems)} of {compared} combinations differ:\n" + "\n".join(problems[:40])


# ------------------------------------------------------------------ the rule itself


@pytest.mark.parametrize("engine_name", ENGINES)
def test_result_type_promote_types_can_cast_match_pytorch(engine_name):
    engine = ENGINES[engine_name]
    names = DTYPES + ["int16", "float16"]
    problems = []
    for a, b in itertools.product(names, names):
        ta, tb = getattr(torch, a), getattr(torch, b)
        if str(engine.promote_types(a, b)) != str(torch.promote_types(ta, tb)).removeprefix("torch."):
            problems.append(f"promote_types({a}, {b}) = {engine.promote_types(a, b)}")
        if engine.can_cast(a, b) != torch.can_cast(ta, tb):
            problems.append(f"can_cast({a}, {b}) = {engine.can_cast(a, b)}")
        for rank_a, rank_b in itertools.product([(2,), ()], [(2,), ()]):
            want = torch.result_type(torch.ones(rank_a, dtype=ta), torch.ones(rank_b, dtype=tb))
            got = mt.result_type(mt.ones(rank_a, dtype=a), mt.ones(rank_b, dtype=b))
            if str(got) != str(want).removeprefix("torch."):
                problems.append(f"result_type({a}{rank_a}, {b}{rank_b}) = {got}, PyTorch {want}")
    for a, scalar in itertools.product(names, [True, 3, 2.5]):
        for rank in [(2,), ()]:
            want = torch.result_type(torch.ones(rank, dtype=getattr(torch, a)), scalar)
            got = engine.result_type(engine.ones(rank, dtype=a), scalar)
            if engine_name == "vector" and str(got) != str(want).removeprefix("torch."):
                problems.append(f"result_type({a}{rank}, {scalar!r}) = {got}, PyTorch {want}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_python_floats_and_true_division_take_the_default_dtype(default):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    mt.set_default_dtype(default)
    try:
        for make in (lambda m: m.tensor([1, 2]) * 2.5, lambda m: m.tensor([1, 2]) / 2,
                     lambda m: m.tensor([1, 2]) / m.tensor([2, 4]), lambda m: m.tensor([True]) / True):
            assert str(make(mt).dtype) == str(make(torch).dtype).removeprefix("torch.") == default
            np.testing.assert_array_equal(make(mt).numpy(), make(torch).numpy())
    finally:
        torch.set_default_dtype(previous)
        mt.set_default_dtype("float32")


def test_examples_from_the_issue():
    f32, i64 = mt.tensor([1.0, 2.0]), mt.tensor([1, 2])
    assert (f32 * mt.tensor(2.0, dtype=mt.float64)).dtype == mt.float32
    assert (f32 + i64).dtype == mt.float32
    assert (i64 * 2.5).dtype == mt.float32
    assert (i64 / 2).dtype == (i64 / i64).dtype == mt.float32
    assert (i64 // 2).dtype == mt.int64
    assert (mt.tensor([1, 2], dtype=mt.int32) + 7).dtype == mt.int32
    assert (mt.tensor([1], dtype=mt.uint8) + mt.tensor([1], dtype=mt.int8)).dtype == mt.int16
    # a 0-d tensor of a higher category does win: int64 * 0-d float64 is float64, as in PyTorch
    assert (i64 * mt.tensor(2.0, dtype=mt.float64)).dtype == mt.float64


def test_comparison_computes_in_the_promoted_dtype():
    # 0.1 in float32 equals the float64 0-d 0.1 once that is cast to float32 (PyTorch), not in numpy
    a, b = np.array([0.1], np.float32), np.array(0.1, np.float64)
    want = (torch.tensor(a) == torch.tensor(b)).tolist()
    assert want == [True] and (mt.tensor(a) == mt.tensor(b)).tolist() == want


# ------------------------------------------------------------------ in-place: castability

INPLACE = {
    "add_": lambda a, b: a.add_(b),
    "sub_": lambda a, b: a.sub_(b),
    "mul_": lambda a, b: a.mul_(b),
    "div_": lambda a, b: a.div_(b),
    "iadd": lambda a, b: a.__iadd__(b),
    "itruediv": lambda a, b: a.__itruediv__(b),
}


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("op", INPLACE)
def test_inplace_ops_raise_where_pytorch_cannot_cast_and_keep_dtype_elsewhere(op, engine_name):
    engine, fn = ENGINES[engine_name], INPLACE[op]
    problems, raised = [], 0
    for label, ta, tb, make_a, make_b in _pairs():
        if ta.ndim == 0:
            continue  # self of 1 dim: the result always fits its shape
        ta = ta.clone()
        try:
            want = fn(ta, tb)
        except RuntimeError as exc:
            if "can't be cast" not in str(exc):
                continue  # refused for another reason (bool - bool): not about dtypes
            raised += 1
            with pytest.raises(RuntimeError, match="can't be cast to the desired output type") as info:
                fn(make_a(engine), make_b(engine))
            names = str(exc).split("result type ")[1].split(" can't")[0], str(exc).split("type ")[-1]
            if engine_name == "vector" and not all(n in str(info.value) for n in names):
                problems.append(f"{label}: message {info.value} lacks PyTorch's names {names}")
            continue
        a = make_a(engine)
        with np.errstate(all="ignore"):
            out = fn(a, make_b(engine))
        problem = out is not a and f"{label}: did not return self"
        problem = problem or _mismatch(label, want, a, engine_name)
        if problem:
            problems.append(problem)
    assert raised > 0 or op in ("add_", "sub_", "mul_", "iadd")
    assert not problems, "\n".join(problems[:40])


def test_inplace_int_plus_float_raises_pytorch_message():
    for engine in ENGINES.values():
        x = engine.tensor([1, 2])
        message = "result type Float can't be cast to the desired output type Long"
        with pytest.raises(RuntimeError, match=message):
            x += 1.5
        assert x.tolist() == [1, 2]  # unchanged


def test_inplace_float32_plus_float64_stays_float32_with_gradient():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    y = w * 1  # a non-leaf float32 tensor
    y += mt.tensor([0.5, 0.25], dtype=mt.float64)
    assert y.dtype == mt.float32
    y.sum().backward()
    assert w.grad.dtype == mt.float32 and w.grad.tolist() == [1.0, 1.0]


# ------------------------------------------------------------------ gradients keep each input's dtype

GRAD_OPS = {
    "mul": lambda m, a, b: a * b,
    "add": lambda m, a, b: a + b,
    "div": lambda m, a, b: a / b,
    "pow": lambda m, a, b: a**b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "atan2": lambda m, a, b: m.atan2(a, b),
    "where": lambda m, a, b: m.where(m.tensor(np.array([True, False])), a, b),
    "copysign": lambda m, a, b: m.copysign(a, b),
}


@pytest.mark.parametrize("op", GRAD_OPS)
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float64", "float32"), ("float32", "float32")])
@pytest.mark.parametrize("rank_b", ["nd", "0d"])
def test_gradient_of_each_input_has_that_inputs_dtype(op, dtypes, rank_b):
    fn = GRAD_OPS[op]
    a_data = np.array([1.5, 0.75], dtypes[0])
    b_data = np.array([0.5, 2.0] if rank_b == "nd" else 1.25, dtypes[1])
    ta, tb = (torch.tensor(x, requires_grad=True) for x in (a_data, b_data))
    a, b = (mt.tensor(x, requires_grad=True) for x in (a_data, b_data))
    want, got = fn(torch, ta, tb), fn(mt, a, b)
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    want.sum().backward()
    got.sum().backward()
    for mine, theirs in ((a, ta), (b, tb)):
        assert mine.grad.dtype == mine.dtype
        assert str(theirs.grad.dtype).removeprefix("torch.") == str(mine.dtype)
        rtol = 2e-6 if "float32" in dtypes else 1e-12
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=rtol)


# ------------------------------------------------------------------ what PyTorch refuses, refused too


def test_matmul_still_refuses_mixed_float_dtypes():
    with pytest.raises(RuntimeError, match="same dtype"):
        mt.ones(2, 2) @ mt.ones(2, 2, dtype=mt.float64)


@pytest.mark.parametrize("engine", ENGINES.values(), ids=ENGINES.keys())
def test_integer_to_a_negative_integer_power_raises(engine):
    with pytest.raises((RuntimeError, ValueError), match="Integers to negative integer powers"):
        engine.tensor([2, 3]) ** -1


def test_lerp_refuses_mixed_float_dtypes_as_pytorch():
    with pytest.raises(RuntimeError) as want:
        torch.lerp(torch.ones(2), torch.ones(2, dtype=torch.float64), 0.5)
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype double"):
        mt.lerp(mt.ones(2), mt.ones(2, dtype=mt.float64), 0.5)
    assert "expected dtype float for `end` but got dtype double" in str(want.value)
    with pytest.raises(RuntimeError, match="for `weight` but got dtype double"):
        mt.lerp(mt.ones(2), mt.ones(2), mt.full((2,), 0.5, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="for `weight` but got dtype double"):
        torch.lerp(torch.ones(2), torch.ones(2), torch.full((2,), 0.5, dtype=torch.float64))
    # a 0-d weight of another dtype is accepted (as a number) and does not widen the result
    weight = np.array(0.25)
    want = torch.lerp(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 6.0]), torch.tensor(weight))
    got = mt.lerp(mt.tensor([1.0, 2.0]), mt.tensor([3.0, 6.0]), mt.tensor(weight))
    assert _mismatch("lerp with a 0-d float64 weight", want, got, "vector") is None


def test_cat_promotes_as_pytorch():
    parts = [np.array([1, 2], np.int32), np.array([0.5], np.float32), np.array([3], np.int64)]
    want = torch.cat([torch.tensor(p) for p in parts])
    got = mt.cat([mt.tensor(p) for p in parts])
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("engine_name", ENGINES)
def test_clamp_of_integers_with_a_float_bound_gives_floats(engine_name):
    engine = ENGINES[engine_name]
    want = torch.tensor([1, 2]).clamp(min=1.5)
    got = engine.tensor([1, 2]).clamp(min=1.5)
    assert _mismatch("clamp(min=1.5)", want, got, engine_name) is None


def test_integer_matmul_float_follows_the_promotion_rule():
    # PyTorch refuses Long @ Float; MyTorch allows it and gives PyTorch's result dtype (float32)
    out = mt.tensor([[1, 2]]) @ mt.tensor([[1.0], [1.0]])
    assert out.dtype == mt.float32 and out.tolist() == [[3.0]]


@pytest.mark.parametrize("engine", ENGINES.values(), ids=ENGINES.keys())
def test_float_alpha_with_integers_raises_as_pytorch(engine):
    with pytest.raises(RuntimeError, match="argument alpha must not be a floating point number") as want:
        torch.add(torch.tensor([1, 2]), torch.tensor([1, 1]), alpha=0.5)
    with pytest.raises(RuntimeError, match="argument alpha must not be a floating point number"):
        engine.add(engine.tensor([1, 2]), engine.tensor([1, 1]), alpha=0.5)
    assert "For integral input tensors" in str(want.value)


def test_inplace_with_a_float64_operand_that_requires_grad():
    grads = []
    for lib in (torch, mt):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([0.5, 0.25], dtype=lib.float64, requires_grad=True)
        y = a * 2
        y += w * 3
        (y * y).sum().backward()
        assert str(y.dtype).removeprefix("torch.") == "float32"
        grads.append((a.grad.numpy(), w.grad.numpy()))
    for mine, theirs in zip(grads[1], grads[0]):
        assert mine.dtype == theirs.dtype
        np.testing.assert_allclose(mine, theirs, rtol=1e-6)
