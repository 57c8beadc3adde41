"""The added losses against torch.nn.functional: values, input gradients, every reduction, both engines.

smooth_l1_loss, huber_loss, kl_div, poisson_nll_loss, gaussian_nll_loss,
cosine_similarity, pairwise_distance, cosine_embedding_loss,
margin_ranking_loss, triplet_margin_loss and their nn modules. float64
throughout: the composites differ from PyTorch's kernels only in rounding
(~1e-16 relative), so rtol 1e-9 as in tests/test_functional_losses.py. The
micro engine runs the same cases (the sizes are small). Gradients are also
checked against central differences (mytorch's gradcheck), and bad
arguments must raise errors naming the values.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mt
from mytorch._gradcheck import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RTOL, ATOL = 1e-9, 1e-11
ENGINES = [pytest.param(mt, id="vector"), pytest.param(mm, id="micro")]
REDUCTIONS = ["mean", "sum", "none"]


def _rng(seed):
    return np.random.default_rng(seed)


def _x(*shape, seed=0, scale=1.0):
    return _rng(seed).standard_normal(shape) * scale


def _signs(n, seed=3):
    s = np.where(_rng(seed).random(n) < 0.5, -1.0, 1.0)
    s[:2] = [1.0, -1.0]  # both labels present
    return s


def compare(engine, name, args, grad, **kwargs):
    """F.<name>(*args, **kwargs) on ``engine`` and on torch: values and gradients of args[i], i in grad."""
    ours_args = [engine.tensor(a, dtype=engine.float64, requires_grad=i in grad) if isinstance(a, np.ndarray)
                 else a for i, a in enumerate(args)]
    theirs_args = [torch.tensor(a, requires_grad=i in grad) if isinstance(a, np.ndarray) else a
                   for i, a in enumerate(args)]
    ours_kw = {k: engine.tensor(v, dtype=engine.float64) if isinstance(v, np.ndarray) else v
               for k, v in kwargs.items()}
    theirs_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    out = getattr(engine.nn.functional, name)(*ours_args, **ours_kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's note on reduction='mean'
        tout = getattr(TF, name)(*theirs_args, **theirs_kw)
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=RTOL, atol=ATOL,
                               err_msg="value")
    g = _rng(11).standard_normal(tuple(out.shape))
    out.backward(engine.tensor(g, dtype=engine.float64))
    tout.backward(torch.tensor(g))
    for i in grad:
        assert ours_args[i].grad is not None, f"no gradient for argument {i}"
        np.testing.assert_allclose(ours_args[i].grad.numpy(), theirs_args[i].grad.numpy(), rtol=RTOL,
                                   atol=ATOL, err_msg=f"gradient of argument {i}")
    return out


def _regression_pair(seed=0):
    x, y = _x(4, 3, seed=seed), _x(4, 3, seed=seed + 1)
    y[0, :] = x[0, :] + [0.05, -0.3, 1.7]  # small and large differences on both sides of beta/delta
    return x, y


# --------------------------------------------------------------- robust regression


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.5, 0.0])
def test_smooth_l1_loss(engine, reduction, beta):
    x, y = _regression_pair()
    compare(engine, "smooth_l1_loss", [x, y], grad={0, 1}, reduction=reduction, beta=beta)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.3, 2.0])
def test_huber_loss(engine, reduction, delta):
    x, y = _regression_pair(seed=2)
    compare(engine, "huber_loss", [x, y], grad={0, 1}, reduction=reduction, delta=delta)
    w = np.abs(_x(4, 3, seed=9))
    compare(engine, "huber_loss", [x, y], grad={0, 1}, reduction=reduction, delta=delta, weight=w)


def test_huber_is_delta_times_smooth_l1_with_beta_delta():
    """PyTorch's documented identity, an oracle independent of both implementations' code."""
    x, y = _regression_pair(seed=4)
    F = mt.nn.functional
    a = F.huber_loss(mt.tensor(x), mt.tensor(y), delta=0.7, reduction="none").detach().numpy()
    b = F.smooth_l1_loss(mt.tensor(x), mt.tensor(y), beta=0.7, reduction="none").detach().numpy()
    np.testing.assert_allclose(a, 0.7 * b, rtol=1e-14)


# --------------------------------------------------------------- divergences and likelihoods


def _log_softmax(a, axis=-1):
    a = a - a.max(axis=axis, keepdims=True)
    return a - np.log(np.exp(a).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("reduction", ["batchmean", *REDUCTIONS])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(engine, reduction, log_target):
    logq = _log_softmax(_x(4, 3, seed=1))
    logp = _log_softmax(_x(4, 3, seed=2))
    target = logp if log_target else np.exp(logp)
    compare(engine, "kl_div", [logq, target], grad={0, 1}, reduction=reduction, log_target=log_target)


@pytest.mark.parametrize("engine", ENGINES)
def test_kl_div_zero_target_probability_contributes_nothing(engine):
    logq = _log_softmax(_x(3, 4, seed=5))
    p = np.exp(_log_softmax(_x(3, 4, seed=6)))
    p[0] = [0.0, 0.5, 0.5, 0.0]
    out = compare(engine, "kl_div", [logq, p], grad={0}, reduction="none")
    assert out.detach().numpy()[0, 0] == 0.0


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("log_input", [True, False])
def test_poisson_nll_loss(engine, reduction, full, log_input):
    counts = _rng(3).integers(0, 6, size=(4, 3)).astype(np.float64)
    counts[0, :3] = [0.0, 1.0, 2.0]  # the Stirling term is masked for counts <= 1
    rates = _x(4, 3, seed=4) if log_input else np.abs(_x(4, 3, seed=4)) + 0.1
    compare(engine, "poisson_nll_loss", [rates, counts], grad={0}, log_input=log_input, full=full,
            reduction=reduction)
    if not full:  # PyTorch's target gradient of the masked Stirling term is NaN at 0 counts
        compare(engine, "poisson_nll_loss", [rates, counts + 0.5], grad={0, 1}, log_input=log_input,
                reduction=reduction, eps=1e-3)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1), (1, 3)], ids=str)
def test_gaussian_nll_loss(engine, reduction, full, var_shape):
    x, y = _x(4, 3, seed=1), _x(4, 3, seed=2)
    var = np.abs(_x(*var_shape, seed=3)) + 0.05
    var.flat[0] = 1e-8  # below eps: clamped, the gradient passes as if unclamped (PyTorch's no_grad clamp)
    compare(engine, "gaussian_nll_loss", [x, y, var], grad={0, 1, 2}, full=full, reduction=reduction)


@pytest.mark.parametrize("engine", ENGINES)
def test_gaussian_nll_loss_float_var(engine):
    x, y = _x(4, 3, seed=1), _x(4, 3, seed=2)
    compare(engine, "gaussian_nll_loss", [x, y, 0.7], grad={0, 1}, eps=1e-3)


# --------------------------------------------------------------- similarities and distances


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("shapes, dim", [(((4, 5), (4, 5)), 1), (((3, 4), (1, 4)), 1), (((3, 4), (3, 4)), 0),
                                         (((5,), (5,)), 0), (((2, 3, 4), (2, 3, 4)), -1)], ids=str)
def test_cosine_similarity(engine, shapes, dim):
    a, b = _x(*shapes[0], seed=1), _x(*shapes[1], seed=2)
    compare(engine, "cosine_similarity", [a, b], grad={0, 1}, dim=dim)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 1.5, math.inf])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance(engine, p, keepdim):
    a, b = _x(4, 5, seed=1), _x(4, 5, seed=2)
    compare(engine, "pairwise_distance", [a, b], grad={0, 1}, p=p, keepdim=keepdim)
    compare(engine, "pairwise_distance", [a[0], b[0]], grad={0, 1}, p=p, keepdim=keepdim, eps=1e-3)


# --------------------------------------------------------------- margin losses


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.2])
def test_cosine_embedding_loss(engine, reduction, margin):
    a, b = _x(6, 4, seed=1), _x(6, 4, seed=2)
    compare(engine, "cosine_embedding_loss", [a, b, _signs(6)], grad={0, 1}, margin=margin,
            reduction=reduction)
    compare(engine, "cosine_embedding_loss", [a[0], b[0], np.array(-1.0)], grad={0, 1}, margin=margin,
            reduction=reduction)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking_loss(engine, reduction, margin):
    a, b = _x(7, seed=1), _x(7, seed=2)
    compare(engine, "margin_ranking_loss", [a, b, _signs(7)], grad={0, 1}, margin=margin, reduction=reduction)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin, p, swap", [(1.0, 2.0, False), (0.5, 1.0, False), (1.0, 2.0, True),
                                             (2.0, 3.0, True)], ids=str)
def test_triplet_margin_loss(engine, reduction, margin, p, swap):
    a, pos, neg = _x(5, 4, seed=1), _x(5, 4, seed=2), _x(5, 4, seed=3)
    neg[0] = pos[0] + 0.1  # swap picks d(positive, negative) here
    out = compare(engine, "triplet_margin_loss", [a, pos, neg], grad={0, 1, 2}, margin=margin, p=p, swap=swap,
                  reduction=reduction)
    if reduction == "none":
        assert (out.detach().numpy() > 0).any() and (out.detach().numpy() == 0).any() or margin == 2.0


# --------------------------------------------------------------- finite differences

GRADCHECK = [
    ("smooth_l1_loss", 2, {"beta": 0.8, "reduction": "sum"}),
    ("huber_loss", 2, {"delta": 0.6, "reduction": "none"}),
    ("kl_div", 2, {"reduction": "batchmean", "log_target": True}),
    ("poisson_nll_loss", 2, {"reduction": "sum"}),
    ("gaussian_nll_loss", 3, {"full": True}),
    ("cosine_similarity", 2, {"dim": 1}),
    ("pairwise_distance", 2, {"p": 3.0}),
    ("triplet_margin_loss", 3, {"swap": True, "reduction": "none"}),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name, nargs, kwargs", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradcheck(engine, name, nargs, kwargs):
    arrays = [_x(3, 4, seed=i) for i in range(nargs)]
    if name == "gaussian_nll_loss":
        arrays[2] = np.abs(arrays[2]) + 0.2
    if name == "smooth_l1_loss":
        # differences away from the kink at |d| = beta
        arrays[1] = arrays[0] + np.linspace(-2, 2, 12).reshape(3, 4) + 0.05
    inputs = [engine.tensor(a, dtype=engine.float64, requires_grad=True) for a in arrays]
    fn = getattr(engine.nn.functional, name)
    assert gradcheck(lambda *t: fn(*t, **kwargs), inputs)


@pytest.mark.parametrize("engine", ENGINES)
def test_gradcheck_margin_losses(engine):
    F = engine.nn.functional
    a, b = (engine.tensor(_x(5, 3, seed=s), dtype=engine.float64, requires_grad=True) for s in (1, 2))
    t = engine.tensor(_signs(5), dtype=engine.float64)
    assert gradcheck(lambda x, y: F.cosine_embedding_loss(x, y, t, margin=-0.5, reduction="none"), (a, b))
    c, d = (engine.tensor(_x(6, seed=s), dtype=engine.float64, requires_grad=True) for s in (3, 4))
    t6 = engine.tensor(_signs(6), dtype=engine.float64)
    assert gradcheck(lambda x, y: F.margin_ranking_loss(x, y, t6, margin=0.1, reduction="sum"), (c, d))


# --------------------------------------------------------------- nn modules

MODULES = [
    ("SmoothL1Loss", {"beta": 0.5, "reduction": "sum"}, 2),
    ("HuberLoss", {"delta": 0.4}, 2),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, 2),
    ("PoissonNLLLoss", {"log_input": False, "full": True, "eps": 1e-4, "reduction": "none"}, 2),
    ("GaussianNLLLoss", {"full": True, "eps": 1e-3}, 3),
    ("CosineEmbeddingLoss", {"margin": 0.2, "reduction": "none"}, 3),
    ("MarginRankingLoss", {"margin": 0.3, "reduction": "sum"}, 3),
    ("TripletMarginLoss", {"margin": 0.7, "p": 1.0, "swap": True}, 3),
]


def _module_args(name):
    x, y = _x(4, 3, seed=1), _x(4, 3, seed=2)
    if name == "KLDivLoss":
        return [_log_softmax(x), _log_softmax(y)]
    if name == "PoissonNLLLoss":
        return [np.abs(x) + 0.1, np.round(np.abs(y) * 3)]
    if name == "GaussianNLLLoss":
        return [x, y, np.abs(_x(4, 1, seed=3)) + 0.1]
    if name == "CosineEmbeddingLoss":
        return [x, y, _signs(4)]
    if name == "MarginRankingLoss":
        return [x[:, 0], y[:, 0], _signs(4)]
    if name == "TripletMarginLoss":
        return [x, y, _x(4, 3, seed=3)]
    return [x, y]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name, kwargs, nargs", MODULES, ids=[m[0] for m in MODULES])
def test_modules_match_torch(engine, name, kwargs, nargs):
    arrays = _module_args(name)
    ours = getattr(engine.nn, name)(**kwargs)
    theirs = getattr(torch.nn, name)(**kwargs)
    ta = [engine.tensor(a, dtype=engine.float64, requires_grad=True) for a in arrays]
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = ours(*ta), theirs(*tt)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=RTOL, atol=ATOL)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(ta[0].grad.numpy(), tt[0].grad.numpy(), rtol=RTOL, atol=ATOL)
    assert ours.reduction == theirs.reduction


# --------------------------------------------------------------- bad input

F = mt.nn.functional


def _t(*shape):
    return mt.tensor(np.ones(shape))


@pytest.mark.parametrize("name", ["smooth_l1_loss", "huber_loss", "kl_div", "poisson_nll_loss"])
def test_mismatched_shapes_name_both(name):
    with pytest.raises(ValueError, match=r"target shape \(4, 1\) does not match input shape \(4, 3\)"):
        getattr(F, name)(_t(4, 3), _t(4, 1))


@pytest.mark.parametrize("name, nargs", [("smooth_l1_loss", 2), ("huber_loss", 2), ("poisson_nll_loss", 2),
                                         ("cosine_embedding_loss", 3), ("margin_ranking_loss", 3),
                                         ("triplet_margin_loss", 3), ("kl_div", 2)])
def test_bad_reduction_names_it(name, nargs):
    args = [_t(3, 2), _t(3, 2), _t(3, 2)][:nargs]
    if name == "cosine_embedding_loss":
        args[2] = _t(3)
    with pytest.raises(ValueError, match=r"reduction must be one of .*got 'avg'"):
        getattr(F, name)(*args, reduction="avg")


def test_gaussian_nll_bad_var():
    with pytest.raises(ValueError, match=r"var is of incorrect size \(3, 2\) for input \(4, 3\)"):
        F.gaussian_nll_loss(_t(4, 3), _t(4, 3), _t(3, 2))
    with pytest.raises(ValueError, match=r"negative entry.*-1\.0"):
        F.gaussian_nll_loss(_t(2), _t(2), mt.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"negative entry.*-0\.5"):
        F.gaussian_nll_loss(_t(2), _t(2), -0.5)
    with pytest.raises(ValueError, match=r"reduction must be one of .*'mid'"):
        F.gaussian_nll_loss(_t(2), _t(2), _t(2), reduction="mid")


def test_bad_hyper_parameters_name_the_value():
    with pytest.raises(ValueError, match="beta must be >= 0.*got -0.5"):
        F.smooth_l1_loss(_t(2), _t(2), beta=-0.5)
    with pytest.raises(ValueError, match="delta must be > 0, got 0"):
        F.huber_loss(_t(2), _t(2), delta=0)
    with pytest.raises(ValueError, match=r"weight shape \(3,\) must equal the input shape \(2,\)"):
        F.huber_loss(_t(2), _t(2), weight=_t(3))
    with pytest.raises(ValueError, match="margin must be greater than 0, got -1"):
        F.triplet_margin_loss(_t(2, 3), _t(2, 3), _t(2, 3), margin=-1)
    with pytest.raises(ValueError, match="p must be >= 0, got -1"):
        F.pairwise_distance(_t(2, 3), _t(2, 3), p=-1)


def test_margin_losses_check_dims():
    with pytest.raises(ValueError, match=r"1D target tensor expects 2D input.*\(3,\) and \(3,\)"):
        F.cosine_embedding_loss(_t(3), _t(3), _t(3))
    with pytest.raises(ValueError, match=r"0D or 1D target.*\(3, 1\)"):
        F.cosine_embedding_loss(_t(3, 2), _t(3, 2), _t(3, 1))
    with pytest.raises(ValueError, match=r"input1 \(3, 2\), input2 \(3, 4\)"):
        F.cosine_embedding_loss(_t(3, 2), _t(3, 4), _t(3))
    with pytest.raises(ValueError, match=r"same number of dims.*input1 \(3,\), input2 \(3, 1\), target"):
        F.margin_ranking_loss(_t(3), _t(3, 1), _t(3))
    with pytest.raises(ValueError, match=r"same number of dims.*anchor \(2, 3\), positive \(3,\)"):
        F.triplet_margin_loss(_t(2, 3), _t(3), _t(2, 3))
    with pytest.raises(ValueError, match=r"do not broadcast.*anchor \(2, 3\), positive \(2, 4\)"):
        F.triplet_margin_loss(_t(2, 3), _t(2, 4), _t(2, 3))
    with pytest.raises(ValueError, match=r"x1 of shape \(2, 3\) and x2 of shape \(4, 3\) do not broadcast"):
        F.cosine_similarity(_t(2, 3), _t(4, 3))


def test_modules_check_reduction():
    with pytest.raises(ValueError, match="'avg'"):
        mt.nn.SmoothL1Loss(reduction="avg")
    with pytest.raises(ValueError, match="'avg'"):
        mt.nn.KLDivLoss(reduction="avg")
    assert mt.nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"


def test_non_tensor_argument_is_named():
    with pytest.raises(TypeError, match=r"kl_div\(\): argument 'target' must be a Tensor, not list"):
        F.kl_div(_t(2), [0.5, 0.5])
