"""The seed's Boston tutorial on the micro engine, timed, with the vector engine as the reference.

The workload is ``mytorch.recipes.boston.train``: the seed's 13-32-32-32-1 ReLU
MLP, Adam (lr 1e-3), full-batch steps over the 379 training rows (or
``--batch-size`` rows per step), then the train and test MAE in $1000s. A
round trains it once on ``mytorch.micro`` (one ``Value`` per element: about
118,000 Values and 2 million edges per full-batch step) and once on
``mytorch.vector`` in the same process, alternating which goes first.

The micro engine always computes in float64, so the vector run uses float64
too (``set_default_dtype``; the recipe's default on vector is float32): the
two then train the same model on the same batches and their MAEs agree to
float64 rounding (the script reports the difference and fails beyond 1e-9).

Timing: wall-clock and CPU seconds (``time.process_time``, less disturbed by
other processes on a shared machine), garbage collector on, median over
rounds. A run's time includes the recipe's final evaluation (two no-grad
forwards, about one step's time), so a short run scaled to 1000 steps
(``micro_seconds_per_1000_steps``) slightly overstates a full one. The
target is 1000 steps in under 30 s.

Run: ``python benchmarks/bench_boston_micro.py [--steps 1000] [--rounds 3] [--batch-size B]``;
or call ``run(steps, rounds, batch_size)``, which returns the numbers as a dict.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mytorch.micro as mm  # noqa: E402
import mytorch.vector as mv  # noqa: E402
from mytorch.recipes import boston  # noqa: E402

TARGET_SECONDS = 30.0
TARGET_STEPS = 1000
MAE_TOLERANCE = 1e-9


def _train(engine: Any, steps: int, batch_size: int | None, data: Any) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds, metrics) of one training run from a clean heap."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = boston.train(engine, steps=steps, batch_size=batch_size, progress=False, data=data)
    return time.perf_counter() - wall, time.process_time() - cpu, result.metrics


def run(steps: int = TARGET_STEPS, rounds: int = 3, batch_size: int | None = None) -> dict[str, Any]:
    """Train ``rounds`` times on each engine (interleaved); medians, MAEs and their difference."""
    if steps < 1 or rounds < 1:
        raise ValueError(f"steps and rounds must be >= 1, got steps={steps}, rounds={rounds}")
    data = boston.load_split()
    old_dtype, gc_was_enabled = mv.get_default_dtype(), gc.isenabled()
    gc.enable()
    mv.set_default_dtype(mv.float64)  # the micro engine's precision, for both engines
    times: dict[str, dict[str, list[float]]] = {e: {"wall": [], "cpu": []} for e in ("micro", "vector")}
    metrics: dict[str, dict] = {}
    try:
        for r in range(rounds):
            order = [("micro", mm), ("vector", mv)]
            for name, engine in order if r % 2 == 0 else reversed(order):
                wall, cpu, metrics[name] = _train(engine, steps, batch_size, data)
                times[name]["wall"].append(wall)
                times[name]["cpu"].append(cpu)
    finally:
        mv.set_default_dtype(old_dtype)
        if not gc_was_enabled:
            gc.disable()
    diff = max(abs(metrics["micro"][k] - metrics["vector"][k]) for k in ("train_mae", "test_mae"))
    if diff > MAE_TOLERANCE:
        raise AssertionError(f"the engines' MAEs differ by {diff:.3g}: {metrics}")
    result: dict[str, Any] = {
        "workload": (f"Boston seed MLP 13-32-32-32-1, Adam lr 1e-3, {steps} steps of "
                     f"{'the full batch (379 rows)' if batch_size is None else f'{batch_size} rows'}, "
                     "float64 on both engines, GC on"),
        "steps": steps,
        "rounds": rounds,
        "metrics": metrics,
        "max_mae_difference": diff,
    }
    for name, ts in times.items():
        for kind, values in ts.items():
            result[f"{name}_{kind}_seconds"] = statistics.median(values)
    scale = TARGET_STEPS / steps
    result["micro_seconds_per_1000_steps"] = result["micro_wall_seconds"] * scale
    result["micro_cpu_seconds_per_1000_steps"] = result["micro_cpu_seconds"] * scale
    result["micro_over_vector_cpu"] = result["micro_cpu_seconds"] / max(result["vector_cpu_seconds"], 1e-9)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=TARGET_STEPS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None, help="rows per step (default: full batch)")
    args = parser.parse_args(argv)
    r = run(args.steps, args.rounds, args.batch_size)
    print(r["workload"])
    print(f"median of {r['rounds']} interleaved rounds:")
    for name in ("micro", "vector"):
        m = r["metrics"][name]
        print(f"  {name:7s} {r[f'{name}_wall_seconds']:8.2f} s wall, {r[f'{name}_cpu_seconds']:8.2f} s CPU   "
              f"train MAE {m['train_mae']:.6f}, test MAE {m['test_mae']:.6f}")
    print(f"MAEs agree to {r['max_mae_difference']:.2g}; "
          f"micro / vector CPU time: {r['micro_over_vector_cpu']:.0f}x")
    per = r["micro_seconds_per_1000_steps"]
    verdict = "met" if per < TARGET_SECONDS else "missed"
    cpu = r["micro_cpu_seconds_per_1000_steps"]
    print(f"micro, {TARGET_STEPS} steps: {per:.1f} s wall ({cpu:.1f} s CPU); "
          f"target under {TARGET_SECONDS:.0f} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
