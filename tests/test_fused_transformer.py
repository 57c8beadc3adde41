"""The transformer's fused kernels (gelu, layer_norm, scaled_dot_product_attention) against the
composite path they replace and against PyTorch.

As in test_fused.py: every case runs on float64 data with the fused kernel, inside
``composite_only()`` (Tensor ops only), and in ``torch.nn.functional``; outputs and the
gradients of every input must agree to float64 round-off, and the fused node must have run.
Random shapes come from a seeded generator. float32 cases check that the kernels stay in
float32 and agree with PyTorch to float32 rounding.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_fused import FUSED_NODES, _compare, _rand, _records, _second_order

import mytorch.nn.functional as F
import mytorch.vector as mt
from mytorch.vector import fused
from mytorch.vector.fused_gelu import erf, normal_cdf_float32


def _tf():
    torch = pytest.importorskip("torch")
    return torch.nn.functional


def _assert_second_order_matches(fn, arrays, node_name):
    """Second-order gradients through the fused node equal the composite path's."""
    node, grads = _second_order(fn, arrays)
    with F.composite_only():
        cnode, cgrads = _second_order(fn, arrays)
    assert node in FUSED_NODES[node_name] and cnode != node
    assert any(a is not None for a in grads)
    for a, b in zip(grads, cgrads):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def _random_shapes(seed: int, n: int, ndim_range=(1, 4), size_range=(1, 7)) -> list[tuple[int, ...]]:
    rng = np.random.default_rng(seed)
    return [tuple(int(s) for s in rng.integers(*size_range, rng.integers(*ndim_range)))
            for _ in range(n)]


# --------------------------------------------------------------- erf and gelu


def test_erf_kernel_matches_math_erf_on_every_interval():
    # the three intervals of Cody's rationals (|x| <= 0.46875, <= 4, > 4), their edges, signs, 0, tiny
    x = np.concatenate([np.linspace(-7, 7, 2001), [0.0, -0.0, 1e-300, -1e-12, 0.46875, -0.46875,
                                                   np.nextafter(0.46875, 1), 4.0, -4.0,
                                                   np.nextafter(4.0, 5), 26.0, -30.0, 1e30, -np.inf]])
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf(x), expected, rtol=1.5e-15, atol=1e-300)  # a few ulps
    x32 = x.astype(np.float32)
    got32 = erf(x32)
    assert got32.dtype == np.float32
    exp32 = np.array([math.erf(float(v)) for v in x32])
    ulps = np.abs(got32 - exp32) / np.spacing(np.abs(exp32).astype(np.float32) + np.float32(1e-38))
    assert ulps.max() <= 4, ulps.max()  # evaluated in float32: a few ulps
    assert np.isnan(erf(np.array([np.nan, 1.0]))[0])


def test_float32_normal_cdf_gives_gelu_within_a_few_ulps():
    # float32 GELU uses one erfc formula (Numerical Recipes' erfcc); its error, in float32 ulps of
    # |x| (the scale that matters where GELU itself underflows), against math.erfc in float64
    x = np.concatenate([np.linspace(-12, 12, 48001), [0.0, -0.0, 1e-30, -1e-7, 3e3, -3e3]]).astype(np.float32)
    exact = np.array([0.5 * float(v) * math.erfc(-float(v) / math.sqrt(2)) for v in x])
    cdf = normal_cdf_float32(x)
    assert cdf.dtype == np.float32
    err = np.abs((x * cdf).astype(np.float64) - exact) / np.spacing(np.maximum(np.abs(x), np.float32(1e-3)))
    assert err.max() < 3.5, err.max()  # measured 3.33; PyTorch's float32 GELU measured 4.6 here
    assert normal_cdf_float32(np.array([np.inf, -np.inf, np.nan], np.float32)).tolist()[:2] == [1.0, 0.0]
    assert np.isnan(normal_cdf_float32(np.array([np.nan], np.float32))[0])


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("shape", _random_shapes(1, 4) + [(0, 3), ()], ids=str)
def test_gelu_matches_composite_and_torch(shape, approximate):
    tf = _tf()
    x = _rand(*shape, seed=len(shape), scale=3.0)
    if x.size >= 3:
        x.reshape(-1)[:3] = [0.0, 6.5, -9.0]  # the |x| > 4 branch of erf, and 0
    _compare(lambda t: F.gelu(t, approximate=approximate), [x], "GeluBackward",
             lambda t: tf.gelu(t, approximate=approximate))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_float32_stays_float32_and_matches_torch(approximate):
    torch = pytest.importorskip("torch")
    a = _rand(16, 32, 128, seed=3, scale=2.0).astype(np.float32)
    x = mt.tensor(a, requires_grad=True)
    y = F.gelu(x, approximate=approximate)
    g = _rand(*a.shape, seed=4).astype(np.float32)
    y.backward(mt.tensor(g))
    assert y.dtype == mt.float32 and x.grad.dtype == mt.float32
    tx = torch.tensor(a, requires_grad=True)
    ty = torch.nn.functional.gelu(tx, approximate=approximate)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=2e-6, atol=5e-6)


