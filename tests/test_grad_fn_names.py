"""``grad_fn`` names, links and reprs as PyTorch's, on both engines (PyTorch is the oracle).

Each case builds the same expression with ``torch`` and with an engine; the output's
``grad_fn.name()`` must be PyTorch's (``AddBackward0``, ``SumBackward1``, ``MseLossBackward0``),
and for composites (losses, ``mean``, ``linear``, ``stack``) the walk one step down
``next_functions`` must read as PyTorch's. Gradients through the composite nodes, also
second order (``create_graph``), must equal PyTorch's.
"""

import re

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")  # the oracle; these tests skip without it

ENGINES = pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])

X = [[0.5, -1.0, 2.0, 0.25], [1.5, 0.75, -0.5, 1.0], [-2.0, 0.3, 0.6, -0.9]]
Y = [[0.1, 0.2, -0.3, 0.4], [0.5, -0.6, 0.7, 0.8], [0.9, 1.0, -1.1, 1.2]]
W = [[0.1, -0.2, 0.3, 0.05], [0.2, 0.1, -0.1, 0.3]]
B = [0.05, -0.1]


def _F(lib):
    return lib.nn.functional


CASES = {
    "add": lambda t, x, y: x + y,
    "add-scalar": lambda t, x, y: x + 2,
    "radd": lambda t, x, y: 2 + x,
    "sub": lambda t, x, y: x - y,
    "rsub": lambda t, x, y: 2 - x,
    "mul": lambda t, x, y: x * y,
    "div": lambda t, x, y: x / y,
    "neg": lambda t, x, y: -x,
    "pow-scalar": lambda t, x, y: x**2,
    "pow-tensor": lambda t, x, y: x.abs() ** y,
    "rpow": lambda t, x, y: 2**x,
    "exp": lambda t, x, y: x.exp(),
    "log": lambda t, x, y: x.abs().log(),
    "sqrt": lambda t, x, y: x.abs().sqrt(),
    "abs": lambda t, x, y: x.abs(),
    "sin": lambda t, x, y: x.sin(),
    "cos": lambda t, x, y: x.cos(),
    "tanh": lambda t, x, y: x.tanh(),
    "sigmoid": lambda t, x, y: x.sigmoid(),
    "relu": lambda t, x, y: x.relu(),
    "F.relu": lambda t, x, y: _F(t).relu(x),
    "log1p": lambda t, x, y: x.abs().log1p(),
    "clamp": lambda t, x, y: x.clamp(-1, 1),
    "clamp-min": lambda t, x, y: x.clamp(min=0),
    "maximum": lambda t, x, y: t.maximum(x, y),
    "minimum": lambda t, x, y: t.minimum(x, y),
    "where": lambda t, x, y: t.where(x > 0, x, y),
    "clone": lambda t, x, y: x.clone(),
    "sum": lambda t, x, y: x.sum(),
    "sum-dim": lambda t, x, y: x.sum(0),
    "sum-keepdim": lambda t, x, y: x.sum(1, keepdim=True),
    "mean": lambda t, x, y: x.mean(),
    "mean-dim": lambda t, x, y: x.mean(0),
    "var": lambda t, x, y: x.var(),
    "std": lambda t, x, y: x.std(),
    "max": lambda t, x, y: x.max(),
    "max-dim": lambda t, x, y: x.max(0)[0],
    "min": lambda t, x, y: x.min(),
    "min-dim": lambda t, x, y: x.min(1)[0],
    "amax": lambda t, x, y: x.amax(0),
    "amin": lambda t, x, y: x.amin(0),
    "reshape": lambda t, x, y: x.reshape(12),
    "view": lambda t, x, y: x.view(4, 3),
    "flatten": lambda t, x, y: x.flatten(),
    "t": lambda t, x, y: x.t(),
    "T": lambda t, x, y: x.T,
    "transpose": lambda t, x, y: x.transpose(0, 1),
    "permute": lambda t, x, y: x.permute(1, 0),
    "mT": lambda t, x, y: x.mT,
    "expand": lambda t, x, y: x[:1].expand(3, 4),
    "squeeze": lambda t, x, y: x[:1].squeeze(),
    "squeeze-dim": lambda t, x, y: x[:1].squeeze(0),
    "unsqueeze": lambda t, x, y: x.unsqueeze(0),
    "select": lambda t, x, y: x[0],
    "select-col": lambda t, x, y: x[:, 1],
    "select-ellipsis": lambda t, x, y: x[..., 0],
    "slice": lambda t, x, y: x[1:],
    "slice-after-select": lambda t, x, y: x[0, 1:],
    "index-none": lambda t, x, y: x[None],
    "index-ints": lambda t, x, y: x[t.tensor([0, 2])],
    "index-mask": lambda t, x, y: x[x > 0],
    "index-pairs": lambda t, x, y: x[[0, 1], [1, 2]],
    "cat": lambda t, x, y: t.cat([x, y]),
    "stack": lambda t, x, y: t.stack([x, y]),
    "mm": lambda t, x, y: x @ y.T,
    "dot": lambda t, x, y: x[0] @ y[0],
    "mv": lambda t, x, y: x @ y[0],
    "vm": lambda t, x, y: x[0] @ y.T,
    "bmm-like": lambda t, x, y: x[None] @ y.T[None],
    "softmax": lambda t, x, y: x.softmax(1),
    "log_softmax": lambda t, x, y: x.log_softmax(1),
    "mse_loss": lambda t, x, y: _F(t).mse_loss(x, y),
    "mse_loss-none": lambda t, x, y: _F(t).mse_loss(x, y, reduction="none"),
    "mse_loss-sum": lambda t, x, y: _F(t).mse_loss(x, y, reduction="sum"),
    "l1_loss": lambda t, x, y: _F(t).l1_loss(x, y),
    "smooth_l1_loss": lambda t, x, y: _F(t).smooth_l1_loss(x, y),
    "huber_loss": lambda t, x, y: _F(t).huber_loss(x, y, delta=0.5),
    "cross_entropy": lambda t, x, y: _F(t).cross_entropy(x, t.tensor([0, 3, 2])),
    "cross_entropy-none": lambda t, x, y: _F(t).cross_entropy(x, t.tensor([0, 3, 2]), reduction="none"),
    "cross_entropy-weight": lambda t, x, y: _F(t).cross_entropy(
        x, t.tensor([0, 3, 2]), weight=t.tensor([1.0, 2.0, 0.5, 1.0])),
    "nll_loss": lambda t, x, y: _F(t).nll_loss(x.log_softmax(1), t.tensor([1, 0, 3])),
    "bce": lambda t, x, y: _F(t).binary_cross_entropy(x.sigmoid(), y.detach().sigmoid()),
    "bce_with_logits": lambda t, x, y: _F(t).binary_cross_entropy_with_logits(x, y.detach().sigmoid()),
    "linear": lambda t, x, y: _F(t).linear(x, y[:2], y[2, :2]),
    "linear-no-bias": lambda t, x, y: _F(t).linear(x, y[:2]),
    "setitem": lambda t, x, y: _setitem(x.clone(), y[0]),
    "leaky_relu": lambda t, x, y: _F(t).leaky_relu(x, 0.1),
    "silu": lambda t, x, y: _F(t).silu(x),
    "gelu": lambda t, x, y: _F(t).gelu(x),
    "gelu-tanh": lambda t, x, y: _F(t).gelu(x, approximate="tanh"),
    "softplus": lambda t, x, y: _F(t).softplus(x),
    "elu": lambda t, x, y: _F(t).elu(x),
    "selu": lambda t, x, y: _F(t).selu(x),
    "celu": lambda t, x, y: _F(t).celu(x),
    "hardtanh": lambda t, x, y: _F(t).hardtanh(x),
    "relu6": lambda t, x, y: _F(t).relu6(x),
    "hardsigmoid": lambda t, x, y: _F(t).hardsigmoid(x),
    "hardswish": lambda t, x, y: _F(t).hardswish(x),
    "mish": lambda t, x, y: _F(t).mish(x),
    "logsigmoid": lambda t, x, y: _F(t).logsigmoid(x),
    "layer_norm": lambda t, x, y: _F(t).layer_norm(x, (4,), y[0], y[1]),
    "batch_norm": lambda t, x, y: _F(t).batch_norm(x, None, None, y[0], y[1], training=True),
    "embedding": lambda t, x, y: _F(t).embedding(t.tensor([2, 0, 2]), x),
    "cumsum": lambda t, x, y: x.cumsum(1),
    "cumprod": lambda t, x, y: x.cumprod(0),
    "prod": lambda t, x, y: x.prod(),
    "prod-dim": lambda t, x, y: x.prod(1),
    "square": lambda t, x, y: x.square(),
    "rsqrt": lambda t, x, y: x.abs().rsqrt(),
    "erf": lambda t, x, y: x.erf(),
    "index_select": lambda t, x, y: x.index_select(1, t.tensor([0, 2])),
    "repeat": lambda t, x, y: x.repeat(2, 1),
    "flip": lambda t, x, y: x.flip(0),
    "roll": lambda t, x, y: x.roll(1, 0),
    "tril": lambda t, x, y: x.tril(),
    "triu": lambda t, x, y: x.triu(1),
    "conv2d": lambda t, x, y: _F(t).conv2d(x[None, None], y[None, None, :2, :2], y[0, :1]),
    "max_pool2d": lambda t, x, y: _F(t).max_pool2d(x[None, None], 2),
    "avg_pool2d": lambda t, x, y: _F(t).avg_pool2d(x[None, None], 2),
    "pad": lambda t, x, y: _F(t).pad(x, (1, 2)),
    "pad-crop": lambda t, x, y: _F(t).pad(x, (-1, 1)),
}
VECTOR_ONLY = {  # micro holds every float as float64: a cast is no op there
    "double": lambda t, x, y: x.double(),
    "to-float64": lambda t, x, y: x.to(t.float64),
}


