"""Engines as devices: ``device=``, ``to()``, default devices, one nn homed on either engine.

The oracles: the other engine (a model moved with ``to("micro")`` computes the numbers
the vector model computes, gradients included), PyTorch's device rules where it has them,
and checkpoints written by the code before this change (tests/fixtures).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

import mytorch
import mytorch.micro as mm
import mytorch.vector as mv

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _no_default_device_left_behind():
    yield
    mytorch.set_default_device(None)


# ------------------------------------------------------------ where tensors are made
@pytest.mark.parametrize("factory", [
    lambda mt, d: mt.tensor([1.0, 2.0], device=d), lambda mt, d: mt.zeros(2, 3, device=d),
    lambda mt, d: mt.ones(2, device=d), lambda mt, d: mt.empty(2, device=d),
    lambda mt, d: mt.full((2,), 3.0, device=d), lambda mt, d: mt.rand(2, device=d),
    lambda mt, d: mt.randn(2, device=d), lambda mt, d: mt.randint(0, 5, (3,), device=d),
    lambda mt, d: mt.arange(4, device=d), lambda mt, d: mt.linspace(0, 1, 3, device=d),
    lambda mt, d: mt.eye(2, device=d), lambda mt, d: mt.randperm(4, device=d),
])
@pytest.mark.parametrize("namespace", [mytorch, mv, mm], ids=["mytorch", "vector", "micro"])
def test_factories_make_tensors_on_the_device_asked_for(factory, namespace):
    for asked, engine in (("micro", mm), ("vector", mv), (mytorch.device("micro"), mm)):
        t = factory(namespace, asked)
        assert type(t) is engine.Tensor and t.device == mytorch.device(asked)


def test_cpu_means_the_engine_at_hand():
    assert mm.zeros(2, device="cpu").device.type == "micro"  # a tutorial's device = "cpu" preamble
    assert mv.zeros(2, device="cpu").device == mytorch.device("cpu") == mytorch.device("vector")
    assert mytorch.zeros(2, device="cpu").device == mytorch.device("cpu")
    x = mm.ones(2)
    assert x.to("cpu") is x and x.cpu() is x and x.to("micro") is x
    assert x.to(mv.ones(1).device).device == mytorch.device("cpu")  # a tensor's .device is exact
    assert repr(mv.ones(1).device) == "device(type='cpu')" and str(x.device) == "micro"


def test_default_device_set_and_scoped():
    assert mytorch.get_default_device() == mytorch.device("cpu")
    with mytorch.device("micro"):
        assert mytorch.zeros(2).device.type == "micro" and mv.zeros(2).device.type == "micro"
        assert mytorch.get_default_device().type == "micro"
        with mytorch.device("vector"):
            assert mytorch.randn(2).device == mytorch.device("cpu")
        assert mytorch.nn.Linear(2, 1).weight.device.type == "micro"
    assert mytorch.zeros(2).device == mytorch.device("cpu") and mm.zeros(2).device.type == "micro"
    mytorch.set_default_device("micro")
    assert mytorch.ones(1).device.type == "micro" and mytorch.nn.Parameter(np.zeros(2)).device.type == "micro"
    mytorch.set_default_device(None)
    assert mytorch.ones(1).device == mytorch.device("cpu")


def test_like_factories_follow_their_tensor_as_in_pytorch():
    x = mm.ones(2, 3)
    for made in (mytorch.zeros_like(x), mv.zeros_like(x), mv.randn_like(x), mytorch.full_like(x, 2.0)):
        assert made.device.type == "micro" and tuple(made.shape) == (2, 3)
    assert mytorch.zeros_like(x, device="vector").device == mytorch.device("cpu")


def test_unavailable_devices_are_refused_by_name():
    available = "device 'cuda' is not available.*'cpu' \\(= 'vector'\\) and 'micro'"
    with pytest.raises(RuntimeError, match=available):
        mytorch.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="not available"):
        mm.ones(2).to("cuda:0")
    with pytest.raises(RuntimeError, match="not available"):
        mytorch.set_default_device("mps")


# ------------------------------------------------------------ moving tensors
@pytest.mark.parametrize("dtype", ["float64", "int64", "bool"])
def test_to_moves_values_both_ways(dtype):
    data = np.array([[1.5, -2.0, 0.0], [3.0, 4.25, -1.0]]).astype(dtype)
    v = mv.tensor(data)
    m = v.to("micro")
    assert type(m) is mm.Tensor and m.dtype == v.dtype and m.tolist() == v.tolist()
    back = m.to("vector")
    assert type(back) is mv.Tensor and back.dtype == v.dtype and np.array_equal(back.numpy(), data)
    assert v.to("micro", mytorch.float64).dtype == np.float64


def test_to_another_engine_refuses_a_tensor_in_a_graph_and_says_how():
    w = mv.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="gradients do not flow between engines; move .detach()"):
        w.to("micro")
    with mytorch.no_grad():
        assert w.to("micro").device.type == "micro"
    moved = w.detach().to("micro").requires_grad_()
    (moved * moved).sum().backward()
    assert moved.grad.tolist() == [2.0, 2.0] and w.grad is None


def test_mixing_devices_in_one_op_names_both():
    pattern = "expected all tensors to be on the same device, but found at least two devices, cpu and micro"
    for op in (lambda: mv.ones(2) + mm.ones(2), lambda: mv.ones(2, 2) @ mm.ones(2, 2),
               lambda: mytorch.cat([mv.ones(2), mm.ones(2)]), lambda: mytorch.stack([mv.ones(2), mm.ones(2)]),
               lambda: mytorch.where(np.array([True, False]), mv.ones(2), mm.ones(2))):
        with pytest.raises(RuntimeError, match=pattern):
            op()
    with pytest.raises(TypeError, match="cpu and micro"):  # also a TypeError, as MyTorch raised before
        mm.nn.Linear(2, 2)(mv.zeros(1, 2))


# ------------------------------------------------------------ one nn
def test_one_nn_imported_once():
    assert mv.nn is mytorch.nn and mv.optim is mm.optim is mytorch.optim
    assert mm.nn.Module is mytorch.nn.Module and mm.nn.Sequential is mytorch.nn.Sequential
    assert mm.nn.ReLU is mytorch.nn.ReLU and mm.nn.Parameter is mytorch.nn.Parameter
    assert mm.nn.functional is mytorch.nn.functional and mm.nn.init is mytorch.nn.init
    for name in ("Linear", "Conv2d", "BatchNorm1d", "LayerNorm", "Embedding"):
        homed, layer = getattr(mm.nn, name), getattr(mytorch.nn, name)
        assert issubclass(homed, layer) and issubclass(homed, mytorch.nn.Module) and homed.__name__ == name
    assert isinstance(mm.nn.Linear(2, 2), mytorch.nn.Linear)


def test_layers_take_pytorchs_device_kwarg():
    layer = mytorch.nn.Linear(3, 2, device="micro")
    assert all(p.device.type == "micro" for p in layer.parameters())
    assert all(isinstance(p, mm.Tensor) and isinstance(p, mytorch.nn.Parameter) for p in layer.parameters())
    bn = mytorch.nn.BatchNorm1d(3, device="micro")
    assert {t.device.type for t in (*bn.parameters(), *bn.buffers())} == {"micro"}
    assert mm.nn.Linear(3, 2, device="vector").weight.device == mytorch.device("cpu")


def _mlp():
    mytorch.manual_seed(0)
    return mytorch.nn.Sequential(
        mytorch.nn.Linear(4, 6), mytorch.nn.BatchNorm1d(6), mytorch.nn.Tanh(),
        mytorch.nn.LayerNorm(6), mytorch.nn.Linear(6, 2),
    ).double()


def test_a_moved_model_computes_the_same_numbers_and_gradients():
    model = _mlp()
    x = np.random.default_rng(1).standard_normal((5, 4))
    twin = copy.deepcopy(model).to("micro")
    assert {p.device.type for p in twin.parameters()} == {"micro"}
    assert twin[1].running_var.device.type == "micro"
    out_v, out_m = model(mv.tensor(x)), twin(mm.tensor(x))
    assert type(out_m) is mm.Tensor
    np.testing.assert_allclose(out_m.detach().numpy(), out_v.detach().numpy(), rtol=1e-12, atol=1e-14)
    (out_v ** 2).mean().backward()
    (out_m ** 2).mean().backward()
    for (name, pv), pm in zip(model.named_parameters(), twin.parameters(), strict=True):
        np.testing.assert_allclose(pm.grad.numpy(), pv.grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=name)
    np.testing.assert_allclose(twin[1].running_mean.numpy(), model[1].running_mean.numpy(), rtol=1e-12)


def test_moving_a_model_moves_grads_and_keeps_parameters_trainable():
    model = _mlp()
    (model(mv.tensor(np.random.default_rng(2).standard_normal((3, 4)))) ** 2).sum().backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    assert model.to("micro") is model
    for p, g in zip(model.parameters(), grads, strict=True):
        assert p.device.type == "micro" and p.requires_grad and p.is_leaf
        assert isinstance(p, mytorch.nn.Parameter)
        assert p.grad.device.type == "micro" and np.array_equal(p.grad.numpy(), g)
    opt = mytorch.optim.SGD(model.parameters(), lr=0.1)  # built after moving, as in PyTorch
    before = model[0].weight.detach().numpy().copy()
    opt.step()
    assert not np.array_equal(model[0].weight.detach().numpy(), before)
    model.to("vector")
    assert {p.device for p in model.parameters()} == {mytorch.device("cpu")}


def test_homed_dataloader_collates_onto_its_engine():
    data = mm.utils.data.TensorDataset(mm.ones(4, 2))
    batch = next(iter(mm.utils.data.DataLoader(data, batch_size=2)))
    assert type(batch[0]) is mm.Tensor
    with mytorch.device("micro"):
        loader = mytorch.utils.data.DataLoader([(np.zeros(2), 1)] * 3, batch_size=3)
    x, y = next(iter(loader))
    assert type(x) is mm.Tensor and y.tolist() == [1, 1, 1]


# ------------------------------------------------------------ checkpoints from before the change
def test_checkpoints_written_before_the_change_still_load():
    expected = np.load(FIXTURES / "checkpoint_v0_expected.npz")
    ckpt = mytorch.load(FIXTURES / "checkpoint_v0.npz")
    assert ckpt["epoch"] == 2 and set(ckpt["optimizer"]) == {"state", "param_groups"}
    for engine, where in ((mv, None), (mm, "micro")):
        model = mytorch.nn.Sequential(  # the model of fixtures/make_checkpoint_v0.py
            mytorch.nn.Linear(4, 6), mytorch.nn.BatchNorm1d(6), mytorch.nn.ReLU(), mytorch.nn.LayerNorm(6),
            mytorch.nn.Linear(6, 2),
        ).double()
        if where:
            model.to(where)
        model.load_state_dict(mytorch.load(FIXTURES / "checkpoint_v0.npz", map_location=where)["model"])
        model.eval()
        out = model(engine.tensor(expected["x"])).detach().numpy()
        np.testing.assert_allclose(out, expected["y"], rtol=1e-12, atol=1e-14)
        opt = mytorch.optim.Adam(model.parameters(), lr=1e-2)
        opt.load_state_dict(ckpt["optimizer"])
    from_safetensors = mytorch.load(FIXTURES / "checkpoint_v0.safetensors", map_location="micro")
    assert {type(t) for t in from_safetensors.values()} == {mm.Tensor}
    for key, tensor in from_safetensors.items():
        np.testing.assert_array_equal(tensor.numpy(), expected[key])
