"""mytorch.save / mytorch.load: state dicts and checkpoints in npz, no pickle, atomic writes."""

from __future__ import annotations

import io
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import mytorch
import mytorch.vector as mt
from mytorch import nn


def _model():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))


def test_state_dict_round_trip_into_a_fresh_model(tmp_path):
    mt.manual_seed(0)
    model = _model()
    model(mt.randn(4, 1, 6, 6))  # move the BatchNorm running stats
    path = tmp_path / "model.npz"
    mytorch.save(model.state_dict(), path)
    mt.manual_seed(1)
    fresh = _model()
    loaded = mytorch.load(path)
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(model.state_dict())
    assert all(isinstance(v, mt.Tensor) for v in loaded.values())
    fresh.load_state_dict(loaded)
    for (name, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        assert a.dtype == b.dtype and a.shape == b.shape, name
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=name)
    x = mt.randn(2, 1, 6, 6)
    model.eval(), fresh.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), fresh(x).detach().numpy())


def test_checkpoint_with_optimizer_state_and_scalars(tmp_path):
    mt.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = mt.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(2):
        model(mt.randn(5, 3)).pow(2).mean().backward()
        opt.step()
        opt.zero_grad()
    ckpt = {
        "model": model.state_dict(),
        "optim": opt.state_dict(),
        "epoch": 3,
        "note": "best",
        "history": [0.5, 0.25],
        "shape": (2, 3),
        "flag": None,
        "np": np.float32(1.5),
    }
    mytorch.save(ckpt, tmp_path / "ckpt.npz")
    back = mytorch.load(tmp_path / "ckpt.npz")
    assert back["epoch"] == 3 and back["note"] == "best" and back["history"] == [0.5, 0.25]
    assert back["shape"] == (2, 3) and back["flag"] is None and back["np"] == np.float32(1.5)
    assert back["optim"]["param_groups"][0]["lr"] == 1e-2
    assert set(back["optim"]["state"]) == {0, 1}  # integer keys survive
    model2 = nn.Linear(3, 2)
    opt2 = mt.optim.Adam(model2.parameters(), lr=1e-2)
    model2.load_state_dict(back["model"])
    opt2.load_state_dict(back["optim"])
    x = mt.randn(5, 3)
    for m, o in ((model, opt), (model2, opt2)):  # one more identical step on both
        m(x).pow(2).mean().backward()
        o.step()
    np.testing.assert_array_equal(model.weight.detach().numpy(), model2.weight.detach().numpy())


def test_dtypes_and_requires_grad_are_kept(tmp_path):
    obj = {
        "f32": mt.ones(2),
        "f64": mt.zeros(3, dtype=mt.float64),
        "i64": mt.tensor([1, 2]),
        "b": mt.tensor([True, False]),
        "scalar": mt.tensor(3.5),
        "w": mt.ones(2, requires_grad=True),
        "arr": np.arange(4, dtype=np.int16),
    }
    mytorch.save(obj, tmp_path / "t.npz")
    back = mytorch.load(tmp_path / "t.npz")
    for key, value in obj.items():
        assert back[key].dtype == value.dtype and tuple(back[key].shape) == tuple(value.shape), key
    assert back["w"].requires_grad and not back["f32"].requires_grad
    assert isinstance(back["arr"], np.ndarray) and back["scalar"].item() == 3.5


def test_file_objects(tmp_path):
    buffer = io.BytesIO()
    mytorch.save({"a": mt.ones(2)}, buffer)
    buffer.seek(0)
    assert mytorch.load(buffer)["a"].tolist() == [1.0, 1.0]


def test_file_holds_no_pickle_and_load_refuses_pickles(tmp_path):
    path = tmp_path / "m.npz"
    mytorch.save(nn.Linear(2, 2).state_dict(), path)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            with z.open(name) as member:
                header = member.read(10)
            assert header.startswith(b"\x93NUMPY"), name  # plain .npy members
    np.load(path, allow_pickle=False)  # loads without pickle
    evil = tmp_path / "evil.npz"
    np.savez(evil, __mytorch__=np.array({"format": "x"}, dtype=object))
    with pytest.raises(ValueError, match="not a readable mytorch.save file|damaged|format"):
        mytorch.load(evil)


def test_save_refuses_objects_it_cannot_store_without_pickle(tmp_path):
    with pytest.raises(TypeError, match=r"cannot store a function at obj\['fn'\]"):
        mytorch.save({"fn": lambda x: x}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="dtype object"):
        mytorch.save({"a": np.array([object()])}, tmp_path / "x.npz")
    assert not list(tmp_path.iterdir())  # nothing left behind


def test_atomic_write_keeps_the_old_file_when_saving_fails(tmp_path):
    path = tmp_path / "ckpt.npz"
    mytorch.save({"v": mt.ones(1)}, path)

    class Boom(mt.Tensor):
        __slots__ = ()

        def detach(self):  # save() reads each tensor through detach().numpy()
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        mytorch.save({"v": mt.zeros(1), "w": Boom([1.0])}, path)
    assert mytorch.load(path)["v"].tolist() == [1.0]
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # no temp file left


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        mytorch.load(tmp_path / "missing.npz")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="notes.txt.*not a readable mytorch.save file"):
        mytorch.load(text)
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.ones(2))
    with pytest.raises(ValueError, match="plain.npz.*not written by mytorch.save"):
        mytorch.load(plain)
    truncated = tmp_path / "cut.npz"
    mytorch.save({"w": mt.ones(100)}, truncated)
    truncated.write_bytes(truncated.read_bytes()[:200])
    with pytest.raises(ValueError, match="cut.npz"):
        mytorch.load(truncated)
    with pytest.raises(ValueError, match="engine must be"):
        mytorch.load(plain, engine="gpu")


def _micro():
    try:
        import mytorch.micro as mm

        mm.nn.Linear  # noqa: B018 - the micro engine and its nn must be usable
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"mytorch.micro is not usable yet ({type(exc).__name__}: {exc})")
    return mm


def test_state_dict_moves_between_engines(tmp_path):
    mm = _micro()
    mt.manual_seed(3)
    vec = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    mytorch.save(vec.state_dict(), tmp_path / "vec.npz")
    mic = mm.nn.Sequential(mm.nn.Linear(3, 4), mm.nn.BatchNorm1d(4), mm.nn.Linear(4, 2))
    loaded = mytorch.load(tmp_path / "vec.npz", engine=mm)
    assert all(isinstance(v, mm.Tensor) for v in loaded.values())
    mic.load_state_dict(loaded)
    mytorch.save(mic.state_dict(), tmp_path / "mic.npz")
    again = mytorch.load(tmp_path / "mic.npz", engine="vector")
    for name, value in vec.state_dict().items():
        np.testing.assert_array_equal(again[name].detach().numpy(), value.detach().numpy(), err_msg=name)
    vec.eval(), mic.eval()
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(
        np.asarray(mic(mm.tensor(x)).detach().numpy(), dtype=np.float64),
                   vec(mt.tensor(x)).detach().numpy(), rtol=1e-5
    )
    vec.load_state_dict(mic.state_dict())  # tensors of the other engine load directly too