def _setitem(z, row):
    z[0] = row
    return z


def _inputs(lib):
    x = lib.tensor(X, requires_grad=True)
    y = lib.tensor(Y, requires_grad=True)
    return x, y


def _theirs(case):
    out = case(torch, *_inputs(torch))
    return out.grad_fn.name().replace("torch::autograd::", "")


@ENGINES
@pytest.mark.parametrize("name", sorted(CASES))
def test_node_name_is_pytorchs(mt, name):
    ours = CASES[name](mt, *_inputs(mt))
    assert ours.grad_fn.name() == _theirs(CASES[name])


@pytest.mark.parametrize("name", sorted(VECTOR_ONLY))
def test_cast_node_name_is_pytorchs(name):
    ours = VECTOR_ONLY[name](mv, *_inputs(mv))
    assert ours.grad_fn.name() == _theirs(VECTOR_ONLY[name])


def _names(links):
    return [None if n is None else n.name() for n, _ in links]


COMPOSITES = ["mse_loss", "mse_loss-none", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "bce",
              "bce_with_logits", "mean", "mean-dim", "var", "std", "stack", "dot", "mv", "linear",
              "linear-no-bias", "cross_entropy-weight", "gelu", "silu", "elu", "embedding", "cumsum", "prod",
              "square", "rsqrt", "erf", "flip", "repeat", "tril", "layer_norm", "batch_norm", "conv2d",
              "max_pool2d", "avg_pool2d", "pad"]


