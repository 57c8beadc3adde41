"""mytorch.save/load in the safetensors format, checked against real PyTorch + safetensors.torch."""

from __future__ import annotations

import os

import numpy as np
import pytest

import mytorch
import mytorch.micro as mm
import mytorch.vector as mt

pytest.importorskip("safetensors", reason="the safetensors format needs the safetensors package")

DTYPES = ["float32", "float64", "int64", "bool"]


def _state(engine):
    rng = np.random.default_rng(0)
    return {
        "w32": engine.tensor(rng.standard_normal((2, 3)).astype(np.float32), dtype="float32"),
        "w64": engine.tensor(rng.standard_normal(4), dtype="float64"),
        "idx": engine.tensor(np.array([[1, -2], [3, 2**40]], dtype=np.int64), dtype="int64"),
        "mask": engine.tensor(np.array([True, False, True]), dtype="bool"),
        "count": engine.tensor(7, dtype="int64"),
    }


@pytest.mark.parametrize("save_engine", [mt, mm], ids=["vector", "micro"])
@pytest.mark.parametrize("load_engine", [mt, mm], ids=["vector", "micro"])
def test_round_trip_keeps_values_dtypes_shapes_and_order(tmp_path, save_engine, load_engine):
    state = _state(save_engine)
    path = tmp_path / "ckpt.safetensors"
    mytorch.save(state, path)
    loaded = mytorch.load(path, engine=load_engine)
    assert list(loaded) == list(state)
    for key, value in state.items():
        expected = np.asarray(value.numpy())
        if load_engine is mm and expected.dtype == np.float32:
            expected = expected.astype(np.float64)  # the micro engine holds floats as float64 only
        got = np.asarray(loaded[key].numpy())
        assert isinstance(loaded[key], load_engine.Tensor)
        assert got.dtype == expected.dtype and got.shape == expected.shape, key
        np.testing.assert_array_equal(got, expected)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.safetensors"]  # no temporary left behind
    # the file is a real safetensors file: the reference reader sees the same tensors
    from safetensors.numpy import load_file

    on_disk = load_file(str(path))
    assert sorted(on_disk) == sorted(state)
    for key, value in state.items():
        assert on_disk[key].dtype == np.asarray(value.numpy()).dtype
        np.testing.assert_array_equal(on_disk[key], value.numpy())


def test_format_argument_and_file_objects(tmp_path):
    state = {"w": mt.arange(6, dtype="float64").reshape(2, 3)}
    path = tmp_path / "weights.bin"
    mytorch.save(state, path, format="safetensors")
    with open(path, "rb") as f:
        assert int.from_bytes(f.read(8), "little") > 0 and f.read(1) == b"{"
    with open(path, "rb") as f:
        loaded = mytorch.load(f, format="safetensors")
    np.testing.assert_array_equal(loaded["w"].numpy(), np.arange(6.0).reshape(2, 3))
    # without format=, a non-.safetensors path is npz and this file is no npz
    with pytest.raises(ValueError, match="weights.bin"):
        mytorch.load(path)
    with pytest.raises(ValueError, match="format must be 'npz' or 'safetensors'"):
        mytorch.save(state, path, format="pickle")


def test_npz_is_still_the_default(tmp_path):
    path = tmp_path / "ckpt.npz"
    mytorch.save({"w": mt.ones(2), "epoch": 3}, path)
    loaded = mytorch.load(path)
    assert loaded["epoch"] == 3 and loaded["w"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "obj, message",
    [
        ({"w": mt.ones(2), "epoch": 3}, "holds only tensors, but 'epoch' is a int"),
        ({"model": {"w": mt.ones(2)}}, "holds only tensors, but 'model' is a dict"),
        ([mt.ones(2)], "expected a dict of name -> tensor"),
        ({1: mt.ones(2)}, "names must be str"),
    ],
)
def test_non_tensor_values_are_refused_with_a_clear_message(tmp_path, obj, message):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(TypeError, match=message):
        mytorch.save(obj, path)
    assert not path.exists() and os.listdir(tmp_path) == []


def _good_bytes(tmp_path):
    path = tmp_path / "good.safetensors"
    mytorch.save({"w": mt.ones((4, 4), dtype="float64")}, path)
    return path.read_bytes()


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda b: b[:5], "shorter than its header"),
        (lambda b: b[:-8], "not a readable safetensors file"),
        (lambda b: b[: len(b) // 2], "header claims|not a readable"),
        (lambda b: (10**12).to_bytes(8, "little") + b[8:], "header claims"),
        (lambda b: b[:8] + b"[" + b[9:], "header is not a JSON object"),
        (lambda b: b"PK\x03\x04" + b[4:], "header claims|not a readable|not a JSON object"),
        (lambda b: b"", "shorter than its header"),
    ],
    ids=[
        "5-bytes",
        "truncated-data",
        "half",
        "huge-header-length",
        "header-not-object",
        "npz-magic",
        "empty",
    ],
)
def test_damaged_files_give_value_error_naming_the_file(tmp_path, damage, message):
    path = tmp_path / "damaged.safetensors"
    path.write_bytes(damage(_good_bytes(tmp_path)))
    with pytest.raises(ValueError, match=message) as info:
        mytorch.load(path)
    assert "damaged.safetensors" in str(info.value)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        mytorch.load(tmp_path / "absent.safetensors")


def test_missing_package_gives_install_hint(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)  # makes `import safetensors.numpy` fail
    with pytest.raises(ImportError, match="pip install safetensors"):
        mytorch.save({"w": mt.ones(2)}, tmp_path / "w.safetensors")
    with pytest.raises(ImportError, match="pip install safetensors"):
        mytorch.load(tmp_path / "w.safetensors")


