"""matmul / mm / linear refuse two different floating dtypes, as PyTorch does (no silent promotion).

Oracle: PyTorch's behaviour (``torch.mm(float64, float32)`` raises "expected m1 and m2 to
have the same dtype, but got: double != float"), compared directly when torch is installed.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mt

F = mt.nn.functional
CALLS = {
    "matmul_operator": lambda a, b: a @ b,
    "Tensor.matmul": lambda a, b: a.matmul(b),
    "mt.matmul": lambda a, b: mt.matmul(a, b),
    "mt.mm": lambda a, b: mt.mm(a, b),
    "linear": lambda a, b: F.linear(a, b.T),
    "linear_with_bias": lambda a, b: F.linear(a, b.T, mt.zeros(b.shape[1], dtype=b.dtype)),
    "vector_times_matrix": lambda a, b: a[0] @ b,
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
@pytest.mark.parametrize("dtypes", [("float64", "float32"), ("float32", "float64")])
def test_mixed_float_dtypes_raise_naming_both(call, dtypes):
    a = mt.tensor(np.ones((2, 3)), dtype=dtypes[0])
    b = mt.tensor(np.ones((3, 4)), dtype=dtypes[1])
    torch_names = {"float64": "double", "float32": "float"}
    expected = f"{torch_names[dtypes[0]]} != {torch_names[dtypes[1]]}"
    with pytest.raises(RuntimeError, match=f"same dtype, but got: {expected}") as exc:
        call(a, b)
    assert dtypes[0] in str(exc.value) and dtypes[1] in str(exc.value)


def test_linear_refuses_a_bias_of_another_float_dtype():
    x, w = mt.ones(2, 3), mt.ones(4, 3)
    with pytest.raises(RuntimeError, match=r"linear \(bias\): .*float != double"):
        F.linear(x, w, mt.zeros(4, dtype=mt.float64))


def test_a_float32_layer_refuses_float64_data():
    layer = mt.nn.Linear(13, 1)  # float32 weights: the vector engine's default dtype
    x = mt.tensor(np.ones((5, 13)))  # numpy's float64, kept as in torch.tensor(ndarray)
    assert layer.weight.dtype == np.float32 and x.dtype == np.float64
    with pytest.raises(RuntimeError, match="double != float"):
        layer(x)
    assert layer(x.float()).dtype == np.float32  # the explicit conversion works


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_dtype_works_and_keeps_it(call, dtype):
    a = mt.tensor(np.ones((2, 3)), dtype=dtype)
    b = mt.tensor(np.ones((3, 4)), dtype=dtype)
    out = call(a, b)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.detach().numpy(), np.full(out.shape, 3.0))  # 3 ones summed


def test_integer_operands_still_multiply_with_floats():
    # PyTorch also refuses float @ long; here only the mixed *floating* case is refused (as asked).
    out = mt.tensor([[1, 2]]) @ mt.tensor([[1.0], [1.0]])
    assert out.tolist() == [[3.0]]


def test_micro_engine_has_one_float_dtype_and_multiplies():
    # micro Values are Python floats: float64 throughout, so there is never a mixed pair.
    a = mm.tensor(np.ones((2, 3), np.float32))
    w = mm.nn.Linear(3, 4)
    assert a.dtype == np.float64 and w.weight.dtype == np.float64
    assert w(a).shape == (2, 4)


def test_message_matches_pytorch_when_installed():
    torch = pytest.importorskip("torch", reason="PyTorch (the optional test oracle) not installed")
    with pytest.raises(RuntimeError) as want:
        torch.ones(2, 3, dtype=torch.float64) @ torch.ones(3, 4)
    with pytest.raises(RuntimeError) as got:
        mt.ones(2, 3, dtype=mt.float64) @ mt.ones(3, 4)
    assert str(want.value) in str(got.value)
