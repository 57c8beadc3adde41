"""The vector engine's fused fast paths agree with the composite path they replace, and with PyTorch.

Every case runs three ways on the same float64 data: ``nn.functional`` with
its fused kernel (``mytorch.vector.fused``), the same call inside
``composite_only()`` (Tensor ops only), and ``torch.nn.functional`` when
installed. Outputs and the gradients of every input must agree to float64
round-off (rtol 1e-10: the paths sum the same terms in different orders).
Each case also asserts that the fused node really ran, so a silent fallback
cannot make a test pass.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.nn.functional as F
import mytorch.vector as mt
from mytorch.vector import fused

RTOL, ATOL = 1e-10, 1e-12


def _rand(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def _run(fn, arrays, seed=0, constants=0):
    """``fn(*tensors)`` and the gradients of a random projection of its output w.r.t. every input.

    Floating arrays require grad, except the last ``constants`` ones.
    """
    n = len(arrays) - constants
    tensors = [mt.tensor(a, requires_grad=i < n and np.issubdtype(a.dtype, np.floating))
               for i, a in enumerate(arrays)]
    out = fn(*tensors)
    values = out[0] if isinstance(out, tuple) else out
    g = _rand(*values.shape, seed=seed + 99)
    values.backward(mt.tensor(g))
    grads = [None if t.grad is None else t.grad.numpy().copy() for t in tensors]
    return out, values.detach().numpy().copy(), grads


# The fused kernels' node classes, by the name the tests give the kernel (the composites record
# nodes of the same PyTorch names, so the class tells which path ran).
FUSED_NODES = {"AddmmBackward": {"LinearNode"}, "ConvolutionBackward": {"Conv2dNode"},
               "MaxPool2DBackward": {"MaxPool2dNode"}, "AvgPool2DBackward": {"AvgPool2dNode"},
               "CrossEntropyLossBackward": {"CrossEntropyNode", "NllLossNode"},
               "GeluBackward": {"GeluNode"}, "NativeLayerNormBackward": {"LayerNormNode"},
               "ScaledDotProductAttentionBackward": {"AttentionNode"}}


def _records(out, name):
    """Whether the graph behind ``out`` (a Tensor or a tuple starting with one) has fused node ``name``."""
    stack = [(out[0] if isinstance(out, tuple) else out).grad_fn]
    seen = set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or isinstance(node, mt.Tensor):
            continue
        seen.add(id(node))
        if type(node).__name__ in FUSED_NODES[name]:
            return True
        stack.extend(node.next)
    return False


def _compare(fn, arrays, node_name, torch_fn=None, seed=0, constants=0):
    """Fused vs composite (vs torch): output and gradients; the fused run must record ``node_name``."""
    out, value, grads = _run(fn, arrays, seed, constants)
    assert _records(out, node_name), "fused path not taken"
    with F.composite_only():
        cout, cvalue, cgrads = _run(fn, arrays, seed, constants)
    assert not _records(cout, node_name)
    assert value.shape == cvalue.shape and value.dtype == cvalue.dtype
    np.testing.assert_allclose(value, cvalue, rtol=RTOL, atol=ATOL, err_msg="output vs composite")
    for i, (a, b) in enumerate(zip(grads, cgrads)):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=f"grad {i} vs composite")
    if torch_fn is not None:
        torch = pytest.importorskip("torch")
        n = len(arrays) - constants
        ts = [torch.tensor(a, requires_grad=i < n and np.issubdtype(a.dtype, np.floating))
              for i, a in enumerate(arrays)]
        tout = torch_fn(*ts)
        tvalues = tout[0] if isinstance(tout, tuple) else tout
        np.testing.assert_allclose(value, tvalues.detach().numpy(), rtol=RTOL, atol=ATOL, err_msg="vs torch")
        tvalues.backward(torch.tensor(_rand(*value.shape, seed=seed + 99)))
        for i, (a, t) in enumerate(zip(grads, ts)):
            if t.grad is not None:
                np.testing.assert_allclose(a, t.grad.numpy(), rtol=RTOL, atol=ATOL,
                                           err_msg=f"grad {i} vs torch")
    return out


def _tf():
    torch = pytest.importorskip("torch")
    return torch.nn.functional


# --------------------------------------------------------------- linear


@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (3,), (1, 3)], ids=str)
@pytest.mark.parametrize("bias", ["vector", "none", "scalar"])
def test_linear_matches_composite_and_torch(x_shape, bias):
    arrays = [_rand(*x_shape), _rand(4, 3, seed=1)]
    if bias == "vector":
        arrays.append(_rand(4, seed=2))
    elif bias == "scalar":
        arrays.append(np.array(0.5))
    _compare(lambda *t: F.linear(*t), arrays, "AddmmBackward",
             torch_fn=lambda *t: _tf().linear(*t))


def test_linear_input_used_twice_accumulates_fresh_gradients():
    """The engine adds in place into a fused node's fresh gradient: nothing else may see it."""
    x = mt.tensor(_rand(3, 4), requires_grad=True)
    w1, w2 = mt.tensor(_rand(2, 4, seed=1)), mt.tensor(_rand(5, 4, seed=2))
    (F.linear(x, w1).sum() + F.linear(x, w2).sum()).backward()
    expected = np.broadcast_to(w1.detach().numpy().sum(0) + w2.detach().numpy().sum(0), (3, 4))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=RTOL)
    first = x.grad.numpy().copy()
    F.linear(x, w1).sum().backward()  # accumulates into the leaf's own array
    np.testing.assert_allclose(x.grad.numpy(), first + w1.detach().numpy().sum(0), rtol=RTOL)


