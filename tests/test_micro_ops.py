"""The op spec table on the micro engine: against the vector engine, PyTorch and finite differences.

Both mytorch engines run in float64, so values and gradients agree to a few
ulps (they sum in different orders): rtol 1e-10 only a wrong derivative breaks.
"""

from __future__ import annotations

import numpy as np
import pytest
from op_specs import OP_SPECS
from oracle import run_spec

import mytorch.micro as mm
import mytorch.vector as mt

IDS = [s.name for s in OP_SPECS]
GRAD_SPECS = [s for s in OP_SPECS if s.grad]


def _assert_same(result, reference, what):
    out, grads = result
    ref_out, ref_grads = reference
    assert out.shape == ref_out.shape, what
    np.testing.assert_allclose(out, ref_out, rtol=1e-10, atol=1e-12, err_msg=f"{what}: forward")
    assert len(grads) == len(ref_grads)
    for i, (g, rg) in enumerate(zip(grads, ref_grads)):
        if rg is None:
            assert g is None or not np.any(g), f"{what}: input {i} has a gradient, the reference none"
        else:
            assert g is not None, f"{what}: input {i} got no gradient"
            np.testing.assert_allclose(g, rg, rtol=1e-10, atol=1e-12, err_msg=f"{what}: grad of input {i}")


@pytest.mark.parametrize("spec", OP_SPECS, ids=IDS)
def test_matches_vector_engine_float64(spec):
    _assert_same(run_spec(mm, spec), run_spec(mt, spec), f"{spec.name} micro vs vector")


@pytest.mark.parametrize("spec", OP_SPECS, ids=IDS)
def test_matches_torch_float64(spec):
    torch = pytest.importorskip("torch")
    _assert_same(run_spec(mm, spec), run_spec(torch, spec), f"{spec.name} micro vs torch")


@pytest.mark.parametrize("spec", GRAD_SPECS, ids=[s.name for s in GRAD_SPECS])
def test_gradcheck(spec):
    inputs = [mm.tensor(a, dtype=mm.float64, requires_grad=True) for a in spec.arrays(0)]
    assert mm.autograd.gradcheck(lambda *xs: spec.fn(mm, *xs), inputs, eps=1e-6, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("spec", GRAD_SPECS, ids=[s.name for s in GRAD_SPECS])
def test_create_graph_gradients_equal_plain_ones(spec):
    """The create_graph path (gradients as Values) gives the same first derivatives."""
    arrays = spec.arrays(0)
    inputs = [mm.tensor(a, requires_grad=True) for a in arrays]
    out = spec.fn(mm, *inputs)
    r = mm.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
    plain = mm.autograd.grad((out * r).sum(), inputs, retain_graph=True, allow_unused=True)
    graph = mm.autograd.grad((out * r).sum(), inputs, create_graph=True, allow_unused=True)
    for p, g in zip(plain, graph):
        assert (p is None) == (g is None)
        if p is not None:
            np.testing.assert_allclose(g.detach().numpy(), p.detach().numpy(), rtol=1e-12, atol=1e-14)


SECOND_ORDER = ["mul", "div", "pow_float", "pow_tensor", "rpow", "diamond", "exp", "log", "sqrt", "tanh",
                "sigmoid", "sin", "cos", "softmax", "log_softmax", "matmul_2d", "var", "logsumexp"]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_hessian_vector_products_match_torch(name):
    """Grad of (grad . v): second derivatives through every differentiable local derivative."""
    torch = pytest.importorskip("torch")
    spec = next(s for s in OP_SPECS if s.name == name)
    arrays = spec.arrays(0)
    rng = np.random.default_rng(2)
    out_shape = run_spec(mm, spec)[0].shape
    r = rng.standard_normal(out_shape)
    vs = [rng.standard_normal(a.shape) for a in arrays]

    def hvp(m, grad):
        inputs = [m.tensor(a, dtype=m.float64, requires_grad=True) for a in arrays]
        loss = (spec.fn(m, *inputs) * m.tensor(r, dtype=m.float64)).sum()
        grads = grad(loss, inputs, create_graph=True)
        inner = sum((g * m.tensor(v, dtype=m.float64)).sum() for g, v in zip(grads, vs))
        return [None if s is None else s.detach().numpy() for s in grad(inner, inputs, allow_unused=True)]

    ours = hvp(mm, mm.autograd.grad)
    theirs = hvp(torch, torch.autograd.grad)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if b is None:
            assert a is None or not np.any(a), f"input {i}"
        else:
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11, err_msg=f"{name}: input {i}")
