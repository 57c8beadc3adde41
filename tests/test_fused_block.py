"""The fused conv -> ReLU -> max-pool node (and ``nn.Sequential``'s use of it) against the paths it replaces.

Oracles: the composite path (``nn.functional.composite_only()``: Tensor ops
only, no fused kernel) and PyTorch. float64 cases agree to round-off (rtol 1e-10: the same
products summed in other orders); float32 ones to 1e-4 relative (sums of up to a
few hundred float32 products, eps 1.2e-7, in different orders).
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.nn.functional as F
import mytorch.vector as mt
from mytorch.vector import fused
from mytorch.vector.fused_block import ConvReluPoolNode
from mytorch.vector.fused_conv import Conv2dNode

TOL = {np.float64: (1e-10, 1e-12), np.float32: (1e-4, 1e-5)}


def _rand(shape, seed, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _grads(fn, arrays, dtype, seed=7):
    """Output of ``fn(*tensors)`` and the gradients of a random projection of it w.r.t. every input."""
    ts = [mt.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    out.backward(mt.tensor(_rand(out.shape, seed, dtype)))
    return out, out.detach().numpy().copy(), [t.grad.numpy().copy() for t in ts]


def _torch_grads(fn, arrays, dtype, seed=7):
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(torch.nn.functional, *ts)
    out.backward(torch.tensor(_rand(tuple(out.shape), seed, dtype)))
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def _close(actual, expected, dtype, what):
    rtol, atol = TOL[dtype]
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


# (x shape, w shape, stride, padding, dilation, groups, pool kernel): odd sizes (pooling crops),
# 'same', strides, dilation, groups, non-square kernels and pools
BLOCK_CASES = [
    ((2, 1, 8, 8), (3, 1, 3, 3), 1, 1, 1, 1, 2),
    ((3, 2, 7, 9), (4, 2, 3, 3), 1, 1, 1, 1, 2),  # odd sizes: the pool drops the last row/column
    ((2, 3, 10, 9), (2, 3, 3, 2), 1, 0, (2, 1), 1, (2, 3)),
    ((2, 4, 6, 7), (6, 2, 3, 3), 1, "same", 1, 2, 2),  # groups
    ((1, 2, 9, 8), (3, 2, 2, 4), 1, "same", 1, 1, 3),  # even kernel: uneven 'same' padding
    ((2, 3, 5, 6), (2, 3, 1, 1), 1, 0, 1, 1, (1, 2)),
    ((2, 2, 11, 9), (3, 2, 3, 3), (2, 1), 1, 1, 1, 2),  # strided conv
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # torch's
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("case", BLOCK_CASES, ids=str)
def test_conv_relu_pool_matches_composite_and_torch(case, bias, dtype):
    x_shape, w_shape, stride, padding, dilation, groups, kernel = case
    arrays = [_rand(x_shape, 0, dtype), _rand(w_shape, 1, dtype)]
    arrays += [_rand(w_shape[0], 2, dtype)] if bias else []

    def fused_fn(x, w, b=None):
        return fused.conv2d_relu_max_pool2d(x, w, b, stride, padding, dilation, groups, kernel)

    def unfused(fn, x, w, b=None):
        return fn.max_pool2d(fn.relu(fn.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation,
                                                        groups=groups)),
                             kernel)

    out, value, grads = _grads(fused_fn, arrays, dtype)
    assert type(out.grad_fn) is ConvReluPoolNode and value.dtype == dtype
    with F.composite_only():
        _, cvalue, cgrads = _grads(lambda *t: unfused(F, *t), arrays, dtype)
    _close(value, cvalue, dtype, "output vs composite")
    for i, (a, b) in enumerate(zip(grads, cgrads)):
        _close(a, b, dtype, f"grad {i} vs composite")
    tvalue, tgrads = _torch_grads(unfused, arrays, dtype)
    _close(value, tvalue, dtype, "output vs torch")
    for i, (a, b) in enumerate(zip(grads, tgrads)):
        _close(a, b, dtype, f"grad {i} vs torch")


def test_conv_relu_pool_ties_and_all_negative_windows_match_torch():
    """Ties go to the first maximum; a window of values <= 0 outputs 0 and passes no gradient."""
    x = np.array([[[[1.0, 2.0, 2.0, 0.0], [2.0, -1.0, 0.0, 0.0],
                    [-1.0, -2.0, 3.0, 3.0], [-3.0, -1.0, 3.0, 3.0]]]])
    arrays = [x, np.ones((1, 1, 1, 1))]
    _, value, grads = _grads(lambda x, w: fused.conv2d_relu_max_pool2d(x, w, None, 1, 0, 1, 1, 2), arrays,
                             np.float64)
    tvalue, tgrads = _torch_grads(lambda fn, x, w: fn.max_pool2d(fn.relu(fn.conv2d(x, w)), 2), arrays,
                                  np.float64)
    np.testing.assert_array_equal(value, tvalue)
    np.testing.assert_array_equal(grads[0], tgrads[0])
    assert np.count_nonzero(grads[0]) == 3  # one per window with a positive maximum, none for the other


def test_conv_relu_pool_double_backward_matches_composite():
    arrays = [_rand((2, 2, 6, 7), 0), _rand((3, 2, 3, 3), 1), _rand((3,), 2)]

    def second_order(fn):
        ts = [mt.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*ts)
        g = mt.tensor(_rand(out.shape, 11), requires_grad=True)
        firsts = mt.autograd.grad([out], ts, grad_outputs=[g], create_graph=True)
        sum((f * f).sum() for f in firsts).backward()
        return out.grad_fn, [None if t.grad is None else t.grad.numpy() for t in ts + [g]]

    node, grads = second_order(lambda x, w, b: fused.conv2d_relu_max_pool2d(x, w, b, 1, 1, 1, 1, 2))
    assert type(node) is ConvReluPoolNode
    with F.composite_only():
        _, cgrads = second_order(lambda x, w, b: F.max_pool2d(F.relu(F.conv2d(x, w, b, padding=1)), 2))
    assert grads[0] is not None and grads[1] is not None
    for a, b in zip(grads, cgrads):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_conv_relu_pool_weight_modified_in_place_after_forward_raises():
    x, w = mt.tensor(_rand((1, 1, 4, 4), 0)), mt.tensor(_rand((2, 1, 3, 3), 1), requires_grad=True)
    out = fused.conv2d_relu_max_pool2d(x, w, None, 1, 1, 1, 1, 2).sum()
    with mt.no_grad():
        w.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


def test_fused_block_declines_what_it_does_not_handle():
    x, w = mt.tensor(_rand((1, 2, 6, 6), 0)), mt.tensor(_rand((3, 2, 3, 3), 1))
    assert fused.conv2d_relu_max_pool2d(x, w, None, 1, 1, 1, 1, 3, pool_stride=2) is NotImplemented  # overlap
    assert fused.conv2d_relu_max_pool2d(x, w, None, 1, 1, 1, 1, 2, pool_padding=1) is NotImplemented
    assert fused.conv2d_relu_max_pool2d(x, w.float(), None, 1, 1, 1, 1, 2) is NotImplemented  # mixed dtypes
    assert fused.conv2d_relu_max_pool2d(x, w, None, 1, 0, 1, 1, 5) is NotImplemented  # > 4x4 output
    odd = mt.tensor(_rand((1, 2, 7, 7), 0))
    assert fused.conv2d_relu_max_pool2d(odd, w, None, 1, 1, 1, 1, 2, ceil_mode=True) is NotImplemented


# --------------------------------------------------------------- nn.Sequential


def _cnn(dtype=mt.float64, **relu_kwargs):
    mt.manual_seed(0)
    return mt.nn.Sequential(
        mt.nn.Conv2d(1, 3, 3, padding=1, dtype=dtype), mt.nn.ReLU(**relu_kwargs), mt.nn.MaxPool2d(2),
        mt.nn.Conv2d(3, 4, 3, padding=1, dtype=dtype), mt.nn.ReLU(), mt.nn.MaxPool2d(2),
        mt.nn.Flatten(), mt.nn.Linear(16, 5, dtype=dtype),
    )


def _step(net, x, target):
    net.zero_grad()
    loss = F.cross_entropy(net(mt.tensor(x)), mt.tensor(target))
    loss.backward()
    return loss, [p.grad.numpy().copy() for p in net.parameters()]


@pytest.mark.parametrize("inplace", [False, True])
def test_sequential_runs_conv_relu_pool_as_one_node_with_the_same_results(inplace):
    net = _cnn(inplace=inplace)
    x, target = _rand((3, 1, 9, 8), 0), np.array([0, 4, 2])
    loss, grads = _step(net, x, target)
    kinds = set()
    stack = [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and not isinstance(node, mt.Tensor):
            kinds.add(type(node))
            stack.extend(node.next)
    assert ConvReluPoolNode in kinds and Conv2dNode not in kinds
    with F.composite_only():
        closs, cgrads = _step(net, x, target)
    np.testing.assert_allclose(loss.item(), closs.item(), rtol=1e-12)
    for a, b in zip(grads, cgrads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_sequential_runs_modules_one_by_one_when_a_hook_or_subclass_must_see_them():
    x, target = _rand((2, 1, 8, 8), 0), np.array([1, 3])
    seen = []
    net = _cnn()
    net[1].register_forward_hook(lambda module, args, out: seen.append(out.shape))
    _step(net, x, target)
    assert seen == [(2, 3, 8, 8)]  # the hook saw the unpooled ReLU output

    class MyReLU(mt.nn.ReLU):
        pass

    net = _cnn()
    net[1] = MyReLU()
    out = net[:3](mt.tensor(x))
    assert type(out.grad_fn) is not ConvReluPoolNode
    reflect = mt.nn.Sequential(mt.nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect", dtype=mt.float64),
                               mt.nn.ReLU(), mt.nn.MaxPool2d(2))
    assert type(reflect(mt.tensor(x)).grad_fn) is not ConvReluPoolNode
    indices = mt.nn.Sequential(mt.nn.Conv2d(1, 2, 3, dtype=mt.float64), mt.nn.ReLU(),
                               mt.nn.MaxPool2d(2, return_indices=True))
    assert isinstance(indices(mt.tensor(x)), tuple)


def test_sequential_cnn_float32_matches_torch():
    torch = pytest.importorskip("torch")
    net = _cnn(mt.float32)
    x, target = _rand((4, 1, 8, 8), 0, np.float32), np.array([0, 1, 2, 3])
    loss, grads = _step(net, x, target)
    tnet = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(16, 5),
    )
    with torch.no_grad():
        for p, q in zip(tnet.parameters(), net.parameters()):
            p.copy_(torch.tensor(q.detach().numpy()))
    tloss = torch.nn.functional.cross_entropy(tnet(torch.tensor(x)), torch.tensor(target))
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5)
    for a, p in zip(grads, tnet.parameters()):
        np.testing.assert_allclose(a, p.grad.numpy(), rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------- scratch buffers reused across steps


def test_two_live_graphs_and_retained_graphs_keep_their_own_scratch_buffers():
    """Columns go back to the pool only when their node frees them: graphs alive at once never share."""
    x1, x2, target = _rand((3, 1, 8, 8), 0), _rand((3, 1, 8, 8), 1), mt.tensor(np.array([0, 4, 2]))

    def grads_of_two_graphs():
        net = _cnn()
        loss1 = F.cross_entropy(net(mt.tensor(x1)), target)
        out2 = net(mt.tensor(x2))  # built while the first graph still holds its columns
        keep = out2.detach().numpy().copy()
        loss2 = F.cross_entropy(out2, target)
        loss1.backward(retain_graph=True)
        loss1.backward()  # the retained graph still has its columns
        first = [p.grad.numpy().copy() for p in net.parameters()]
        net.zero_grad()
        loss2.backward()
        np.testing.assert_array_equal(out2.detach().numpy(), keep)  # outputs are never scratch
        return first, [p.grad.numpy().copy() for p in net.parameters()]

    first, second = grads_of_two_graphs()
    with F.composite_only():
        cfirst, csecond = grads_of_two_graphs()
    for a, b in zip(first + second, cfirst + csecond):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_scratch_pool_is_bounded_and_never_hands_a_buffer_out_twice():
    from mytorch.vector.scratch import ScratchPool

    pool = ScratchPool(per_key=2, keys=3)
    a = pool.take((4,), np.dtype(np.float64))
    pool.give(a)
    pool.give(a)  # a second give of the same array is ignored
    assert pool.take((4,), np.dtype(np.float64)) is a
    assert pool.take((4,), np.dtype(np.float64)) is not a
    for n in range(10):  # many shapes: the pool starts over instead of growing
        pool.give(np.empty(n))
    assert sum(len(v) for v in pool._free.values()) <= 3 * 2
