"""Differential tests: the same nn code on mytorch.micro (scalar, the reference) and mytorch.vector.

From one seed both engines draw the same initial weights (one shared
generator), so the same MLP / CNN must give the same losses, gradients and
parameters after optimizer steps, and every functional op the same values and
gradients. The vector engine runs in float64 here (micro is always float64);
the two engines sum in different orders, so they agree to ~1e-14 relative,
and rtol=1e-9 is a tolerance only a wrong gradient exceeds.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.vector as mt

RTOL, ATOL = 1e-9, 1e-12


def _micro():
    try:
        import mytorch.micro as mm

        mm.nn.Linear  # noqa: B018 - the micro engine and its nn must be usable
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"mytorch.micro cannot be imported yet ({type(exc).__name__}: {exc})")
    return mm


@pytest.fixture
def engines():
    mm = _micro()
    previous = mt.get_default_dtype()
    mt.set_default_dtype(mt.float64)
    try:
        yield mm, mt
    finally:
        mt.set_default_dtype(previous)


def _np(t):
    """A float64 copy of ``t``'s values (optimizers update parameters in place)."""
    return np.array(t.detach().numpy() if hasattr(t, "numpy") else t, dtype=np.float64, copy=True)


def _close(a, b, what):
    np.testing.assert_allclose(_np(a), _np(b), rtol=RTOL, atol=ATOL, err_msg=what)


def _mlp(e):
    n = e.nn
    return n.Sequential(
        n.Linear(4, 6),
        n.BatchNorm1d(6),
        n.GELU(),
        n.Dropout(0.25),
        n.Linear(6, 6),
        n.LayerNorm(6),
        n.SiLU(),
        n.Linear(6, 3),
    )


def _cnn(e):
    n = e.nn
    return n.Sequential(n.Conv2d(1, 2, 3, padding=1), n.ReLU(), n.MaxPool2d(2), n.Flatten(), n.Linear(18, 3))


def _train(e, make, x, y, optimizer, steps=3, seed=0):
    """Build from ``seed``, then take ``steps`` optimizer steps; record losses, grads, params."""
    e.manual_seed(seed)
    model = make(e)
    e.manual_seed(seed + 1)  # dropout masks: the same draws on both engines
    opt = optimizer(e, model.parameters())
    xs, ys = e.tensor(x), e.tensor(y)
    record = {"init": [_np(p) for p in model.parameters()], "loss": [], "grads": [], "params": []}
    for _ in range(steps):
        opt.zero_grad()
        loss = e.nn.functional.cross_entropy(model(xs), ys, label_smoothing=0.1)
        loss.backward()
        record["loss"].append(_np(loss))
        record["grads"].append([_np(p.grad) for p in model.parameters()])
        opt.step()
        record["params"].append([_np(p) for p in model.parameters()])
    model.eval()
    record["eval"] = _np(model(xs))
    record["names"] = [name for name, _ in model.named_parameters()]
    record["buffers"] = {k: _np(v) for k, v in model.state_dict().items()}
    return record


def _compare(micro, vector):
    assert micro["names"] == vector["names"]
    for a, b, name in zip(micro["init"], vector["init"], micro["names"]):
        _close(a, b, f"initial {name}")
    for step in range(len(micro["loss"])):
        _close(micro["loss"][step], vector["loss"][step], f"loss at step {step}")
        for a, b, name in zip(micro["grads"][step], vector["grads"][step], micro["names"]):
            _close(a, b, f"grad of {name} at step {step}")
        for a, b, name in zip(micro["params"][step], vector["params"][step], micro["names"]):
            _close(a, b, f"{name} after step {step}")
    for key, value in micro["buffers"].items():
        _close(value, vector["buffers"][key], f"state {key}")
    _close(micro["eval"], vector["eval"], "eval-mode output")


def _sgd(e, params):
    return e.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-3)


def _adam(e, params):
    return e.optim.Adam(params, lr=0.01)


@pytest.mark.parametrize("optimizer", [_sgd, _adam], ids=["SGD", "Adam"])
def test_mlp_trains_identically_on_both_engines(engines, optimizer):
    mm, vec = engines
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    _compare(_train(mm, _mlp, x, y, optimizer), _train(vec, _mlp, x, y, optimizer))


def test_cnn_trains_identically_on_both_engines(engines):
    mm, vec = engines
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 1, 6, 6)), np.array([2, 0])
    _compare(_train(mm, _cnn, x, y, _sgd), _train(vec, _cnn, x, y, _sgd))


# --------------------------------------------------------------- every functional op, both engines


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


class _Engine:
    """An engine module plus ``F``, its nn.functional."""

    def __init__(self, module):
        self.tensor = module.tensor
        self.F = module.nn.functional


