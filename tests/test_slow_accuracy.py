"""Accuracy runs on full Fashion-MNIST (marked slow: ``python -m pytest -m slow``).

They need Debian's ``dataset-fashion-mnist`` package
(/usr/share/datasets/fashion-mnist) and skip with that reason without it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import mytorch.vector as mt
from mytorch.datasets import fashion_mnist
from mytorch.recipes import classify

FASHION = Path("/usr/share/datasets/fashion-mnist")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (FASHION / "t10k-labels-idx1-ubyte.gz").exists(),
        reason="full Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)",
    ),
]


@pytest.fixture(scope="module")
def data():
    return fashion_mnist(root=FASHION, download=False)


def test_cnn_reaches_90_percent(data):
    result = classify.fit(mt, "cnn", data, epochs=8, batch_size=128, lr=1e-3, progress=False)
    print(f"CNN test accuracy per run: {result.test_accuracy:.4f}, "
          f"seconds per epoch {[round(s, 1) for s in result.seconds_per_epoch]}")
    assert result.test_accuracy >= 0.90


def test_mlp_reaches_87_percent(data):
    result = classify.fit(mt, "mlp", data, epochs=10, batch_size=128, lr=1e-3, progress=False)
    print(f"MLP test accuracy: {result.test_accuracy:.4f}, "
          f"seconds per epoch {[round(s, 1) for s in result.seconds_per_epoch]}")
    assert result.test_accuracy >= 0.87
