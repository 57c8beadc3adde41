"""Run benchmarks on two checkouts of MyTorch, alternately, and print their ratios side by side.

Each benchmark of each version runs in a fresh interpreter whose ``mytorch``
and ``benchmarks/`` come from that checkout, and the versions alternate
(A, B, B, A, ...), so a change is measured in the same run as what it
replaces, under the same machine load. The figures are the within-round
ratios each benchmark reports (MyTorch / numpy floor, MyTorch / PyTorch, ...).

Run::

    git worktree add --detach /tmp/before <commit>
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        python benchmarks/compare_versions.py /tmp/before . --repeats 2 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

#: benchmark module -> keyword arguments of its ``run`` (small enough to repeat).
BENCHMARKS: dict[str, dict[str, Any]] = {
    "bench_mlp": {"rss": False},
    "bench_cnn": {},
    "bench_overhead": {},
    "bench_tiny_gpt": {},
    "bench_scalar": {},
}


def run_one(root: Path, module: str, rounds: int) -> dict[str, Any] | None:
    """``module.run(rounds=...)`` of the checkout at ``root``, in a fresh interpreter (None: absent)."""
    if not (root / "benchmarks" / f"{module}.py").exists():
        return None
    kwargs = dict(BENCHMARKS[module], rounds=rounds)
    code = (
        "import json, sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/benchmarks']; "
        f"import {module} as b; print('JSON' + json.dumps(b.run(**json.loads(sys.argv[2]))))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(root), json.dumps(kwargs)],
                          capture_output=True, text=True, cwd=root)
    for line in done.stdout.splitlines():
        if line.startswith("JSON"):
            return json.loads(line[4:])
    print(f"{root} {module} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
    return None


def ratios(result: dict[str, Any]) -> dict[str, float]:
    """The median of every ``ratio_*`` (and per-op time) a benchmark reported."""
    out = {}
    for section in ("seconds", "per_op_us", "us_per_op"):
        for name, value in (result.get(section) or {}).items():
            wanted = name.startswith("ratio") or section != "seconds"
            if isinstance(value, dict) and "median" in value and wanted:
                out[f"{section}.{name}"] = value["median"]
    for name, value in result.items():
        if name.startswith("ratio") and isinstance(value, dict) and "median" in value:
            out[name] = value["median"]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each benchmark per version")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds inside each run")
    parser.add_argument("--only", nargs="*", default=list(BENCHMARKS))
    args = parser.parse_args()
    versions = {"before": args.before.resolve(), "after": args.after.resolve()}
    collected: dict[str, dict[str, dict[str, list[float]]]] = {}
    for module in args.only:
        for i in range(args.repeats):
            order = ("before", "after") if i % 2 == 0 else ("after", "before")
            for name in order:
                result = run_one(versions[name], module, args.rounds)
                if result is None:
                    continue
                for key, value in ratios(result).items():
                    collected.setdefault(module, {}).setdefault(key, {}).setdefault(name, []).append(value)
    print("| benchmark | measure | before | after |\n|---|---|---|---|")
    for module, measures in collected.items():
        for key, by_version in measures.items():
            cells = []
            for name in ("before", "after"):
                values = by_version.get(name, [])
                cells.append(f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"
                             if values else "-")
            print(f"| {module} | {key} | {cells[0]} | {cells[1]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