def test_gelu_double_backward_matches_composite():
    for approximate in ("none", "tanh"):
        _assert_second_order_matches(lambda t, a=approximate: F.gelu(t, approximate=a),
                                     [_rand(3, 5, seed=2, scale=2.0)], "GeluBackward")


def test_gelu_module_uses_the_fused_node_and_declines_other_dtypes():
    y = mt.nn.GELU()(mt.tensor([1.0, -2.0], requires_grad=True))
    assert _records(y, "GeluBackward")
    assert fused.gelu(mt.tensor([1, 2]), "none") is NotImplemented  # integers: the composite decides
    assert fused.gelu(mt.tensor([1.0], dtype=mt.float16), "none") is NotImplemented
    assert fused.gelu(mt.tensor([1.0]), "exact") is NotImplemented
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(mt.tensor([1.0]), approximate="exact")


# --------------------------------------------------------------- layer_norm


def _layer_norm_cases(seed: int, n: int) -> list[tuple[tuple[int, ...], int, str]]:
    """(input shape, number of normalized dims, which of weight/bias) drawn at random."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n):
        shape = tuple(int(s) for s in rng.integers(1, 6, rng.integers(1, 5)))
        k = int(rng.integers(1, len(shape) + 1))
        cases.append((shape, k, ("both", "weight", "bias", "neither")[i % 4]))
    return cases


LAYER_NORM_CASES = _layer_norm_cases(5, 12) + [((2, 1), 1, "both"), ((3, 32), 1, "both")]


@pytest.mark.parametrize("case", LAYER_NORM_CASES, ids=str)
def test_layer_norm_matches_composite_and_torch(case):
    tf = _tf()
    shape, k, affine = case
    norm = shape[len(shape) - k:]
    arrays = [_rand(*shape, seed=1, scale=2.0) + 0.5]
    if affine in ("both", "weight"):
        arrays.append(_rand(*norm, seed=2))
    if affine in ("both", "bias"):
        arrays.append(_rand(*norm, seed=3))

    def ours(x, *p, lib=F):
        w = p[0] if affine in ("both", "weight") else None
        b = p[-1] if affine in ("both", "bias") else None
        return lib.layer_norm(x, norm, w, b, eps=1e-5)

    _compare(ours, arrays, "NativeLayerNormBackward", lambda *ts: ours(*ts, lib=tf))


def test_layer_norm_of_constant_rows_and_float32():
    tf = _tf()
    x = np.ones((3, 4)) * 2.5  # variance 0: the output is the bias, the input gradient finite
    _compare(lambda t, w, b: F.layer_norm(t, (4,), w, b), [x, _rand(4, seed=1), _rand(4, seed=2)],
             "NativeLayerNormBackward", lambda t, w, b: tf.layer_norm(t, (4,), w, b))
    torch = pytest.importorskip("torch")
    a, w, b = (_rand(16, 32, 32, seed=6).astype(np.float32), _rand(32, seed=7).astype(np.float32),
               _rand(32, seed=8).astype(np.float32))
    g = _rand(16, 32, 32, seed=9).astype(np.float32)
    ts = [mt.tensor(v, requires_grad=True) for v in (a, w, b)]
    y = F.layer_norm(ts[0], (32,), ts[1], ts[2])
    y.backward(mt.tensor(g))
    assert y.dtype == mt.float32 and all(t.grad.dtype == mt.float32 for t in ts)
    rs = [torch.tensor(v, requires_grad=True) for v in (a, w, b)]
    ry = torch.nn.functional.layer_norm(rs[0], (32,), rs[1], rs[2])
    ry.backward(torch.tensor(g))
    np.testing.assert_allclose(y.detach().numpy(), ry.detach().numpy(), rtol=1e-5, atol=1e-5)
    for t, r in zip(ts, rs):  # float32 sums over 512 rows: a few ulps of the largest terms
        np.testing.assert_allclose(t.grad.numpy(), r.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_layer_norm_double_backward_and_module():
    arrays = [_rand(3, 4, 5, seed=1), _rand(4, 5, seed=2), _rand(4, 5, seed=3)]
    _assert_second_order_matches(lambda x, w, b: F.layer_norm(x, (4, 5), w, b), arrays,
                                 "NativeLayerNormBackward")
    ln = mt.nn.LayerNorm(5)
    assert _records(ln(mt.tensor(_rand(2, 5)).float()), "NativeLayerNormBackward")


def test_fused_layer_norm_declines_what_it_does_not_handle():
    x = mt.tensor(_rand(2, 3))
    assert fused.layer_norm(x, (3,), mt.tensor(_rand(3)).float(), None) is NotImplemented  # mixed dtypes
    assert fused.layer_norm(x.float().half(), (3,)) is NotImplemented
    assert fused.layer_norm(x, (2,)) is NotImplemented
    assert fused.layer_norm(mt.zeros(0, 3), (3,)) is NotImplemented
    with pytest.raises(ValueError, match="layer_norm"):
        F.layer_norm(x, (2,))


# --------------------------------------------------------------- scaled_dot_product_attention


def _attention_cases(seed: int, n: int) -> list[tuple]:
    """(batch dims, L, S, E, Ev, mask kind, scale) drawn at random."""
    rng = np.random.default_rng(seed)
    kinds = ("causal", "none", "bool", "float")
    out = []
    for i in range(n):
        batch = tuple(int(s) for s in rng.integers(1, 4, rng.integers(0, 3)))
        length, source = int(rng.integers(1, 7)), int(rng.integers(1, 7))
        out.append((batch, length, source, int(rng.integers(1, 6)), int(rng.integers(1, 6)), kinds[i % 4],
                    None if i % 3 else float(rng.uniform(0.1, 2.0))))
    return out


@pytest.mark.parametrize("case", _attention_cases(7, 16), ids=str)
def test_attention_matches_composite_and_torch(case):
    tf = _tf()
    batch, length, source, e, ev, kind, scale = case
    arrays = [_rand(*batch, length, e, seed=1), _rand(*batch, source, e, seed=2),
              _rand(*batch, source, ev, seed=3)]
    rng = np.random.default_rng(4)
    mask = None
    if kind == "bool":
        mask = rng.random((length, source)) > 0.4
        mask[:, 0] = True  # no row without any key (those rows are NaN in every implementation)
    elif kind == "float":
        mask = rng.standard_normal((*batch[-1:], length, source))

    def ours(q, k, v, lib=F, wrap=mt.tensor):
        return lib.scaled_dot_product_attention(q, k, v, attn_mask=None if mask is None else wrap(mask),
                                                is_causal=kind == "causal", scale=scale)

    torch = pytest.importorskip("torch")
    _compare(ours, arrays, "ScaledDotProductAttentionBackward",
             lambda q, k, v: ours(q, k, v, lib=tf, wrap=torch.tensor))


def test_attention_float32_and_the_tiny_gpt_shape_against_torch():
    torch = pytest.importorskip("torch")
    q, k, v = (_rand(16, 4, 32, 8, seed=s).astype(np.float32) for s in (1, 2, 3))
    g = _rand(16, 4, 32, 8, seed=4).astype(np.float32)
    ts = [mt.tensor(a, requires_grad=True) for a in (q, k, v)]
    y = F.scaled_dot_product_attention(*ts, is_causal=True)
    y.backward(mt.tensor(g))
    assert _records(y, "ScaledDotProductAttentionBackward")
    assert y.dtype == mt.float32 and all(t.grad.dtype == mt.float32 for t in ts)
    rs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    ry = torch.nn.functional.scaled_dot_product_attention(*rs, is_causal=True)
    ry.backward(torch.tensor(g))
    np.testing.assert_allclose(y.detach().numpy(), ry.detach().numpy(), rtol=1e-5, atol=1e-6)
    for t, r in zip(ts, rs):
        np.testing.assert_allclose(t.grad.numpy(), r.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_attention_double_backward_and_partial_gradients():
    arrays = [_rand(2, 3, 4, seed=1), _rand(2, 5, 4, seed=2), _rand(2, 5, 3, seed=3)]
    _assert_second_order_matches(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                                 arrays, "ScaledDotProductAttentionBackward")
    # only the value needs a gradient: q and k are constants
    _compare(lambda v, q, k: F.scaled_dot_product_attention(q, k, v), [arrays[2], arrays[0], arrays[1]],
             "ScaledDotProductAttentionBackward", constants=2)


def test_fused_attention_declines_what_it_does_not_handle():
    q = mt.tensor(_rand(2, 3, 4))
    k = mt.tensor(_rand(2, 5, 4))
    v = mt.tensor(_rand(2, 5, 3))
    sdpa = fused.scaled_dot_product_attention
    assert sdpa(q, k, v, None, 0.1, False, 0.5) is NotImplemented  # dropout
    assert sdpa(q, k.float(), v, None, 0.0, False, 0.5) is NotImplemented  # mixed dtypes
    assert sdpa(q, mt.tensor(_rand(1, 5, 4)), v, None, 0.0, False, 0.5) is NotImplemented  # broadcast batch
    assert sdpa(q, k, v, mt.tensor(_rand(3, 5), requires_grad=True), 0.0, False, 0.5) is NotImplemented
    assert sdpa(q, k, v, mt.tensor(_rand(3, 5)).float(), 0.0, False, 0.5) is NotImplemented
    # the composite still computes what the fused kernel declines: broadcast batch dims
    out = F.scaled_dot_product_attention(q, mt.tensor(_rand(1, 5, 4)), mt.tensor(_rand(1, 5, 3)))
    assert tuple(out.shape) == (2, 3, 3)
    with pytest.raises(ValueError, match="is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=mt.ones(3, 5), is_causal=True)