# --------------------------------------------------------------- convolution

CONV2D_CASES = [
    # (x shape, w shape, stride, padding, dilation, groups, bias)
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 0, 1, 1, True),
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 1, 1, 1, False),
    ((1, 2, 9, 8), (3, 2, 3, 2), 2, 1, 1, 1, True),  # batch 1, non-square kernel, stride 2
    ((2, 2, 9, 8), (3, 2, 2, 3), (2, 1), (1, 2), 1, 1, True),
    ((2, 3, 10, 9), (2, 3, 3, 3), 1, 2, 2, 1, True),  # dilation
    ((2, 3, 10, 9), (2, 3, 3, 2), (1, 2), 0, (2, 1), 1, True),
    ((2, 4, 6, 7), (6, 2, 3, 3), 1, 1, 1, 2, True),  # groups
    ((2, 4, 6, 7), (4, 1, 3, 3), 2, 1, 1, 4, False),  # depthwise
    ((3, 2, 5, 5), (2, 2, 1, 1), 1, 0, 1, 1, True),  # 1x1
    ((2, 2, 6, 7), (3, 2, 3, 3), 1, "same", 1, 1, True),
    ((2, 2, 6, 7), (3, 2, 2, 4), 1, "same", 1, 1, True),  # even kernel: uneven 'same' padding
    ((2, 2, 8, 7), (3, 2, 3, 2), 1, "same", (2, 1), 1, True),
    ((2, 2, 6, 7), (3, 2, 3, 3), 2, "valid", 1, 1, True),
    ((1, 1, 3, 3), (1, 1, 3, 3), 1, 0, 1, 1, True),  # one output pixel
    ((2, 3, 5, 4), (2, 3, 5, 4), 3, 2, 1, 1, True),  # kernel as large as the input
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # torch's, not ours
@pytest.mark.parametrize("case", CONV2D_CASES, ids=lambda c: f"x{c[0]}w{c[1]}s{c[2]}p{c[3]}d{c[4]}g{c[5]}")
def test_conv2d_matches_composite_and_torch(case):
    x_shape, w_shape, stride, padding, dilation, groups, bias = case
    arrays = [_rand(*x_shape), _rand(*w_shape, seed=1)] + ([_rand(w_shape[0], seed=2)] if bias else [])

    def ours(x, w, b=None):
        return F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)

    def theirs(x, w, b=None):
        return _tf().conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)

    _compare(ours, arrays, "ConvolutionBackward", torch_fn=theirs)