@ENGINES
@pytest.mark.parametrize("name", COMPOSITES)
def test_composite_links_lead_to_the_inputs_as_pytorchs(mt, name):
    ours = CASES[name](mt, *_inputs(mt)).grad_fn.next_functions
    theirs = CASES[name](torch, *_inputs(torch)).grad_fn.next_functions
    if name == "linear":  # PyTorch's addmm links weight through a TBackward0 of its own
        theirs = theirs[:2]
        ours = ours[:2]
    elif name == "linear-no-bias":
        theirs = theirs[:1]
        ours = ours[:1]
    assert _names(ours) == _names(theirs)


@pytest.mark.parametrize("name", ["linear", "conv2d", "max_pool2d", "avg_pool2d", "cross_entropy"])
def test_vector_composite_paths_record_pytorchs_names_too(name):
    from mytorch.nn.functional._dispatch import composite_only

    with composite_only():
        ours = CASES[name](mv, *_inputs(mv))
    assert ours.grad_fn.name() == _theirs(CASES[name])
    assert type(ours.grad_fn).__name__ == "Composite"  # not the fused kernel's node


def test_cross_entropy_is_nll_over_log_softmax_on_both_paths():
    from mytorch.nn.functional._dispatch import composite_only

    for fast in (True, False):
        x = mv.tensor(X, requires_grad=True)
        if fast:
            loss = mv.nn.functional.cross_entropy(x, mv.tensor([0, 3, 2]))
        else:
            with composite_only():
                loss = mv.nn.functional.cross_entropy(x, mv.tensor([0, 3, 2]))
        (inner, _), = loss.grad_fn.next_functions
        assert (loss.grad_fn.name(), inner.name()) == ("NllLossBackward0", "LogSoftmaxBackward0")
        assert inner.next_functions[0][0].variable is x


