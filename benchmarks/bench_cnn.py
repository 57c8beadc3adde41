"""CNN steps: conv 1->8 3x3 pad 1, ReLU, maxpool 2, conv 8->16 3x3 pad 1, ReLU, maxpool 2,
flatten, linear 784->10, cross-entropy, SGD(lr 0.01, momentum 0.9), float32, batch 64.

Three implementations from the same initial weights and the same batches
(Fashion-MNIST, or random data of its shape):

* ``mytorch``: ``mytorch.nn`` (Conv2d, ReLU, MaxPool2d, Flatten, Linear in a Sequential),
  ``nn.functional.cross_entropy``, ``mytorch.optim.SGD``;
* ``numpy``: the floor, a hand-written forward+backward with a ``sliding_window_view``
  im2col (one GEMM per convolution and per gradient, channels-last memory so that no
  transposing copies are needed, col2im by kernel-offset slice adds, max pooling as the
  max of four strided slices with first-max gradient routing);
* ``torch``: the same model in PyTorch CPU, when installed.

Their step-0 losses must agree (rtol 1e-4). Reported: seconds per 100 steps,
median of interleaved rounds, ratios within each round.

Run: ``python benchmarks/bench_cnn.py [--rounds 6] [--steps 100]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import (
    batch_order,
    check_step0,
    fashion_mnist,
    interleave_chunks,
    pin_threads,
    summarize,
    try_torch,
    uniform_init,
)
from numpy.lib.stride_tricks import sliding_window_view

BATCH, LR, MOMENTUM, STEPS = 64, 0.02, 0.9, 100


def initial_weights(seed: int = 0) -> list[np.ndarray]:
    """[conv1 w, b, conv2 w, b, linear w, b], PyTorch's default initialisation ranges, float32."""
    rng = np.random.default_rng(seed)
    return [
        uniform_init(rng, (8, 1, 3, 3), 9), uniform_init(rng, (8,), 9),
        uniform_init(rng, (16, 8, 3, 3), 72), uniform_init(rng, (16,), 72),
        uniform_init(rng, (10, 784), 784), uniform_init(rng, (10,), 784),
    ]


# --------------------------------------------------------------- the numpy floor


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """3x3, stride 1, padding 1: im2col with sliding_window_view, one GEMM; returns (out, cache).

    The GEMM gives (N*H*W, O) rows; the (N, O, H, W) result is a transposed view of it (no
    copy), and the elementwise ops after it keep that channels-last memory order, which the
    next im2col and the backward reshapes then read without transposing copies.
    """
    n, c, h, wd = x.shape
    o = w.shape[0]
    xp = np.zeros((n, h + 2, wd + 2, c), x.dtype).transpose(0, 3, 1, 2)  # channels-last memory
    xp[:, :, 1:-1, 1:-1] = x
    windows = sliding_window_view(xp, (3, 3), axis=(2, 3))  # (N, C, H, W, 3, 3), a view
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * wd, c * 9)  # the one copy
    out = cols @ w.reshape(o, -1).T
    out += b
    return out.reshape(n, h, wd, o).transpose(0, 3, 1, 2), (cols, x.shape)


def conv_backward(g: np.ndarray, w: np.ndarray, cache: tuple, need_dx: bool) -> tuple:
    cols, (n, c, h, wd) = cache
    o = w.shape[0]
    g2 = g.transpose(0, 2, 3, 1).reshape(n * h * wd, o)  # no copy when g is channels-last
    dw = (g2.T @ cols).reshape(w.shape)
    db = g2.sum(axis=0)
    if not need_dx:
        return None, dw, db
    dcols = (g2 @ w.reshape(o, -1)).reshape(n, h, wd, c, 3, 3)
    dxp = np.zeros((n, h + 2, wd + 2, c), g.dtype)
    for i in range(3):
        for j in range(3):
            dxp[:, i : i + h, j : j + wd, :] += dcols[:, :, :, :, i, j]
    return dxp[:, 1:-1, 1:-1, :].transpose(0, 3, 1, 2), dw, db


