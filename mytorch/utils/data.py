"""Datasets and batching, with PyTorch's names and semantics.

Example:
    >>> import numpy as np
    >>> ds = TensorDataset(np.zeros((10, 3)), np.arange(10))
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True, seed=0)
    >>> [tuple(x.shape) for x, y in loader], len(loader)
    ([(4, 3), (4, 3), (2, 3)], 3)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from mytorch import _device, _random

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "random_split", "default_collate"]


class Dataset:
    """Base class for map-style datasets: subclasses define ``__getitem__`` and ``__len__``.

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self): return 5
        ...     def __getitem__(self, i): return i * i
        >>> next(iter(DataLoader(Squares(), batch_size=5))).tolist()
        [0, 1, 4, 9, 16]
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Rows of equally long arrays or tensors: item ``i`` is ``tuple(t[i] for t in tensors)``.

    Example:
        >>> ds = TensorDataset(np.ones((3, 2)), np.arange(3))
        >>> len(ds), int(ds[2][1])
        (3, 2)
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one array or tensor")
        tensors = tuple(t if hasattr(t, "shape") else np.asarray(t) for t in tensors)
        shapes = [tuple(t.shape) for t in tensors]
        if any(len(s) == 0 for s in shapes):
            raise ValueError(
                f"TensorDataset needs arrays with a first dimension, got shapes {shapes}"
            )
        if len({s[0] for s in shapes}) != 1:
            sizes = [s[0] for s in shapes]
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: first dimensions {sizes} "
                f"(shapes {shapes}) must all be equal"
            )
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])