FUNCTIONAL_CASES = {
    "conv2d": (
        lambda e, x, w, b: e.F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
        [(1, 2, 5, 6), (4, 1, 2, 3), (4,)],
    ),
    "conv2d_same": (lambda e, x, w: e.F.conv2d(x, w, padding="same"), [(1, 2, 4, 5), (2, 2, 2, 3)]),
    "conv1d": (lambda e, x, w, b: e.F.conv1d(x, w, b, stride=2, padding=1), [(2, 2, 7), (3, 2, 3), (3,)]),
    "max_pool2d": (lambda e, x: e.F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [(1, 2, 5, 6)]),
    "avg_pool2d": (lambda e, x: e.F.avg_pool2d(x, 2, 2, 1, count_include_pad=False), [(1, 2, 5, 5)]),
    "pad": (
        lambda e, x: e.F.pad(x, (1, 2, 2, 0), mode="reflect") + e.F.pad(x, (1, 2, 2, 0), value=2.0),
        [(1, 2, 3, 4)],
    ),
    "activations": (
        lambda e, x: (
            e.F.gelu(x)
            + e.F.gelu(x, "tanh")
            + e.F.silu(x)
            + e.F.leaky_relu(x, 0.1)
            + e.F.softplus(x)
            + e.F.sigmoid(x) * e.F.tanh(x)
            + e.F.relu(x)
        ),
        [(3, 4)],
    ),
    "softmax": (lambda e, x: e.F.softmax(x, 1) * e.F.log_softmax(x, 0), [(3, 4)]),
    "linear": (lambda e, x, w, b: e.F.linear(x, w, b), [(3, 4), (2, 4), (2,)]),
    "batch_norm": (
        lambda e, x, w, b: e.F.batch_norm(x, None, None, w, b, training=True),
        [(4, 3, 2), (3,), (3,)],
    ),
    "layer_norm": (lambda e, x, w, b: e.F.layer_norm(x, (3,), w, b), [(2, 3), (3,), (3,)]),
    "cross_entropy": (
        lambda e, x, w: e.F.cross_entropy(
            x, e.tensor([0, 2, 1, -100]), weight=w.detach(), label_smoothing=0.2, ignore_index=-100
        ),
        [(4, 3), (3,)],
    ),
    "cross_entropy_probs": (
        lambda e, x, p: e.F.cross_entropy(x, p.softmax(1), reduction="sum"),
        [(2, 3), (2, 3)],
    ),
    "nll_loss": (
        lambda e, x: e.F.nll_loss(x.log_softmax(1), e.tensor([[1, 0], [2, 2]]), reduction="none"),
        [(2, 3, 2)],
    ),
    "bce": (lambda e, x, t: e.F.binary_cross_entropy(x.sigmoid(), t.sigmoid()), [(2, 3), (2, 3)]),
    "bce_logits": (
        lambda e, x, t, pw: e.F.binary_cross_entropy_with_logits(x, t.sigmoid(), pos_weight=pw.abs()),
        [(2, 3), (2, 3), (3,)],
    ),
    "regression": (lambda e, x, t: e.F.mse_loss(x, t) + e.F.l1_loss(x, t, reduction="sum"), [(2, 3), (2, 3)]),
    "embedding": (lambda e, w: e.F.embedding(e.tensor([[1, 3], [3, 0]]), w, padding_idx=0), [(4, 2)]),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL_CASES))
def test_functional_op_agrees_across_engines(engines, name):
    fn, shapes = FUNCTIONAL_CASES[name]
    results = []
    for e in engines:
        inputs = [e.tensor(_x(*s, seed=i), requires_grad=True) for i, s in enumerate(shapes)]
        out = fn(_Engine(e), *inputs)
        g = np.random.default_rng(9).standard_normal(tuple(out.shape))
        out.backward(e.tensor(g))
        results.append((out, [t.grad for t in inputs]))
    (out_m, grads_m), (out_v, grads_v) = results
    _close(out_m, out_v, f"{name} forward")
    for i, (a, b) in enumerate(zip(grads_m, grads_v)):
        assert (a is None) == (b is None), f"{name}: grad {i} present on one engine only"
        if a is not None:
            _close(a, b, f"{name} grad of input {i}")


def test_layers_create_parameters_of_their_engine(engines):
    mm, vec = engines
    assert isinstance(mm.nn.Linear(2, 2).weight, mm.Tensor) and isinstance(
        mm.nn.Linear(2, 2).weight, mm.nn.Parameter
    )
    assert isinstance(vec.nn.Conv2d(1, 1, 1).weight, vec.Tensor)
    # one nn: the micro namespace's layers are the same classes, homed on the micro device
    assert mm.nn.Module is vec.nn.Module and issubclass(mm.nn.Linear, vec.nn.Linear)
    assert isinstance(mm.nn.Linear(2, 2), vec.nn.Module) and mm.nn.Linear(2, 2).weight.device.type == "micro"


def test_module_api_on_the_micro_engine(engines):
    mm, vec = engines

    class Seed(mm.nn.Module):
        def __init__(self):  # no super().__init__(), as in the seed's tutorial
            self.fc = mm.nn.Linear(2, 3)

        def forward(self, x):
            return self.fc(x)

    model = Seed()
    assert [n for n, _ in model.named_parameters()] == ["fc.weight", "fc.bias"]
    assert repr(model) == "Seed(\n  (fc): Linear(in_features=2, out_features=3, bias=True)\n)"
    model(mm.ones(1, 2)).sum().backward()
    grad = model.fc.weight.grad
    model.zero_grad(set_to_none=False)
    assert model.fc.weight.grad is grad and not _np(grad).any()
    model.zero_grad()
    assert model.fc.weight.grad is None
    assert not model.eval().training and model.train().fc.training
    vector_twin = vec.nn.Linear(2, 3)
    model.fc.load_state_dict(vector_twin.state_dict())  # tensors of the other engine load directly
    _close(model.fc.weight, vector_twin.weight, "weight loaded from the vector engine")


def test_dropout_masks_agree_across_engines(engines):
    outs = []
    for e in engines:
        e.manual_seed(4)
        outs.append(e.nn.Dropout(0.4)(e.ones(6, 5)))
    _close(outs[0], outs[1], "dropout masks")
    assert 0 < (_np(outs[0]) == 0).sum() < 30
