"""The device-selection preamble of PyTorch tutorials, run on both engines and checked against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")

ENGINES = [mv, mm]


@pytest.mark.parametrize("mt", ENGINES, ids=["vector", "micro"])
def test_preamble_picks_the_cpu(mt):
    # the quickstart tutorial's preamble, and the older cuda/mps one
    dev = mt.accelerator.current_accelerator().type if mt.accelerator.is_available() else "cpu"
    assert dev == "cpu"
    assert mt.accelerator.current_accelerator() is None
    assert mt.cuda.is_available() is False and mt.cuda.device_count() == 0
    assert mt.backends.mps.is_available() is False
    device = mt.device("cuda" if mt.cuda.is_available() else "cpu")
    assert repr(device) == repr(torch.device("cpu")) and str(device) == "cpu"
    x = mt.ones(2, 3, device=device).to(device)
    # "cpu" is the host engine at hand: the preamble never moves a tensor off its engine (device)
    home = "cpu" if mt is mv else "micro"
    assert x.device == mt.device(home) and str(x.device) == home and isinstance(x, mt.Tensor)
    assert (x.device == device) == (mt is mv)


@pytest.mark.parametrize("spec", ["cpu", "cpu:0", "cuda", "cuda:1", ("cuda", 2), "mps"])
def test_device_objects_match_pytorch(spec):
    args = spec if isinstance(spec, tuple) else (spec,)
    ours, theirs = mv.device(*args), torch.device(*args)
    assert (ours.type, ours.index, str(ours), repr(ours)) == (
        theirs.type, theirs.index, str(theirs), repr(theirs)
    )
    assert mv.device(ours) == ours and hash(mv.device(ours)) == hash(ours)


def test_device_equality_follows_pytorch():
    assert (mv.device("cpu") == mv.device("cpu")) == (torch.device("cpu") == torch.device("cpu"))
    assert (mv.device("cpu") == mv.device("cpu:0")) == (torch.device("cpu") == torch.device("cpu:0"))
    assert (mv.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")


def test_unknown_device_type_is_a_runtime_error_like_pytorch():
    with pytest.raises(RuntimeError):
        torch.device("gpu")
    with pytest.raises(RuntimeError, match="device type at start of device string: gpu"):
        mv.device("gpu")
    with pytest.raises(TypeError, match="str or a device"):
        mv.device(3.0)


@pytest.mark.parametrize("mt", ENGINES, ids=["vector", "micro"])
@pytest.mark.parametrize("device", ["cpu", "cpu:0", mv.device("cpu")], ids=str)
def test_factories_accept_cpu(mt, device):
    made = [
        mt.zeros(2, device=device), mt.ones(2, device=device), mt.empty(2, device=device),
        mt.full((2,), 3.0, device=device), mt.rand(2, device=device), mt.randn(2, device=device),
        mt.arange(3, device=device), mt.linspace(0, 1, 3, device=device), mt.eye(2, device=device),
        mt.randperm(3, device=device), mt.randint(0, 3, (2,), device=device),
        mt.tensor([1.0], device=device), mt.as_tensor([1.0], device=device),
    ]
    like = mt.ones(2)
    made += [f(like, device=device) for f in (mt.zeros_like, mt.ones_like, mt.rand_like, mt.randn_like)]
    made.append(mt.full_like(like, 2.0, device=device))
    home = mt.device("cpu" if mt is mv else "micro")  # "cpu" asked for: the namespace's own engine
    assert all(t.device == home and isinstance(t, mt.Tensor) for t in made)


@pytest.mark.parametrize("mt", ENGINES, ids=["vector", "micro"])
def test_unavailable_device_raises_naming_it(mt):
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        mt.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="'cuda:0' is not available"):
        mt.ones(2).to("cuda:0")
    with pytest.raises(RuntimeError, match="'mps' is not available"):
        mt.tensor([1.0], device=mt.device("mps"))
    with pytest.raises(RuntimeError, match="not available"):
        mt.ones(2).cuda()
    with pytest.raises(RuntimeError, match="not available"):
        mt.nn.Linear(2, 2).to("cuda")
    with pytest.raises(RuntimeError, match="not available"):
        mt.nn.Linear(2, 2).cuda()


@pytest.mark.parametrize("mt", ENGINES, ids=["vector", "micro"])
def test_tensor_to_forms(mt):
    x = mt.tensor([1.5, 2.5])
    d = mt.device("cpu")
    assert x.to(d) is x and x.to("cpu") is x and x.to(device=d) is x and x.cpu() is x
    forms = [((d, mt.float64), {}), (("cpu",), {"dtype": mt.float64}),
             ((), {"device": "cpu", "dtype": mt.float64}), ((mt.float64,), {"non_blocking": True})]
    for args, kwargs in forms:
        y = x.to(*args, **kwargs)
        assert str(y.dtype) == "float64"
        np.testing.assert_array_equal(y.numpy(), [1.5, 2.5])
    # the same forms are valid in PyTorch
    tx, td = torch.tensor([1.5, 2.5]), torch.device("cpu")
    assert {tx.to(td, torch.float64).dtype, tx.to("cpu", dtype=torch.float64).dtype,
            tx.to(device="cpu", dtype=torch.float64).dtype} == {torch.float64}
    assert x.to(mt.tensor([1], dtype=mt.int64)).tolist() == [1, 2]  # to(other): other's dtype
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.to(devise="cpu")


@pytest.mark.parametrize("mt", ENGINES, ids=["vector", "micro"])
def test_module_to_device_keeps_parameters(mt):
    mt.manual_seed(0)
    net = mt.nn.Sequential(mt.nn.Linear(3, 4, device="cpu"), mt.nn.ReLU(), mt.nn.Linear(4, 1))
    params = list(net.parameters())
    device = mt.device("cuda" if mt.cuda.is_available() else "cpu")
    assert net.to(device) is net and net.to("cpu") is net and net.to(device=device) is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.device == mt.Tensor._location for p in net.parameters())  # "cpu": the engine at hand
    net.to(device, mt.float64)
    assert {str(p.dtype) for p in net.parameters()} == {"float64"}
