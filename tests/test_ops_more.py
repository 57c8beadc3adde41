"""The ops of ``_ops_math``/``_ops_index``/``_ops_shape``/``_ops_scan`` and the extra activations.

One lambda per case runs on PyTorch, the vector engine and the micro engine
(float64): values and gradients agree with PyTorch to rtol 1e-10 (a wrong
derivative is off by far more), and with central finite differences on the
vector engine. Bad arguments raise errors naming the op and the values.
"""

from __future__ import annotations

import numpy as np
import pytest
from op_specs import OpSpec
from oracle import run_spec

import mytorch.micro as mm
import mytorch.vector as mt

try:
    import torch
except ImportError:  # the oracle tests skip; the engine-vs-engine, gradcheck and error tests still run
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the test oracle) is not installed")


def _spec(name, fn, *inputs, **kw):
    return OpSpec(name, fn, tuple(inputs), **kw)


def F(m):
    return m.nn.functional


def _unit(a):
    """Inputs squeezed into (-0.9, 0.9), for asin/acos/atanh/erfinv."""
    return a.tanh() * 0.9


SPECS = [
    # ---------------------------------------------------------------- math
    _spec("add_alpha", lambda m, a, b: m.add(a, b, alpha=0.5), (3, 4), (4,)),
    _spec("sub_alpha", lambda m, a, b: a.sub(b, alpha=2), (3, 4), (3, 4)),
    _spec("torch_mul_div", lambda m, a, b: m.div(m.mul(a, b), b + 3.0), (3,), (3,), positive=True),
    _spec("div_trunc", lambda m, a, b: a.div(b, rounding_mode="trunc") + a, (3, 4), (3, 4)),
    _spec("div_floor", lambda m, a, b: a.div(b, rounding_mode="floor") * 1.0 + a * b, (3, 4), (4,)),
    _spec("floordiv_op", lambda m, a: (a.detach() * 5) // 0.7 + a, (6,)),
    _spec("remainder", lambda m, a, b: m.remainder(a * 3, b), (3, 4), (3, 4)),
    _spec("mod_op_scalar", lambda m, a: (a * 4) % 1.5, (3, 4)),
    _spec("rmod_op", lambda m, a: 2.5 % a, (5,), positive=True, grad=False),
    _spec("fmod", lambda m, a, b: m.fmod(a * 3, b), (3, 4), (4,)),
    _spec("copysign", lambda m, a, b: a.copysign(b), (3, 4), (3, 4)),
    _spec("reciprocal", lambda m, a: a.reciprocal(), (4,), positive=True),
    _spec(
        "floor_ceil_trunc_round",
        lambda m, a: (a * 3).floor() + (a * 3).ceil() + (a * 3).trunc() + (a * 3).round() + a,
        (3, 4),
    ),
    _spec("round_decimals", lambda m, a: (a * 3).round(decimals=2) + a * a, (3, 4)),
    _spec("sign_frac", lambda m, a: a.sign() + (a * 3).frac(), (3, 4)),
    _spec("tan", lambda m, a: (a * 0.5).tan(), (3, 4)),
    _spec("asin", lambda m, a: _unit(a).asin(), (3, 4)),
    _spec("acos", lambda m, a: m.acos(_unit(a)), (3, 4)),
    _spec("atan", lambda m, a: (a * 2).atan(), (3, 4)),
    _spec("atan2", lambda m, a, b: m.atan2(a, b), (4, 5), (4, 5)),
    _spec("atan2_broadcast", lambda m, a, b: a.atan2(b), (3, 1), (4,)),
    _spec("sinh_cosh", lambda m, a: a.sinh() * a.cosh(), (3, 4)),
    _spec("asinh", lambda m, a: (a * 3).asinh(), (3, 4)),
    _spec("acosh", lambda m, a: (a + 1).acosh(), (3, 4), positive=True),
    _spec("atanh", lambda m, a: _unit(a).atanh(), (3, 4)),
    _spec("log2_log10", lambda m, a: a.log2() + m.log10(a), (3, 4), positive=True),
    _spec("log1p_expm1", lambda m, a: (a * 0.1).log1p() * (a * 1e-3).expm1(), (3, 4)),
    _spec("exp2", lambda m, a: m.exp2(a), (3, 4)),
    _spec("erf_erfc", lambda m, a: a.erf() + m.erfc(a * 2), (3, 4)),
    _spec("erfinv", lambda m, a: _unit(a).erfinv(), (3, 4)),
    _spec("logaddexp", lambda m, a, b: m.logaddexp(a * 10, b * 10), (3, 4), (3, 4)),
    _spec("logaddexp_broadcast", lambda m, a, b: a.logaddexp(b), (3, 1), (4,)),
    _spec("lerp_scalar", lambda m, a, b: a.lerp(b, 0.3) + a.lerp(b, 0.8), (3, 4), (3, 4)),
    _spec("lerp_tensor", lambda m, a, b, w: m.lerp(a, b, w.sigmoid()), (3, 4), (3, 4), (4,)),
    _spec(
        "isclose", lambda m, a, b: m.isclose(a, a + b * 1e-6, rtol=1e-6, atol=0), (4, 5), (4, 5), grad=False
    ),
    # ---------------------------------------------------------------- activations
    _spec("elu", lambda m, a: F(m).elu(a, alpha=0.7), (4, 5)),
    _spec("selu", lambda m, a: F(m).selu(a), (4, 5)),
    _spec("celu", lambda m, a: F(m).celu(a, alpha=2.0), (4, 5)),
    _spec("hardtanh", lambda m, a: F(m).hardtanh(a * 2, -1.5, 0.5), (4, 5)),
    _spec("relu6", lambda m, a: F(m).relu6(a * 5), (4, 5)),
    _spec("hardsigmoid", lambda m, a: F(m).hardsigmoid(a * 4), (4, 5)),
    _spec("hardswish", lambda m, a: F(m).hardswish(a * 4), (4, 5)),
    _spec("mish", lambda m, a: F(m).mish(a * 3), (4, 5)),
    _spec("softsign", lambda m, a: F(m).softsign(a), (4, 5)),
    _spec("logsigmoid", lambda m, a: F(m).logsigmoid(a * 20), (4, 5)),
    _spec("tanhshrink", lambda m, a: F(m).tanhshrink(a), (4, 5)),
    _spec("gelu_tanh", lambda m, a: F(m).gelu(a, approximate="tanh"), (4, 5)),
    _spec("softplus_beta", lambda m, a: F(m).softplus(a * 5, beta=2.0, threshold=3.0), (4, 5)),
    _spec("normalize", lambda m, a: F(m).normalize(a), (3, 4)),
    _spec("normalize_p1_dim0", lambda m, a: F(m).normalize(a, p=1, dim=0), (3, 4)),
    _spec("normalize_p3", lambda m, a: F(m).normalize(a, p=3.0, dim=-1), (3, 4)),
    _spec(
        "modules",
        lambda m, a: m.nn.Sequential(
            m.nn.ELU(),
            m.nn.Hardswish(),
            m.nn.Mish(),
            m.nn.ReLU6(),
            m.nn.LogSigmoid(),
            m.nn.Softsign(),
            m.nn.SELU(),
            m.nn.Hardtanh(),
            m.nn.Hardsigmoid(),
            m.nn.CELU(),
        )(a * 3),
        (4, 5),
    ),
    # ---------------------------------------------------------------- index
    _spec("gather_dim1", lambda m, a: a.gather(1, m.tensor([[0, 0, 3], [2, 1, 1], [3, 3, 3]])), (3, 4)),
    _spec("gather_dim0_small_index", lambda m, a: m.gather(a, 0, m.tensor([[2, 0], [2, 2]])), (3, 4)),
    _spec("gather_3d", lambda m, a: a.gather(-1, m.tensor([[[1], [0]], [[0], [1]]])), (2, 2, 3)),
    _spec("take_along_dim", lambda m, a: m.take_along_dim(a, m.tensor([[1], [0], [3]]), 1), (3, 4)),
    _spec("take_along_dim_broadcast", lambda m, a: a.take_along_dim(m.tensor([[1, 0, 0]]), 0), (2, 3)),
    _spec("take_along_dim_none", lambda m, a: a.take_along_dim(m.tensor([5, 0, 5])), (3, 4)),
    _spec("index_select", lambda m, a: m.index_select(a, 1, m.tensor([3, 0, 3])), (2, 4)),
    _spec("index_select_dim0", lambda m, a: a.index_select(0, m.tensor([1])), (2, 4)),
    _spec("masked_fill", lambda m, a: a.masked_fill(m.tensor([True, False, True, False]), -2.0), (3, 4)),
    _spec("masked_fill_tensor_value", lambda m, a, v: a.masked_fill(a > 0, v.sum()), (3, 4), (2,)),
    _spec("masked_select", lambda m, a: a.masked_select(m.tensor([[True], [False], [True]])), (3, 4)),
    _spec("scatter", lambda m, a, s: a.scatter(1, m.tensor([[2, 0], [1, 3]]), s), (2, 4), (2, 2)),
    _spec("scatter_value", lambda m, a: m.scatter(a, 0, m.tensor([[1, 0, 1, 0]]), value=5.0), (2, 4)),
    _spec(
        "scatter_add", lambda m, a, s: a.scatter_add(1, m.tensor([[2, 2, 0], [1, 3, 1]]), s), (2, 4), (2, 3)
    ),
    _spec(
        "scatter_add_dim0",
        lambda m, a, s: m.scatter_add(a, 0, m.tensor([[0, 1], [0, 0], [1, 0]]), s),
        (2, 2),
        (3, 2),
    ),
    _spec(
        "scatter_reduce_sum_noself",
        lambda m, a, s: a.scatter_reduce(0, m.tensor([0, 2, 0, 2]), s, "sum", include_self=False),
        (4,),
        (4,),
    ),
    _spec(
        "scatter_reduce_mean",
        lambda m, a, s: a.scatter_reduce(0, m.tensor([0, 2, 0, 2]), s, "mean"),
        (4,),
        (4,),
    ),
    _spec(
        "scatter_reduce_mean_noself",
        lambda m, a, s: a.scatter_reduce(1, m.tensor([[0, 2, 0]]), s, "mean", include_self=False),
        (2, 3),
        (1, 3),
    ),
    _spec(
        "scatter_reduce_amax",
        lambda m, a, s: a.scatter_reduce(0, m.tensor([0, 2, 0, 2]), s, "amax"),
        (4,),
        (4,),
    ),
    _spec(
        "scatter_reduce_prod",
        lambda m, a, s: a.scatter_reduce(0, m.tensor([0, 2, 0, 2]), s, "prod"),
        (4,),
        (4,),
    ),
    _spec(
        "scatter_reduce_prod_noself",
        lambda m, a, s: a.scatter_reduce(1, m.tensor([[0, 2, 0]]), s, "prod", include_self=False),
        (2, 3),
        (1, 3),
    ),
    _spec(
        "scatter_reduce_amin_noself",
        lambda m, a, s: a.scatter_reduce(0, m.tensor([1, 1, 3, 1]), s, "amin", include_self=False),
        (4,),
        (4,),
    ),
    _spec("nonzero", lambda m, a: (a > 0).nonzero() * 1.0, (3, 4), grad=False),
    _spec("argwhere_as_tuple", lambda m, a: m.nonzero(a > 0, as_tuple=True)[1] * 1.0, (3, 4), grad=False),
    # ---------------------------------------------------------------- shape
    _spec(
        "split_size", lambda m, a: m.cat([p * (i + 1) for i, p in enumerate(a.split(2, dim=1))], 1), (2, 5)
    ),
    _spec("split_sections", lambda m, a: m.split(a, [1, 3, 0, 1], 1)[1] * 2, (2, 5)),
    _spec("chunk", lambda m, a: m.stack([p.sum() for p in a.chunk(3, 0)]), (7, 2)),
    _spec("tensor_split", lambda m, a: a.tensor_split(3, 1)[2] + 0, (2, 7)),
    _spec(
        "unbind_select_narrow", lambda m, a: a.unbind(1)[2] + a.select(0, -1).narrow(0, 1, 2).sum(), (3, 4)
    ),
    _spec("repeat", lambda m, a: a.repeat(2, 1, 3), (2, 3)),
    _spec("tile", lambda m, a: m.tile(a, (2,)), (2, 3)),
    _spec("repeat_interleave_int", lambda m, a: a.repeat_interleave(2, dim=0), (2, 3)),
    _spec(
        "repeat_interleave_tensor", lambda m, a: m.repeat_interleave(a, m.tensor([1, 0, 3]), dim=1), (2, 3)
    ),
    _spec("repeat_interleave_flat", lambda m, a: a.repeat_interleave(3), (2, 2)),
    _spec("roll", lambda m, a: a.roll(1, 0) + m.roll(a, (-1, 5), (1, 0)), (3, 4)),
    _spec("roll_flat", lambda m, a: a.roll(5), (3, 4)),
    _spec("flip", lambda m, a: m.flip(a, (0, 2)) * a.flip(-1), (2, 3, 4)),
    _spec("fliplr_flipud", lambda m, a: a.fliplr() + a.flipud(), (3, 3)),
    _spec("movedim", lambda m, a: m.movedim(a, 0, -1), (2, 3, 4)),
    _spec("tril_triu", lambda m, a: a.tril() + m.triu(a, 1) * 2 + a.tril(-1) * 3 + a.triu(-2), (2, 3, 4)),
    _spec("diagonal", lambda m, a: a.diagonal(), (3, 4)),
    _spec("diagonal_offset_dims", lambda m, a: m.diagonal(a, -1, 2, 0), (3, 2, 4)),
    _spec("trace", lambda m, a: a.trace(), (3, 4)),
    _spec(
        "meshgrid",
        lambda m, a, b: sum(g * (i + 1) for i, g in enumerate(m.meshgrid(a, b, indexing="ij"))),
        (3,),
        (4,),
    ),
    _spec(
        "meshgrid_xy",
        lambda m, a, b: m.meshgrid(a, b, indexing="xy")[0] * m.meshgrid(a, b, indexing="xy")[1],
        (3,),
        (4,),
    ),
    # ---------------------------------------------------------------- scans and sorting
    _spec("cumsum", lambda m, a: a.cumsum(1), (3, 7)),
    _spec("cumsum_dim0", lambda m, a: m.cumsum(a, dim=0), (9, 2)),
    _spec("cumprod", lambda m, a: a.cumprod(-1), (3, 6)),
    _spec("cumprod_with_zero", lambda m, a: (a * m.tensor([1.0, 0.0, 1.0, 1.0, 0.0])).cumprod(0), (5,)),
    _spec("logcumsumexp", lambda m, a: m.logcumsumexp(a * 10, 1), (3, 6)),
    _spec("cummax", lambda m, a: a.cummax(1).values, (3, 6)),
    _spec("cummin", lambda m, a: m.cummin(a, 0)[0], (5, 2)),
    _spec("prod_all", lambda m, a: a.prod(), (3, 3)),
    _spec("prod_dim", lambda m, a: m.prod(a, 1, keepdim=True), (3, 5)),
    _spec("prod_with_zero", lambda m, a: (a * m.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])).prod(1), (2, 3)),
    _spec("prod_with_two_zeros", lambda m, a: (a * m.tensor([0.0, 1.0, 0.0, 1.0])).prod(0), (4,)),
    _spec("sort", lambda m, a: a.sort(1).values, (3, 5)),
    _spec("sort_descending", lambda m, a: m.sort(a, 0, descending=True)[0], (4, 3)),
    _spec("argsort", lambda m, a: a.argsort(1, descending=True) * 1.0, (3, 5), grad=False),
    _spec("topk", lambda m, a: a.topk(2).values * 2 + a.topk(2, dim=0, largest=False)[0].sum(), (4, 5)),
    _spec("topk_indices", lambda m, a: m.topk(a, 3, 1)[1] * 1.0, (4, 5), grad=False),
    _spec("kthvalue", lambda m, a: a.kthvalue(2, 1).values, (3, 5)),
]
SPECS += [
    _spec("var_tuple_dims", lambda m, a: a.var(dim=(0, 2)), (2, 3, 4)),
    _spec("std_axis_tuple", lambda m, a: a.std(axis=(0, 1), keepdim=True), (2, 3, 4)),
    _spec("var_axis_unbiased_false", lambda m, a: a.var(axis=1, unbiased=False), (3, 4)),
    _spec("max_axis", lambda m, a: a.max(axis=1)[0] + a.min(axis=0).values.sum(), (3, 4)),
    _spec("sum_axis_tuple", lambda m, a: a.sum(axis=(0, 2)) + a.mean(axis=(1, 2)).sum(), (2, 3, 4)),
    _spec("sum_dtype", lambda m, a: a.sum(1, dtype=m.float64), (3, 4)),
    _spec(
        "any_all_tuple_dims",
        lambda m, a: (a > 0).any(dim=(0, 2)) * 1.0 + (a > -1).all(axis=(0, 2)) * 1.0,
        (2, 3, 4),
        grad=False,
    ),
    _spec("type_cast", lambda m, a: a.type(m.float64) * 2 + a.type(m.int).type(m.float64), (3, 4)),
]
INTERPOLATE = [
    ((1, 2, 5), {"scale_factor": 2}),
    ((1, 2, 5), {"size": 7}),
    ((1, 2, 5), {"size": 3}),
    ((1, 2, 5), {"size": 8, "mode": "linear"}),
    ((1, 2, 5), {"size": 8, "mode": "linear", "align_corners": True}),
    ((2, 1, 3, 4), {"scale_factor": 2, "mode": "bilinear"}),
    ((2, 1, 3, 4), {"size": (5, 7), "mode": "bilinear", "align_corners": True}),
    ((2, 1, 3, 4), {"size": (2, 3), "mode": "bilinear"}),
    ((2, 1, 3, 4), {"scale_factor": (1.5, 2.5)}),
    ((1, 1, 4, 4), {"scale_factor": 0.5, "mode": "bilinear"}),
    ((1, 1, 2, 3, 2), {"scale_factor": 2, "mode": "trilinear"}),
]
SPECS += [
    _spec(f"interpolate[{i}]", lambda m, a, kw=kw: F(m).interpolate(a, **kw), shape)
    for i, (shape, kw) in enumerate(INTERPOLATE)
]
SPECS.append(
    _spec("upsample_module", lambda m, a: m.nn.Upsample(scale_factor=3, mode="bilinear")(a), (1, 2, 2, 3))
)
CONV_TRANSPOSE = [
    (1, (2, 3, 5), (3, 2, 3), {}),
    (1, (2, 3, 5), (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    (1, (1, 4, 4), (4, 1, 2), {"groups": 2, "dilation": 2}),
    (2, (2, 3, 4, 5), (3, 2, 3, 3), {"stride": 2}),
    (
        2,
        (1, 4, 3, 3),
        (4, 3, 2, 3),
        {"stride": (2, 1), "padding": (1, 0), "output_padding": (1, 0), "groups": 2},
    ),
    (2, (1, 2, 3, 3), (2, 2, 3, 3), {"padding": 2, "dilation": 2}),
]
SPECS += [
    _spec(
        f"conv_transpose{nd}d[{i}]",
        lambda m, x, w, b, nd=nd, kw=kw: getattr(F(m), f"conv_transpose{nd}d")(x, w, b, **kw),
        xs,
        ws,
        (ws[1] * kw.get("groups", 1),),
    )
    for i, (nd, xs, ws, kw) in enumerate(CONV_TRANSPOSE)
]
SPECS += [
    _spec(
        "comparisons",
        lambda m, a, b: (
            m.stack(
                [
                    m.ne(a, b),
                    a.lt(b),
                    m.le(a, b),
                    a.gt(b),
                    m.ge(a, 0.1),
                    m.eq(a, a),
                    m.greater(a, b),
                    m.less_equal(a, b),
                ]
            )
            * 1.0
        ),
        (3, 4),
        (4,),
        grad=False,
    ),
    _spec(
        "logical",
        lambda m, a, b: (
            m.stack(
                [
                    m.logical_and(a > 0, b > 0),
                    (a > 0).logical_or(b > 0),
                    m.logical_xor(a > 0, b > 0),
                    m.logical_not(a > 0),
                ]
            )
            * 1.0
        ),
        (3, 4),
        (3, 4),
        grad=False,
    ),
    _spec("clamp_min_max", lambda m, a: m.clamp_min(a, -0.5) + a.clamp_max(0.3), (3, 4)),
    _spec(
        "addcmul_addcdiv",
        lambda m, a, b, c: m.addcmul(a, b, c, value=0.5) + a.addcdiv(b, c + 3.0, value=2),
        (3, 4),
        (3, 4),
        (4,),
        positive=True,
    ),
    _spec("module_any_all_t_clip", lambda m, a: m.t(a) * (m.any(a > 0) * 1.0) + m.clip(a, -1, 1).T, (3, 4)),
]
EINSUM = [
    ("ij,jk->ik", (2, 3), (3, 4)),
    ("bij,bjk->bik", (2, 2, 3), (2, 3, 4)),
    ("ii->i", (3, 3)),
    ("ii", (3, 3)),
    ("ij->", (2, 3)),
    ("i,j->ij", (2,), (3,)),
    ("...ij,...jk", (5, 2, 3), (3, 4)),
    ("bhqd,bhkd->bhqk", (2, 3, 4, 5), (2, 3, 6, 5)),
    ("ijk,jl,kl->il", (2, 3, 4), (3, 5), (4, 5)),
    ("ij,ij->i", (3, 4), (3, 4)),
    ("ji", (2, 3)),
    ("i,i", (3,), (3,)),
    ("ij,kj->ik", (2, 3), (1, 3)),
    ("iij,jk->ik", (2, 2, 3), (3, 4)),
]
SPECS += [_spec(f"einsum[{eq}]", lambda m, *xs, eq=eq: m.einsum(eq, *xs), *shapes) for eq, *shapes in EINSUM]
IDS = [s.name for s in SPECS]
# PyTorch's hardsigmoid backward multiplies by 1/6 rounded to float32 even in float64
# (grad 0.1666666716 instead of 0.1666666667): its gradients are checked to float32 precision
# here; test_vector_gradcheck checks ours against finite differences at full precision.
GRAD_RTOL = {"hardsigmoid": 1e-7, "modules": 1e-7}
GRAD = [s for s in SPECS if s.grad]


def _assert_like(result, reference, what, grad_rtol=1e-10):
    out, grads = result
    ref_out, ref_grads = reference
    assert out.shape == ref_out.shape, f"{what}: shape {out.shape} vs {ref_out.shape}"
    np.testing.assert_allclose(out, ref_out, rtol=1e-10, atol=1e-12, err_msg=f"{what}: values")
    for i, (g, rg) in enumerate(zip(grads, ref_grads)):
        assert (g is None) == (rg is None), f"{what}: input {i} gradient {g} vs reference {rg}"
        if g is not None:
            np.testing.assert_allclose(
                g, rg, rtol=grad_rtol, atol=1e-12, err_msg=f"{what}: grad of input {i}"
            )


@needs_torch
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_vector_matches_torch(spec):
    _assert_like(
        run_spec(mt, spec),
        run_spec(torch, spec),
        f"{spec.name} vector vs torch",
        GRAD_RTOL.get(spec.name, 1e-10),
    )


@needs_torch
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_micro_matches_torch(spec):
    _assert_like(
        run_spec(mm, spec),
        run_spec(torch, spec),
        f"{spec.name} micro vs torch",
        GRAD_RTOL.get(spec.name, 1e-10),
    )


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_micro_matches_vector(spec):
    _assert_like(run_spec(mm, spec), run_spec(mt, spec), f"{spec.name} micro vs vector")


@pytest.mark.parametrize("spec", GRAD, ids=[s.name for s in GRAD])
def test_vector_gradcheck(spec):
    arrays = spec.arrays(0)
    inputs = [mt.tensor(a, dtype=mt.float64, requires_grad=True) for a in arrays]
    assert mt.autograd.gradcheck(lambda *xs: spec.fn(mt, *xs), inputs, eps=1e-6, atol=1e-6, rtol=1e-5)


# -------------------------------------------------------------------- second derivatives
SECOND_ORDER = {
    "tan": lambda x: x.tan(),
    "asin": lambda x: (x * 0.5).asin(),
    "acos": lambda x: (x * 0.5).acos(),
    "atan": lambda x: x.atan(),
    "sinh": lambda x: x.sinh(),
    "cosh": lambda x: x.cosh(),
    "asinh": lambda x: x.asinh(),
    "acosh": lambda x: (x * x + 1.5).acosh(),
    "atanh": lambda x: (x * 0.5).atanh(),
    "log2": lambda x: (x * x + 0.5).log2(),
    "log10": lambda x: (x * x + 0.5).log10(),
    "log1p": lambda x: (x * x).log1p(),
    "exp2": lambda x: x.exp2(),
    "expm1": lambda x: x.expm1(),
    "erfinv": lambda x: (x * 0.5).erfinv(),
    "floor": lambda x: x.floor() * x,
    "atan2": lambda x: x.atan2(x * x + 0.3),
    "remainder": lambda x: (x * 3).remainder(x * x + 0.5),
}


@needs_torch
@pytest.mark.parametrize("m", [mt, mm], ids=["vector", "micro"])
@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivative_matches_torch(m, name):
    """``create_graph=True`` differentiates the derivative rule again (d2/dx2 vs PyTorch)."""
    fn = SECOND_ORDER[name]
    data = np.array([-0.7, -0.2, 0.4, 0.9])

    def second(lib):
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(fn(x).sum(), [x], create_graph=True)
        g.sum().backward()
        return np.asarray(g.detach().numpy(), float), np.asarray(x.grad.numpy(), float)

    g, gg = second(m)
    tg, tgg = second(torch)
    np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gg, tgg, rtol=1e-9, atol=1e-12)


# -------------------------------------------------------------------- integer and bool tensors
INTEGER_CASES = {
    "floordiv": lambda m: m.tensor([7, -7, 5]) // 2,
    "floordiv_tensor": lambda m: m.tensor([7, -7, 5]) // m.tensor([2, 3, -2]),
    "mod": lambda m: m.tensor([7, -7, 5]) % 3,
    "fmod": lambda m: m.tensor([7, -7, 5]).fmod(3),
    "div_trunc": lambda m: m.tensor([7, -7, 5]).div(2, rounding_mode="trunc"),
    "floor_int": lambda m: m.tensor([1, -2]).floor(),
    "round_int": lambda m: m.tensor([1, -2]).round(),
    "sign_int": lambda m: m.tensor([3, 0, -2]).sign(),
    "cumsum_int": lambda m: m.tensor([[1, 2], [3, 4]]).cumsum(0),
    "cumsum_bool": lambda m: m.tensor([True, False, True]).cumsum(0),
    "cumprod_int": lambda m: m.tensor([1, 2, 3]).cumprod(0),
    "prod_int": lambda m: m.tensor([[1, 2], [3, 4]]).prod(1),
    "sort_int": lambda m: m.tensor([3, 1, 2]).sort().values,
    "gather_int": lambda m: m.tensor([[1, 2], [3, 4]]).gather(1, m.tensor([[1], [0]])),
    "scatter_int": lambda m: m.zeros(4, dtype=m.int64).scatter(0, m.tensor([1, 3]), m.tensor([5, 6])),
    "scatter_add_int": lambda m: m.zeros(3, dtype=m.int64).scatter_add(0, m.tensor([1, 1]), m.tensor([5, 6])),
    "scatter_reduce_amax_int": lambda m: m.tensor([5, -3, 2]).scatter_reduce(
        0, m.tensor([1, 1, 2, 0]), m.tensor([4, -9, 7, 1]), "amax", include_self=False
    ),
    "scatter_reduce_amin_int": lambda m: m.tensor([5, -3, 2]).scatter_reduce(
        0, m.tensor([1, 2]), m.tensor([4, -9]), "amin"
    ),
    "scatter_reduce_mean_int": lambda m: m.tensor([5, -3, 2]).scatter_reduce(
        0, m.tensor([1, 1]), m.tensor([4, 8]), "mean"
    ),
    "scatter_reduce_mean_int_rounds_down": lambda m: m.tensor([5, -3, 2]).scatter_reduce(
        0, m.tensor([1]), m.tensor([0]), "mean"
    ),
    "masked_fill_int": lambda m: m.tensor([1, 2, 3]).masked_fill(m.tensor([True, False, True]), 9),
    "tril_int": lambda m: m.tensor([[1, 2], [3, 4]]).tril(),
    "repeat_int": lambda m: m.tensor([1, 2]).repeat(2),
    "nonzero": lambda m: m.tensor([[0, 1], [2, 0]]).nonzero(),
    "asin_int_is_float": lambda m: m.tensor([0, 1]).asin(),
    "isclose_int": lambda m: m.tensor([1, 2]).isclose(m.tensor([1, 3])),
}


@needs_torch
@pytest.mark.parametrize("m", [mt, mm], ids=["vector", "micro"])
@pytest.mark.parametrize("name", sorted(INTEGER_CASES))
def test_integer_and_bool_tensors_match_torch(m, name):
    ours, theirs = INTEGER_CASES[name](m), INTEGER_CASES[name](torch)
    expected = theirs.numpy()
    got = np.asarray(ours.numpy())
    assert got.dtype.kind == expected.dtype.kind, f"{name}: dtype {got.dtype} vs torch {expected.dtype}"
    np.testing.assert_allclose(got.astype(float), expected.astype(float), rtol=1e-6)


# -------------------------------------------------------------------- special values
EDGE_CASES = {
    "remainder_signs": lambda m, x: m.remainder(x, -1.5),
    "fmod_signs": lambda m, x: m.fmod(x, -1.5),
    "floor_divide_inf": lambda m, x: x.div(m.tensor([0.0, 2.0, -2.0, 1.0, 1.0, 0.5]), rounding_mode="floor"),
    "atan2_zeros": lambda m, x: m.tensor([0.0, -0.0, 0.0, -0.0, 1.0, -1.0]).atan2(
        m.tensor([0.0, 0.0, -0.0, -0.0, 0.0, -0.0])
    ),
    "logaddexp_inf": lambda m, x: x.logaddexp(m.tensor([np.inf, -np.inf, -np.inf, 1.0, 2.0, np.inf])),
    "copysign_zero": lambda m, x: x.copysign(m.tensor([-0.0, 0.0, -1.0, 1.0, -0.0, 0.0])),
    "sort_nan": lambda m, x: m.tensor([2.0, np.nan, -1.0, np.nan, 0.5, 3.0]).sort(descending=True).values,
    "argsort_nan": lambda m, x: m.tensor([2.0, np.nan, -1.0, 3.0]).argsort() * 1.0,
    "cummax_nan": lambda m, x: m.tensor([1.0, 3.0, np.nan, 5.0, 2.0, 7.0]).cummax(0).indices * 1.0,
    "cummax_ties": lambda m, x: m.tensor([1.0, 3.0, 3.0, 2.0, 3.0, 0.0]).cummax(0).indices * 1.0,
    "cummin_ties": lambda m, x: m.tensor([1.0, 0.0, 0.0, 2.0, 0.0, 5.0]).cummin(0).indices * 1.0,
    "sort_stable_ties": lambda m, x: (
        m.tensor([1.0, 0.0, 1.0, 0.0, 1.0]).sort(descending=True, stable=True)[1] * 1.0
    ),
    "round_half_even": lambda m, x: m.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.675]).round(),
    "round_decimals": lambda m, x: m.tensor([0.125, 1.555, -2.675]).round(decimals=2),
    "erfinv_ends": lambda m, x: m.tensor([-1.0, 1.0, 0.0, 1.5, 0.999, -0.9999]).erfinv(),
    "prod_empty": lambda m, x: m.zeros(0, 3).prod(0),
    "cumsum_empty": lambda m, x: m.zeros(0).cumsum(0),
    "logcumsumexp_inf": lambda m, x: m.tensor([-np.inf, -np.inf, 0.0, np.inf, 1.0]).logcumsumexp(0),
}
_EDGE_INPUT = np.array([np.inf, -np.inf, 3.0, -3.0, 0.0, -0.0])


