"""MNIST / Fashion-MNIST classification with an MLP or a CNN.

Example:
    >>> import numpy as np, mytorch.vector as mt
    >>> x = np.zeros((8, 28, 28), np.uint8); y = np.arange(8) % 10
    >>> result = fit(mt, "mlp", (x, y, x, y), epochs=1, batch_size=4, progress=False)
    >>> 0.0 <= result.test_accuracy <= 1.0
    True
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from ..utils.data import DataLoader, TensorDataset
from .progress import Progress

FASHION_CLASSES = [
    "T-shirt", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Boot",
]
MODELS = ("mlp", "cnn")


def build_model(engine: ModuleType, name: str) -> Any:
    """``mlp``: 784-256-128-10 ReLU. ``cnn``: two 3x3 conv blocks (16, 32 channels) and two Linear."""
    nn = engine.nn
    if name == "mlp":
        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 256), nn.ReLU(),
            nn.Linear(256, 128), nn.ReLU(),
            nn.Linear(128, 10),
        )
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 7 * 7, 128), nn.ReLU(),
            nn.Linear(128, 10),
        )
    raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}")


def prepare(images: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """uint8 (N, 28, 28) images to (N, 1, 28, 28) floats in [0, 1]."""
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"expected images of shape (N, 28, 28), got {images.shape}")
    return (images.astype(dtype) / dtype.type(255))[:, None]


@dataclass
class FitResult:
    model: Any
    losses: list[float] = field(default_factory=list)  # mean training loss per epoch
    step_losses: list[float] = field(default_factory=list)
    test_accuracy: float = 0.0
    test_pred: np.ndarray | None = None
    seconds_per_epoch: list[float] = field(default_factory=list)


def evaluate(engine: ModuleType, model: Any, x: np.ndarray, y: np.ndarray,
             batch_size: int = 1000) -> tuple[float, np.ndarray]:
    """Accuracy and predictions on (x, y), in eval mode and without a graph."""
    model.eval()
    preds = []
    with engine.no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(engine.tensor(x[start : start + batch_size]))
            preds.append(logits.numpy().argmax(axis=1))
    model.train()
    pred = np.concatenate(preds) if preds else np.zeros(0, np.int64)
    return float((pred == y).mean()) if len(y) else 0.0, pred


def fit(engine: ModuleType, model_name: str, data: tuple, *, epochs: int = 5,
        batch_size: int = 128, lr: float = 1e-3, seed: int = 0, progress: bool | None = None,
        on_epoch: Any = None) -> FitResult:
    """Train ``model_name`` on ``data = (train_x, train_y, test_x, test_y)`` (uint8 images) with Adam."""
    train_x, train_y, test_x, test_y = data
    dtype = np.dtype(engine.get_default_dtype())
    engine.manual_seed(seed)
    model = build_model(engine, model_name)
    optim = engine.optim.Adam(model.parameters(), lr=lr)
    loss_fn = engine.nn.functional.cross_entropy
    x_train, x_test = prepare(train_x, dtype), prepare(test_x, dtype)
    y_train = train_y.astype(np.int64)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True,
                        seed=seed)
    result = FitResult(model)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        bar = Progress(len(loader), desc=f"epoch {epoch}/{epochs}", enabled=progress)
        total, count = 0.0, 0
        for xb, yb in loader:
            loss = loss_fn(model(engine.tensor(xb)), engine.tensor(yb))
            optim.zero_grad()
            loss.backward()
            optim.step()
            value = loss.item()
            result.step_losses.append(value)
            total, count = total + value * len(yb), count + len(yb)
            bar.update(1, samples=len(yb), loss=total / count)
        bar.close()
        result.seconds_per_epoch.append(time.perf_counter() - start)
        result.losses.append(total / max(count, 1))
        result.test_accuracy, result.test_pred = evaluate(engine, model, x_test, test_y)
        if on_epoch is not None:
            on_epoch(epoch, result)
    return result
