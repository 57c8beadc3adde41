"""Random chains of 3-6 smooth ops: gradients against finite differences and PyTorch, and
second derivatives (``create_graph=True``) against PyTorch and finite differences of the gradient."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from _harness import check, draw_arrays, torch
from hypothesis import given
from hypothesis import strategies as st

import mytorch.vector as vector

# Each step maps (current value h, input x) -> new value; all smooth and finite for normal inputs.
STEPS = {
    "tanh": lambda m, h, x: h.tanh(),
    "sigmoid": lambda m, h, x: h.sigmoid(),
    "sin": lambda m, h, x: h.sin(),
    "square": lambda m, h, x: h * h,
    "exp_small": lambda m, h, x: (h * 0.3).exp(),
    "mul_input": lambda m, h, x: h * x,
    "add_input": lambda m, h, x: h + x * 0.5,
    "softmax": lambda m, h, x: h.softmax(-1),
    "sum_keep": lambda m, h, x: h.sum(-1, keepdim=True) + x,
    "div_pos": lambda m, h, x: h / (x * x + 1.0),
}
chains = st.lists(st.sampled_from(sorted(STEPS)), min_size=3, max_size=6)
shapes = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3)
seeds = st.integers(0, 2**16)


def _compose(names):
    def fn(m, x):
        h = x
        for name in names:
            h = STEPS[name](m, h, x)
        return h

    return fn


@given(chains, shapes, seeds)
def test_chain_gradients(names, shape, seed):
    check(_compose(names), draw_arrays(seed, (shape,)))


def _hessian_vector(m, fn, x_np, v_np):
    x = m.tensor(x_np, dtype=m.float64, requires_grad=True)
    (g,) = m.autograd.grad(fn(m, x).sum(), [x], create_graph=True)
    if not g.requires_grad:  # the gradient is constant in x (a linear chain): no second derivative
        return np.asarray(g.detach().numpy()), np.zeros_like(x_np)
    (hv,) = m.autograd.grad((g * m.tensor(v_np, dtype=m.float64)).sum(), [x], allow_unused=True)
    if hv is None:
        return np.asarray(g.detach().numpy()), np.zeros_like(x_np)
    return np.asarray(g.detach().numpy()), np.asarray(hv.numpy())


@given(chains, shapes, seeds)
def test_chain_second_derivatives(names, shape, seed):
    fn = _compose(names)
    x, v = draw_arrays(seed, (shape, shape))
    _, hv = _hessian_vector(vector, fn, x, v)
    step = 1e-5  # central difference of the gradient along v: error ~1e-10 relative
    g_plus, _ = _hessian_vector(vector, fn, x + step * v, v)
    g_minus, _ = _hessian_vector(vector, fn, x - step * v, v)
    np.testing.assert_allclose(hv, (g_plus - g_minus) / (2 * step), rtol=1e-5, atol=1e-6)
    if torch is None:
        pytest.skip("PyTorch not installed: finite differences only")
    _, hv_torch = _hessian_vector(torch, fn, x, v)
    np.testing.assert_allclose(hv, hv_torch, rtol=1e-10, atol=1e-12)
