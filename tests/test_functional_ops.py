"""nn.functional ops against torch.nn.functional (float64: forward and gradients), plus their own rules.

Tolerances: float64 results a few roundings apart agree to ~1e-13 relative;
rtol=1e-9 / atol=1e-11 leaves margin without hiding a wrong formula.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch.nn.functional as F
import mytorch.vector as mt

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RTOL, ATOL = 1e-9, 1e-11
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")


def _x(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def compare(ours_fn, torch_fn, *arrays, grad=None, seed=0):
    """Run both on float64 copies of ``arrays``; compare outputs and the gradient of every input."""
    grad = [True] * len(arrays) if grad is None else grad
    ms = [mt.tensor(a, dtype=a.dtype, requires_grad=g) for a, g in zip(arrays, grad)]
    ts = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grad)]
    out, tout = ours_fn(*ms), torch_fn(*ts)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=RTOL, atol=ATOL,
                               err_msg="forward")
    assert tuple(out.shape) == tuple(tout.shape)
    g = np.random.default_rng(seed + 100).standard_normal(tuple(out.shape))
    out.backward(mt.tensor(g))
    tout.backward(torch.tensor(g))
    for i, (m, t) in enumerate(zip(ms, ts)):
        if grad[i]:
            np.testing.assert_allclose(
                m.grad.numpy(), t.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=f"grad {i}"
            )
    return out


# --------------------------------------------------------------- activations and erf


def test_erf_matches_math_erf_to_float64_precision_with_exact_gradient():
    xs = np.concatenate([np.linspace(-7, 7, 2801), [0.46875, -0.46875, 4.0, -4.0, 0.0, 1e-300, 30.0, -30.0]])
    x = mt.tensor(xs, dtype=mt.float64, requires_grad=True)
    y = F.erf(x)
    y.sum().backward()
    ref = np.array([math.erf(v) for v in xs])
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=0, atol=5e-16)  # within ~2 ulp of 1
    dref = 2 / math.sqrt(math.pi) * np.exp(-(xs**2))
    np.testing.assert_allclose(x.grad.numpy(), dref, rtol=1e-13, atol=1e-300)


def test_erf_keeps_float32():
    y = F.erf(mt.tensor([0.3, -2.0, 5.0], dtype=mt.float32))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.detach().numpy(), [math.erf(v) for v in (0.3, -2.0, 5.0)], rtol=1e-6)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("relu", {}),
        ("leaky_relu", {"negative_slope": 0.1}),
        ("sigmoid", {}),
        ("tanh", {}),
        ("silu", {}),
        ("gelu", {}),
        ("gelu", {"approximate": "tanh"}),
        ("softplus", {"beta": 0.5, "threshold": 3.0}),
        ("softmax", {"dim": 0}),
        ("log_softmax", {"dim": -1}),
    ],
    ids=str,
)
def test_activation_functions(name, kwargs):
    x = _x(6, 7, scale=6.0)
    x[0, :3] = 0.0
    compare(lambda t: getattr(F, name)(t, **kwargs), lambda t: getattr(TF, name)(t, **kwargs), x)


def test_softmax_dtype_argument_casts_first():
    x = _x(3, 4).astype(np.float32)
    out = F.softmax(mt.tensor(x), dim=1, dtype=mt.float64)
    assert out.dtype == np.float64
    np.testing.assert_allclose(
        out.detach().numpy(), TF.softmax(torch.tensor(x), 1, dtype=torch.float64).detach().numpy(), rtol=1e-12
    )


def test_relu_inplace_writes_into_its_input():
    x = mt.tensor([-1.0, 2.0, -3.0])
    out = F.relu(x, inplace=True)
    assert out is x and x.tolist() == [0.0, 2.0, 0.0]


@pytest.mark.parametrize("how", ["relu_", "F.relu(inplace=True)", "nn.ReLU(inplace=True)"])
def test_inplace_relu_backpropagates_as_torch(how):
    """The in-place forms overwrite their input with the output: backward must not need the input."""
    apply = {
        "relu_": lambda h: h.relu_(),
        "F.relu(inplace=True)": lambda h: (F if isinstance(h, mt.Tensor) else TF).relu(h, inplace=True),
        "nn.ReLU(inplace=True)": lambda h: (mt.nn if isinstance(h, mt.Tensor) else torch.nn).ReLU(True)(h),
    }[how]
    x, w = _x(4, 3, seed=1), _x(3, 5, seed=2)
    ours = [mt.tensor(a, requires_grad=True) for a in (x, w)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w)]
    for (a, b), lib in ((ours, mt), (theirs, torch)):
        out = apply(a @ b)
        (out * lib.tensor(_x(4, 5, seed=3))).sum().backward()
    for m, t in zip(ours, theirs):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(
    "shapes", [((4, 5), (3, 5), (3,)), ((2, 3, 5), (3, 5), None), ((5,), (3, 5), (3,))], ids=str
)
def test_linear(shapes):
    arrays = [_x(*s, seed=i) for i, s in enumerate(shapes) if s is not None]
    compare(F.linear, TF.linear, *arrays)


# --------------------------------------------------------------- convolution


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(stride=2, padding=1),
        dict(stride=(1, 3), padding=(0, 2), dilation=(2, 1)),
        dict(groups=3, padding="same"),
        dict(padding="same", dilation=2),
        dict(padding="valid", stride=(2, 2)),
        dict(groups=3, stride=2, dilation=(1, 2), padding=(2, 0)),
    ],
    ids=str,
)
@pytest.mark.parametrize("size", [(5, 5), (9, 6), (6, 11)])
def test_conv2d_functional(kwargs, size):
    groups = kwargs.get("groups", 1)
    compare(
        lambda x, w, b: F.conv2d(x, w, b, **kwargs),
        lambda x, w, b: TF.conv2d(x, w, b, **kwargs),
        _x(2, 6, *size),
        _x(9, 6 // groups, 3, 2, seed=1),
        _x(9, seed=2),
    )


def test_conv2d_without_bias_and_unbatched():
    compare(
        lambda x, w: F.conv2d(x, w, stride=2),
        lambda x, w: TF.conv2d(x, w, stride=2),
        _x(3, 8, 7),
        _x(4, 3, 2, 3, seed=1),
    )


@pytest.mark.parametrize(
    "kwargs", [dict(), dict(stride=2, padding=3, dilation=2), dict(groups=2, padding="same")], ids=str
)
def test_conv1d_functional(kwargs):
    groups = kwargs.get("groups", 1)
    compare(
        lambda x, w, b: F.conv1d(x, w, b, **kwargs),
        lambda x, w, b: TF.conv1d(x, w, b, **kwargs),
        _x(2, 4, 13),
        _x(6, 4 // groups, 4, seed=1),
        _x(6, seed=2),
    )


def test_conv2d_composite_is_importable_and_matches_torch():
    compare(
        lambda x, w, b: F._conv2d_composite(x, w, b, 2, 1, 1, 1),
        lambda x, w, b: TF.conv2d(x, w, b, 2, 1, 1, 1),
        _x(1, 2, 6, 6),
        _x(3, 2, 3, 3, seed=1),
        _x(3, seed=2),
    )


# --------------------------------------------------------------- pooling


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=1, padding=1),
        dict(kernel_size=(3, 2), stride=(2, 1)),
        dict(kernel_size=3, stride=2, ceil_mode=True, padding=1),
        dict(kernel_size=2, stride=3, ceil_mode=True),
        dict(kernel_size=3, dilation=2, padding=1),
    ],
    ids=str,
)
def test_max_pool2d_values_indices_and_gradient(kwargs):
    x = _x(2, 3, 9, 10)
    compare(lambda t: F.max_pool2d(t, **kwargs), lambda t: TF.max_pool2d(t, **kwargs), x)
    _, idx = F.max_pool2d(mt.tensor(x), return_indices=True, **kwargs)
    _, tidx = TF.max_pool2d(torch.tensor(x), return_indices=True, **kwargs)
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(idx.detach().numpy(), tidx.detach().numpy())


def test_pooling_unbatched_input():
    x = _x(3, 6, 6)
    compare(lambda t: F.max_pool2d(t, 2), lambda t: TF.max_pool2d(t, 2), x)
    compare(lambda t: F.avg_pool2d(t, 3, 1, 1), lambda t: TF.avg_pool2d(t, 3, 1, 1), x)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=3, padding=1, count_include_pad=False),
        dict(kernel_size=(2, 3), stride=2, ceil_mode=True, padding=(1, 1)),
        dict(kernel_size=3, stride=2, ceil_mode=True, count_include_pad=False, padding=1),
        dict(kernel_size=2, stride=1, divisor_override=5),
    ],
    ids=str,
)
def test_avg_pool2d(kwargs):
    compare(lambda t: F.avg_pool2d(t, **kwargs), lambda t: TF.avg_pool2d(t, **kwargs), _x(2, 3, 9, 8))


# --------------------------------------------------------------- pad


@pytest.mark.parametrize(
    "pad,mode,value",
    [
        ((1, 2), "constant", None),
        ((1, 0, 2, 3), "constant", -1.5),
        ((-1, 2, 0, -2), "constant", 0.5),
        ((2, 1, 1, 2), "reflect", None),
        ((3, 0, 1, 2), "replicate", None),
        ((2, 3, 4, 1), "circular", None),
        ((1, 1, 1, 1, 1, 1), "constant", 2.0),
    ],
    ids=str,
)
def test_pad(pad, mode, value):
    compare(
        lambda t: F.pad(t, pad, mode=mode, value=value),
        lambda t: TF.pad(t, pad, mode=mode, value=value),
        _x(2, 3, 5, 6),
    )


def test_pad_errors_name_the_problem():
    x = mt.zeros(1, 1, 3, 3)
    with pytest.raises(ValueError, match="at most 2"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="even-length"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="mode must be"):
        F.pad(x, (1, 1), mode="mirror")


# --------------------------------------------------------------- normalisation, embedding, dropout


def test_batch_norm_functional_training_updates_running_stats_like_torch():
    x = _x(5, 3, 4, scale=2.0) + 1
    rm, rv = _x(3, seed=1), np.abs(_x(3, seed=2)) + 0.5
    ours_rm, ours_rv = mt.tensor(rm), mt.tensor(rv)
    t_rm, t_rv = torch.tensor(rm), torch.tensor(rv)
    compare(
        lambda t, w, b: F.batch_norm(t, ours_rm, ours_rv, w, b, True, 0.2, 1e-3),
        lambda t, w, b: TF.batch_norm(t, t_rm, t_rv, w, b, True, 0.2, 1e-3),
        x,
        _x(3, seed=3),
        _x(3, seed=4),
    )
    np.testing.assert_allclose(ours_rm.detach().numpy(), t_rm.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours_rv.detach().numpy(), t_rv.detach().numpy(), rtol=1e-12)
    compare(lambda t: F.batch_norm(t, ours_rm, ours_rv), lambda t: TF.batch_norm(t, t_rm, t_rv), x)
    compare(
        lambda t: F.batch_norm(t, None, None, training=True),
        lambda t: TF.batch_norm(t, None, None, training=True),
        x,
    )


def test_batch_norm_needs_more_than_one_value_per_channel_in_training():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(mt.zeros(1, 3), None, None, training=True)


def test_layer_norm_functional():
    compare(
        lambda t, w, b: F.layer_norm(t, (3, 4), w, b, 1e-6),
        lambda t, w, b: TF.layer_norm(t, (3, 4), w, b, 1e-6),
        _x(2, 3, 4),
        _x(3, 4, seed=1),
        _x(3, 4, seed=2),
    )


def test_embedding_functional_with_padding_and_max_norm():
    w = _x(6, 3, scale=2.0)
    index = np.array([[1, 5, 1], [0, 2, 5]])
    compare(
        lambda t: F.embedding(mt.tensor(index), t, padding_idx=5),
        lambda t: TF.embedding(torch.tensor(index), t, padding_idx=5),
        w,
    )
    ours, theirs = mt.tensor(w), torch.tensor(w)
    out = F.embedding(mt.tensor(index), ours, max_norm=1.0)
    tout = TF.embedding(torch.tensor(index), theirs, max_norm=1.0)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                               rtol=1e-12)  # renormalised in place, both


def test_embedding_index_out_of_range():
    with pytest.raises(IndexError, match="index 7 is out of range for 4 embeddings"):
        F.embedding(mt.tensor([1, 7]), mt.zeros(4, 2))


def test_one_hot():
    t = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(F.one_hot(mt.tensor(t)).numpy(), TF.one_hot(torch.tensor(t)).numpy())
    np.testing.assert_array_equal(F.one_hot(mt.tensor(t), 6).numpy(), TF.one_hot(torch.tensor(t), 6).numpy())


def test_dropout_same_seed_same_mask_and_probability_edges():
    x = mt.ones(50, 40)
    mt.manual_seed(3)
    a = F.dropout(x, 0.3)
    mt.manual_seed(3)
    b = F.dropout(x, 0.3)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert set(np.unique(a.detach().numpy())) <= {0.0, np.float32(1 / 0.7)}
    assert F.dropout(x, 0.0) is x and F.dropout(x, 0.7, training=False) is x
    assert not F.dropout(x, 1.0).detach().numpy().any()
    with pytest.raises(ValueError, match="probability"):
        F.dropout(x, 1.5)


# --------------------------------------------------------------- fast paths


def test_composite_only_switch():
    assert F.fast_paths_enabled()
    with F.composite_only():
        assert not F.fast_paths_enabled()
    assert F.fast_paths_enabled()


def _fused():
    fused = getattr(mt, "fused", None)
    if fused is None:
        pytest.skip("mytorch.vector.fused (the fast paths) is not present yet")
    return fused


_IMG = [(2, 2, 7, 7), (3, 2, 3, 3), (3,)]
FAST_CASES = [
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), _IMG),
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=2), _IMG),
    ("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [(2, 2, 9), (3, 2, 3), (3,)]),
    ("max_pool2d", lambda x: F.max_pool2d(x, 3, 2, 1), [(2, 2, 7, 7)]),
    (
        "avg_pool2d",
        lambda x: F.avg_pool2d(x, 2, ceil_mode=True, count_include_pad=False, padding=1),
        [(2, 2, 7, 7)],
    ),
    ("linear", F.linear, [(4, 5), (3, 5), (3,)]),
    (
        "cross_entropy",
        lambda x, w: F.cross_entropy(
            x, mt.tensor([0, 2, 1, 2]), weight=w.detach().abs(), label_smoothing=0.1
        ),
        [(4, 3), (3,)],
    ),
]


@pytest.mark.parametrize("name,call,shapes", FAST_CASES, ids=[c[0] for c in FAST_CASES])
def test_fast_path_agrees_with_composite(name, call, shapes):
    """Fused kernels (when the engine has them) give the composite's values and gradients."""
    if getattr(_fused(), name, None) is None:
        pytest.skip(f"mytorch.vector.fused has no {name}")
    arrays = [_x(*shape, seed=i) for i, shape in enumerate(shapes)]
    results = []
    for composite in (False, True):
        ts = [mt.tensor(a, requires_grad=True) for a in arrays]
        if composite:
            with F.composite_only():
                out = call(*ts)
        else:
            out = call(*ts)
        out.backward(mt.tensor(np.random.default_rng(5).standard_normal(tuple(out.shape))))
        results.append([out.detach().numpy()] + [t.grad.numpy() if t.grad is not None else None for t in ts])
    for fast, slow in zip(*results):
        if slow is not None:
            np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-12)
