"""Every nn layer against torch.nn with copied weights, in float64: outputs and gradients.

Our layer's state_dict is loaded into the torch layer (so the key names must
match PyTorch's too); both run the same input; then the same upstream
gradient goes backward and the input's and every parameter's gradients are
compared. float64 throughout: agreement to ~1e-12 is expected (a few
roundings apart), so rtol=1e-9 / atol=1e-11 leaves margin without hiding bugs.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.vector as mt
from mytorch import nn

torch = pytest.importorskip("torch")
tnn = torch.nn

RTOL, ATOL = 1e-9, 1e-11
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")


def _close(ours, theirs, what):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    ours = np.asarray(ours.detach().numpy() if hasattr(ours, "numpy") else ours)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != torch {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL, err_msg=what)


def _copy_weights(ours, theirs):
    state = {k: torch.from_numpy(np.array(v.detach().numpy())) for k, v in ours.state_dict().items()}
    assert list(state) == list(theirs.state_dict()), "state_dict keys differ from PyTorch's"
    theirs.load_state_dict(state)


def run_both(ours, theirs, x, seed=0, train=True, grad_input=True):
    """Forward and backward through both; compare outputs, input grads, parameter grads, buffers."""
    ours.double()
    theirs.double()
    _copy_weights(ours, theirs)
    ours.train(train)
    theirs.train(train)
    floating = np.issubdtype(x.dtype, np.floating)
    xm = mt.tensor(x, dtype=x.dtype, requires_grad=grad_input and floating)
    xt = torch.tensor(x, requires_grad=grad_input and floating)
    out, tout = ours(xm), theirs(xt)
    _close(out, tout, "forward")
    g = np.random.default_rng(seed + 1).standard_normal(tuple(out.shape))
    out.backward(mt.tensor(g, dtype=mt.float64))
    tout.backward(torch.tensor(g))
    if grad_input and floating:
        _close(xm.grad, xt.grad, "input grad")
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, tparams[name].grad, f"grad of {name}")
    tbuffers = dict(theirs.named_buffers())
    for name, b in ours.named_buffers():
        _close(b, tbuffers[name], f"buffer {name}")
    return out


def _x(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


# --------------------------------------------------------------- Linear


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 5), (5,)])
def test_linear(bias, shape):
    mt.manual_seed(0)
    run_both(nn.Linear(5, 3, bias=bias), tnn.Linear(5, 3, bias=bias), _x(*shape))


# --------------------------------------------------------------- convolution

CONV2D_CASES = [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=3, out_channels=4, kernel_size=3, stride=2),
    dict(in_channels=3, out_channels=4, kernel_size=(3, 2), stride=(2, 1), padding=(1, 2)),
    dict(in_channels=3, out_channels=2, kernel_size=3, padding=2, dilation=2),
    dict(in_channels=4, out_channels=6, kernel_size=3, groups=2, padding=1),
    dict(in_channels=4, out_channels=4, kernel_size=3, groups=4, stride=2, bias=False),
    dict(in_channels=3, out_channels=4, kernel_size=(2, 3), padding="same"),
    dict(in_channels=3, out_channels=4, kernel_size=4, padding="same", dilation=(1, 2)),
    dict(in_channels=3, out_channels=4, kernel_size=3, padding="valid", stride=(1, 3)),
    dict(in_channels=3, out_channels=4, kernel_size=3, padding=1, padding_mode="reflect"),
    dict(in_channels=3, out_channels=4, kernel_size=3, padding=(2, 1), padding_mode="replicate"),
    dict(in_channels=3, out_channels=4, kernel_size=3, padding=1, padding_mode="circular", stride=2),
    dict(in_channels=2, out_channels=2, kernel_size=5, padding="same", padding_mode="reflect"),
]


@pytest.mark.parametrize("kwargs", CONV2D_CASES, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()))
@pytest.mark.parametrize("size", [(7, 9), (8, 5)])
def test_conv2d(kwargs, size):
    mt.manual_seed(1)
    x = _x(2, kwargs["in_channels"], *size)
    run_both(nn.Conv2d(**kwargs), tnn.Conv2d(**kwargs), x)


def test_conv2d_unbatched_input():
    mt.manual_seed(2)
    run_both(nn.Conv2d(2, 3, 3, padding=1), tnn.Conv2d(2, 3, 3, padding=1), _x(2, 6, 5))


CONV1D_CASES = [
    dict(in_channels=2, out_channels=3, kernel_size=3),
    dict(in_channels=2, out_channels=3, kernel_size=4, stride=3, padding=2),
    dict(in_channels=4, out_channels=2, kernel_size=3, dilation=2, groups=2, bias=False),
    dict(in_channels=2, out_channels=3, kernel_size=4, padding="same"),
    dict(in_channels=2, out_channels=3, kernel_size=3, padding=2, padding_mode="circular"),
]


@pytest.mark.parametrize("kwargs", CONV1D_CASES, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()))
def test_conv1d(kwargs):
    mt.manual_seed(3)
    run_both(nn.Conv1d(**kwargs), tnn.Conv1d(**kwargs), _x(3, kwargs["in_channels"], 11))


# --------------------------------------------------------------- pooling


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=(2, 3), stride=(1, 2)),
        dict(kernel_size=3, stride=2, ceil_mode=True),
        dict(kernel_size=2, dilation=2, padding=1),
    ],
)
def test_max_pool2d(kwargs):
    run_both(nn.MaxPool2d(**kwargs), tnn.MaxPool2d(**kwargs), _x(2, 3, 7, 8))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
        dict(kernel_size=(3, 2), stride=2, padding=1, ceil_mode=True),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        dict(kernel_size=2, divisor_override=3),
    ],
)
def test_avg_pool2d(kwargs):
    run_both(nn.AvgPool2d(**kwargs), tnn.AvgPool2d(**kwargs), _x(2, 3, 7, 8))


# --------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    "kwargs",
    [dict(), dict(momentum=0.3, eps=1e-3), dict(affine=False), dict(momentum=None), dict(bias=False)],
    ids=str,
)
@pytest.mark.parametrize("shape", [(6, 4), (5, 4, 3)])
def test_batchnorm1d_train_then_eval(kwargs, shape):
    ours, theirs = nn.BatchNorm1d(4, **kwargs), tnn.BatchNorm1d(4, **kwargs)
    for step in range(3):  # running statistics accumulate over several batches
        x = _x(*shape, seed=step, scale=2.0) + step
        ours_state = {k: v.detach().numpy().copy() for k, v in ours.state_dict().items()}
        run_both(ours, theirs, x, seed=step, train=True)
        # run_both copies our (pre-step) state into torch first, so compare the update itself
        assert ours.num_batches_tracked.item() == ours_state["num_batches_tracked"] + 1
    run_both(ours, theirs, _x(*shape, seed=9), train=False)


@pytest.mark.parametrize("kwargs", [dict(), dict(momentum=0.5), dict(track_running_stats=False)], ids=str)
def test_batchnorm2d_train_and_eval(kwargs):
    ours, theirs = nn.BatchNorm2d(3, **kwargs), tnn.BatchNorm2d(3, **kwargs)
    for step in range(2):
        run_both(ours, theirs, _x(4, 3, 5, 6, seed=step, scale=3.0) - 1, seed=step, train=True)
    run_both(ours, theirs, _x(2, 3, 5, 6, seed=7), train=False)


def test_batchnorm2d_running_stats_use_unbiased_variance():
    bn = nn.BatchNorm2d(2, momentum=1.0).double()
    x = _x(3, 2, 2, 2, seed=4)
    bn(mt.tensor(x))
    np.testing.assert_allclose(bn.running_var.detach().numpy(), x.var(axis=(0, 2, 3), ddof=1), rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean.detach().numpy(), x.mean(axis=(0, 2, 3)), rtol=1e-12)


@pytest.mark.parametrize(
    "shape,kwargs",
    [
        ((3, 5), dict(normalized_shape=5)),
        ((2, 3, 4), dict(normalized_shape=(3, 4))),
        ((4, 6), dict(normalized_shape=6, elementwise_affine=False)),
        ((4, 6), dict(normalized_shape=6, bias=False)),
        ((2, 2, 5), dict(normalized_shape=[5], eps=1e-2)),
    ],
    ids=str,
)
def test_layernorm(shape, kwargs):
    ours, theirs = nn.LayerNorm(**kwargs), tnn.LayerNorm(**kwargs)
    with torch.no_grad():  # non-trivial affine parameters
        for p in theirs.parameters():
            p.uniform_(0.5, 1.5)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    run_both(ours, theirs, _x(*shape, scale=2.0) + 1)


# --------------------------------------------------------------- embedding, dropout, flatten, identity


@pytest.mark.parametrize("padding_idx", [None, 0, -1])
def test_embedding(padding_idx):
    mt.manual_seed(5)
    index = np.array([[0, 3, 3], [9, 0, 1]])  # repeated indices accumulate gradient
    run_both(
        nn.Embedding(10, 4, padding_idx=padding_idx), tnn.Embedding(10, 4, padding_idx=padding_idx), index
    )


def test_embedding_from_pretrained_is_frozen():
    w = _x(4, 2)
    ours = nn.Embedding.from_pretrained(mt.tensor(w))
    theirs = tnn.Embedding.from_pretrained(torch.tensor(w))
    assert not ours.weight.requires_grad and not theirs.weight.requires_grad
    _close(ours(mt.tensor([3, 1])), theirs(torch.tensor([3, 1])), "lookup")


def test_dropout_train_masks_and_scales_eval_is_identity():
    mt.manual_seed(6)
    drop = nn.Dropout(p=0.25)
    x = mt.tensor(_x(200, 50) + 10.0, dtype=mt.float64, requires_grad=True)
    out = drop(x)
    ratio = out.detach().numpy() / x.detach().numpy()
    kept = ratio != 0
    np.testing.assert_allclose(ratio[kept], 1 / 0.75, rtol=1e-12)
    assert abs(kept.mean() - 0.75) < 0.01  # 10000 draws: std of the kept fraction is ~0.004
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), ratio)
    drop.eval()
    assert drop(x) is x


@pytest.mark.parametrize("kwargs", [dict(), dict(start_dim=0), dict(start_dim=2, end_dim=3)], ids=str)
def test_flatten(kwargs):
    run_both(nn.Flatten(**kwargs), tnn.Flatten(**kwargs), _x(2, 3, 4, 5))


def test_unflatten_and_identity():
    run_both(nn.Unflatten(1, (2, 3)), tnn.Unflatten(1, (2, 3)), _x(4, 6))
    run_both(nn.Identity(5, foo=1), tnn.Identity(5, foo=1), _x(4, 6))


# --------------------------------------------------------------- activations


ACTIVATIONS = [
    ("ReLU", {}),
    ("LeakyReLU", {}),
    ("LeakyReLU", {"negative_slope": 0.2}),
    ("Sigmoid", {}),
    ("Tanh", {}),
    ("SiLU", {}),
    ("GELU", {}),
    ("GELU", {"approximate": "tanh"}),
    ("Softplus", {}),
    ("Softplus", {"beta": 2.0, "threshold": 5.0}),
    ("Softmax", {"dim": 1}),
    ("Softmax", {"dim": -1}),
    ("LogSoftmax", {"dim": 1}),
    ("LogSoftmax", {"dim": 0}),
]


@pytest.mark.parametrize("name,kwargs", ACTIVATIONS, ids=lambda v: str(v))
def test_activation(name, kwargs):
    x = _x(4, 5, 3, scale=4.0)
    x[0, 0, 0] = 0.0  # exactly at the kink
    run_both(getattr(nn, name)(**kwargs), getattr(tnn, name)(**kwargs), x)


def test_softmax_implicit_dim_follows_pytorch_legacy_rule():
    for shape in [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 5)]:
        with pytest.warns(UserWarning):
            expected = tnn.Softmax()(torch.tensor(_x(*shape)))
        _close(nn.Softmax()(mt.tensor(_x(*shape))), expected, f"Softmax() of {shape}")


# --------------------------------------------------------------- losses


def _loss_pair(ours, theirs, x, target, target_float=True):
    xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    tm = mt.tensor(target, dtype=target.dtype)
    tt = torch.tensor(target)
    out, tout = ours(xm, tm), theirs(xt, tt)
    _close(out, tout, "loss")
    g = np.random.default_rng(3).standard_normal(tuple(out.shape))
    out.backward(mt.tensor(g))
    tout.backward(torch.tensor(g))
    _close(xm.grad, xt.grad, "input grad")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_modules(reduction):
    x, y = _x(4, 3), _x(4, 3, seed=1)
    _loss_pair(nn.MSELoss(reduction=reduction), tnn.MSELoss(reduction=reduction), x, y)
    _loss_pair(nn.L1Loss(reduction=reduction), tnn.L1Loss(reduction=reduction), x, y)
    classes = np.array([0, 2, 1, 2])
    w = np.array([0.2, 1.0, 3.0])
    _loss_pair(
        nn.CrossEntropyLoss(weight=mt.tensor(w), reduction=reduction, label_smoothing=0.1, ignore_index=1),
        tnn.CrossEntropyLoss(
            weight=torch.tensor(w), reduction=reduction, label_smoothing=0.1, ignore_index=1
        ),
        x,
        classes,
    )
    logp = np.log(np.random.default_rng(2).dirichlet(np.ones(3), size=4))
    _loss_pair(
        nn.NLLLoss(weight=mt.tensor(w), reduction=reduction),
        tnn.NLLLoss(weight=torch.tensor(w), reduction=reduction),
        logp,
        classes,
    )
    p = np.random.default_rng(4).uniform(0.05, 0.95, (4, 3))
    t = np.random.default_rng(5).uniform(0, 1, (4, 3))
    _loss_pair(
        nn.BCELoss(weight=mt.tensor(w), reduction=reduction),
        tnn.BCELoss(weight=torch.tensor(w), reduction=reduction),
        p,
        t,
    )
    _loss_pair(
        nn.BCEWithLogitsLoss(pos_weight=mt.tensor(w), reduction=reduction),
        tnn.BCEWithLogitsLoss(pos_weight=torch.tensor(w), reduction=reduction),
        x * 3,
        t,
    )


def test_cross_entropy_loss_weight_is_a_buffer_like_pytorch():
    w = np.array([1.0, 2.0])
    ours, theirs = nn.CrossEntropyLoss(weight=mt.tensor(w)), tnn.CrossEntropyLoss(weight=torch.tensor(w))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]


# --------------------------------------------------------------- whole models


def test_sequential_cnn_matches_torch_end_to_end():
    mt.manual_seed(7)
    ours = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, stride=2, groups=2),
        nn.GELU(),
        nn.AvgPool2d(2, padding=1),
        nn.Flatten(),
        nn.Linear(24, 10),
        nn.LogSoftmax(dim=1),
    )
    theirs = tnn.Sequential(
        tnn.Conv2d(1, 4, 3, padding=1),
        tnn.BatchNorm2d(4),
        tnn.ReLU(),
        tnn.MaxPool2d(2),
        tnn.Conv2d(4, 6, 3, stride=2, groups=2),
        tnn.GELU(),
        tnn.AvgPool2d(2, padding=1),
        tnn.Flatten(),
        tnn.Linear(24, 10),
        tnn.LogSoftmax(dim=1),
    )
    run_both(ours, theirs, _x(3, 1, 12, 12))
    run_both(ours, theirs, _x(3, 1, 12, 12, seed=1), train=False)