def pool_forward(x: np.ndarray) -> tuple[np.ndarray, tuple]:
    """2x2 max pooling over the (N, C, H/2, 2, W/2, 2) view of ``x``: the max of four strided slices."""
    n, c, h, w = x.shape
    win = x.reshape(n, c, h // 2, 2, w // 2, 2)
    parts = [win[:, :, :, i, :, j] for i in (0, 1) for j in (0, 1)]
    out = np.maximum(np.maximum(parts[0], parts[1]), np.maximum(parts[2], parts[3]))
    return out, (parts, out, x)


def pool_backward(g: np.ndarray, cache: tuple) -> np.ndarray:
    """Route each window's gradient to its first maximum (PyTorch's choice among ties)."""
    parts, out, x = cache
    dx = np.zeros_like(x)
    dwin = dx.reshape(dx.shape[0], dx.shape[1], dx.shape[2] // 2, 2, dx.shape[3] // 2, 2)
    taken = np.zeros(out.shape, bool)
    for k, part in enumerate(parts):
        first = part == out
        first &= ~taken
        taken |= first
        np.multiply(g, first, out=dwin[:, :, :, k // 2, :, k % 2])
    return dx


class NumpyCNN:
    """The numpy floor: forward, cross-entropy, backward, SGD with momentum, all float32."""

    def __init__(self, weights: list[np.ndarray]) -> None:
        self.params = [w.copy() for w in weights]
        self.buffers: list[np.ndarray | None] = [None] * len(weights)

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        w1, b1, w2, b2, w3, b3 = self.params
        x = x.reshape(-1, 1, 28, 28)
        h1, c1 = conv_forward(x, w1, b1)
        a1 = np.maximum(h1, 0)
        p1, q1 = pool_forward(a1)
        h2, c2 = conv_forward(p1, w2, b2)
        a2 = np.maximum(h2, 0)
        p2, q2 = pool_forward(a2)
        flat = p2.reshape(len(x), -1)
        z = flat @ w3.T
        z += b3
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = np.log(s[:, 0]).mean() - z[rows, y].mean()
        g = e
        g /= s
        g[rows, y] -= 1
        g *= np.float32(1 / len(y))
        grads: list[Any] = [None] * 6
        grads[4], grads[5] = g.T @ flat, g.sum(axis=0)
        g = (g @ w3).reshape(p2.shape)
        g = pool_backward(g, q2)
        g *= h2 > 0
        g, grads[2], grads[3] = conv_backward(g, w2, c2, need_dx=True)
        g = pool_backward(g, q1)
        g *= h1 > 0
        _, grads[0], grads[1] = conv_backward(g, w1, c1, need_dx=False)
        for i, (p, grad) in enumerate(zip(self.params, grads)):
            buf = self.buffers[i]
            if buf is None:
                buf = self.buffers[i] = grad
            else:
                buf *= MOMENTUM
                buf += grad
            p -= LR * buf
        return float(loss)


# --------------------------------------------------------------- mytorch and torch


def mytorch_model(weights: list[np.ndarray]) -> Any:
    import mytorch.vector as mt

    nn = mt.nn
    net = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(784, 10),
    )
    with mt.no_grad():
        for p, w in zip(net.parameters(), weights):
            p.copy_(w)
    return net


def mytorch_step(weights: list[np.ndarray]) -> Callable[[np.ndarray, np.ndarray], Any]:
    import mytorch.nn.functional as F
    import mytorch.vector as mt

    net = mytorch_model(weights)
    opt = mt.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)

    def step(x: np.ndarray, y: np.ndarray) -> Any:
        loss = F.cross_entropy(net(mt.from_numpy(x.reshape(-1, 1, 28, 28))), mt.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def torch_step(weights: list[np.ndarray], torch: Any) -> Callable[[np.ndarray, np.ndarray], Any]:
    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(784, 10),
    )
    with torch.no_grad():
        for p, w in zip(net.parameters(), weights):
            p.copy_(torch.from_numpy(w))
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)

    def step(x: np.ndarray, y: np.ndarray) -> Any:
        logits = net(torch.from_numpy(x.reshape(-1, 1, 28, 28)))
        loss = nn.functional.cross_entropy(logits, torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def make_steps(weights: list[np.ndarray], torch: Any) -> dict[str, Callable]:
    steps = {"mytorch": mytorch_step(weights), "numpy": NumpyCNN(weights).step}
    if torch is not None:
        steps["torch"] = torch_step(weights, torch)
    return steps


def run(rounds: int = 6, steps: int = STEPS) -> dict[str, Any]:
    """Seconds per ``steps`` steps of every implementation (interleaved rounds)."""
    pin_threads()
    torch = try_torch()
    x, y, source = fashion_mnist("train")
    batches = batch_order(len(x), BATCH, steps)
    losses = check_step0(make_steps(initial_weights(), torch), x[batches[0]], y[batches[0]])
    names = ["mytorch", "numpy"] + (["torch"] if torch is not None else [])
    chunk = 10  # chunks of 10 steps alternate between the implementations

    def run_chunk(step: Callable, c: int) -> None:
        for b in batches[c * chunk : (c + 1) * chunk]:
            step(x[b], y[b])

    makers = {name: (lambda name=name: make_steps(initial_weights(), torch)[name]) for name in names}
    results = interleave_chunks(makers, run_chunk, -(-len(batches) // chunk), rounds)
    return {
        "workload": "CNN conv(1->8,3x3,p1)-ReLU-maxpool2-conv(8->16,3x3,p1)-ReLU-maxpool2-linear(784->10), "
                    f"cross-entropy, SGD(lr {LR}, momentum {MOMENTUM}), float32, batch {BATCH}, "
                    f"{steps} steps",
        "data": source,
        "rounds": rounds,
        "step0_losses": losses,
        "seconds": summarize(results, "mytorch", "numpy", "mytorch", "torch", "torch", "numpy"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=STEPS)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.rounds, args.steps), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
