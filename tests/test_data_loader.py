"""mytorch.utils.data: Dataset, TensorDataset, Subset, DataLoader, random_split."""

from __future__ import annotations

import time
from collections import namedtuple

import numpy as np
import pytest

import mytorch.vector as mv
from mytorch import _random
from mytorch.utils.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


def _xy(n: int = 10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return x, y


class Pairs(Dataset):
    """A plain Dataset (no fast path): item i is (array of [i, i], i)."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i, i], dtype=np.float64), i


def _labels(loader) -> list[int]:
    return [int(v) for _, y in loader for v in y]


# --- TensorDataset / Subset / Dataset ---------------------------------------------------------


def test_tensor_dataset_items_and_len():
    x, y = _xy()
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[3]
    np.testing.assert_array_equal(xi, x[3])
    assert yi == 3
    assert ds.tensors[0] is x


def test_tensor_dataset_size_mismatch_names_sizes():
    with pytest.raises(ValueError, match=r"first dimensions \[10, 9\]"):
        TensorDataset(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="first dimension"):
        TensorDataset(np.float64(1.0))


def test_base_dataset_is_abstract():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


def test_subset():
    x, y = _xy()
    sub = Subset(TensorDataset(x, y), [7, 2, 5])
    assert len(sub) == 3
    assert [int(sub[i][1]) for i in range(3)] == [7, 2, 5]


# --- DataLoader: batching ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [lambda: TensorDataset(*_xy()), lambda: Pairs(10)],
    ids=["tensor-dataset", "plain-dataset"],
)
@pytest.mark.parametrize(
    "batch_size, drop_last, sizes",
    [
        (4, False, [4, 4, 2]),
        (4, True, [4, 4]),
        (5, True, [5, 5]),
        (1, False, [1] * 10),
        (32, False, [10]),
        (32, True, []),
    ],
)
def test_batch_shapes_len_and_drop_last(make, batch_size, drop_last, sizes):
    ds = make()
    loader = DataLoader(ds, batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == len(sizes)
    batches = list(loader)
    assert [len(y) for _, y in batches] == sizes
    for x, y in batches:
        assert isinstance(x, mv.Tensor) and isinstance(y, mv.Tensor)  # PyTorch's default_collate
        assert tuple(x.shape[1:]) == np.asarray(ds[0][0]).shape
        assert np.dtype(y.dtype).kind == "i"
    assert _labels(batches) == list(range(sum(sizes)))  # no shuffle: in order


def test_tensor_dataset_batches_keep_dtype_and_values():
    x, y = _xy()
    xb, yb = next(iter(DataLoader(TensorDataset(x, y), batch_size=4)))
    assert xb.dtype == np.float32 and yb.dtype == np.int64
    np.testing.assert_array_equal(xb, x[:4])
    np.testing.assert_array_equal(yb, y[:4])


def test_fast_path_matches_item_by_item_collate():
    x, y = _xy(23)
    fast = DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True, seed=3)
    slow = DataLoader(
        TensorDataset(x, y), batch_size=5, shuffle=True, seed=3, collate_fn=default_collate
    )
    for (fx, fy), (sx, sy) in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(fx, sx)
        np.testing.assert_array_equal(fy, sy)
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype


def test_fast_path_is_fast():
    x = np.zeros((60000, 28, 28), dtype=np.uint8)
    y = np.zeros(60000, dtype=np.uint8)
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, seed=0)
    start = time.perf_counter()
    n = sum(len(yb) for _, yb in loader)
    elapsed = time.perf_counter() - start
    assert n == 60000
    assert elapsed < 0.5, f"one MNIST-sized epoch took {elapsed:.2f}s"


def test_subset_of_tensor_dataset_uses_indices():
    x, y = _xy(20)
    train, val = random_split(TensorDataset(x, y), [15, 5], generator=np.random.default_rng(0))
    got = _labels(DataLoader(val, batch_size=2))
    assert got == list(val.indices)
    nested = Subset(train, [0, 1, 2])
    assert _labels(DataLoader(nested, batch_size=3)) == [train.indices[i] for i in range(3)]


def test_overridden_getitem_is_respected():
    class Doubled(TensorDataset):
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return x * 2, y

    x, y = _xy(4)
    xb, _ = next(iter(DataLoader(Doubled(x, y), batch_size=4)))
    np.testing.assert_array_equal(xb, 2 * x)


def test_custom_collate_fn():
    loader = DataLoader(Pairs(5), batch_size=2, collate_fn=lambda items: [i for _, i in items])
    assert list(loader) == [[0, 1], [2, 3], [4]]


# --- DataLoader: shuffling --------------------------------------------------------------------


def test_shuffle_each_epoch_is_a_new_permutation():
    loader = DataLoader(TensorDataset(*_xy(50)), batch_size=8, shuffle=True, seed=1)
    epochs = [_labels(loader) for _ in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(50))  # every item exactly once
    assert epochs[0] != epochs[1] != epochs[2]
    assert epochs[0] != list(range(50))


def test_shuffle_deterministic_with_seed_and_generator():
    def run(**kw):
        loader = DataLoader(TensorDataset(*_xy(30)), batch_size=7, shuffle=True, **kw)
        return [_labels(loader), _labels(loader)]

    assert run(seed=5) == run(seed=5)
    assert run(seed=5) != run(seed=6)
    assert run(generator=np.random.default_rng(5)) == run(seed=5)
    # a plain Dataset shuffles the same way as the fast path
    loader = DataLoader(Pairs(30), batch_size=7, shuffle=True, seed=5)
    assert [_labels(loader), _labels(loader)] == run(seed=5)


def test_shuffle_uses_shared_rng_and_manual_seed():
    def epoch():
        return _labels(DataLoader(TensorDataset(*_xy(40)), batch_size=40, shuffle=True))

    _random.manual_seed(123)
    first = epoch()
    _random.manual_seed(123)
    assert epoch() == first
    assert sorted(first) == list(range(40))
    _random.manual_seed(123)
    expected = np.random.default_rng(123).permutation(40).tolist()
    assert epoch() == expected


def test_shuffle_with_drop_last_drops_a_random_remainder():
    loader = DataLoader(TensorDataset(*_xy(10)), batch_size=4, shuffle=True, drop_last=True, seed=0)
    seen = _labels(loader)
    assert len(loader) == 2 and len(seen) == 8 and len(set(seen)) == 8


def test_bad_arguments():
    ds = TensorDataset(*_xy())
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(TypeError, match="batch_size"):
        DataLoader(ds, batch_size=2.5)
    with pytest.raises(ValueError, match="not both"):
        DataLoader(ds, generator=np.random.default_rng(0), seed=0)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        DataLoader(ds, generator=0)


# --- default_collate --------------------------------------------------------------------------


def test_default_collate_types():
    assert default_collate([1, 2, 3]).tolist() == [1, 2, 3]
    assert default_collate([1, 2]).dtype == np.int64
    assert default_collate([0.5, 1.5]).dtype == np.float64
    assert default_collate([np.float32(1), np.float32(2)]).dtype == np.float32
    assert default_collate(["a", "b"]) == ["a", "b"]
    out = default_collate([{"x": np.zeros(2), "y": 1}, {"x": np.ones(2), "y": 0}])
    assert out["x"].shape == (2, 2) and out["y"].tolist() == [1, 0]
    Point = namedtuple("Point", "a b")
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.a.tolist() == [1, 3]
    nested = default_collate([(np.zeros((2, 2)), (1, 2.0)), (np.ones((2, 2)), (3, 4.0))])
    assert nested[0].shape == (2, 2, 2) and nested[1][0].tolist() == [1, 3]
    assert isinstance(nested, list)  # PyTorch collates a tuple of fields into a list
    assert isinstance(default_collate([[1, 2], [3, 4]]), list)


def test_default_collate_errors():
    with pytest.raises(TypeError, match="don't know how to batch object"):
        default_collate([object(), object()])
    with pytest.raises(ValueError, match="different lengths"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(ValueError, match="shape"):
        default_collate([np.zeros(2), np.zeros(3)])


def test_default_collate_uses_the_engine_stack():
    class FakeEngine:
        calls = []

        @staticmethod
        def stack(items):
            FakeEngine.calls.append(len(items))
            return ("stacked", len(items))

    class FakeTensor:
        _engine = FakeEngine

    assert default_collate([FakeTensor(), FakeTensor()]) == ("stacked", 2)
    assert FakeEngine.calls == [2]


def test_collate_vector_engine_tensors():
    mt = pytest.importorskip("mytorch.vector", reason="mytorch.vector cannot be imported")
    if getattr(mt, "__file__", None) is None:
        pytest.skip("mytorch.vector is an empty namespace package (engine not written yet)")
    x = np.arange(12, dtype=np.float64).reshape(4, 3)

    class Rows(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return mt.tensor(x[i]), i

    xb, yb = next(iter(DataLoader(Rows(), batch_size=3)))
    assert isinstance(xb, mt.Tensor)
    assert tuple(xb.shape) == (3, 3)
    np.testing.assert_array_equal(xb.numpy(), x[:3])
    assert yb.tolist() == [0, 1, 2]
    xb2, _ = next(iter(DataLoader(TensorDataset(mt.tensor(x), np.arange(4)), batch_size=2)))
    assert isinstance(xb2, mt.Tensor)
    np.testing.assert_array_equal(xb2.numpy(), x[:2])


# --- random_split -----------------------------------------------------------------------------


def test_random_split_sizes_and_disjoint():
    ds = TensorDataset(*_xy(100))
    parts = random_split(ds, [60, 30, 10], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [60, 30, 10]
    assert all(isinstance(p, Subset) and p.dataset is ds for p in parts)
    union = [i for p in parts for i in p.indices]
    assert sorted(union) == list(range(100))  # disjoint and complete
    assert union != list(range(100))  # shuffled
    assert int(parts[1][0][1]) == parts[1].indices[0]


def test_random_split_fractions():
    ds = TensorDataset(*_xy(10))
    assert [len(p) for p in random_split(ds, [0.8, 0.2])] == [8, 2]
    # floors 3, 3, 3 then the remainder goes to the first split (PyTorch's rule)
    assert [len(p) for p in random_split(ds, [1 / 3, 1 / 3, 1 / 3])] == [4, 3, 3]
    assert [len(p) for p in random_split(TensorDataset(*_xy(7)), [0.5, 0.5])] == [4, 3]


def test_random_split_deterministic():
    ds = TensorDataset(*_xy(20))
    a = random_split(ds, [10, 10], generator=np.random.default_rng(4))
    b = random_split(ds, [10, 10], generator=np.random.default_rng(4))
    assert [p.indices for p in a] == [p.indices for p in b]
    _random.manual_seed(9)
    c = random_split(ds, [10, 10])
    _random.manual_seed(9)
    assert [p.indices for p in random_split(ds, [10, 10])] == [p.indices for p in c]


def test_random_split_errors():
    ds = TensorDataset(*_xy(10))
    with pytest.raises(ValueError, match=r"sum of input lengths \(9\) .* dataset \(10\)"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match=r"sum of input lengths \(11\) .* dataset \(10\)"):
        random_split(ds, [5, 6])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(ds, [12, -2])
    with pytest.raises(ValueError, match="fractions summing to 1"):
        random_split(ds, [0.5, 0.4])
