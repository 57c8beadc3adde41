"""Small models whose graphs ``mytorch graph`` draws: ``mlp``, ``cnn`` and ``boston``.

Each builder runs one forward pass and ``backward()`` from seed 0 on the
chosen engine and returns the loss and the model's named parameters, ready
for :func:`mytorch.viz.draw`:

* ``mlp``: a 2-4-1 ReLU MLP on one sample, MSE loss;
* ``cnn``: Conv2d(1, 2, 3) - ReLU - MaxPool2d(2) - Flatten - Linear(8, 3) on
  one 1x6x6 image, cross-entropy loss;
* ``boston``: the seed project's model (``l1``..``l4``: a 13-32-32-32-1 ReLU
  MLP) on the Boston data (min-max normalised as in the seed's tutorial) with
  its loss ``((pred - y) ** 2).mean()``; the vector engine
  takes the 379 training rows, the micro engine one row (its graph holds one
  node per scalar operation).

Example:
    >>> loss, params = build("mlp", "vector")
    >>> sorted(params)
    ['0.bias', '0.weight', '2.bias', '2.weight']
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

__all__ = ["MODELS", "ENGINES", "build"]

MODELS = ("mlp", "cnn", "boston")
ENGINES = ("micro", "vector")


def _engine(name: str) -> Any:
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}: expected one of {ENGINES}")
    return importlib.import_module(f"mytorch.{name}")


def _mlp(mt: Any, sizes: list[int]) -> Any:
    """``nn.Sequential`` of Linear layers with ReLU between them."""
    layers: list[Any] = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        if i:
            layers.append(mt.nn.ReLU())
        layers.append(mt.nn.Linear(a, b))
    return mt.nn.Sequential(*layers)


def _boston_rows(engine: str) -> tuple[np.ndarray, np.ndarray]:
    """The seed's training rows (index % 4 != 0), min-max scaled as in the seed's tutorial."""
    from ..recipes.boston import load_split

    data = load_split()
    x, y = data.train_x, data.train_y
    if engine == "micro":
        x, y = x[:1], y[:1]
    return x.astype(np.float32), y.astype(np.float32)


def build(model: str, engine: str = "vector", retain_graph: bool = False) -> tuple[Any, dict[str, Any]]:
    """Run ``model`` forward and backward on ``engine``; return ``(loss, named parameters)``.

    ``retain_graph``: keep the vector graph's saved tensors, so that backward can be replayed
    (``draw(..., chain_rule=True)``, :func:`mytorch.viz.replay`).
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}: expected one of {MODELS}")
    mt = _engine(engine)
    mt.manual_seed(0)
    if model == "mlp":
        net = _mlp(mt, [2, 4, 1])
        loss = mt.nn.functional.mse_loss(net(mt.tensor([[0.5, -1.5]])), mt.tensor([[1.0]]))
    elif model == "boston":
        from ..recipes.boston import seed_model

        x, y = _boston_rows(engine)
        net = seed_model(mt)
        loss = ((net(mt.tensor(x)) - mt.tensor(y)) ** 2).mean()  # the seed's loss, written out
    else:
        nn = mt.nn
        net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3))
        image = mt.randn(1, 1, 6, 6)
        loss = nn.functional.cross_entropy(net(image), mt.tensor([2]))
    loss.backward(retain_graph=retain_graph)
    return loss, dict(net.named_parameters())
