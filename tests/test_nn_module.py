"""nn.Module: registration, traversal, state_dict, modes, dtype conversion, repr, containers.

Names, orders and reprs are compared with PyTorch's where torch is installed
(the equivalent torch model is built alongside), and with literal
expectations (PyTorch's documented conventions) otherwise.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import mytorch.vector as mt
from mytorch import nn


class SeedStyleModel(nn.Module):
    """The seed tutorial's style: no super().__init__()."""

    def __init__(self):
        self.l1 = nn.Linear(3, 4)
        self.l2 = nn.Linear(4, 1)
        self.activation = nn.ReLU()
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.l2(self.drop(self.activation(self.l1(x))))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)
        self.bn = nn.BatchNorm2d(3)
        self.register_buffer("scale", mt.ones(1))
        self.register_buffer("scratch", mt.zeros(2), persistent=False)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 5))

    def forward(self, x):
        return self.head(self.bn(self.conv(x)) * self.scale)


# --------------------------------------------------------------- registration and naming


def test_named_parameters_buffers_and_state_dict_keys():
    block = Block()
    assert [n for n, _ in block.named_parameters()] == [
        "conv.weight",
        "conv.bias",
        "bn.weight",
        "bn.bias",
        "head.1.weight",
        "head.1.bias",
    ]
    assert [n for n, _ in block.named_buffers()] == [
        "scale",
        "scratch",
        "bn.running_mean",
        "bn.running_var",
        "bn.num_batches_tracked",
    ]
    assert list(block.state_dict()) == [
        "scale",
        "conv.weight",
        "conv.bias",
        "bn.weight",
        "bn.bias",
        "bn.running_mean",
        "bn.running_var",
        "bn.num_batches_tracked",
        "head.1.weight",
        "head.1.bias",
    ]
    assert [n for n, _ in block.named_modules()] == ["", "conv", "bn", "head", "head.0", "head.1"]
    assert [n for n, _ in block.named_children()] == ["conv", "bn", "head"]
    assert len(list(block.parameters(recurse=False))) == 0
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in block.parameters())


def test_names_and_order_match_torch():
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    class TBlock(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv = tnn.Conv2d(2, 3, 3, padding=1)
            self.bn = tnn.BatchNorm2d(3)
            self.register_buffer("scale", torch.ones(1))
            self.register_buffer("scratch", torch.zeros(2), persistent=False)
            self.head = tnn.Sequential(tnn.Flatten(), tnn.Linear(3 * 4 * 4, 5))

    ours, theirs = Block(), TBlock()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    order, torder = [], []
    ours.apply(lambda m: order.append(type(m).__name__))
    theirs.apply(lambda m: torder.append(type(m).__name__.replace("TBlock", "Block")))
    assert order == torder


def test_shared_parameters_are_listed_once_but_state_dict_has_both_names():
    shared = nn.Linear(2, 2)
    net = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(net.parameters())) == 2
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [n for n, _ in net.named_modules()] == ["", "0", "1"]


def test_module_without_super_init_works():
    mt.manual_seed(0)
    model = SeedStyleModel()
    assert [n for n, _ in model.named_parameters()] == ["l1.weight", "l1.bias", "l2.weight", "l2.bias"]
    assert list(model.state_dict()) == ["l1.weight", "l1.bias", "l2.weight", "l2.bias"]
    assert repr(model) == (
        "SeedStyleModel(\n"
        "  (l1): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (l2): Linear(in_features=4, out_features=1, bias=True)\n"
        "  (activation): ReLU()\n"
        "  (drop): Dropout(p=0.5, inplace=False)\n"
        ")"
    )
    assert model.training and model.drop.training
    model.eval()
    assert not model.training and not model.drop.training
    x = mt.ones(2, 3)
    assert np.array_equal(model(x).detach().numpy(), model(x).detach().numpy())  # dropout off in eval
    model(x).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    other = SeedStyleModel()
    other.load_state_dict(model.state_dict())
    assert np.array_equal(other.l1.weight.detach().numpy(), model.l1.weight.detach().numpy())


