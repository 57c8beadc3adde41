"""MLP epoch: 784-256-128-10 ReLU MLP, softmax cross-entropy, SGD(lr 0.01, momentum 0.9), float32.

Batch 128 on Fashion-MNIST (60,000 images, so 468 steps per epoch; random
data of the same shape when the files are absent). Three implementations
from the same initial weights and the same batches:

* ``mytorch``: ``mytorch.nn`` (Sequential, Linear, ReLU), ``nn.functional.cross_entropy``,
  ``mytorch.optim.SGD``;
* ``numpy``: a hand-written forward and backward (the floor a numpy engine can reach);
* ``torch``: the same model in PyTorch CPU, when installed.

Their step-0 losses must agree (rtol 1e-4). Reported: seconds per epoch
(median of interleaved rounds, ratios within each round) and, in a fresh
subprocess per implementation, the peak RSS over 1,000 training steps (the
high-water mark is reset after the data is loaded, so the transient of
decompressing the files, the same for all, does not hide the difference)
and the RSS growth from step 100 to step 1,000 (flat means no leak).

Run: ``python benchmarks/bench_mlp.py [--rounds 6] [--steps 468] [--no-rss]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    batch_order,
    check_step0,
    fashion_mnist,
    interleave_chunks,
    peak_rss_mb,
    pin_threads,
    reset_peak_rss,
    rss_mb,
    summarize,
    try_torch,
    uniform_init,
)

SIZES = (784, 256, 128, 10)
BATCH, LR, MOMENTUM = 128, 0.01, 0.9
EPOCH_STEPS = 60000 // BATCH  # 468


def initial_weights(seed: int = 0) -> list[np.ndarray]:
    """[W1, b1, W2, b2, W3, b3] with PyTorch's default Linear initialisation, float32."""
    rng = np.random.default_rng(seed)
    out = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        out += [uniform_init(rng, (n_out, n_in), n_in), uniform_init(rng, (n_out,), n_in)]
    return out


# --------------------------------------------------------------- the three implementations


class NumpyMLP:
    """The numpy floor: forward, softmax cross-entropy, backward and SGD with momentum, all float32."""

    def __init__(self, weights: list[np.ndarray]) -> None:
        self.params = [w.copy() for w in weights]
        self.buffers: list[np.ndarray | None] = [None] * len(weights)

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        w1, b1, w2, b2, w3, b3 = self.params
        h1 = x @ w1.T
        h1 += b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ w2.T
        h2 += b2
        a2 = np.maximum(h2, 0)
        z = a2 @ w3.T
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
        grads = [None] * 6
        grads[4], grads[5] = g.T @ a2, g.sum(axis=0)
        g = g @ w3
        g *= h2 > 0
        grads[2], grads[3] = g.T @ a1, g.sum(axis=0)
        g = g @ w2
        g *= h1 > 0
        grads[0], grads[1] = g.T @ x, g.sum(axis=0)
        for i, (p, grad) in enumerate(zip(self.params, grads)):
            buf = self.buffers[i]
            if buf is None:
                buf = self.buffers[i] = grad
            else:
                buf *= MOMENTUM
                buf += grad
            p -= LR * buf
        return float(loss)


def mytorch_step(weights: list[np.ndarray]) -> Callable[[np.ndarray, np.ndarray], Any]:
    import mytorch.nn.functional as F
    import mytorch.vector as mt

    net = mt.nn.Sequential(
        mt.nn.Linear(SIZES[0], SIZES[1]), mt.nn.ReLU(),
        mt.nn.Linear(SIZES[1], SIZES[2]), mt.nn.ReLU(),
        mt.nn.Linear(SIZES[2], SIZES[3]),
    )
    with mt.no_grad():
        for p, w in zip(net.parameters(), weights):
            p.copy_(w)
    opt = mt.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)

    def step(x: np.ndarray, y: np.ndarray) -> Any:
        loss = F.cross_entropy(net(mt.from_numpy(x)), mt.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def torch_step(weights: list[np.ndarray], torch: Any) -> Callable[[np.ndarray, np.ndarray], Any]:
    nn = torch.nn
    net = nn.Sequential(
        nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(),
        nn.Linear(SIZES[1], SIZES[2]), nn.ReLU(),
        nn.Linear(SIZES[2], SIZES[3]),
    )
    with torch.no_grad():
        for p, w in zip(net.parameters(), weights):
            p.copy_(torch.from_numpy(w))
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)

    def step(x: np.ndarray, y: np.ndarray) -> Any:
        loss = nn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def make_steps(weights: list[np.ndarray], torch: Any) -> dict[str, Callable[[np.ndarray, np.ndarray], Any]]:
    steps = {"mytorch": mytorch_step(weights), "numpy": NumpyMLP(weights).step}
    if torch is not None:
        steps["torch"] = torch_step(weights, torch)
    return steps


