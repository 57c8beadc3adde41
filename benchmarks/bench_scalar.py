"""Scalar-engine throughput: ``mytorch.micro.Value`` against micrograd, nodes per second.

The workload is micrograd's own demo: ``MLP(2, [16, 16, 1])`` on 100 points of
a two-moons data set, max-margin (SVM) loss ``mean(relu(1 - y * score))`` plus
``1e-4 * sum(p * p)`` over the parameters, then ``zero_grad`` and
``backward``. The micro engine runs a copy of micrograd's ``nn.py`` built from
``mytorch.micro.Value`` with the same weights, so both build the same graph
(the script checks the node counts and losses are equal). Inputs are Python
floats for both (micrograd's notebook feeds numpy floats, which would slow
micrograd down further).

Timing: Python's garbage collector stays ON (as users run it). A round runs
``steps`` consecutive training steps (forward, zero_grad, backward) of one
engine, as a training loop does: assigning the next loss drops the previous
graph, which the micro engine frees at once (no reference cycles) while
micrograd's closures leave cycles for the cyclic GC. ``gc.collect()`` runs,
untimed, before each round so neither engine pays for the other's garbage; the
two engines alternate who goes first; the result is the median time per step
over rounds. ``--steps 1`` times single steps from a clean heap (micrograd then
pays for no earlier garbage: the most conservative ratio). Reported: graph
size, median seconds per step, nodes/s and the ratio micro / micrograd.

Run: ``python benchmarks/bench_scalar.py [--rounds N] [--steps S]``; or call
``run(rounds, steps)``, which returns the numbers as a dict.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mytorch._graph import topological_order  # noqa: E402
from mytorch.micro.value import Value  # noqa: E402

N_POINTS = 100
SIZES = [16, 16, 1]
STEPS = 3


# ---------------------------------------------------------------- micrograd's nn.py, on mytorch Values
class Neuron:
    def __init__(self, w: list[float], b: float, nonlin: bool = True) -> None:
        self.w = [Value(x) for x in w]
        self.b = Value(b)
        self.nonlin = nonlin

    def __call__(self, x: list[Any]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]


class Layer:
    def __init__(self, neurons: list[Neuron]) -> None:
        self.neurons = neurons

    def __call__(self, x: list[Any]) -> Any:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]


class MLP:
    """Same structure as ``micrograd.nn.MLP``, weights copied from one."""

    def __init__(self, reference: Any) -> None:
        self.layers = [
            Layer([Neuron([w.data for w in n.w], n.b.data, n.nonlin) for n in layer.neurons])
            for layer in reference.layers
        ]

    def __call__(self, x: list[Any]) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


# ---------------------------------------------------------------- the workload
def moons(n: int = N_POINTS, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles (like sklearn's make_moons), labels -1 / +1, as Python floats."""
    rng = np.random.default_rng(seed)
    half = n // 2
    t_out, t_in = np.linspace(0, np.pi, half), np.linspace(0, np.pi, n - half)
    x = np.concatenate([np.c_[np.cos(t_out), np.sin(t_out)], np.c_[1 - np.cos(t_in), 0.5 - np.sin(t_in)]])
    x += rng.normal(0.0, noise, x.shape)
    y = np.concatenate([-np.ones(half), np.ones(n - half)])
    return x.tolist(), y.tolist()


def svm_loss(model: Any, value_cls: type, xs: list[list[float]], ys: list[float]) -> Any:
    """micrograd's demo loss: mean max-margin loss plus L2 regularisation."""
    inputs = [list(map(value_cls, row)) for row in xs]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def count_nodes(root: Any) -> int:
    return len(topological_order(root, lambda v: v._prev))


def _time_steps(model: Any, value_cls: type, xs: list, ys: list, steps: int) -> tuple[float, float]:
    """Seconds per step of ``steps`` training-loop steps (forward, zero_grad, backward)."""
    gc.collect()  # start clean: no engine pays for the other's garbage
    start = time.perf_counter()
    loss = None
    for _ in range(steps):
        loss = svm_loss(model, value_cls, xs, ys)  # drops the previous step's graph, as a training loop does
        model.zero_grad()
        loss.backward()
    elapsed = time.perf_counter() - start
    return elapsed / steps, float(loss.data)