class Subset(Dataset):
    """The items of ``dataset`` at ``indices``, in that order.

    Example:
        >>> [int(x) for (x,) in Subset(TensorDataset(np.arange(5) * 10), [4, 0])]
        [40, 0]
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class _CollateSizeError(RuntimeError, ValueError):
    """Samples of unequal length (PyTorch raises RuntimeError; MyTorch raised ValueError)."""


def _engine() -> Any:
    """The engine samples are collated onto: the default device's (the vector engine unless
    ``set_default_device`` or ``with mytorch.device(...)`` says otherwise)."""
    return _device.engine(_device.resolve(None, "default_collate"))


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, as PyTorch's ``default_collate``.

    Tensors are stacked; numpy arrays, numpy scalars and Python numbers become
    one Tensor of the default device (ints int64, floats float64, bools bool, numpy
    dtypes kept); dicts and namedtuples are collated field by field, other
    tuples and lists into a list of fields; strings stay a list.

    Example:
        >>> x, y = default_collate([(np.zeros(2), 1), (np.ones(2), 0)])
        >>> tuple(x.shape), y.tolist(), str(y.dtype)
        ((2, 2), [1, 0], 'int64')
    """
    if len(batch) == 0:
        raise ValueError("default_collate: cannot collate an empty batch")
    first = batch[0]
    engine = getattr(type(first), "_engine", None)
    if engine is not None:
        return engine.stack(list(batch))
    if isinstance(first, (np.ndarray, np.generic)) and first.dtype.kind in "biufc":
        return _engine().from_numpy(np.stack(batch))
    if isinstance(first, bool):
        return _engine().from_numpy(np.array(batch, dtype=np.bool_))
    if isinstance(first, int):
        return _engine().from_numpy(np.array(batch, dtype=np.int64))
    if isinstance(first, float):
        return _engine().from_numpy(np.array(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        lengths = {len(sample) for sample in batch}
        if len(lengths) != 1:
            raise _CollateSizeError(
                f"default_collate: each element in list of batch should be of equal size; "
                f"samples have different lengths {sorted(lengths)}"
            )
        fields = [default_collate(list(field)) for field in zip(*batch)]
        if hasattr(first, "_fields"):  # namedtuple
            return type(first)(*fields)
        return fields
    found = first.dtype if isinstance(first, (np.ndarray, np.generic)) else type(first).__name__
    raise TypeError(
        f"default_collate: don't know how to batch {found}: batch must contain tensors, numpy "
        "arrays, numbers, dicts or lists (pass collate_fn= for anything else)"
    )


def _numpy_source(dataset: Any) -> tuple[tuple[np.ndarray, ...], np.ndarray | None] | None:
    """For a TensorDataset of numpy arrays (possibly inside Subsets): its arrays and index map."""
    index_map = None
    while type(dataset).__getitem__ is Subset.__getitem__:
        indices = np.asarray(dataset.indices, dtype=np.intp)
        index_map = indices if index_map is None else indices[index_map]
        dataset = dataset.dataset
    if type(dataset).__getitem__ is not TensorDataset.__getitem__:
        return None
    if not all(type(t) is np.ndarray for t in dataset.tensors):
        return None
    return dataset.tensors, index_map


class DataLoader:
    """Iterate over ``dataset`` in batches, optionally reshuffled every epoch.

    Shuffling draws from ``generator`` (a ``numpy.random.Generator``) if
    given, else from one seeded with ``seed``, else from the shared RNG that
    ``manual_seed`` reseeds. A TensorDataset of numpy arrays (also inside a
    Subset) with the default collate is batched by fancy indexing, without
    per-item Python work.

    Example:
        >>> ds = TensorDataset(np.arange(10).reshape(5, 2), np.arange(5))
        >>> [y.tolist() for _, y in DataLoader(ds, batch_size=2, drop_last=True)]
        [[0, 1], [2, 3]]
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        generator: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size}")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass either generator= or seed=, not both")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"DataLoader: generator must be a numpy.random.Generator, "
                f"got {type(generator).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = np.random.default_rng(seed) if seed is not None else generator
        #: where batches are made: the default device now (``mytorch.micro.utils`` sets micro)
        self._home = _device.resolve(None, "DataLoader")

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        if self.shuffle:
            rng = self.generator if self.generator is not None else _random.generator()
            order = rng.permutation(n)
        else:
            order = np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        source = _numpy_source(self.dataset) if self.collate_fn is None else None
        return self._batches(order, stop, source)

    def _batches(self, order: np.ndarray, stop: int, source: Any) -> Iterator[Any]:
        collate = default_collate if self.collate_fn is None else self.collate_fn
        from_numpy = _device.engine(self._home).from_numpy
        for start in range(0, stop, self.batch_size):
            index = order[start : start + self.batch_size]
            if source is not None:
                arrays, index_map = source
                rows = index if index_map is None else index_map[index]
                yield [from_numpy(a[rows]) for a in arrays]
            else:
                with _device.home_device(self._home):
                    batch = collate([self.dataset[int(i)] for i in index])
                yield batch


def random_split(
    dataset: Any,
    lengths: Sequence[int | float],
    generator: np.random.Generator | None = None,
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random Subsets of the given lengths.

    ``lengths`` are item counts summing to ``len(dataset)``, or fractions
    (floats) summing to 1: floors, then the remainder handed out one by one
    from the first split, as PyTorch does. The permutation draws from ``generator``,
    else from the shared RNG.

    Example:
        >>> train, val = random_split(TensorDataset(np.arange(10)), [0.8, 0.2])
        >>> len(train), len(val)
        (8, 2)
    """
    n = len(dataset)
    lengths = list(lengths)
    fractions = any(not isinstance(x, (int, np.integer)) for x in lengths)
    if fractions and all(0 <= x <= 1 for x in lengths) and math.isclose(sum(lengths), 1):
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(x < 0 or int(x) != x for x in lengths):
        raise ValueError(
            f"random_split: lengths must be non-negative ints or fractions summing to 1, "
            f"got {lengths}"
        )
    lengths = [int(x) for x in lengths]
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length "
            f"of the input dataset ({n})"
        )
    rng = generator if generator is not None else _random.generator()
    order = rng.permutation(n).tolist()
    offsets = np.cumsum([0] + lengths).tolist()
    return [Subset(dataset, order[a:b]) for a, b in zip(offsets[:-1], offsets[1:])]
