"""float32 in, float32 out, float32 gradients: no silent float64 upcast anywhere in the vector engine.

For every op (elementwise, reductions, shape, indexing, matmul, softmax
family, the fused kernels and their composites, and with Python-float and
numpy-float64-scalar operands) on float32 tensors that require grad:

* the output is float32, and so is every floating input recorded by every
  node of the graph (an upcast in the middle of a composite would show there);
* backward never has to cast a gradient (``dual.cast`` is made to fail: a node
  returning a float64 gradient would otherwise be cast back quietly);
* every leaf gradient is float32.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.nn.functional as F
import mytorch.vector as mt
from mytorch.vector import dual

F64 = np.float64(0.75)  # a numpy float64 scalar operand

rng = np.random.default_rng(0)


def _x(*shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, shape).astype(np.float32)


POS = _x(3, 4, low=0.5, high=2.0)
ANY = _x(3, 4)
OTHER = _x(3, 4, low=0.5, high=1.5)
IMG = _x(2, 2, 6, 6)

# name -> (function of the tensors, the float32 arrays it takes)
OPS = {
    # elementwise, unary
    "neg": (lambda x: -x, [ANY]),
    "exp": (lambda x: x.exp(), [ANY]),
    "log": (lambda x: x.log(), [POS]),
    "sqrt": (lambda x: x.sqrt(), [POS]),
    "rsqrt": (lambda x: x.rsqrt(), [POS]),
    "abs": (lambda x: x.abs(), [ANY]),
    "sin": (lambda x: x.sin(), [ANY]),
    "cos": (lambda x: x.cos(), [ANY]),
    "tanh": (lambda x: x.tanh(), [ANY]),
    "sigmoid": (lambda x: x.sigmoid(), [ANY]),
    "relu": (lambda x: x.relu(), [ANY]),
    "square": (lambda x: x.square(), [ANY]),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), [ANY]),
    "clamp_f64": (lambda x: x.clamp(np.float64(-0.5), np.float64(0.5)), [ANY]),
    # elementwise, two tensors
    "add": (lambda x, y: x + y, [ANY, OTHER]),
    "sub": (lambda x, y: x - y, [ANY, OTHER]),
    "mul": (lambda x, y: x * y, [ANY, OTHER]),
    "div": (lambda x, y: x / y, [ANY, OTHER]),
    "pow": (lambda x, y: x**y, [POS, OTHER]),
    "maximum": (lambda x, y: mt.maximum(x, y), [ANY, OTHER]),
    "minimum": (lambda x, y: mt.minimum(x, y), [ANY, OTHER]),
    "where": (lambda x, y: mt.where(x > 0, x, y), [ANY, OTHER]),
    "broadcast": (lambda x, y: x * y[0], [ANY, OTHER]),
    # Python float operands, both sides
    "add_float": (lambda x: x + 0.5, [ANY]),
    "radd_float": (lambda x: 0.5 + x, [ANY]),
    "sub_float": (lambda x: x - 0.5, [ANY]),
    "rsub_float": (lambda x: 0.5 - x, [ANY]),
    "mul_float": (lambda x: x * 0.1, [ANY]),
    "rmul_float": (lambda x: 0.1 * x, [ANY]),
    "div_float": (lambda x: x / 0.3, [ANY]),
    "rdiv_float": (lambda x: 0.3 / x, [POS]),
    "pow_float": (lambda x: x**1.5, [POS]),
    "rpow_float": (lambda x: 1.5**x, [ANY]),
    "pow_int": (lambda x: x**2, [ANY]),
    "mul_int": (lambda x: 3 * x - 1, [ANY]),
    # numpy float64 scalars and 0-d float64 arrays, both sides
    "add_f64": (lambda x: x + F64, [ANY]),
    "radd_f64": (lambda x: F64 + x, [ANY]),
    "sub_f64": (lambda x: F64 - x, [ANY]),
    "mul_f64": (lambda x: x * F64, [ANY]),
    "rmul_f64": (lambda x: F64 * x, [ANY]),
    "div_f64": (lambda x: x / F64, [ANY]),
    "rdiv_f64": (lambda x: F64 / x, [POS]),
    "pow_f64": (lambda x: x**F64, [POS]),
    "rpow_f64": (lambda x: F64**x, [ANY]),
    "mul_0d_f64_array": (lambda x: x * np.array(0.3), [ANY]),
    "maximum_f64": (lambda x: x.maximum(mt.tensor(0.1, dtype=mt.float32)) * F64, [ANY]),
    # reductions
    "sum": (lambda x: x.sum(), [ANY]),
    "sum_dim": (lambda x: x.sum(dim=1, keepdim=True), [ANY]),
    "mean": (lambda x: x.mean(), [ANY]),
    "mean_dim": (lambda x: x.mean(dim=0), [ANY]),
    "var": (lambda x: x.var(dim=1), [ANY]),
    "std": (lambda x: x.std(), [ANY]),
    "max": (lambda x: x.max(), [ANY]),
    "max_dim": (lambda x: x.max(dim=1).values, [ANY]),
    "min_dim": (lambda x: x.min(dim=0, keepdim=True)[0], [ANY]),
    "amax": (lambda x: x.amax(dim=1), [ANY]),
    "logsumexp": (lambda x: x.logsumexp(dim=1), [ANY]),
    # shape
    "reshape": (lambda x: x.reshape(4, 3), [ANY]),
    "view": (lambda x: x.view(-1), [ANY]),
    "transpose": (lambda x: x.transpose(0, 1), [ANY]),
    "permute": (lambda x: x.reshape(3, 2, 2).permute(2, 0, 1), [ANY]),
    "T": (lambda x: x.T, [ANY]),
    "squeeze_unsqueeze": (lambda x: x.unsqueeze(0).squeeze(0), [ANY]),
    "flatten": (lambda x: x.reshape(3, 2, 2).flatten(1), [ANY]),
    "expand": (lambda x: x[:1].expand(5, 4), [ANY]),
    "cat": (lambda x, y: mt.cat([x, y], dim=1), [ANY, OTHER]),
    "stack": (lambda x, y: mt.stack([x, y]), [ANY, OTHER]),
    "clone": (lambda x: x.clone(), [ANY]),
    # indexing
    "getitem_int": (lambda x: x[1], [ANY]),
    "getitem_slice": (lambda x: x[:, 1:3], [ANY]),
    "getitem_array": (lambda x: x[[0, 2, 0]], [ANY]),
    "getitem_mask": (lambda x: x[x > 0], [ANY]),
    "setitem": (lambda x, y: _setitem(x, y), [ANY, OTHER]),
    # linear algebra
    "matmul": (lambda x, y: x @ y.T, [ANY, OTHER]),
    "matmul_vec": (lambda x, y: x @ y[0], [ANY, OTHER]),
    "batched_matmul": (lambda x, y: x.reshape(3, 2, 2) @ y.reshape(3, 2, 2), [ANY, OTHER]),
    # softmax family
    "softmax": (lambda x: x.softmax(dim=1), [ANY]),
    "log_softmax": (lambda x: x.log_softmax(dim=0), [ANY]),
    # fused kernels (nn.functional dispatches to them)
    "linear": (lambda x, w: F.linear(x, w, w[:, 0]), [ANY, OTHER]),
    "conv2d": (lambda x, w: F.conv2d(x, w, w[:, 0, 0, 0], padding=1, stride=(1, 2)), [IMG, _x(3, 2, 3, 2)]),
    "conv2d_groups_dilation": (lambda x, w: F.conv2d(x, w, padding="same", dilation=2, groups=2),
                               [IMG, _x(4, 1, 3, 3)]),
    "conv1d": (lambda x, w: F.conv1d(x, w, padding=1), [_x(2, 2, 7), _x(3, 2, 3)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), [IMG]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, (2, 3)), [IMG]),
    "cross_entropy": (lambda x: F.cross_entropy(x, mt.tensor([0, 3, 1])), [ANY]),
    "cross_entropy_options": (
        lambda x: F.cross_entropy(x, mt.tensor([0, 3, 1]), weight=mt.tensor([1.0, 2.0, 0.5, 1.0]),
                                  label_smoothing=0.1, ignore_index=3),
        [ANY],
    ),
    "cross_entropy_none": (lambda x: F.cross_entropy(x, mt.tensor([0, 3, 1]), reduction="none"), [ANY]),
    "cross_entropy_probabilities": (
        lambda x: F.cross_entropy(x, mt.tensor(np.full((3, 4), 0.25, np.float32)), label_smoothing=0.2),
        [ANY],
    ),
}


def _setitem(x, y):
    z = x.clone()
    z[1] = y[0] * 0.5
    return z


def _graph_dtypes(out):
    """The floating dtypes of every tensor behind ``out``: node outputs, leaves and no-grad inputs."""
    found, stack, seen = set(), [out.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, mt.Tensor):
            found.add(node.data.dtype)
            continue
        found.update(d for d in [node.out_dtype] + [d for _, _, d in node.cuts] if d.kind == "f")
        stack.extend(node.next)
    return found


def _no_casts(g, dtype):
    raise AssertionError(f"backward had to cast a {g.dtype} gradient to {dtype}: a float64 upcast")


def _check_float32(fn, arrays, monkeypatch):
    monkeypatch.setattr(dual, "cast", _no_casts)
    tensors = [mt.tensor(a, requires_grad=True) for a in arrays]
    assert all(t.dtype == np.float32 for t in tensors)
    out = fn(*tensors)
    assert out.dtype == np.float32, f"output is {out.dtype}"
    assert np.asarray(out.data).dtype == np.float32
    assert _graph_dtypes(out) <= {np.dtype(np.float32)}, _graph_dtypes(out)
    out.backward(mt.tensor(np.ones(out.shape, np.float32)))
    for i, t in enumerate(tensors):
        assert t.grad is not None, f"input {i} got no gradient"
        assert t.grad.dtype == np.float32, f"input {i} gradient is {t.grad.dtype}"


@pytest.mark.parametrize("name", sorted(OPS))
def test_float32_stays_float32(name, monkeypatch):
    fn, arrays = OPS[name]
    _check_float32(fn, arrays, monkeypatch)


@pytest.mark.parametrize("name", ["conv2d", "conv1d", "max_pool2d", "avg_pool2d", "linear",
                                  "cross_entropy_options", "cross_entropy_probabilities"])
def test_float32_stays_float32_on_the_composite_paths(name, monkeypatch):
    fn, arrays = OPS[name]
    with F.composite_only():
        _check_float32(fn, arrays, monkeypatch)


def test_fused_ops_record_their_own_nodes():
    """The float32 cases above ran the fused kernels, not the composites."""
    names = {"linear": "LinearNode", "conv2d": "Conv2dNode", "max_pool2d": "MaxPool2dNode",
             "avg_pool2d": "AvgPool2dNode", "cross_entropy": "CrossEntropyNode"}  # the fused kernels' nodes
    for op, node in names.items():
        fn, arrays = OPS[op]
        out = fn(*[mt.tensor(a, requires_grad=True) for a in arrays])
        assert type(out.grad_fn).__name__ == node


def test_float32_mlp_training_step_keeps_every_tensor_float32(monkeypatch):
    monkeypatch.setattr(dual, "cast", _no_casts)
    mt.manual_seed(0)
    net = mt.nn.Sequential(mt.nn.Linear(6, 5), mt.nn.ReLU(), mt.nn.Linear(5, 3))
    opt = mt.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    x, t = mt.tensor(_x(4, 6)), mt.tensor([0, 2, 1, 2])
    for _ in range(2):
        loss = F.cross_entropy(net(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        assert loss.dtype == np.float32
    for p in net.parameters():
        assert p.dtype == np.float32 and p.grad.dtype == np.float32
        assert opt.state[p]["momentum_buffer"].dtype == np.float32


def test_explicit_float64_keeps_every_digit_of_python_floats():
    """``tensor([0.1], dtype=float64)`` casts once from the exact value (it was rounded to float32 first)."""
    import mytorch.vector as mv

    assert mv.tensor([0.1, 1 / 3], dtype=mv.float64).numpy().tolist() == [0.1, 1 / 3]
    assert mv.tensor(0.1, dtype=mv.float64).item() == 0.1
    assert mv.tensor([0.1]).dtype == mv.float32  # no dtype: the default dtype, as before
