"""Per-op overhead: a chain of 1,000 alternating ``x + 0.5`` / ``x * 0.999`` on a (4, 4) float32
tensor that requires grad; microseconds per op, forward, and forward + backward.

On a tensor this small the arithmetic is nothing: the chain measures what the
framework adds per operation (building the node, the output tensor, and in
backward visiting the node). ``numpy`` runs the same 1,000 operations on the
bare array (no autograd), the floor under both frameworks. Python's garbage
collector stays on, as users run (objects alive before a timed chain are frozen,
see ``_common.timed``). Each round times ``REPEATS`` chains per
implementation and keeps their median; rounds are interleaved, then the
median (and min-max) over rounds is reported.

Run: ``python benchmarks/bench_overhead.py [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import interleave, pin_threads, summarize, timed, try_torch

OPS = 1000
REPEATS = 20


def chain(x: Any) -> Any:
    for _ in range(OPS // 2):
        x = x + 0.5
        x = x * 0.999
    return x


def per_op_us(fn: Callable[[], Any]) -> float:
    """Median over REPEATS runs of ``fn`` (one chain), in microseconds per op (see ``timed``)."""
    times = [timed(fn) for _ in range(REPEATS)]
    return statistics.median(times) / OPS * 1e6


def run(rounds: int = 5) -> dict[str, Any]:
    pin_threads()
    torch = try_torch()
    import mytorch.vector as mt

    data = np.random.default_rng(0).random((4, 4), dtype=np.float32)
    x = mt.tensor(data, requires_grad=True)
    fns: dict[str, Callable[[], float]] = {
        "mytorch_fwd": lambda: per_op_us(lambda: chain(x)),
        "mytorch_fwd_bwd": lambda: per_op_us(lambda: chain(x).sum().backward()),
        "numpy_fwd": lambda: per_op_us(lambda: chain(data)),
    }
    if torch is not None:
        xt = torch.tensor(data, requires_grad=True)
        fns["torch_fwd"] = lambda: per_op_us(lambda: chain(xt))
        fns["torch_fwd_bwd"] = lambda: per_op_us(lambda: chain(xt).sum().backward())
    for fn in fns.values():  # warm up
        fn()
    results = interleave(fns, rounds)
    out = chain(x)
    if out.dtype != np.float32:
        raise AssertionError(f"the chain left float32: {out.dtype}")
    return {
        "workload": f"{OPS} alternating x + 0.5 / x * 0.999 on a (4, 4) float32 tensor requiring grad",
        "rounds": rounds,
        "us_per_op": summarize(results, "mytorch_fwd", "torch_fwd", "mytorch_fwd_bwd", "torch_fwd_bwd"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.rounds), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