def run(rounds: int = 3, steps: int = STEPS) -> dict[str, Any]:
    """Time both engines ``rounds`` times (interleaved); return sizes, medians, nodes/s and the ratio.

    A round runs ``steps`` consecutive training steps per engine; its time per step is one sample.
    """
    if rounds < 1 or steps < 1:
        raise ValueError(f"rounds and steps must be >= 1, got rounds={rounds}, steps={steps}")
    gc_was_enabled, random_state = gc.isenabled(), random.getstate()
    gc.enable()  # the point of the comparison: users run with the garbage collector on
    try:
        return _run(rounds, steps)
    finally:
        random.setstate(random_state)
        if not gc_was_enabled:
            gc.disable()


def _run(rounds: int, steps: int) -> dict[str, Any]:
    xs, ys = moons()
    try:
        import micrograd.engine
        import micrograd.nn
    except ImportError:
        micrograd = None
    else:
        micrograd = (micrograd.engine.Value, micrograd.nn.MLP)

    random.seed(1337)
    if micrograd is not None:
        reference = micrograd[1](2, SIZES)
    else:  # same shapes and initialisation as micrograd.nn.MLP
        reference = _RandomReference(2, SIZES)
    mine = MLP(reference)
    nodes = count_nodes(svm_loss(mine, Value, xs, ys))
    engines: dict[str, tuple[Any, type]] = {"micro": (mine, Value)}
    if micrograd is not None:
        engines["micrograd"] = (reference, micrograd[0])
        reference_nodes = count_nodes(svm_loss(reference, micrograd[0], xs, ys))
        if reference_nodes != nodes:
            raise AssertionError(f"graphs differ: micrograd {reference_nodes} nodes, micro {nodes}")

    times: dict[str, list[float]] = {name: [] for name in engines}
    losses: dict[str, float] = {}
    for r in range(rounds):
        names = list(engines) if r % 2 == 0 else list(reversed(engines))
        for name in names:
            elapsed, losses[name] = _time_steps(*engines[name], xs, ys, steps)
            times[name].append(elapsed)
    if "micrograd" in losses and not np.isclose(losses["micro"], losses["micrograd"], rtol=1e-12):
        raise AssertionError(f"losses differ: {losses}")

    result: dict[str, Any] = {
        "workload": f"MLP(2, {SIZES}) on {N_POINTS} points, SVM loss + L2, forward+backward, GC on",
        "nodes": nodes,
        "rounds": rounds,
        "steps_per_round": steps,
        "loss": losses["micro"],
    }
    for name, ts in times.items():
        median = statistics.median(ts)
        result[f"{name}_seconds"] = median
        result[f"{name}_nodes_per_s"] = nodes / median
    result["ratio"] = (
        result["micro_nodes_per_s"] / result["micrograd_nodes_per_s"] if micrograd is not None else None
    )
    return result


class _RandomReference:
    """Weights drawn as micrograd.nn.MLP draws them, for when micrograd is not installed."""

    class _Unit:
        def __init__(self, **parts: Any) -> None:
            self.__dict__.update(parts)

    def __init__(self, nin: int, nouts: list[int]) -> None:
        sizes = [nin] + nouts
        self.layers = []
        for i in range(len(nouts)):
            neurons = [
                self._Unit(w=[Value(random.uniform(-1, 1)) for _ in range(sizes[i])], b=Value(0.0),
                           nonlin=i != len(nouts) - 1)
                for _ in range(sizes[i + 1])
            ]
            self.layers.append(self._Unit(neurons=neurons))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=STEPS, help="training steps per engine per round")
    args = parser.parse_args(argv)
    r = run(args.rounds, args.steps)
    print(r["workload"])
    print(f"graph: {r['nodes']} nodes; median of {r['rounds']} interleaved rounds of "
          f"{r['steps_per_round']} steps each")
    for name in ("micrograd", "micro"):
        if f"{name}_seconds" in r:
            print(f"  {name:10s} {r[f'{name}_seconds']:.3f} s   {r[f'{name}_nodes_per_s']:>12,.0f} nodes/s")
    if r["ratio"] is None:
        print("micrograd is not installed (pip install micrograd): no ratio")
    else:
        print(f"ratio micro / micrograd: {r['ratio']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