# --------------------------------------------------------------- measurements


def run(rounds: int = 6, steps: int = EPOCH_STEPS, rss: bool = True, rss_steps: int = 1000) -> dict[str, Any]:
    """Seconds per epoch (interleaved rounds) and, optionally, peak RSS per implementation."""
    pin_threads()
    torch = try_torch()
    x, y, source = fashion_mnist("train")
    batches = batch_order(len(x), BATCH, steps)
    losses = check_step0(make_steps(initial_weights(), torch), x[batches[0]], y[batches[0]])
    names = ["mytorch", "numpy"] + (["torch"] if torch is not None else [])
    chunk = 39  # 12 chunks per 468-step epoch, alternating between the implementations

    def run_chunk(step: Callable, c: int) -> None:
        for b in batches[c * chunk : (c + 1) * chunk]:
            step(x[b], y[b])

    makers = {name: (lambda name=name: make_steps(initial_weights(), torch)[name]) for name in names}
    results = interleave_chunks(makers, run_chunk, -(-len(batches) // chunk), rounds)
    out: dict[str, Any] = {
        "workload": f"MLP {'-'.join(map(str, SIZES))} ReLU, cross-entropy, "
                    f"SGD(lr {LR}, momentum {MOMENTUM}), float32, batch {BATCH}, {steps} steps",
        "data": source,
        "rounds": rounds,
        "step0_losses": losses,
        "seconds": summarize(results, "mytorch", "numpy", "torch", "numpy", "mytorch", "torch"),
    }
    if rss:
        out["rss"] = {name: rss_in_subprocess(name, rss_steps) for name in names}
    return out


def rss_in_subprocess(name: str, steps: int) -> dict[str, float]:
    """Run ``steps`` steps of one implementation in a fresh interpreter; its RSS figures (MB)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--rss-child", name, "--steps", str(steps)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def rss_child(name: str, steps: int) -> None:
    """In a fresh process: load the data, train ``steps`` steps, print RSS figures as JSON."""
    pin_threads()
    torch = try_torch() if name == "torch" else None
    x, y, _ = fashion_mnist("train")
    after_data, loading_peak = rss_mb(), peak_rss_mb()
    reset = reset_peak_rss()  # the peak below is the training's, not the file decompression's
    weights = initial_weights()
    if name == "numpy":
        step = NumpyMLP(weights).step
    elif name == "mytorch":
        step = mytorch_step(weights)
    else:
        step = torch_step(weights, torch)
    marks = {}
    for i, b in enumerate(batch_order(len(x), BATCH, steps), 1):
        step(x[b], y[b])
        if i in (100, steps):
            marks[i] = rss_mb()
    print(json.dumps({
        "after_data_mb": after_data,
        "loading_peak_mb": loading_peak,
        "rss_at_100_mb": marks.get(100, float("nan")),
        f"rss_at_{steps}_mb": marks[steps],
        "growth_100_to_end_mb": marks[steps] - marks.get(100, float("nan")),
        "peak_mb": peak_rss_mb() if reset else float("nan"),
    }))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--no-rss", action="store_true", help="skip the RSS subprocesses")
    parser.add_argument("--rss-child", choices=["mytorch", "numpy", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child, args.steps or 1000)
        return 0
    result = run(args.rounds, args.steps or EPOCH_STEPS, rss=not args.no_rss)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