# ---------------------------------------------------------------- PyTorch interop

torch = pytest.importorskip("torch", reason="the PyTorch interop checks need torch")
safetensors_torch = pytest.importorskip("safetensors.torch", reason="needs safetensors.torch")


def _mlp(lib, dtype):
    nn = lib.nn
    return nn.Sequential(
        nn.Linear(4, 8, dtype=dtype),
        nn.ReLU(),
        nn.Linear(8, 8, dtype=dtype),
        nn.ReLU(),
        nn.Linear(8, 3, dtype=dtype),
    )


def _cnn(lib, dtype):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1, dtype=dtype),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(3 * 5 * 5, 2, dtype=dtype),
    )


MODELS = {"mlp": (_mlp, (6, 4)), "cnn": (_cnn, (6, 1, 5, 5))}
TOLERANCE = {"float64": 1e-12, "float32": 1e-6}


def _train_mytorch(make, shape, dtype):
    """A few SGD steps written as PyTorch code, with ``import mytorch.vector as torch``."""
    import mytorch.vector as torch_like

    torch_like.manual_seed(0)
    model = make(torch_like, getattr(torch_like, dtype))
    opt = torch_like.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(1)
    x = torch_like.tensor(rng.standard_normal(shape), dtype=getattr(torch_like, dtype))
    y = torch_like.tensor(
        rng.standard_normal((shape[0], model[-1].out_features)), dtype=getattr(torch_like, dtype)
    )
    for _ in range(5):
        opt.zero_grad()
        loss = torch_like.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    return model, x


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("arch", list(MODELS))
def test_mytorch_trained_model_runs_under_pytorch(tmp_path, arch, dtype):
    make, shape = MODELS[arch]
    model, x = _train_mytorch(make, shape, dtype)
    path = tmp_path / "model.safetensors"
    mytorch.save(model.state_dict(), path)

    theirs = make(torch, getattr(torch, dtype))
    theirs.load_state_dict(safetensors_torch.load_file(str(path)))  # strict: every key and shape must match
    expected = model(x).detach().numpy()
    got = theirs(torch.from_numpy(np.asarray(x.numpy()))).detach().numpy()
    assert got.dtype == expected.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])
    assert float(np.abs(expected).max()) > 0  # a model that outputs only zeros would prove nothing


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("arch", list(MODELS))
def test_pytorch_saved_model_loads_into_mytorch(tmp_path, arch, dtype):
    make, shape = MODELS[arch]
    torch.manual_seed(3)
    theirs = make(torch, getattr(torch, dtype))
    path = tmp_path / "model.safetensors"
    safetensors_torch.save_file(theirs.state_dict(), str(path))

    ours = make(mt, getattr(mt, dtype))
    ours.load_state_dict(mytorch.load(path))
    x = np.random.default_rng(2).standard_normal(shape).astype(dtype)
    expected = theirs(torch.from_numpy(x)).detach().numpy()
    got = ours(mt.tensor(x, dtype=getattr(mt, dtype))).detach().numpy()
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


LAYERS = {
    "Linear": lambda nn: nn.Linear(5, 3),
    "Linear-no-bias": lambda nn: nn.Linear(5, 3, bias=False),
    "Conv2d": lambda nn: nn.Conv2d(2, 4, (3, 2), stride=2),
    "BatchNorm2d": lambda nn: nn.BatchNorm2d(6),
    "BatchNorm1d": lambda nn: nn.BatchNorm1d(6),
    "LayerNorm": lambda nn: nn.LayerNorm((3, 4)),
    "Embedding": lambda nn: nn.Embedding(10, 4),
}


@pytest.mark.parametrize("layer", list(LAYERS))
def test_state_dict_keys_shapes_dtypes_equal_pytorch(tmp_path, layer):
    ours = LAYERS[layer](mt.nn)
    theirs = LAYERS[layer](torch.nn)
    path = tmp_path / "layer.safetensors"
    mytorch.save(ours.state_dict(), path)
    from_file = safetensors_torch.load_file(str(path))
    expected = {k: (tuple(v.shape), str(v.dtype)) for k, v in theirs.state_dict().items()}
    assert {k: (tuple(v.shape), str(v.dtype)) for k, v in from_file.items()} == expected
    theirs.load_state_dict(from_file)  # strict load into PyTorch's layer
    # and back: PyTorch's state dict, through a file, into ours
    safetensors_torch.save_file(theirs.state_dict(), str(path))
    ours.load_state_dict(mytorch.load(path))


def test_batchnorm_running_stats_travel_to_pytorch(tmp_path):
    mt.manual_seed(0)
    ours = mt.nn.Sequential(mt.nn.Conv2d(2, 3, 3, dtype=mt.float64), mt.nn.BatchNorm2d(3, dtype=mt.float64))
    x = np.random.default_rng(4).standard_normal((4, 2, 6, 6))
    for _ in range(3):
        ours(mt.tensor(x, dtype=mt.float64))  # training mode: updates running stats
    path = tmp_path / "bn.safetensors"
    mytorch.save(ours.state_dict(), path)
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, 3, dtype=torch.float64), torch.nn.BatchNorm2d(3, dtype=torch.float64)
    )
    state = safetensors_torch.load_file(str(path))
    assert int(state["1.num_batches_tracked"]) == 3 and state["1.num_batches_tracked"].dtype == torch.int64
    theirs.load_state_dict(state)
    ours.eval()
    theirs.eval()
    expected = ours(mt.tensor(x, dtype=mt.float64)).detach().numpy()
    got = theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