@needs_torch
@pytest.mark.parametrize("m", [mt, mm], ids=["vector", "micro"])
@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_special_values_match_torch(m, name):
    fn = EDGE_CASES[name]
    torch_default, our_default = torch.get_default_dtype(), mt.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # the literals in the cases: float64 on every library
    mt.set_default_dtype(mt.float64)
    try:
        ours = fn(m, m.tensor(_EDGE_INPUT, dtype=m.float64))
        theirs = fn(torch, torch.tensor(_EDGE_INPUT, dtype=torch.float64))
    finally:
        torch.set_default_dtype(torch_default)
        mt.set_default_dtype(our_default)
    expected = theirs.numpy().astype(float)
    got = np.asarray(ours.numpy(), dtype=float)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0, equal_nan=True)
    zeros = expected == 0
    np.testing.assert_array_equal(
        np.signbit(got[zeros]), np.signbit(expected[zeros]), err_msg=f"{name}: -0.0"
    )


def test_float64_tensor_from_python_floats_is_exact():
    """Regression: ``tensor([0.3], dtype=float64)`` rounded through float32 (0.30000001192092896)."""
    assert mt.tensor([0.3], dtype=mt.float64).item() == 0.3
    assert mt.tensor(0.1, dtype=mt.float64).item() == 0.1
    assert mt.tensor([0.3]).dtype == mt.float32