CONV1D_CASES = [
    ((2, 3, 11), (4, 3, 3), 1, 0, 1, 1),
    ((1, 2, 10), (3, 2, 4), 2, 1, 1, 1),
    ((2, 4, 12), (4, 2, 3), 1, 2, 2, 2),
    ((2, 2, 9), (3, 2, 4), 1, "same", 1, 1),
]


@pytest.mark.parametrize("case", CONV1D_CASES, ids=str)
def test_conv1d_matches_composite_and_torch(case):
    x_shape, w_shape, stride, padding, dilation, groups = case
    arrays = [_rand(*x_shape), _rand(*w_shape, seed=1), _rand(w_shape[0], seed=2)]

    def ours(x, w, b):
        return F.conv1d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)

    def theirs(x, w, b):
        return _tf().conv1d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)

    _compare(ours, arrays, "ConvolutionBackward", torch_fn=theirs)


def test_conv2d_unbatched_input_uses_the_fused_kernel():
    x, w = _rand(2, 6, 5), _rand(3, 2, 3, 3, seed=1)
    out = _compare(lambda x, w: F.conv2d(x, w, padding=1), [x, w], "ConvolutionBackward",
                   torch_fn=lambda x, w: _tf().conv2d(x, w, padding=1))
    assert out.shape == (3, 6, 5)


def test_conv2d_gradient_of_input_only_and_of_weight_only():
    x, w = _rand(2, 2, 5, 5), _rand(3, 2, 3, 3, seed=1)
    xt = mt.tensor(x, requires_grad=True)
    F.conv2d(xt, mt.tensor(w), padding=1).sum().backward()
    wt = mt.tensor(w, requires_grad=True)
    F.conv2d(mt.tensor(x), wt, padding=1).sum().backward()
    with F.composite_only():
        xc, wc = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)
        F.conv2d(xc, wc, padding=1).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), xc.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(wt.grad.numpy(), wc.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_conv2d_retain_graph_backward_twice_doubles_the_gradients():
    x = mt.tensor(_rand(2, 2, 5, 5), requires_grad=True)
    w = mt.tensor(_rand(3, 2, 3, 3, seed=1), requires_grad=True)
    loss = (F.conv2d(x, w, padding=1) ** 2).sum()
    loss.backward(retain_graph=True)
    gx, gw = x.grad.numpy().copy(), w.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * gx, rtol=RTOL)
    np.testing.assert_allclose(w.grad.numpy(), 2 * gw, rtol=RTOL)
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_conv2d_weight_modified_in_place_after_forward_raises():
    x = mt.tensor(_rand(1, 1, 4, 4), requires_grad=True)
    w = mt.tensor(_rand(1, 1, 3, 3, seed=1), requires_grad=True)
    out = F.conv2d(x, w).sum()
    with mt.no_grad():
        w.mul_(2.0)
    with pytest.raises(RuntimeError, match="inplace"):
        out.backward()


def test_fused_conv_declines_what_it_does_not_handle():
    x32 = mt.tensor(_rand(1, 2, 5, 5), dtype=mt.float32)
    w64 = mt.tensor(_rand(3, 2, 3, 3))
    assert fused.conv2d(x32, w64) is NotImplemented  # mixed dtypes: the composite promotes
    assert fused.conv2d(x32.double(), w64, padding="same", stride=2) is NotImplemented
    assert fused.conv2d(x32.double(), w64, padding="full") is NotImplemented
    assert fused.conv2d(mt.tensor(np.ones((1, 2, 5, 5), np.int64)), w64.long()) is NotImplemented


# --------------------------------------------------------------- pooling

