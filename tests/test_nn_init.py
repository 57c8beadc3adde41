"""nn.init and default layer initialisation: PyTorch's gains, fans, bounds and distributions.

Distribution checks use large tensors: for n samples the sample std of U(-a, a)
or N(0, s) is within a few percent of the target (relative std ~ 1/sqrt(2n)
< 0.5% for n = 60000), so a 3% tolerance only fails for a wrong formula.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch.vector as mt
from mytorch import nn
from mytorch.nn import init

NONLINEARITIES = ["linear", "conv1d", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]


@pytest.mark.parametrize("name", NONLINEARITIES)
def test_calculate_gain_matches_torch(name):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name), rel=1e-15)
    if name == "leaky_relu":
        assert init.calculate_gain(name, 0.2) == pytest.approx(
            torch.nn.init.calculate_gain(name, 0.2), rel=1e-15
        )


@pytest.mark.parametrize("shape", [(3, 4), (8, 2, 3, 3), (5, 6, 7)])
def test_fans_match_torch(shape):
    torch = pytest.importorskip("torch")
    assert init._calculate_fan_in_and_fan_out(
        mt.zeros(*shape)
    ) == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def _std_close(values, expected):
    assert abs(values.std() / expected - 1) < 0.03, (values.std(), expected)


def test_uniform_normal_constant():
    t = mt.empty(300, 200, dtype=mt.float64)
    assert init.uniform_(t, -2.0, 3.0) is t
    assert t.detach().numpy().min() >= -2.0 and t.detach().numpy().max() < 3.0
    _std_close(t.detach().numpy(), 5 / math.sqrt(12))
    init.normal_(t, 1.0, 0.5)
    assert abs(t.detach().numpy().mean() - 1.0) < 0.01
    _std_close(t.detach().numpy(), 0.5)
    assert init.constant_(t, 0.25).detach().numpy().tolist()[0][:2] == [0.25, 0.25]
    assert not init.zeros_(t).detach().numpy().any() and (init.ones_(t).detach().numpy() == 1).all()


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("relu", 0), ("leaky_relu", math.sqrt(5)), ("tanh", 0)])
def test_kaiming(mode, nonlinearity, a):
    w = mt.empty(300, 20, 3, 3, dtype=mt.float64)
    fan = 20 * 9 if mode == "fan_in" else 300 * 9
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    init.kaiming_uniform_(w, a=a, mode=mode, nonlinearity=nonlinearity)
    assert np.abs(w.detach().numpy()).max() <= math.sqrt(3) * std
    _std_close(w.detach().numpy(), std)
    init.kaiming_normal_(w, a=a, mode=mode, nonlinearity=nonlinearity)
    _std_close(w.detach().numpy(), std)


def test_xavier():
    w = mt.empty(250, 240, dtype=mt.float64)
    std = 2.0 * math.sqrt(2 / (250 + 240))
    init.xavier_uniform_(w, gain=2.0)
    assert np.abs(w.detach().numpy()).max() <= math.sqrt(3) * std
    _std_close(w.detach().numpy(), std)
    init.xavier_normal_(w, gain=2.0)
    _std_close(w.detach().numpy(), std)


def test_init_runs_under_no_grad_on_parameters():
    p = nn.Parameter(mt.zeros(3, 4))
    init.kaiming_uniform_(p)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None


@pytest.mark.parametrize(
    "make,fan_in",
    [
        (lambda: nn.Linear(200, 300), 200),
        (lambda: nn.Conv2d(12, 300, 5, groups=3), 4 * 25),
        (lambda: nn.Conv1d(40, 300, 5), 200),
    ],
)
def test_default_layer_init_is_pytorchs(make, fan_in):
    """weight: kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)); bias: the same range."""
    mt.manual_seed(0)
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    _std_close(w, bound / math.sqrt(3))
    assert np.abs(b).max() > 0.8 * bound  # 300 draws fill the range


def test_default_inits_of_norm_and_embedding_layers():
    bn = nn.BatchNorm2d(3)
    assert bn.weight.tolist() == [1.0] * 3 and bn.bias.tolist() == [0.0] * 3
    assert bn.running_var.tolist() == [1.0] * 3 and bn.num_batches_tracked.item() == 0
    mt.manual_seed(0)
    emb = nn.Embedding(400, 100, padding_idx=3)
    assert not emb.weight.detach().numpy()[3].any()
    _std_close(np.delete(emb.weight.detach().numpy(), 3, axis=0), 1.0)


def test_same_seed_same_weights():
    mt.manual_seed(11)
    a = nn.Conv2d(2, 3, 3)
    mt.manual_seed(11)
    b = nn.Conv2d(2, 3, 3)
    assert np.array_equal(a.weight.detach().numpy(), b.weight.detach().numpy()) and np.array_equal(
        a.bias.detach().numpy(), b.bias.detach().numpy()
    )