# -------------------------------------------------------------------- bad arguments
def _x(m):
    return m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


ERRORS = [
    ("div_mode", lambda m: _x(m).div(2, rounding_mode="round"), ValueError, "rounding_mode"),
    ("int_floordiv_zero", lambda m: m.tensor([1, 2]) // 0, ZeroDivisionError, "division by zero"),
    ("int_mod_zero", lambda m: m.tensor([1, 2]) % m.tensor([1, 0]), ZeroDivisionError, "remainder"),
    ("remainder_shapes", lambda m: _x(m).remainder(m.ones(4)), ValueError, "(2, 3) and (4,)"),
    ("atan2_shapes", lambda m: _x(m).atan2(m.ones(2)), ValueError, "atan2"),
    ("lerp_weight_shape", lambda m: _x(m).lerp(_x(m), m.ones(4)), ValueError, "lerp (weight)"),
    ("gather_dim", lambda m: _x(m).gather(2, m.tensor([[0]])), IndexError, "range of [-2, 1], but got 2"),
    (
        "gather_float_index",
        lambda m: _x(m).gather(1, m.tensor([[0.0]])),
        TypeError,
        "gather(): Expected dtype int64",
    ),
    ("gather_ndim", lambda m: _x(m).gather(1, m.tensor([0])), ValueError, "same number of dimensions"),
    (
        "gather_out_of_range",
        lambda m: _x(m).gather(1, m.tensor([[3]])),
        IndexError,
        "index 3 is out of bounds",
    ),
    (
        "gather_index_too_big",
        lambda m: _x(m).gather(1, m.tensor([[0], [0], [0]])),
        ValueError,
        "Size does not match at dimension 0",
    ),
    ("index_select_2d", lambda m: _x(m).index_select(0, m.tensor([[0]])), ValueError, "vector"),
    (
        "index_select_range",
        lambda m: _x(m).index_select(0, m.tensor([2])),
        IndexError,
        "index 2 is out of bounds for dimension 0 with size 2",
    ),
    ("masked_fill_dtype", lambda m: _x(m).masked_fill(m.tensor([1, 0, 1]), 0.0), TypeError, "bool"),
    (
        "masked_fill_shape",
        lambda m: _x(m).masked_fill(m.tensor([True, False]), 0.0),
        ValueError,
        "mask (2,) must be broadcastable",
    ),
    (
        "masked_fill_value_dims",
        lambda m: _x(m).masked_fill(_x(m) > 2, m.ones(2)),
        ValueError,
        "0-dimensional",
    ),
    ("scatter_dtype", lambda m: _x(m).scatter(0, m.tensor([[0]]), m.tensor([[1]])), TypeError, "src.dtype"),
    (
        "scatter_add_number",
        lambda m: _x(m).scatter_add(0, m.tensor([[0]]), 1.0),
        TypeError,
        "src must be a Tensor",
    ),
    (
        "scatter_reduce_mode",
        lambda m: _x(m).scatter_reduce(0, m.tensor([[0]]), _x(m), "max"),
        ValueError,
        "reduce must be one of",
    ),
    (
        "take_along_dim_ndim",
        lambda m: _x(m).take_along_dim(m.tensor([0]), 1),
        ValueError,
        "same number of dimensions",
    ),
    ("split_sum", lambda m: _x(m).split([1, 1], 1), ValueError, "sum to the size 3"),
    ("split_size", lambda m: _x(m).split(0, 1), ValueError, "positive"),
    ("chunk_zero", lambda m: _x(m).chunk(0), ValueError, "chunks must be a positive int"),
    ("repeat_too_few", lambda m: _x(m).repeat(2), ValueError, "can not be smaller"),
    (
        "repeat_interleave_count",
        lambda m: _x(m).repeat_interleave(m.tensor([1, 2]), dim=1),
        ValueError,
        "2 repeats for size 3",
    ),
    ("roll_lengths", lambda m: _x(m).roll((1, 2), 0), ValueError, "same size"),
    ("tril_1d", lambda m: m.ones(3).tril(), ValueError, "at least 2 dimensions"),
    ("diagonal_same_dims", lambda m: _x(m).diagonal(0, 1, 1), ValueError, "dim1 and dim2 cannot be equal"),
    ("topk_k", lambda m: _x(m).topk(4), IndexError, "k (4) is out of range for dimension 1 of size 3"),
    ("kthvalue_k", lambda m: _x(m).kthvalue(0), IndexError, "k (0) is out of range"),
    ("cumsum_dim", lambda m: _x(m).cumsum(2), IndexError, "got 2"),
    ("sort_dim", lambda m: _x(m).sort(-3), IndexError, "got -3"),
    ("prod_dim", lambda m: _x(m).prod(5), IndexError, "got 5"),
    ("meshgrid_2d", lambda m: m.meshgrid(_x(m), m.ones(2)), ValueError, "tensor 0 has shape (2, 3)"),
    ("meshgrid_indexing", lambda m: m.meshgrid(m.ones(2), indexing="yx"), ValueError, "'ij' or 'xy'"),
    ("einsum_operands", lambda m: m.einsum("ij,jk", _x(m)), ValueError, "has 2 operand(s) but 1 were given"),
    (
        "einsum_dims",
        lambda m: m.einsum("ijk", _x(m)),
        ValueError,
        "name 3 dims, but the operand has shape (2, 3)",
    ),
    (
        "einsum_sizes",
        lambda m: m.einsum("ij,ij->i", _x(m), m.ones(2, 4)),
        ValueError,
        "subscript 'j' has size 4",
    ),
    ("einsum_output", lambda m: m.einsum("ij->k", _x(m)), ValueError, "output subscript 'k'"),
    (
        "interpolate_both",
        lambda m: F(m).interpolate(m.ones(1, 1, 3), size=2, scale_factor=2),
        ValueError,
        "exactly one of size and scale_factor",
    ),
    (
        "interpolate_mode_dims",
        lambda m: F(m).interpolate(m.ones(1, 1, 3), size=2, mode="bilinear"),
        ValueError,
        "expects a 4-D input, got shape (1, 1, 3)",
    ),
    (
        "interpolate_size_len",
        lambda m: F(m).interpolate(m.ones(1, 1, 3, 3), size=(2, 2, 2)),
        ValueError,
        "must have 2 entries",
    ),
    (
        "interpolate_mode",
        lambda m: F(m).interpolate(m.ones(1, 1, 3), size=2, mode="cubic"),
        ValueError,
        "'cubic'",
    ),
    (
        "conv_transpose_channels",
        lambda m: F(m).conv_transpose2d(m.ones(1, 2, 3, 3), m.ones(3, 1, 2, 2)),
        ValueError,
        "input has 2 channels",
    ),
    (
        "conv_transpose_output_padding",
        lambda m: F(m).conv_transpose1d(m.ones(1, 1, 3), m.ones(1, 1, 2), output_padding=1),
        ValueError,
        "output_padding (1,) must be smaller than stride (1,)",
    ),
    (
        "conv_transpose_dims",
        lambda m: F(m).conv_transpose2d(m.ones(1, 2, 3), m.ones(2, 1, 2, 2)),
        ValueError,
        "expected a 4-D input",
    ),
    ("hardtanh_bounds", lambda m: m.nn.functional.hardtanh(_x(m), 1.0, -1.0), ValueError, "min_val 1.0"),
    ("celu_alpha", lambda m: m.nn.functional.celu(_x(m), alpha=0.0), ValueError, "alpha"),
    (
        "elu_not_tensor",
        lambda m: m.nn.functional.elu([1.0]),
        TypeError,
        "elu(): argument 'input' must be a Tensor",
    ),
    ("normalize_dim", lambda m: m.nn.functional.normalize(_x(m), dim=3), IndexError, "got 3"),
    ("normalize_p", lambda m: m.nn.functional.normalize(_x(m), p=0), ValueError, "p must be positive"),
]


@pytest.mark.parametrize("m", [mt, mm], ids=["vector", "micro"])
@pytest.mark.parametrize("name, fn, error, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_arguments_raise_clear_errors(m, name, fn, error, message):
    with pytest.raises(error) as info:
        fn(m)
    assert message in str(info.value), f"{name}: {info.value}"


@needs_torch
@pytest.mark.parametrize("m", [mt, mm], ids=["vector", "micro"])
def test_dtype_names_and_type_strings_match_torch(m):
    for name in ("int", "short", "half", "int32", "int64", "bool", "long", "float", "double"):
        assert np.dtype(getattr(m, name)) == np.dtype(str(getattr(torch, name)).removeprefix("torch.")), name
    for dtype, method in (
        ("int64", "long"),
        ("int32", "int"),
        ("int16", "short"),
        ("uint8", "byte"),
        ("int8", "char"),
        ("bool", "bool"),
    ):
        x = m.tensor([1.0, 0.0, -2.0])
        t = torch.tensor([1.0, 0.0, -2.0])
        assert getattr(x, method)().type() == getattr(t, method)().type(), method
        assert x.type(getattr(m, dtype)).tolist() == t.type(getattr(torch, dtype)).tolist(), dtype
    assert m.tensor([True, False]).sum().dtype == np.int64
    assert m.tensor([1.0]).type("torch.LongTensor").dtype == np.int64


@needs_torch
def test_conv_transpose_modules_match_torch_layout_repr_and_outputs():
    for nd, kwargs in (
        (1, {"stride": 2, "padding": 1, "output_padding": 1}),
        (2, {"stride": 2, "groups": 2}),
    ):
        ours = getattr(mt.nn, f"ConvTranspose{nd}d")(4, 6, 3, **kwargs).double()  # float64 input below
        theirs = getattr(torch.nn, f"ConvTranspose{nd}d")(4, 6, 3, **kwargs).double()
        assert repr(ours) == repr(theirs)
        assert tuple(ours.weight.shape) == tuple(theirs.weight.shape)
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(ours.weight.detach().numpy()))
            theirs.bias.copy_(torch.tensor(ours.bias.detach().numpy()))
        x = np.random.default_rng(0).standard_normal((2, 4) + (5,) * nd)
        np.testing.assert_allclose(
            ours(mt.tensor(x, dtype=mt.float64)).detach().numpy(),
            theirs(torch.tensor(x)).detach().numpy(),
            rtol=1e-6,
        )


@needs_torch
def test_results_are_namedtuples_and_modules_repr_like_torch():
    x = mt.tensor([[3.0, 1.0, 2.0]])
    values, indices = x.sort()
    assert x.sort().values.tolist() == values.tolist() == [[1.0, 2.0, 3.0]]
    assert indices.tolist() == [[1, 2, 0]] and x.topk(1).indices.tolist() == [[0]]
    assert repr(mt.nn.Hardtanh(-2.0, 2.0)) == repr(torch.nn.Hardtanh(-2.0, 2.0))
    assert repr(mt.nn.ELU(alpha=0.5)) == repr(torch.nn.ELU(alpha=0.5))
    assert repr(mt.nn.ReLU6()) == repr(torch.nn.ReLU6())


def test_split_and_chunk_are_views_and_flip_is_a_copy():
    base = mt.zeros(4)
    base.split(2)[1][0] = 5.0
    base.chunk(2)[0][1] = 7.0
    assert base.tolist() == [0.0, 7.0, 5.0, 0.0]
    base.flip(0)[0] = 9.0
    assert base.tolist() == [0.0, 7.0, 5.0, 0.0]


def test_inplace_variants_write_through_and_keep_gradients():
    for m in (mt, mm):
        w = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = w * 1.0
        y.masked_fill_(m.tensor([True, False, False]), 0.0)
        y.scatter_add_(0, m.tensor([2]), m.tensor([4.0]))
        (y * m.tensor([1.0, 2.0, 3.0])).sum().backward()
        assert y.tolist() == [0.0, 2.0, 7.0]
        assert w.grad.tolist() == [0.0, 2.0, 3.0]


# -------------------------------------------------------------------- attention
ATTENTION = {
    "plain": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 4), {}),
    "causal_gqa": ((2, 4, 3, 5), (2, 2, 6, 5), (2, 2, 6, 4), {"is_causal": True, "enable_gqa": True}),
    "bool_mask": ((1, 3, 5), (1, 6, 5), (1, 6, 2), {"mask": "bool"}),
    "float_mask_scale": ((3, 4), (6, 4), (6, 3), {"mask": "float", "scale": 0.3}),
}