POOL_CASES = [
    ((2, 3, 8, 6), 2),
    ((1, 2, 7, 5), 2),  # odd sizes: the last row / column is dropped, as PyTorch floors
    ((2, 2, 9, 8), (3, 2)),  # non-square windows
    ((2, 2, 6, 9), (2, 3)),
    ((1, 1, 3, 3), 3),  # one window
    ((2, 2, 4, 4), 1),
]


@pytest.mark.parametrize("shape,kernel", POOL_CASES, ids=str)
def test_max_pool2d_matches_composite_and_torch(shape, kernel):
    _compare(lambda x: F.max_pool2d(x, kernel), [_rand(*shape)], "MaxPool2DBackward",
             torch_fn=lambda x: _tf().max_pool2d(x, kernel))


@pytest.mark.parametrize("shape,kernel", POOL_CASES, ids=str)
def test_avg_pool2d_matches_composite_and_torch(shape, kernel):
    _compare(lambda x: F.avg_pool2d(x, kernel), [_rand(*shape)], "AvgPool2DBackward",
             torch_fn=lambda x: _tf().avg_pool2d(x, kernel))


def test_avg_pool2d_divisor_override_and_ceil_mode_on_divisible_sizes():
    x = _rand(2, 2, 6, 4)
    _compare(lambda x: F.avg_pool2d(x, 2, divisor_override=3), [x], "AvgPool2DBackward",
             torch_fn=lambda x: _tf().avg_pool2d(x, 2, divisor_override=3))
    _compare(lambda x: F.max_pool2d(x, 2, ceil_mode=True), [x], "MaxPool2DBackward",
             torch_fn=lambda x: _tf().max_pool2d(x, 2, ceil_mode=True))


def test_max_pool2d_ties_send_the_gradient_to_the_first_maximum_only():
    """After a ReLU whole windows are 0: one element per window gets the gradient, the first."""
    x = np.maximum(_rand(2, 3, 6, 6), 0.0)
    x[0, 0, :2, :2] = 1.5  # a window of four equal maxima
    out = _compare(lambda x: F.max_pool2d(x, 2), [x], "MaxPool2DBackward",
                   torch_fn=lambda x: _tf().max_pool2d(x, 2))
    xt = mt.tensor(x, requires_grad=True)
    F.max_pool2d(xt, 2).sum().backward()
    windows = xt.grad.numpy().reshape(2, 3, 3, 2, 3, 2)
    assert (np.count_nonzero(windows, axis=(3, 5)) == 1).all()
    assert xt.grad.numpy()[0, 0, 0, 0] == 1.0 and xt.grad.numpy()[0, 0, :2, :2].sum() == 1.0
    assert out.shape == (2, 3, 3, 3)


def test_max_pool2d_return_indices_match_torch():
    torch = pytest.importorskip("torch")
    x = np.maximum(_rand(2, 2, 7, 6), 0.0)
    values, indices = F.max_pool2d(mt.tensor(x), (2, 3), return_indices=True)
    tvalues, tindices = torch.nn.functional.max_pool2d(torch.tensor(x), (2, 3), return_indices=True)
    np.testing.assert_array_equal(values.detach().numpy(), tvalues.detach().numpy())
    np.testing.assert_array_equal(indices.detach().numpy(), tindices.detach().numpy())
    assert indices.dtype == np.int64


def test_overlapping_or_padded_pooling_falls_back_to_the_composite():
    x = mt.tensor(_rand(1, 1, 6, 6), requires_grad=True)
    assert fused.max_pool2d(x, 3, stride=2) is NotImplemented
    assert fused.max_pool2d(x, 2, padding=1) is NotImplemented
    assert fused.max_pool2d(x, 2, dilation=2) is NotImplemented
    assert fused.avg_pool2d(x, 2, stride=1) is NotImplemented
    assert fused.avg_pool2d(mt.tensor(_rand(1, 1, 5, 5)), 2, ceil_mode=True) is NotImplemented
    out = F.max_pool2d(x, 3, stride=2)  # still correct, through the composite
    torch = pytest.importorskip("torch")
    expected = torch.nn.functional.max_pool2d(torch.tensor(x.detach().numpy()), 3, stride=2)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=RTOL)


