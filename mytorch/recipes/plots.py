"""Result figures as PNG (matplotlib with the Agg backend; no screen needed).

Example:
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "loss.png")
    >>> loss_curve([1.0, 0.5, 0.25], path)
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np


class PlotsUnavailable(RuntimeError):
    """matplotlib is not installed: the ``mytorch`` command skips its plots with a note."""


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise PlotsUnavailable(
            "plots need matplotlib: pip install 'mytorch[plot]' (or pip install matplotlib)"
        ) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str) -> None:
    """Write atomically: a temp file in the same folder, renamed into place."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}.png"
    try:
        fig.savefig(tmp, dpi=100, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def loss_curve(losses: Sequence[float], path: str, title: str = "Training loss",
               xlabel: str = "step") -> None:
    """Plot the loss per step/epoch (log scale when it spans decades)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(np.arange(1, len(losses) + 1), losses)
    values = np.asarray(losses, dtype=float)
    if len(values) and values.min() > 0 and values.max() / values.min() > 100:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    _save(fig, path)
    plt.close(fig)


def boston_predictions(train_true: np.ndarray, train_pred: np.ndarray, train_mae: float,
                       test_true: np.ndarray, test_pred: np.ndarray, test_mae: float,
                       path: str) -> None:
    """The seed's Boston figure: true vs predicted price, train and test side by side."""
    plt = _pyplot()
    fig = plt.figure(figsize=(15, 3))
    for i, (name, true, pred, mae) in enumerate(
        [("Train", train_true, train_pred, train_mae), ("Test", test_true, test_pred, test_mae)]
    ):
        ax = fig.add_subplot(1, 2, i + 1)
        ax.set_title(f"Boston Dataset ({name})\nMAE: {mae:.4f}")
        ax.plot(np.ravel(true), label="True")
        ax.plot(np.ravel(pred), label="Pred")
        ax.set_xlabel("house")
        ax.set_ylabel("MEDV ($1000s)")
        ax.legend()
    _save(fig, path)
    plt.close(fig)


def digit_grid(images: np.ndarray, targets: np.ndarray, preds: np.ndarray, path: str,
               class_names: Sequence[str] | None = None, rows: int = 3, cols: int = 5) -> None:
    """The seed's MNIST figure: a grid of test images titled with target and prediction."""
    plt = _pyplot()
    fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols, 2.5 * rows))
    for k, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if k >= len(images):
            continue
        ax.imshow(np.asarray(images[k]).reshape(28, 28), cmap="gray")
        t, p = int(targets[k]), int(preds[k])
        name = (lambda c: class_names[c]) if class_names else str
        ax.set_title(f"target {name(t)}\npred {name(p)}", color="green" if t == p else "red",
                     fontsize=9)
    _save(fig, path)
    plt.close(fig)
