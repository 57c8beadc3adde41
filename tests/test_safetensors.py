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
    ids=["5-bytes", "truncated-data", "half", "huge-header-length", "header-not-object", "npz-magic", "empty"],
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