# --------------------------------------------------------------- cross-entropy

CE_OPTIONS = [
    (reduction, weighted, ignore, smoothing)
    for reduction in ("mean", "sum", "none")
    for weighted in (False, True)
    for ignore in (-100, 1)
    for smoothing in (0.0, 0.3)
]


def _ce(reduction, weighted, ignore, smoothing, classes):
    kwargs = dict(reduction=reduction, ignore_index=ignore, label_smoothing=smoothing)
    weight = np.random.default_rng(5).uniform(0.2, 2.0, classes) if weighted else None
    return kwargs, weight


@pytest.mark.parametrize("options", CE_OPTIONS, ids=str)
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 3), (4,)], ids=str)
def test_cross_entropy_class_indices_every_option(options, shape):
    reduction, weighted, ignore, smoothing = options
    classes = shape[1] if len(shape) > 1 else shape[0]
    kwargs, weight = _ce(reduction, weighted, ignore, smoothing, classes)
    t_shape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    target = np.random.default_rng(3).integers(0, classes, t_shape)
    if target.ndim:
        target.flat[0] = 1  # the ignored class (when ignore_index=1) occurs
    arrays = [_rand(*shape, scale=2.0), target] + ([weight] if weighted else [])

    def ours(x, t, w=None):
        return F.cross_entropy(x, t, weight=w, **kwargs)

    def theirs(x, t, w=None):
        return _tf().cross_entropy(x, t, weight=w, **kwargs)

    _compare(ours, arrays, "CrossEntropyLossBackward", torch_fn=theirs, constants=int(weighted))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted,smoothing", [(False, 0.0), (True, 0.0), (False, 0.2), (True, 0.2)])
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4), (3,)], ids=str)
def test_cross_entropy_class_probabilities(reduction, weighted, smoothing, shape):
    classes = shape[1] if len(shape) > 1 else shape[0]
    kwargs, weight = _ce(reduction, weighted, -100, smoothing, classes)
    p = np.random.default_rng(4).uniform(0.0, 1.0, shape)
    p /= p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)
    x = mt.tensor(_rand(*shape), requires_grad=True)
    args = dict(kwargs, weight=None if weight is None else mt.tensor(weight))
    out = F.cross_entropy(x, mt.tensor(p), **args)
    assert type(out.grad_fn).__name__ == "CrossEntropyNode"  # the fused kernel
    g = _rand(*out.shape, seed=8)
    out.backward(mt.tensor(g))
    with F.composite_only():
        xc = mt.tensor(x.detach().numpy(), requires_grad=True)
        cout = F.cross_entropy(xc, mt.tensor(p), **args)
        cout.backward(mt.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), cout.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(x.grad.numpy(), xc.grad.numpy(), rtol=RTOL, atol=ATOL)
    torch = pytest.importorskip("torch")
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    targs = dict(kwargs, weight=None if weight is None else torch.tensor(weight))
    tout = torch.nn.functional.cross_entropy(xt, torch.tensor(p), **targs)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_cross_entropy_all_targets_ignored_gives_nan_loss_and_zero_gradient():
    x = mt.tensor(_rand(3, 4), requires_grad=True)
    loss = F.cross_entropy(x, mt.tensor([-100, -100, -100]))
    assert loss.grad_fn.name() == "NllLossBackward0" and np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((3, 4)))