@needs_torch
@pytest.mark.parametrize("m", [mt, mm], ids=["vector", "micro"])
@pytest.mark.parametrize("case", sorted(ATTENTION))
def test_scaled_dot_product_attention_matches_torch(m, case):
    *shapes, options = ATTENTION[case]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    bool_mask = rng.standard_normal((shapes[0][-2], shapes[1][-2])) > 0
    bool_mask[:, 0] = True  # every query sees something (an all-masked row is nan, in PyTorch too)
    float_mask = rng.standard_normal(bool_mask.shape)

    def run(lib):
        kwargs = {k: v for k, v in options.items() if k != "mask"}
        if options.get("mask") == "bool":
            kwargs["attn_mask"] = lib.tensor(bool_mask)
        elif options.get("mask") == "float":
            kwargs["attn_mask"] = lib.tensor(float_mask, dtype=lib.float64)
        inputs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
        out = lib.nn.functional.scaled_dot_product_attention(*inputs, **kwargs)
        direction = np.random.default_rng(1).standard_normal(tuple(out.shape))
        (out * lib.tensor(direction, dtype=lib.float64)).sum().backward()
        return [np.asarray(out.detach().numpy())] + [np.asarray(t.grad.numpy()) for t in inputs]

    for ours, theirs in zip(run(m), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_attention_bad_arguments():
    F_ = mt.nn.functional
    q = mt.ones(2, 3, 4)
    with pytest.raises(ValueError, match=r"query \(2, 3, 4\) and key \(2, 3, 5\) need the same last dim"):
        F_.scaled_dot_product_attention(q, mt.ones(2, 3, 5), mt.ones(2, 3, 5))
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        F_.scaled_dot_product_attention(q, q, q, attn_mask=mt.ones(3, 3), is_causal=True)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(2, 2\) cannot be broadcast"):
        F_.scaled_dot_product_attention(q, q, q, attn_mask=mt.ones(2, 2))
    with pytest.raises(ValueError, match="multiple of the key heads 2"):
        F_.scaled_dot_product_attention(mt.ones(3, 2, 4), mt.ones(2, 2, 4), mt.ones(2, 2, 4), enable_gqa=True)


# -------------------------------------------------------------------- MultiheadAttention
def _mha_run(lib, batch_first, masks, unbatched):
    """Output, averaged weights and every gradient of one MultiheadAttention call (float64)."""
    rng = np.random.default_rng(0)
    embed, heads, length, source, batch = 6, 2, 3, 4, 2
    names = ("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias")
    shapes = ((3 * embed, embed), (3 * embed,), (embed, embed), (embed,))
    params = {n: rng.standard_normal(s) * 0.5 for n, s in zip(names, shapes)}
    if lib is torch:
        module = torch.nn.MultiheadAttention(embed, heads, batch_first=batch_first).double()
        module.load_state_dict({k: torch.tensor(v) for k, v in params.items()})
    else:
        module = lib.nn.MultiheadAttention(embed, heads, batch_first=batch_first, dtype=lib.float64)
        module.load_state_dict({k: lib.tensor(v, dtype=lib.float64) for k, v in params.items()})

    def layout(n):
        return (n, embed) if unbatched else ((batch, n, embed) if batch_first else (n, batch, embed))

    arrays = [
        rng.standard_normal(layout(length)),
        rng.standard_normal(layout(source)),
        rng.standard_normal(layout(source)),
    ]
    inputs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    kwargs = {}
    if masks == "bool":
        allowed = rng.standard_normal((length, source)) > 0.5
        allowed[:, 0] = False  # True = masked out; column 0 stays visible to every query
        kwargs["attn_mask"] = lib.tensor(allowed)
        padding = np.zeros((batch, source), bool)
        padding[0, -1] = True
        kwargs["key_padding_mask"] = lib.tensor(padding)
    elif masks == "float":
        kwargs["attn_mask"] = lib.tensor(
            rng.standard_normal((batch * heads, length, source)), dtype=lib.float64
        )
    out, weights = module(*inputs, **kwargs)
    direction = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)), dtype=lib.float64)
    ((out * direction).sum() + (weights * weights).sum()).backward()
    parameters = dict(module.named_parameters())
    grads = [x.grad for x in inputs] + [parameters[n].grad for n in names]
    return [np.asarray(t.detach().numpy()) for t in [out, weights, *grads]]


