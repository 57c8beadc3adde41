"""Draw autograd graphs of both engines with ``mytorch.viz`` (needs Graphviz's ``dot``).

Writes, into ``docs/`` (or the folder given as the first argument):

* ``micro_mlp_2-4-1.svg``: the scalar engine's graph of a 2-4-1 ReLU MLP on one
  sample, one record per Value with its data and gradient (micrograd's picture);
* ``micro_mlp_2-4-1_collapsed.svg``: the same graph with one node per tensor
  operation (``collapse="tensor"``);
* ``vector_boston_model.svg``: the vector engine's graph of the seed project's
  Boston model (13-32-32-32-1 ReLU MLP, MSE loss), parameters named;
* ``vector_boston_model_grads.svg``: the same, coloured by gradient norm;
* ``micro_chain_rule.svg``: the chain rule itself on a small scalar expression
  (``chain_rule=True``): every edge labelled ``local x upstream = contribution``,
  the reused Value's gradient shown as the sum of its contributions;
* ``vector_mlp_chain_rule.svg``: the vector engine's 2-4-1 MLP with the gradient
  tensor on every edge and each op's backward rule;
* ``backward_replay.html``: backward of the micro 2-4-1 MLP replayed step by step
  (open it in a browser: Prev / Next / Play).

Run:  python examples/draw_graph.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import mytorch.micro as mm
import mytorch.vector as mt
import mytorch.viz as viz
from mytorch.datasets import boston

FILES = (
    "micro_mlp_2-4-1.svg",
    "micro_mlp_2-4-1_collapsed.svg",
    "vector_boston_model.svg",
    "vector_boston_model_grads.svg",
    "micro_chain_rule.svg",
    "vector_mlp_chain_rule.svg",
    "backward_replay.html",
)


def micro_mlp():
    """2-4-1 MLP on one sample, on the micro engine; returns the loss and named parameters."""
    mm.manual_seed(0)
    net = mm.nn.Sequential(mm.nn.Linear(2, 4), mm.nn.ReLU(), mm.nn.Linear(4, 1))
    x, y = mm.tensor([[0.5, -1.5]]), mm.tensor([[1.0]])
    loss = mm.nn.functional.mse_loss(net(x), y)
    loss.backward()
    return loss, dict(net.named_parameters())


class BostonModel(mt.nn.Module):
    """The seed README's model, unchanged: l1..l4 with a shared ReLU."""

    def __init__(self):
        super().__init__()
        self.l1 = mt.nn.Linear(13, 32)
        self.l2 = mt.nn.Linear(32, 32)
        self.l3 = mt.nn.Linear(32, 32)
        self.l4 = mt.nn.Linear(32, 1)
        self.activation = mt.nn.ReLU()

    def forward(self, x):
        out = self.activation(self.l1(x))
        out = self.activation(self.l2(out))
        out = self.activation(self.l3(out))
        return self.l4(out)


def vector_boston():
    """One forward/backward of the seed's Boston model on its training rows (vector engine)."""
    x, y = boston()
    train = np.arange(len(x)) % 4 != 0  # the seed's split: every 4th row is test
    x, y = x[train], y[train, None]
    x = (x - x.min(0)) / (x.max(0) - x.min(0))  # min-max scaling, as the seed does
    y = (y - y.min(0)) / (y.max(0) - y.min(0))
    mt.manual_seed(0)
    model = BostonModel()
    pred = model(mt.tensor(x.astype(np.float32)))
    loss = ((pred - mt.tensor(y.astype(np.float32))) ** 2).mean()
    loss.backward()
    return loss, dict(model.named_parameters())


def micro_expression():
    """A neuron-like scalar expression where ``x`` is used twice: its gradient is a sum."""
    from mytorch.micro.value import Value

    x, w, b = Value(0.5), Value(-1.5), Value(0.5)
    y = (x * w + b).tanh() * x
    y.backward()
    return y, {"x": x, "w": w, "b": b}


def vector_mlp():
    """2-4-1 MLP on one sample on the vector engine, graph kept so that backward can be replayed."""
    mt.manual_seed(0)
    net = mt.nn.Sequential(mt.nn.Linear(2, 4), mt.nn.ReLU(), mt.nn.Linear(4, 1))
    loss = mt.nn.functional.mse_loss(net(mt.tensor([[0.5, -1.5]])), mt.tensor([[1.0]]))
    loss.backward(retain_graph=True)
    return loss, dict(net.named_parameters())


def main(out_dir: str = "docs") -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    loss, params = micro_mlp()
    print("micro 2-4-1 MLP:", viz.count_nodes(loss), "nodes, loss", f"{loss.item():.4f}")
    viz.save(loss, out / "micro_mlp_2-4-1.svg", params=params)
    viz.save(loss, out / "micro_mlp_2-4-1_collapsed.svg", params=params, collapse="tensor")
    loss, params = vector_boston()
    print("vector Boston model:", viz.count_nodes(loss), "nodes, loss", f"{loss.item():.4f}")
    viz.save(loss, out / "vector_boston_model.svg", params=params, rankdir="TB")
    viz.save(loss, out / "vector_boston_model_grads.svg", params=params, rankdir="TB", color_grads=True)
    y, names = micro_expression()
    viz.save(y, out / "micro_chain_rule.svg", params=names, chain_rule=True)
    loss, params = vector_mlp()
    viz.save(loss, out / "vector_mlp_chain_rule.svg", params=params, chain_rule=True, rankdir="TB")
    loss, params = micro_mlp()
    viz.html(loss, out / "backward_replay.html", params=params, title="Backward of a 2-4-1 MLP, step by step")
    for name in FILES:
        print("wrote", out / name)


if __name__ == "__main__":
    main(*sys.argv[1:2])