def test_cross_entropy_declines_legacy_arguments_and_differentiable_targets():
    x = mt.tensor(_rand(3, 4), requires_grad=True)
    t = mt.tensor([0, 1, 2])
    assert fused.cross_entropy(x, t, size_average=False) is NotImplemented
    assert fused.cross_entropy(x, t, reduce=False) is NotImplemented
    p = mt.tensor(np.full((3, 4), 0.25), requires_grad=True)
    assert fused.cross_entropy(x, p) is NotImplemented
    assert fused.cross_entropy(x, mt.tensor(np.full((3, 4), 0.25), dtype=mt.float32)) is NotImplemented
    trainable = mt.ones(4, dtype=mt.float64, requires_grad=True)
    assert fused.cross_entropy(x, t, weight=trainable) is NotImplemented


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore_index", [-100, -1, 2, 7])
def test_cross_entropy_ignored_targets_mixed_with_counted_ones(ignore_index, reduction):
    # ignore_index below, inside and above the class range (torch accepts any), some targets equal to it
    target = np.array([0, ignore_index, 3, ignore_index, 1, 2])
    kwargs = dict(ignore_index=ignore_index, reduction=reduction)
    _compare(lambda x, t: F.cross_entropy(x, t, **kwargs), [_rand(6, 4), target], "CrossEntropyLossBackward",
             torch_fn=lambda x, t: _tf().cross_entropy(x, t, **kwargs))


# nn.functional offers linear and cross_entropy to the kernel BEFORE checking anything: the kernel
# must refuse (NotImplemented) every argument nn.functional rejects, so the user still gets the error.
_X, _W = mt.ones(2, 3, dtype=mt.float64), mt.ones(4, 3, dtype=mt.float64)
LINEAR_REJECTED = {
    "features differ": (_X, mt.ones(4, 5, dtype=mt.float64), None),
    "bias size": (_X, _W, mt.ones(5, dtype=mt.float64)),
    "bias not a tensor": (_X, _W, np.ones(4)),
    "input not a tensor": (np.ones((2, 3)), _W, None),
    "0-d input": (mt.ones((), dtype=mt.float64), _W, None),
    "3-d weight": (_X, mt.ones(2, 4, 3, dtype=mt.float64), None),
}


@pytest.mark.parametrize("case", LINEAR_REJECTED, ids=str)
def test_fused_linear_refuses_what_nn_functional_rejects(case):
    args = LINEAR_REJECTED[case]
    assert fused.linear(*args) is NotImplemented
    with pytest.raises((ValueError, TypeError), match="linear"):
        F.linear(*args)


_LOGITS = mt.tensor(_rand(3, 4), requires_grad=True)
CE_REJECTED = {
    "class index too large": (_LOGITS, mt.tensor([0, 4, 1]), {}, IndexError),
    "negative class index": (_LOGITS, mt.tensor([0, -1, 1]), {}, IndexError),
    "target shape": (_LOGITS, mt.tensor([0, 1]), {}, ValueError),
    "probabilities shape": (_LOGITS, mt.tensor(np.full((3, 3), 1 / 3)), {}, ValueError),
    "bool target": (_LOGITS, mt.tensor([True, False, True]), {}, TypeError),
    "weight size": (_LOGITS, mt.tensor([0, 1, 2]), {"weight": mt.ones(3, dtype=mt.float64)}, ValueError),
    "label_smoothing": (_LOGITS, mt.tensor([0, 1, 2]), {"label_smoothing": 1.5}, ValueError),
    "reduction": (_LOGITS, mt.tensor([0, 1, 2]), {"reduction": "avg"}, ValueError),
    "0-d input": (mt.tensor(1.0, dtype=mt.float64), mt.tensor(0), {}, ValueError),
    "target not a tensor": (_LOGITS, np.array([0, 1, 2]), {}, TypeError),
}


@pytest.mark.parametrize("case", CE_REJECTED, ids=str)
def test_fused_cross_entropy_refuses_what_nn_functional_rejects(case):
    x, t, kwargs, error = CE_REJECTED[case]
    assert fused.cross_entropy(x, t, **kwargs) is NotImplemented
    with pytest.raises(error, match="cross_entropy"):
        F.cross_entropy(x, t, **kwargs)