@needs_torch
@pytest.mark.parametrize("m", [mt, mm], ids=["vector", "micro"])
@pytest.mark.parametrize(
    "batch_first, masks, unbatched",
    [(False, None, False), (True, "bool", False), (False, "float", False), (True, None, True)],
    ids=["seq_first", "batch_first_bool_masks", "float_mask_per_head", "unbatched"],
)
def test_multihead_attention_matches_torch(m, batch_first, masks, unbatched):
    for ours, theirs in zip(
        _mha_run(m, batch_first, masks, unbatched), _mha_run(torch, batch_first, masks, unbatched)
    ):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@needs_torch
def test_multihead_attention_parameters_and_errors_match_torch():
    ours, theirs = mt.nn.MultiheadAttention(8, 2), torch.nn.MultiheadAttention(8, 2)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    assert not ours.in_proj_bias.detach().numpy().any() and not ours.out_proj.bias.detach().numpy().any()
    with pytest.raises(ValueError, match="embed_dim 8 must be divisible by num_heads 3"):
        mt.nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="expected embed_dim 8"):
        ours(mt.ones(2, 1, 4), mt.ones(2, 1, 4), mt.ones(2, 1, 4))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 3\) does not fit \(2, 2\)"):
        ours(mt.ones(2, 1, 8), mt.ones(2, 1, 8), mt.ones(2, 1, 8), attn_mask=mt.ones(3, 3))