@ENGINES
@pytest.mark.parametrize("name", COMPOSITES + ["cross_entropy-none", "mse_loss-sum", "nll_loss"])
def test_gradients_through_composites_equal_pytorchs(mt, name):
    results = []
    for lib in (torch, mt):
        x, y = _inputs(lib)
        out = CASES[name](lib, x, y)
        seed = np.linspace(0.5, 1.5, max(int(np.prod(tuple(out.shape))), 1)).reshape(tuple(out.shape))
        out.backward(lib.tensor(seed.astype(np.float32)))
        results.append([x.grad.numpy(), None if y.grad is None else y.grad.numpy()])
    for theirs, ours in zip(*results):
        if theirs is None:
            assert ours is None or not np.any(ours)
        else:
            np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-6)  # float32 sums in another order


@ENGINES
@pytest.mark.parametrize("name", ["mse_loss", "cross_entropy", "bce_with_logits", "var", "std", "linear",
                                  "smooth_l1_loss", "bce", "mse_loss-none", "huber_loss", "gelu", "silu",
                                  "softplus", "layer_norm", "batch_norm", "cumprod", "prod", "rsqrt", "mish"])
def test_double_backward_through_composites_equals_pytorchs(mt, name):
    """d/dx of (dL/dx . v): the composite's backward, recorded under create_graph, is differentiable."""
    results = []
    for lib in (torch, mt):
        x, y = (lib.tensor(np.asarray(a, np.float64), requires_grad=True) for a in (X, Y))
        out = CASES[name](lib, x, y)
        (gx,) = lib.autograd.grad(out.sum(), [x], create_graph=True)
        v = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4))
        (hx,) = lib.autograd.grad((gx * v).sum(), [x], allow_unused=True)
        results.append(np.zeros((3, 4)) if hx is None else hx.detach().numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-10, atol=1e-12)  # float64


@ENGINES
def test_repr_of_a_node_reads_as_pytorchs(mt):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    assert re.fullmatch(r"<SumBackward0 object at 0x[0-9a-f]+>", repr(y.grad_fn))
    acc = y.grad_fn.next_functions[0][0].next_functions[0][0]
    assert re.fullmatch(r"<AccumulateGrad object at 0x[0-9a-f]+>", repr(acc))
    assert repr(y) == "tensor(6., grad_fn=<SumBackward0>)" == repr(
        (torch.tensor([1.0, 2.0], requires_grad=True) * 2).sum())


def test_blitz_walk_reads_as_pytorchs():
    """The 60-minute blitz prints loss.grad_fn and walks next_functions[0][0] twice."""
    walks = []
    for lib in (torch, mv, mm):
        lib.manual_seed(0)
        lin = lib.nn.Linear(4, 2)
        loss = lib.nn.MSELoss()(lin(lib.relu(lib.tensor(X))), lib.tensor(np.zeros((3, 2), np.float32)))
        node = loss.grad_fn
        walks.append([node.name(), node.next_functions[0][0].name(),
                      node.next_functions[0][0].next_functions[0][0].name()])
    assert walks[1] == walks[2] == walks[0] == ["MseLossBackward0", "AddmmBackward0",
                                                "torch::autograd::AccumulateGrad"]
