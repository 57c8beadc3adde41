"""Loss functions against torch.nn.functional, every option, float64 forward and input gradients.

cross_entropy: reductions x class weights x ignore_index x label_smoothing,
for (N, C), (N, C, d1, d2) and unbatched (C,) inputs, class-index and
class-probability targets. Tolerances as elsewhere in float64 (rtol 1e-9).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import mytorch.nn.functional as F
import mytorch.vector as mt

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RTOL, ATOL = 1e-9, 1e-11


def _x(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def check(ours_fn, torch_fn, x, target, seed=0, **kwargs):
    """Compare loss values and d loss / d input (and d loss / d target when the target is floating)."""
    floating = np.issubdtype(target.dtype, np.floating)
    xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    tm = mt.tensor(target, dtype=target.dtype, requires_grad=floating)
    tt = torch.tensor(target, requires_grad=floating)
    ours = {k: mt.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    theirs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    out, tout = ours_fn(xm, tm, **ours), torch_fn(xt, tt, **theirs)
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=RTOL, atol=ATOL,
                               err_msg="loss")
    g = np.random.default_rng(seed + 7).standard_normal(tuple(out.shape))
    out.backward(mt.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg="input grad")
    if floating:
        np.testing.assert_allclose(
            tm.grad.numpy(), tt.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg="target grad"
        )


REDUCTIONS = ["mean", "sum", "none"]


# --------------------------------------------------------------- regression


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses(name, reduction):
    x, y = _x(5, 3), _x(5, 3, seed=1)
    y[0, 0] = x[0, 0]  # a zero difference (the kink of |.|)
    check(getattr(F, name), getattr(TF, name), x, y, reduction=reduction)
    check(getattr(F, name), getattr(TF, name), x, y, reduction=reduction, weight=np.abs(_x(5, 3, seed=2)))


def test_legacy_size_average_and_reduce():
    x, y = _x(4, 2), _x(4, 2, seed=1)
    for size_average, reduce in itertools.product([None, True, False], repeat=2):
        ours = F.mse_loss(mt.tensor(x), mt.tensor(y), size_average=size_average, reduce=reduce)
        with pytest.warns(UserWarning) if (size_average, reduce) != (None, None) else _nullcontext():
            theirs = TF.mse_loss(torch.tensor(x), torch.tensor(y), size_average=size_average, reduce=reduce)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --------------------------------------------------------------- cross_entropy: every option


def _targets(shape, classes, seed, ignore=None):
    t = np.random.default_rng(seed).integers(0, classes, shape)
    if ignore is not None:
        t.flat[::3] = ignore
    return t


CE_OPTIONS = list(itertools.product(REDUCTIONS, [False, True], [None, -100, 1], [0.0, 0.25]))


@pytest.mark.parametrize("reduction,weighted,ignore_index,smoothing", CE_OPTIONS, ids=str)
@pytest.mark.parametrize("input_shape", [(6, 4), (3, 4, 2, 3), (4,)], ids=str)
def test_cross_entropy_class_indices(reduction, weighted, ignore_index, smoothing, input_shape):
    classes = input_shape[1] if len(input_shape) > 1 else input_shape[0]
    target_shape = (input_shape[0],) + input_shape[2:] if len(input_shape) > 1 else ()
    t = _targets(target_shape, classes, 1, ignore=None if ignore_index is None else ignore_index)
    if t.ndim and ignore_index is not None:
        t.flat[1] = 0  # never all ignored
    kwargs = dict(reduction=reduction, label_smoothing=smoothing)
    if ignore_index is not None:
        kwargs["ignore_index"] = ignore_index
    if weighted:
        kwargs["weight"] = np.random.default_rng(2).uniform(0.1, 2.0, classes)
    check(F.cross_entropy, TF.cross_entropy, _x(*input_shape, scale=2.0), t, **kwargs)


@pytest.mark.parametrize(
    "reduction,weighted,smoothing", list(itertools.product(REDUCTIONS, [False, True], [0.0, 0.3])), ids=str
)
@pytest.mark.parametrize("input_shape", [(5, 3), (2, 3, 4)], ids=str)
def test_cross_entropy_class_probabilities(reduction, weighted, smoothing, input_shape):
    p = np.random.default_rng(3).dirichlet(np.ones(3), size=(input_shape[0],) + input_shape[2:])
    p = np.moveaxis(p, -1, 1)
    kwargs = dict(reduction=reduction, label_smoothing=smoothing)
    if weighted:
        kwargs["weight"] = np.array([0.5, 1.0, 2.5])
    check(F.cross_entropy, TF.cross_entropy, _x(*input_shape, scale=2.0), p, **kwargs)


def test_cross_entropy_large_logits_are_stable():
    x = np.array([[1000.0, -1000.0, 0.0], [-500.0, 500.0, 499.0]])
    check(F.cross_entropy, TF.cross_entropy, x, np.array([1, 2]))


def test_cross_entropy_all_ignored_mean_is_nan_like_torch():
    x = _x(3, 2)
    ours = F.cross_entropy(mt.tensor(x), mt.tensor([-100, -100, -100]))
    theirs = TF.cross_entropy(torch.tensor(x), torch.tensor([-100, -100, -100]))
    assert np.isnan(ours.item()) and np.isnan(theirs.item())


def test_cross_entropy_float32_stays_float32():
    out = F.cross_entropy(
        mt.tensor(_x(4, 3).astype(np.float32)),
        mt.tensor([0, 1, 2, 0]),
        weight=mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64),
        label_smoothing=0.1,
    )
    assert out.dtype == np.float32


# --------------------------------------------------------------- nll_loss


@pytest.mark.parametrize(
    "reduction,weighted,ignore_index", list(itertools.product(REDUCTIONS, [False, True], [-100, 2])), ids=str
)
@pytest.mark.parametrize("input_shape", [(5, 4), (2, 4, 3), (4,)], ids=str)
def test_nll_loss(reduction, weighted, ignore_index, input_shape):
    x = _x(*input_shape)
    classes = input_shape[1] if len(input_shape) > 1 else input_shape[0]
    target_shape = (input_shape[0],) + input_shape[2:] if len(input_shape) > 1 else ()
    t = _targets(target_shape, classes, 4)
    kwargs = dict(reduction=reduction, ignore_index=ignore_index)
    if weighted:
        kwargs["weight"] = np.random.default_rng(5).uniform(0.1, 2.0, classes)
    check(F.nll_loss, TF.nll_loss, x, t, **kwargs)


# --------------------------------------------------------------- binary


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    p = np.random.default_rng(0).uniform(0.02, 0.98, (4, 3))
    t = np.random.default_rng(1).uniform(0, 1, (4, 3))
    kwargs = dict(reduction=reduction)
    if weighted:
        kwargs["weight"] = np.random.default_rng(2).uniform(0.5, 2, (3,))
    check(F.binary_cross_entropy, TF.binary_cross_entropy, p, t, **kwargs)


def test_binary_cross_entropy_clamps_log_at_minus_100():
    p, t = np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0])
    ours = F.binary_cross_entropy(mt.tensor(p, requires_grad=True), mt.tensor(t), reduction="none")
    theirs = TF.binary_cross_entropy(torch.tensor(p), torch.tensor(t), reduction="none")
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()  # finite gradient even at p = 0 and 1


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight,pos_weight", [(None, None), ("w", None), (None, "pw"), ("w", "pw")])
def test_binary_cross_entropy_with_logits(reduction, weight, pos_weight):
    x = _x(5, 3, scale=4.0)
    x[0] = [0.0, 60.0, -60.0]  # the kink and far tails
    t = np.random.default_rng(1).uniform(0, 1, (5, 3))
    t[1] = [0.0, 1.0, 1.0]
    kwargs = dict(reduction=reduction)
    if weight:
        kwargs["weight"] = np.random.default_rng(2).uniform(0.5, 2, (5, 1))
    if pos_weight:
        kwargs["pos_weight"] = np.array([0.5, 1.0, 3.0])
    check(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, x, t, **kwargs)


def test_bce_with_logits_extreme_logits_are_finite():
    x = mt.tensor([1e4, -1e4, 800.0, -800.0], requires_grad=True)
    t = mt.tensor([0.0, 1.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [1e4, 1e4, 0.0, 0.0], atol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0, 0.0, 0.0], atol=1e-12)


# --------------------------------------------------------------- bad input


def test_cross_entropy_target_out_of_range_names_value_and_classes():
    with pytest.raises(IndexError, match=r"target 5 is out of bounds for 3 classes"):
        F.cross_entropy(mt.zeros(2, 3), mt.tensor([0, 5]))
    with pytest.raises(IndexError, match=r"target -1 is out of bounds for 3 classes"):
        F.cross_entropy(mt.zeros(2, 3), mt.tensor([-1, 0]))


def test_cross_entropy_wrong_target_shape():
    with pytest.raises(ValueError, match=r"target shape \(2, 1\) does not fit input shape \(2, 3\).*\(2,\)"):
        F.cross_entropy(mt.zeros(2, 3), mt.tensor([[0], [1]]))
    with pytest.raises(ValueError, match=r"class probabilities and must have the input's shape \(2, 3\)"):
        F.cross_entropy(mt.zeros(2, 3), mt.zeros(2, 2))


def test_cross_entropy_weight_shape_and_smoothing_range():
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.cross_entropy(mt.zeros(2, 3), mt.tensor([0, 1]), weight=mt.ones(2))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(mt.zeros(2, 3), mt.tensor([0, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(mt.zeros(2, 3), mt.tensor([0, 1]), reduction="avg")


def test_regression_loss_shape_mismatch_is_an_error_not_a_broadcast():
    with pytest.raises(ValueError, match=r"target shape \(4,\) does not match input shape \(4, 1\)"):
        F.mse_loss(mt.zeros(4, 1), mt.zeros(4))


def test_binary_cross_entropy_rejects_values_outside_0_1():
    with pytest.raises(ValueError, match="between 0 and 1|in \\[0, 1\\]"):
        F.binary_cross_entropy(mt.tensor([0.5, 1.5]), mt.tensor([0.0, 1.0]))


def test_losses_reject_non_tensors():
    with pytest.raises(TypeError, match="must be a Tensor, not ndarray"):
        F.mse_loss(mt.zeros(2), np.zeros(2))
