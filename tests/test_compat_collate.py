"""DataLoader's default collate as PyTorch's ``default_collate``: batches arrive as Tensors of the engine."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")
from torch.utils.data import default_collate as torch_collate  # noqa: E402

Point = namedtuple("Point", "a b")

BATCHES = {
    "ints": [1, 2, 3],
    "floats": [0.5, 1.5],
    "bools": [True, False],
    "np-float32-scalars": [np.float32(1), np.float32(2)],
    "np-int64-arrays": [np.arange(3), np.arange(3) * 2],
    "np-float32-arrays": [np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32)],
    "np-uint8-images": [np.full((1, 3, 3), 7, np.uint8), np.zeros((1, 3, 3), np.uint8)],
    "tuples": [(np.zeros(2), 1), (np.ones(2), 0)],
    "lists": [[1, 2.5], [3, 4.5]],
    "dicts": [{"x": np.zeros(2), "y": 1}, {"x": np.ones(2), "y": 0}],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
    "nested": [(np.zeros((2, 2)), (1, 2.0)), (np.ones((2, 2)), (3, 4.0))],
    "strings": ["a", "b"],
}


def _same(ours, theirs, tensor_cls):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tensor_cls), type(ours)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(np.asarray(ours.numpy(), dtype=np.float64), theirs.double().numpy())
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and ours.keys() == theirs.keys()
        for k in theirs:
            _same(ours[k], theirs[k], tensor_cls)
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b, tensor_cls)
    else:
        assert ours == theirs


@pytest.mark.parametrize("name", BATCHES)
@pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])
def test_default_collate_matches_pytorch(mt, name):
    if mt is mm and "float32" in name:
        pytest.skip("the micro engine computes in float64 only")
    batch = BATCHES[name]
    _same(mt.utils.data.default_collate(batch), torch_collate(batch), mt.Tensor)


@pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])
def test_targets_arrive_as_tensors_and_cross_entropy_takes_them(mt):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 4))
    y = rng.integers(0, 3, 6)

    class Pairs(mt.utils.data.Dataset):  # a tutorial-style Dataset returning numpy rows and ints
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return x[i], int(y[i])

    class TorchPairs(torch.utils.data.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return x[i], int(y[i])

    ours = list(mt.utils.data.DataLoader(Pairs(), batch_size=4))
    theirs = list(torch.utils.data.DataLoader(TorchPairs(), batch_size=4))
    for (xb, yb), (txb, tyb) in zip(ours, theirs, strict=True):
        assert isinstance(xb, mt.Tensor) and isinstance(yb, mt.Tensor)
        loss = mt.nn.functional.cross_entropy(xb, yb)
        tloss = torch.nn.functional.cross_entropy(txb, tyb)
        assert abs(loss.item() - tloss.item()) < 1e-12  # float64 inputs on both sides


def test_tensor_dataset_fast_path_gives_tensors_too():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6)
    for batch in mv.utils.data.DataLoader(mv.utils.data.TensorDataset(x, y), batch_size=4):
        assert isinstance(batch, list) and all(isinstance(t, mv.Tensor) for t in batch)
        assert str(batch[0].dtype) == "float32" and str(batch[1].dtype) == "int64"


def test_unequal_samples_raise_a_runtime_error_like_pytorch():
    with pytest.raises(RuntimeError):
        torch_collate([(1, 2), (1,)])
    with pytest.raises(RuntimeError, match="different lengths"):
        mv.utils.data.default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="don't know how to batch <U1"):
        mv.utils.data.default_collate([np.array(["a"]), np.array(["b"])])
