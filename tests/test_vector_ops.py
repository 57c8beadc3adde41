"""The op spec table on the vector engine: against PyTorch and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from op_specs import OP_SPECS
from oracle import run_spec

import mytorch.vector as mt

IDS = [s.name for s in OP_SPECS]


@pytest.mark.parametrize("spec", OP_SPECS, ids=IDS)
def test_matches_torch_float64(spec):
    torch = pytest.importorskip("torch")
    out, grads = run_spec(mt, spec)
    t_out, t_grads = run_spec(torch, spec)
    assert out.shape == t_out.shape
    # float64 all the way: differences are a few ulps of rounding order.
    np.testing.assert_allclose(out, t_out, rtol=1e-10, atol=1e-12)
    for i, (g, tg) in enumerate(zip(grads, t_grads)):
        if tg is None:
            assert g is None or not np.any(g), f"input {i}: torch has no grad, we have {g}"
        else:
            assert g is not None, f"input {i}: no gradient"
            np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12, err_msg=f"input {i}")


@pytest.mark.parametrize("spec", [s for s in OP_SPECS if s.grad], ids=[s.name for s in OP_SPECS if s.grad])
def test_gradcheck(spec):
    arrays = spec.arrays(0)
    inputs = [mt.tensor(a, dtype=mt.float64, requires_grad=True) for a in arrays]
    assert mt.autograd.gradcheck(lambda *xs: spec.fn(mt, *xs), inputs, eps=1e-6, atol=1e-6, rtol=1e-5)


def test_gradcheck_detects_a_wrong_gradient():
    class Wrong(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * g  # the true derivative is 2x

    x = mt.tensor([0.5, -1.5, 2.0], dtype=mt.float64, requires_grad=True)
    with pytest.raises(AssertionError, match=r"element \(\d,\).*analytic"):
        mt.autograd.gradcheck(Wrong.apply, (x,))