def test_cross_entropy_extreme_logits_stay_finite():
    x = mt.tensor(np.array([[1000.0, -1000.0, 0.0], [-1e4, 1e4, 3.0]]), requires_grad=True)
    loss = F.cross_entropy(x, mt.tensor([1, 1]))
    loss.backward()
    np.testing.assert_allclose(loss.item(), 1000.0, rtol=1e-12)  # (2000 + 0) / 2
    np.testing.assert_allclose(x.grad.numpy(), [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-12)


# --------------------------------------------------------------- double backward (create_graph)

DOUBLE_CASES = {
    "linear": (lambda x, w, b: F.linear(x, w, b), [(3, 4), (2, 4), (2,)]),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2)),
               [(2, 2, 6, 7), (3, 2, 3, 2), (3,)]),
    "conv2d_groups": (lambda x, w, b: F.conv2d(x, w, b, padding="same", groups=2),
                      [(1, 4, 5, 5), (2, 2, 3, 3), (2,)]),
    "conv1d": (lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [(2, 2, 9), (3, 2, 3), (3,)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), [(2, 2, 5, 6)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, (2, 3)), [(2, 2, 5, 7)]),
    "cross_entropy": (lambda x: F.cross_entropy(x, mt.tensor([0, 2, 1]), label_smoothing=0.1,
                                                weight=mt.tensor([1.0, 2.0, 0.5], dtype=mt.float64)),
                      [(3, 3)]),
    "cross_entropy_none": (lambda x: F.cross_entropy(x, mt.tensor([[0, 2], [1, 1]]), reduction="none"),
                           [(2, 3, 2)]),
}