def test_attribute_rules():
    m = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'weight'"):
        m.weight = mt.zeros(3, 2)
    m.bias = None
    assert m.bias is None and [n for n, _ in m.named_parameters()] == ["weight"]
    m.extra = nn.ReLU()
    assert "extra" in dict(m.named_children())
    del m.extra
    assert "extra" not in dict(m.named_children())
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
        _ = m.nope
    with pytest.raises(KeyError, match="be empty or contain"):
        m.register_buffer("a.b", mt.zeros(1))
    with pytest.raises(TypeError, match="cannot assign ndarray object to buffer"):
        m.register_buffer("buf", np.zeros(1))
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_parameter_is_a_tensor_with_pytorch_repr():
    p = nn.Parameter(mt.tensor([1.0, 2.0]))
    assert isinstance(p, mt.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:\ntensor([1., 2.]")
    assert not nn.Parameter(mt.zeros(1), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    assert type(p * 2) is mt.Tensor


# --------------------------------------------------------------- state_dict


def test_state_dict_round_trip_and_detached_values():
    a, b = Block(), Block()
    state = a.state_dict()
    assert all(not v.requires_grad for v in state.values())
    result = b.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert np.array_equal(x.detach().numpy(), y.detach().numpy()), name
    keep = a.state_dict(keep_vars=True)
    assert keep["conv.weight"] is a.conv.weight


def test_load_state_dict_errors_list_missing_unexpected_and_shapes_and_copy_nothing():
    net = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    before = net[0].weight.detach().numpy().copy()
    state = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    state["0.weight"] = np.ones((4, 2))
    state["1.weight"] = np.ones((1, 3)) * 5
    del state["1.bias"]
    state["2.weight"] = np.ones(1)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert "Error(s) in loading state_dict for Sequential" in message
    assert 'Missing key(s) in state_dict: "1.bias".' in message
    assert 'Unexpected key(s) in state_dict: "2.weight".' in message
    assert (
        "size mismatch for 0.weight: copying a param with shape (4, 2) from checkpoint, the shape in "
        "current model is (3, 2)." in message
    )
    assert np.array_equal(net[0].weight.detach().numpy(), before)
    assert not (net[1].weight.detach().numpy() == 5).all()  # nothing copied
    del state["0.weight"]
    with pytest.raises(RuntimeError, match="Missing key"):
        net.load_state_dict(state)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.weight", "1.bias"] and result.unexpected_keys == ["2.weight"]
    assert (net[1].weight.detach().numpy() == 5).all()


def test_load_state_dict_keeps_parameter_objects_and_dtypes():
    net = nn.Linear(2, 2)
    weight = net.weight
    net.load_state_dict({"weight": np.eye(2), "bias": np.zeros(2)})
    assert net.weight is weight and net.weight.dtype == np.float32
    assert net.weight.detach().numpy().tolist() == [[1.0, 0.0], [0.0, 1.0]]


# --------------------------------------------------------------- modes, gradients, dtype


def test_train_eval_propagate_and_validate():
    block = Block()
    assert block.eval() is block
    assert all(not m.training for m in block.modules())
    block.train()
    assert all(m.training for m in block.modules())
    with pytest.raises(ValueError, match="boolean"):
        block.train("yes")


def test_zero_grad_set_to_none_or_zeros():
    net = nn.Linear(3, 2)
    net(mt.ones(1, 3)).sum().backward()
    grad = net.weight.grad
    net.zero_grad(set_to_none=False)
    assert net.weight.grad is grad and not grad.detach().numpy().any()
    net.zero_grad()
    assert net.weight.grad is None and net.bias.grad is None


def test_to_double_converts_in_place_so_an_optimizer_built_before_still_works():
    mt.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    params = list(net.parameters())
    opt = mt.optim.SGD(net.parameters(), lr=0.1)
    assert net.to(mt.float64) is net
    assert [p for p in net.parameters()] == params and all(a is b for a, b in zip(net.parameters(), params))
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net[1].running_mean.dtype == np.float64
    assert net[1].num_batches_tracked.dtype == np.int64  # integer buffers keep their dtype
    before = net[0].weight.detach().numpy().copy()
    x = mt.tensor(np.arange(12.0).reshape(4, 3) ** 1.5)
    (net(x) * mt.tensor(np.arange(8.0).reshape(4, 2))).sum().backward()  # BN: a plain sum has no gradient
    opt.step()
    assert not np.array_equal(before, net[0].weight.detach().numpy())
    assert net[0].weight.grad.dtype == np.float64
    net.float()
    assert net[0].weight.dtype == np.float32 and net[0].weight.grad.dtype == np.float32
    assert net.double()[0].bias.dtype == np.float64
    assert net.to("cpu") is net


def test_requires_grad_and_get_submodule():
    block = Block()
    block.requires_grad_(False)
    assert not any(p.requires_grad for p in block.parameters())
    assert block.get_submodule("head.1") is block.head[1]
    assert block.get_parameter("head.1.bias") is block.head[1].bias
    with pytest.raises(AttributeError, match="no submodule 'nope'"):
        block.get_submodule("head.nope")


# --------------------------------------------------------------- repr


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    def build(n):
        return n.Sequential(
            n.Conv2d(1, 8, 3, stride=2, padding=1, bias=False),
            n.BatchNorm2d(8, momentum=None),
            n.ReLU(inplace=True),
            n.MaxPool2d(2),
            n.Conv2d(8, 8, (3, 1), padding="same", groups=4, dilation=2, padding_mode="reflect"),
            n.AvgPool2d(2, 1, 1),
            n.Flatten(),
            n.Dropout(0.25),
            n.Linear(13, 32),
            n.LayerNorm(32),
            n.GELU("tanh"),
            n.Sequential(n.Linear(32, 10, bias=False), n.LeakyReLU(0.2), n.SiLU()),
            n.ModuleList([n.Sigmoid(), n.Tanh()]),
            n.Softmax(dim=1),
            n.LogSoftmax(1),
            n.Identity(),
            n.Embedding(10, 3, padding_idx=0),
            n.Conv1d(2, 4, 3),
            n.BatchNorm1d(4, affine=False),
            n.CrossEntropyLoss(),
            n.MSELoss(),
            n.Softplus(),
            n.Unflatten(1, (2, 5)),
        )

    assert repr(build(nn)) == repr(build(tnn))


# --------------------------------------------------------------- containers


def test_sequential_indexing_len_iter_append_slice():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    net = nn.Sequential(*layers)
    assert len(net) == 3 and list(net) == layers
    assert net[0] is layers[0] and net[-1] is layers[2]
    sub = net[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == layers[1:]
    assert [n for n, _ in sub.named_children()] == ["1", "2"]  # PyTorch keeps the names in slices
    net.append(nn.Sigmoid())
    assert len(net) == 4 and isinstance(net[3], nn.Sigmoid)
    del net[1]
    assert [n for n, _ in net.named_children()] == ["0", "1", "2"] and isinstance(net[1], nn.Linear)
    with pytest.raises(IndexError, match="out of range"):
        net[7]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]
    x = mt.tensor([[1.0, -1.0]])
    np.testing.assert_allclose(named(x).detach().numpy(), named.act(named.fc(x)).detach().numpy())


def test_module_list_and_dict_register_children():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    blocks.append(nn.Linear(2, 1))
    assert len(blocks) == 4 and len(list(blocks.parameters())) == 8
    assert [n for n, _ in blocks.named_parameters()][:2] == ["0.weight", "0.bias"]
    blocks.insert(0, nn.ReLU())
    assert isinstance(blocks[0], nn.ReLU) and isinstance(blocks[-1], nn.Linear)
    heads = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ReLU()})
    assert list(heads) == ["a", "b"] and "a" in heads
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias"]


def test_builtin_abs_and_data_on_outputs():
    """The seed tutorial prints ``(abs(pred - y).mean()).data``."""
    pred, y = mt.tensor([[1.0], [4.0]]), mt.tensor([[2.0], [2.0]])
    mae = (abs(pred - y).mean()).data
    assert float(mae) == 1.5
