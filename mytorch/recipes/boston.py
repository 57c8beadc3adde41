"""The seed project's Boston tutorial as a reusable recipe.

Same data preparation as the seed's README: every fourth row is the test set,
features and the training target are min-max scaled with training statistics,
a 13-32-32-32-1 ReLU MLP is trained with Adam (lr 1e-3) on the full training
batch, and the mean absolute error is reported in the original units
($1000s).

Example:
    >>> import mytorch.vector as mt
    >>> result = train(mt, steps=5, progress=False)
    >>> sorted(result.metrics)
    ['test_mae', 'train_mae']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from ..datasets import boston
from .progress import Progress


@dataclass
class BostonData:
    """Scaled inputs and targets, plus the statistics to undo the target scaling."""

    train_x: np.ndarray
    train_y: np.ndarray  # scaled to [0, 1]
    test_x: np.ndarray
    test_y: np.ndarray  # original units
    y_min: np.ndarray
    y_max: np.ndarray

    def unscale(self, y: np.ndarray) -> np.ndarray:
        return y * (self.y_max - self.y_min) + self.y_min


def load_split(path: str | None = None) -> BostonData:
    """The seed's split (row i is test when i % 4 == 0) and min-max scaling."""
    x, y = boston(path)
    test = np.arange(len(x)) % 4 == 0
    train_x, test_x = x[~test], x[test]
    train_y, test_y = y[~test, None], y[test, None]
    x_min, x_max = train_x.min(0), train_x.max(0)
    y_min, y_max = train_y.min(0), train_y.max(0)
    return BostonData(
        train_x=(train_x - x_min) / (x_max - x_min),
        train_y=(train_y - y_min) / (y_max - y_min),
        test_x=(test_x - x_min) / (x_max - x_min),
        test_y=test_y,
        y_min=y_min,
        y_max=y_max,
    )


def seed_model(engine: ModuleType) -> Any:
    """The seed's ``Model``: four Linear layers with ReLU between them."""
    nn: Any = engine.nn

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.l1 = nn.Linear(13, 32)
            self.l2 = nn.Linear(32, 32)
            self.l3 = nn.Linear(32, 32)
            self.l4 = nn.Linear(32, 1)
            self.activation = nn.ReLU()

        def forward(self, x: Any) -> Any:
            out = self.activation(self.l1(x))
            out = self.activation(self.l2(out))
            out = self.activation(self.l3(out))
            return self.l4(out)

    return Model()


@dataclass
class BostonResult:
    model: Any
    data: BostonData
    losses: list[float]
    train_pred: np.ndarray
    test_pred: np.ndarray
    metrics: dict[str, float] = field(default_factory=dict)


#: What ``seed_model`` builds, saved next to checkpoints so they can be loaded back.
ARCHITECTURE = ("boston-seed-mlp: Linear(13, 32), ReLU, Linear(32, 32), ReLU, Linear(32, 32), ReLU, "
                "Linear(32, 1)")


def steps_per_epoch(n: int, batch_size: int | None) -> int:
    """Adam steps in one pass over ``n`` rows: 1 full batch, or ceil(n / batch_size) minibatches."""
    return 1 if batch_size is None or batch_size >= n else -(-n // batch_size)


def train(engine: ModuleType, steps: int = 1000, lr: float = 1e-3, seed: int = 0,
          batch_size: int | None = None, progress: bool | None = None,
          data: BostonData | None = None, epochs: int | None = None) -> BostonResult:
    """Train the seed model; ``batch_size=None`` uses the full training batch as the seed does.

    ``steps`` Adam steps on random minibatches (the recipe's original meaning), or, when
    ``epochs`` is given, that many passes over the shuffled training rows (PyTorch's
    meaning of an epoch): ``epochs * steps_per_epoch(n, batch_size)`` steps in all.
    """
    data = data or load_split()
    engine.manual_seed(seed)
    model = seed_model(engine)
    optim = engine.optim.Adam(model.parameters(), lr=lr)
    n = len(data.train_x)
    rng = np.random.default_rng(seed)
    total = steps if epochs is None else epochs * steps_per_epoch(n, batch_size)
    bar = Progress(total, desc="boston", enabled=progress, unit="samples")
    losses: list[float] = []
    dtype = engine.get_default_dtype()
    for rows in _batches(n, batch_size, rng, steps, epochs):
        x = engine.tensor(data.train_x[rows], dtype=dtype)
        y = engine.tensor(data.train_y[rows], dtype=dtype)
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optim.step()
        optim.zero_grad()
        losses.append(loss.item())
        bar.update(1, samples=len(data.train_x[rows]), loss=losses[-1])
        del loss  # free this step's graph now, not in the next forward (micro: ~120k Values; 1.15x faster)
    bar.close()
    with engine.no_grad():
        train_pred = data.unscale(model(engine.tensor(data.train_x, dtype=dtype)).numpy())
        test_pred = data.unscale(model(engine.tensor(data.test_x, dtype=dtype)).numpy())
    train_true = data.unscale(data.train_y)
    metrics = {
        "train_mae": float(np.abs(train_pred - train_true).mean()),
        "test_mae": float(np.abs(test_pred - data.test_y).mean()),
    }
    return BostonResult(model, data, losses, train_pred, test_pred, metrics)


def _batches(n: int, batch_size: int | None, rng: np.random.Generator, steps: int,
             epochs: int | None) -> Iterator[Any]:
    """Row selections: full batch, ``steps`` random minibatches, or ``epochs`` shuffled passes."""
    size = n if batch_size is None else batch_size
    full = size >= n
    if epochs is None:
        for _ in range(steps):
            yield slice(None) if full else rng.choice(n, size, False)
        return
    for _ in range(epochs):
        if full:
            yield slice(None)
            continue
        order = rng.permutation(n)
        for start in range(0, n, size):
            yield order[start : start + size]


def load_model(engine: ModuleType, path: str) -> Any:
    """Rebuild the seed model on ``engine`` and load a checkpoint written by ``mytorch train boston``.

    Example:
        >>> import os, tempfile, mytorch, mytorch.vector as mt
        >>> path = os.path.join(tempfile.mkdtemp(), "boston_model.npz")
        >>> mytorch.save(seed_model(mt).state_dict(), path)
        >>> load_model(mt, path).l4.weight.shape
        mytorch.Size([1, 32])
    """
    from ..serialization import load

    model = seed_model(engine)
    model.load_state_dict(load(path))
    return model


def graph_of_loss(engine: ModuleType, model: Any, data: BostonData, rows: int = 8) -> Any:
    """Loss of ``model`` on the first training rows, after backward: a graph to draw."""
    dtype = engine.get_default_dtype()
    x = engine.tensor(data.train_x[:rows], dtype=dtype)
    y = engine.tensor(data.train_y[:rows], dtype=dtype)
    model.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward(retain_graph=True)
    return loss