def _second_order(fn, arrays):
    """Input and output-gradient grads of sum(first-order gradients squared) (create_graph)."""
    ts = [mt.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    g = mt.tensor(_rand(*out.shape, seed=11), requires_grad=True)  # the gradient is a function of g too
    firsts = mt.autograd.grad([out], ts, grad_outputs=[g], create_graph=True)
    total = sum((f * f).sum() for f in firsts)
    total.backward()
    return type(out.grad_fn).__name__, [None if t.grad is None else t.grad.numpy() for t in ts + [g]]


@pytest.mark.parametrize("name", sorted(DOUBLE_CASES))
def test_double_backward_through_fused_ops_matches_composite(name):
    fn, shapes = DOUBLE_CASES[name]
    arrays = [_rand(*s, seed=i) for i, s in enumerate(shapes)]
    node, grads = _second_order(fn, arrays)
    with F.composite_only():
        cnode, cgrads = _second_order(fn, arrays)
    assert node != cnode  # the first one went through the fused node
    assert any(a is not None for a in grads)
    for a, b in zip(grads, cgrads):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


# --------------------------------------------------------------- a whole model


def test_small_cnn_step_matches_composite_and_torch_float32():
    """conv-relu-pool-conv-relu-pool-flatten-linear-cross_entropy, float32: loss and every gradient."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 1, 12, 12)).astype(np.float32)
    t = rng.integers(0, 5, 4)
    params = [rng.standard_normal(s).astype(np.float32) * 0.3 for s in
              [(3, 1, 3, 3), (3,), (4, 3, 3, 3), (4,), (5, 36), (5,)]]

    def model(x, w1, b1, w2, b2, w3, b3, fn, tgt):
        h = fn.max_pool2d(fn.relu(fn.conv2d(x, w1, b1, padding=1)), 2)
        h = fn.max_pool2d(fn.relu(fn.conv2d(h, w2, b2, padding=1)), 2)
        return fn.cross_entropy(fn.linear(h.reshape(4, -1), w3, b3), tgt)

    def ours():
        ps = [mt.tensor(p, requires_grad=True) for p in params]
        loss = model(mt.tensor(x), *ps, F, mt.tensor(t))
        loss.backward()
        assert loss.dtype == np.float32 and all(p.grad.dtype == np.float32 for p in ps)
        return loss.item(), [p.grad.numpy() for p in ps]

    loss, grads = ours()
    with F.composite_only():
        closs, cgrads = ours()
    np.testing.assert_allclose(loss, closs, rtol=1e-5)
    for a, b in zip(grads, cgrads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    torch = pytest.importorskip("torch")
    tps = [torch.tensor(p, requires_grad=True) for p in params]
    tloss = model(torch.tensor(x), *tps, torch.nn.functional, torch.tensor(t))
    tloss.backward()
    np.testing.assert_allclose(loss, tloss.item(), rtol=1e-5)
    for a, p in zip(grads, tps):
        np.testing.assert_allclose(a, p.grad.numpy(), rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------- engine fast paths the fused ops rely on


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_relu_matches_torch_relu_on_special_values(dtype):
    """NaN stays NaN as in torch.relu; negatives, -inf and tiny negatives give 0; the rest pass."""
    special = np.array([np.nan, -np.inf, np.inf, 1.5, -2.5, 1e-30, -1e-30, 0.0, 3.0], dtype)
    a = np.concatenate([special, _rand(6000).astype(dtype)]).reshape(3, -1).T  # non-contiguous, large
    out = mt.tensor(a).relu().detach().numpy()
    expected = np.where(np.isnan(a), a, np.where(a > 0, a, np.zeros((), dtype)))
    assert out.dtype == dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out, expected)  # NaNs compare equal in assert_array_equal
    torch = pytest.importorskip("torch")
    if dtype != np.float16:
        np.testing.assert_array_equal(out, torch.relu(torch.from_numpy(np.ascontiguousarray(a))).numpy())


@pytest.mark.parametrize("op", ["add", "radd", "sub", "rsub", "mul", "rmul", "div", "rdiv", "rpow"])
def test_python_float_operands_give_the_same_bits_as_numpy(op):
    """Scalars become 0-d arrays of the tensor's dtype (faster in numpy): results must not change."""
    a = np.random.default_rng(1).uniform(0.5, 2.0, (3, 5)).astype(np.float32)
    s = 0.1234567891234
    fns = {"add": lambda x: x + s, "radd": lambda x: s + x, "sub": lambda x: x - s, "rsub": lambda x: s - x,
           "mul": lambda x: x * s, "rmul": lambda x: s * x, "div": lambda x: x / s, "rdiv": lambda x: s / x,
           "rpow": lambda x: s**x}
    out = fns[op](mt.tensor(a)).detach().numpy()
    expected = fns[op](a)  # numpy with a Python float: cast to float32 first (NEP 50)
    assert out.dtype == expected.dtype == np.float32
    np.testing.assert_array_equal(out, expected)


def test_backward_visits_a_shared_node_after_all_its_consumers():
    """Nodes run newest first: y feeds three consumers created at different times, one of them via z."""
    x = mt.tensor(_rand(4), requires_grad=True)
    y = x * 2.0
    z = y.exp()
    w = y * y
    out = (z + w + y + (z * 3.0)).sum()
    out.backward()
    yv = 2 * x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (4 * np.exp(yv) + 2 * yv + 1), rtol=1e-12)


def test_autograd_grad_of_several_dependent_outputs():
    x = mt.tensor(_rand(3), requires_grad=True)
    y = x * x
    z = (y * 3.0).sum()
    (gx,) = mt.autograd.grad([y, z], [x], grad_outputs=[mt.ones(3, dtype=mt.float64), mt.tensor(2.0)])
    np.testing.assert_allclose(gx.detach().numpy(), 2 * x.detach().numpy() * (1 + 6), rtol=1e-12)


@pytest.mark.parametrize("name", ["linear", "cross_entropy", "max_pool2d"])
def test_fused_retain_graph_backward_twice_doubles_the_gradient(name):
    x = mt.tensor(_rand(2, 2, 4, 4), requires_grad=True)
    w = mt.tensor(_rand(3, 4, seed=1), requires_grad=True)
    if name == "linear":
        loss = (F.linear(x, w) ** 2).sum()
    elif name == "cross_entropy":
        loss = F.cross_entropy(x.reshape(8, 8), mt.tensor([0, 1, 7, 3, 3, 2, 5, 0]))
    else:
        loss = (F.max_pool2d(x, 2) ** 2).sum()
    loss.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-12)
