"""nn.utils: clip_grad_norm_ / clip_grad_value_ against PyTorch, and parameters_to_vector."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch.vector as mt
from mytorch.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)

SHAPES = [(3, 4), (4,), (2, 2, 2)]


def _grads(dtype, scale=1.0):
    rng = np.random.default_rng(7)
    return [(rng.standard_normal(s) * scale).astype(dtype) for s in SHAPES]


def _ours(grads):
    params = [mt.tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = mt.tensor(g.copy())
    return params


def _theirs(torch, grads):
    params = [torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(g.copy())
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])  # clipping, and no clipping
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    torch = pytest.importorskip("torch")
    grads = _grads(dtype)
    ours, theirs = _ours(grads), _theirs(torch, grads)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    rtol = 1e-12 if dtype == np.float64 else 1e-5  # float32: summation order differs
    assert isinstance(total, mt.Tensor) and total.shape == () and total.dtype == dtype
    np.testing.assert_allclose(total.item(), total_t.item(), rtol=rtol)
    for p, tp in zip(ours, theirs):
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=rtol, atol=1e-7)
    if max_norm == 0.5:  # the clipped gradients have (almost exactly) the requested norm
        flat = np.concatenate([p.grad.numpy().ravel() for p in ours]).astype(np.float64)
        p = float(norm_type)
        norm = np.abs(flat).max() if p == math.inf else np.sum(np.abs(flat) ** p) ** (1 / p)
        assert norm == pytest.approx(0.5, rel=1e-5)


def test_clip_grad_norm_modifies_the_grad_in_place_and_skips_missing_grads():
    grads = _grads(np.float64, scale=10.0)
    params = _ours(grads)
    no_grad = mt.zeros(3, requires_grad=True)
    array = params[0].grad._data
    total = clip_grad_norm_(iter(params + [no_grad]), 1.0)
    assert params[0].grad._data is array  # the vector engine's gradient array is scaled in place
    assert no_grad.grad is None
    expected = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    assert total.item() == pytest.approx(expected, rel=1e-12)
    coef = 1.0 / (expected + 1e-6)
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad.numpy(), g * coef, rtol=1e-12)


def test_clip_grad_norm_single_tensor_and_no_grads():
    w = mt.zeros(2, requires_grad=True)
    w.grad = mt.tensor([3.0, 4.0])
    assert clip_grad_norm_(w, 10.0).item() == pytest.approx(5.0)
    assert w.grad.tolist() == pytest.approx([3.0, 4.0], rel=1e-6)  # coef clamped to 1 (up to the 1e-6)
    empty = clip_grad_norm_([mt.zeros(2, requires_grad=True)], 1.0)
    assert empty.item() == 0.0


def test_clip_grad_norm_nonfinite():
    w = mt.zeros(2, requires_grad=True)
    w.grad = mt.tensor([np.nan, 1.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* is non-finite \\(nan\\)"):
        clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    assert math.isnan(clip_grad_norm_([w], 1.0).item())  # without the flag: scaled by nan, like PyTorch


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_value_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    grads = _grads(dtype)
    ours, theirs = _ours(grads), _theirs(torch, grads)
    assert clip_grad_value_(ours, 0.7) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, tp in zip(ours, theirs):
        assert p.grad.dtype == dtype
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())
    assert max(np.abs(p.grad.numpy()).max() for p in ours) == pytest.approx(0.7)


def test_parameters_to_vector_round_trip_and_gradient():
    a = mt.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = mt.tensor(np.array([10.0, 20.0]), requires_grad=True)
    vec = parameters_to_vector([a, b])
    assert vec.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0]
    (vec * mt.tensor(np.arange(8.0))).sum().backward()  # differentiable, like torch's
    assert a.grad.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and b.grad.tolist() == [6.0, 7.0]
    vector_to_parameters(mt.tensor(np.arange(8.0) * -1), [a, b])
    assert a.tolist() == [[0.0, -1.0, -2.0], [-3.0, -4.0, -5.0]] and b.tolist() == [-6.0, -7.0]
    with pytest.raises(ValueError, match="expected a 1-d vector of 8 elements .* got shape \\(7,\\)"):
        vector_to_parameters(mt.zeros(7), [a, b])
