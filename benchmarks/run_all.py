"""Run every benchmark and write ``BENCHMARKS.md`` (tables, targets, machine and BLAS info, profiles).

Workloads: ``mlp`` (bench_mlp.py), ``cnn`` (bench_cnn.py), ``tiny_gpt``
(bench_tiny_gpt.py: examples/tiny_gpt.py against PyTorch), ``overhead``
(bench_overhead.py), ``scalar`` (bench_scalar.py, the micro engine against
micrograd, when that script exists), ``boston-micro`` (bench_boston_micro.py,
20 full-batch steps of the Boston recipe on micro, scaled to 1000), and one Fashion-MNIST epoch of the CNN
(fashion_cnn_epoch.py, in a subprocess). BLAS and torch run on 2 threads
(threadpoolctl, else OpenBLAS's own setter through ctypes). Every timing is
the median of interleaved rounds with its min-max; ratios are computed within
each round.

Run (from the repository root):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run_all.py [--rounds 6]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import io
import json
import pstats
import subprocess
import sys
from pathlib import Path
from typing import Any

import bench_cnn
import bench_mlp
import bench_overhead
import bench_tiny_gpt
from _common import ROOT, THREADS, batch_order, fashion_mnist, machine_info, pin_threads

HERE = Path(__file__).resolve().parent
COMMAND = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run_all.py"

TARGETS = {  # issue #16's (speed, wave 2) where it sets one, else the first wave's
    "mlp_vs_numpy": 1.05,
    "mlp_rss_vs_numpy": 1.15,
    "cnn_vs_numpy": 1.0,
    "cnn_vs_torch": 1.0,
    "gpt_vs_torch": 2.0,
    "overhead_fwd_us": 4.0,
    "overhead_fwd_bwd_us": 8.0,
    "fashion_seconds": 12.0,
    "fashion_accuracy": 0.85,
}


# --------------------------------------------------------------- formatting


def _t(s: dict[str, float], digits: int = 3, unit: str = "") -> str:
    return f"{s['median']:.{digits}f}{unit} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def _ok(value: float, limit: float, at_least: bool = False) -> str:
    good = value >= limit if at_least else value <= limit
    return "met" if good else "**missed**"


def _ratio(seconds: dict[str, Any], a: str, b: str) -> dict[str, float] | None:
    return seconds.get(f"ratio_{a}_over_{b}")


def mlp_section(r: dict[str, Any]) -> list[str]:
    s = r["seconds"]
    lines = [
        "## mlp",
        "",
        f"{r['workload']}; {r['data']}; step-0 losses "
        + ", ".join(f"{k} {v:.6f}" for k, v in r["step0_losses"].items()) + " (agree to rtol 1e-4).",
        "",
        "| implementation | seconds per epoch, median (min-max) | ratio to numpy floor, median (min-max) |",
        "|---|---|---|",
    ]
    for name in ("mytorch", "numpy", "torch"):
        if name in s:
            ratio = _ratio(s, name, "numpy")
            lines.append(f"| {name} | {_t(s[name])} | {_t(ratio, 2, 'x') if ratio else '1x'} |")
    ratio = s["ratio_mytorch_over_numpy"]["median"]
    lines += ["", f"Target: MyTorch at most {TARGETS['mlp_vs_numpy']}x the numpy floor: "
                  f"{ratio:.2f}x, {_ok(ratio, TARGETS['mlp_vs_numpy'])}."]
    if "ratio_mytorch_over_torch" in s:
        lines.append(f"MyTorch / PyTorch: {_t(s['ratio_mytorch_over_torch'], 2, 'x')}.")
    if "rss" in r:
        rss = r["rss"]
        end_key = next(k for k in rss["numpy"] if k.startswith("rss_at_") and k != "rss_at_100_mb")
        lines += [
            "",
            "Memory, each implementation in a fresh process training 1,000 steps (MB):",
            "",
            "| implementation | after loading data (peak while loading) | RSS at step 100 | RSS at step 1000 "
            "| growth 100->1000 | peak RSS while training | peak / numpy |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, m in rss.items():
            share = m["peak_mb"] / rss["numpy"]["peak_mb"]
            lines.append(
                f"| {name} | {m['after_data_mb']:.0f} ({m['loading_peak_mb']:.0f}) "
                f"| {m['rss_at_100_mb']:.0f} | {m[end_key]:.0f} | "
                f"{m['growth_100_to_end_mb']:+.1f} | {m['peak_mb']:.0f} | {share:.2f}x |"
            )
        peak = rss["mytorch"]["peak_mb"] / rss["numpy"]["peak_mb"]
        lines += ["", f"Target: MyTorch peak RSS at most {TARGETS['mlp_rss_vs_numpy']}x the floor's: "
                      f"{peak:.2f}x, "
                      f"{_ok(peak, TARGETS['mlp_rss_vs_numpy'])}; growth over steps 100-1000: "
                      f"{rss['mytorch']['growth_100_to_end_mb']:+.1f} MB."]
    return lines + [""]


def cnn_section(r: dict[str, Any]) -> list[str]:
    s = r["seconds"]
    lines = [
        "## cnn",
        "",
        f"{r['workload']}; {r['data']}; step-0 losses "
        + ", ".join(f"{k} {v:.6f}" for k, v in r["step0_losses"].items()) + " (agree to rtol 1e-4).",
        "",
        "| implementation | seconds per 100 steps, median (min-max) | ratio to numpy floor "
        "| ratio to PyTorch |",
        "|---|---|---|---|",
    ]
    scale = 100 / int(r["workload"].rsplit(", ", 1)[1].split()[0])
    for name in ("mytorch", "numpy", "torch"):
        if name not in s:
            continue
        per100 = {k: v * scale for k, v in s[name].items()}
        to_np = _ratio(s, name, "numpy")
        to_torch = _ratio(s, name, "torch")
        lines.append(f"| {name} | {_t(per100)} | {_t(to_np, 2, 'x') if to_np else '1x'} | "
                     f"{_t(to_torch, 2, 'x') if to_torch else ('1x' if name == 'torch' else '-')} |")
    vs_np = s["ratio_mytorch_over_numpy"]["median"]
    lines += ["", f"Targets: MyTorch at most {TARGETS['cnn_vs_numpy']}x the sliding_window_view floor: "
                  f"{vs_np:.2f}x, {_ok(vs_np, TARGETS['cnn_vs_numpy'])}."]
    if "ratio_mytorch_over_torch" in s:
        vs_t = s["ratio_mytorch_over_torch"]["median"]
        verdict = _ok(vs_t, TARGETS["cnn_vs_torch"])
        lines[-1] += f" At most {TARGETS['cnn_vs_torch']}x PyTorch: {vs_t:.2f}x, {verdict}."
    return lines + [""]


def gpt_section(r: dict[str, Any]) -> list[str]:
    s = r["seconds"]
    lines = [
        "## tiny_gpt",
        "",
        f"{r['workload']}; step-0 losses "
        + ", ".join(f"{k} {v:.6f}" for k, v in r["step0_losses"].items()) + " (agree to rtol 1e-5).",
        "",
        "| implementation | seconds per 100 steps, median (min-max) | ratio to PyTorch |",
        "|---|---|---|",
    ]
    scale = 100 / r["steps"]
    for name in ("mytorch", "torch"):
        if name in s:
            per100 = {k: v * scale for k, v in s[name].items()}
            ratio = _ratio(s, name, "torch")
            lines.append(f"| {name} | {_t(per100)} | {_t(ratio, 2, 'x') if ratio else '1x'} |")
    if "ratio_mytorch_over_torch" in s:
        vs_t = s["ratio_mytorch_over_torch"]["median"]
        lines += ["", f"Target: MyTorch at most {TARGETS['gpt_vs_torch']}x PyTorch: {vs_t:.2f}x, "
                      f"{_ok(vs_t, TARGETS['gpt_vs_torch'])}."]
    else:
        lines += ["", "PyTorch is not installed: no ratio."]
    return lines + [""]


def overhead_section(r: dict[str, Any]) -> list[str]:
    u = r["us_per_op"]
    lines = [
        "## overhead",
        "",
        f"{r['workload']}; microseconds per op, median of {r['rounds']} interleaved rounds (min-max), "
        "each round the median of 20 chains, garbage collector on (see above).",
        "",
        "| implementation | forward | forward + backward |",
        "|---|---|---|",
        f"| mytorch | {_t(u['mytorch_fwd'], 2)} | {_t(u['mytorch_fwd_bwd'], 2)} |",
    ]
    if "torch_fwd" in u:
        lines.append(f"| torch | {_t(u['torch_fwd'], 2)} | {_t(u['torch_fwd_bwd'], 2)} |")
    lines.append(f"| numpy (the bare arithmetic, no autograd) | {_t(u['numpy_fwd'], 2)} | - |")
    fwd, fb = u["mytorch_fwd"]["median"], u["mytorch_fwd_bwd"]["median"]
    lines += ["", f"Targets: at most {TARGETS['overhead_fwd_us']} us per op forward: {fwd:.2f}, "
                  f"{_ok(fwd, TARGETS['overhead_fwd_us'])}; at most {TARGETS['overhead_fwd_bwd_us']} us "
                  "forward + "
                  f"backward: {fb:.2f}, {_ok(fb, TARGETS['overhead_fwd_bwd_us'])}."]
    if "ratio_mytorch_fwd_over_torch_fwd" in u:
        lines.append(f"MyTorch / PyTorch: forward {_t(u['ratio_mytorch_fwd_over_torch_fwd'], 2, 'x')}, "
                     f"forward + backward {_t(u['ratio_mytorch_fwd_bwd_over_torch_fwd_bwd'], 2, 'x')}.")
    return lines + [""]


def scalar_section(r: dict[str, Any] | None, error: str | None) -> list[str]:
    lines = ["## scalar", ""]
    if r is None:
        return lines + [f"Not run: {error}", ""]
    lines += [f"{r.get('workload', '')}; graph of {r.get('nodes', '?')} nodes; median of "
              f"{r.get('rounds', '?')} "
              "interleaved rounds.", "", "| engine | seconds | nodes per second |", "|---|---|---|"]
    for name in ("micro", "micrograd"):
        if f"{name}_seconds" in r:
            lines.append(f"| {name} | {r[f'{name}_seconds']:.4f} | {r[f'{name}_nodes_per_s']:,.0f} |")
    if r.get("ratio") is not None:
        lines += ["", f"micro / micrograd throughput: {r['ratio']:.2f}x."]
    return lines + [""]


BOSTON_MICRO_STEPS = 20


def boston_micro_section(r: dict[str, Any] | None, error: str | None) -> list[str]:
    lines = ["## Boston on the micro engine", ""]
    if r is None:
        return lines + [f"Not run: {error}", ""]
    m = r["metrics"]
    per = r["micro_seconds_per_1000_steps"]
    return lines + [
        f"{r['workload']}; median of {r['rounds']} interleaved rounds, in a fresh interpreter.",
        "",
        "| engine | seconds (wall) | seconds (CPU) | train MAE | test MAE |",
        "|---|---|---|---|---|",
        *[f"| {e} | {r[f'{e}_wall_seconds']:.2f} | {r[f'{e}_cpu_seconds']:.2f} | {m[e]['train_mae']:.6f} | "
          f"{m[e]['test_mae']:.6f} |" for e in ("micro", "vector")],
        "",
        f"MAEs agree to {r['max_mae_difference']:.2g}. Scaled to 1000 steps: {per:.1f} s wall "
        f"({r['micro_cpu_seconds_per_1000_steps']:.1f} s CPU); target under 30 s: {_ok(per, 30.0)}.",
        "",
    ]


def fashion_section(r: dict[str, Any] | None, error: str | None) -> list[str]:
    lines = ["## Fashion-MNIST, one epoch of the CNN", ""]
    if r is None:
        return lines + [f"Not run: {error}", ""]
    lines += [
        f"{r['data']}: {r['steps']} steps of batch {bench_cnn.BATCH}, SGD(lr {bench_cnn.LR}, momentum "
        f"{bench_cnn.MOMENTUM}), then the 10,000 test images.",
        "",
        "| training time (s) | test accuracy |",
        "|---|---|",
        f"| {r['train_seconds']:.1f} | {100 * r['test_accuracy']:.2f}% |",
        "",
        f"Targets: under {TARGETS['fashion_seconds']:.0f} s, "
        f"{_ok(r['train_seconds'], TARGETS['fashion_seconds'])}; "
        f"at least {100 * TARGETS['fashion_accuracy']:.0f}% accuracy, "
        f"{_ok(r['test_accuracy'], TARGETS['fashion_accuracy'], at_least=True)}.",
        "",
    ]
    return lines


# --------------------------------------------------------------- profiles


def profile_steps(make_step: Any, steps: int, batch: int) -> list[str]:
    """cProfile of ``steps`` MyTorch training steps: the functions with the most own time."""
    x, y, _ = fashion_mnist("train", limit=20000)
    step = make_step()
    batches = batch_order(len(x), batch, steps + 5)
    for b in batches[:5]:
        step(x[b], y[b])
    gc.collect()
    gc.freeze()  # as in the timings: collections do not rescan the libraries' objects
    profiler = cProfile.Profile()
    profiler.enable()
    for b in batches[5:]:
        step(x[b], y[b])
    profiler.disable()
    gc.unfreeze()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = sum(v[2] for v in stats.stats.values())
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:12]
    out = ["| function | own time per step (ms) | share |", "|---|---|---|"]
    for (path, line, name), (_, _, own, _, _) in rows:
        where = Path(path).name if path != "~" else ""
        label = f"{where}:{line} {name}" if where else name
        out.append(f"| `{label}` | {1e3 * own / steps:.3f} | {100 * own / total:.0f}% |")
    out.append(f"| total (with profiler overhead) | {1e3 * total / steps:.3f} | 100% |")
    return out


def profile_section() -> list[str]:
    mlp = profile_steps(lambda: bench_mlp.mytorch_step(bench_mlp.initial_weights()), 50, bench_mlp.BATCH)
    cnn = profile_steps(lambda: bench_cnn.mytorch_step(bench_cnn.initial_weights()), 20, bench_cnn.BATCH)
    return [
        "## Where the time goes (cProfile, MyTorch)",
        "",
        "Own time of the busiest functions (numpy calls made inside a function count towards it).",
        "",
        "One MLP step (batch 128), averaged over 50 steps:",
        "",
        *mlp,
        "",
        "One CNN step (batch 64), averaged over 20 steps:",
        "",
        *cnn,
        "",
    ]


# --------------------------------------------------------------- driver


def run_scalar(rounds: int) -> tuple[dict[str, Any] | None, str | None]:
    """In a fresh interpreter, as a user runs it: the cyclic GC then scans only the engines'
    own objects, not the hundreds of thousands that PyTorch and the other workloads leave."""
    path = HERE / "bench_scalar.py"
    if not path.exists():
        return None, "benchmarks/bench_scalar.py does not exist"
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import bench_scalar; "
        "print(json.dumps(bench_scalar.run(rounds=int(sys.argv[2]))))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(HERE), str(rounds)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return None, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
    return json.loads(done.stdout.strip().splitlines()[-1]), None


def run_boston_micro(rounds: int) -> tuple[dict[str, Any] | None, str | None]:
    """In a fresh interpreter (as run_scalar): the micro engine's GC cost is its own."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import bench_boston_micro as b; "
            "print(json.dumps(b.run(steps=int(sys.argv[2]), rounds=int(sys.argv[3]))))")
    done = subprocess.run([sys.executable, "-c", code, str(HERE), str(BOSTON_MICRO_STEPS), str(rounds)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return None, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
    return json.loads(done.stdout.strip().splitlines()[-1]), None


def run_fashion() -> tuple[dict[str, Any] | None, str | None]:
    cmd = [sys.executable, str(HERE / "fashion_cnn_epoch.py")]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        return None, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
    return json.loads(done.stdout), None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=6,
                        help="interleaved rounds per benchmark (>= 3; 6 runs every order of three once)")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--skip-fashion", action="store_true")
    args = parser.parse_args(argv)
    pin_threads(THREADS)
    info = machine_info()
    print("mlp ...", flush=True)
    mlp = bench_mlp.run(rounds=args.rounds)
    print("cnn ...", flush=True)
    cnn = bench_cnn.run(rounds=args.rounds)
    print("tiny gpt ...", flush=True)
    gpt = bench_tiny_gpt.run(rounds=args.rounds)
    print("overhead ...", flush=True)
    overhead = bench_overhead.run(rounds=max(args.rounds, 5))
    print("scalar ...", flush=True)
    scalar, scalar_error = run_scalar(args.rounds)
    print("boston on micro ...", flush=True)
    boston_micro, boston_micro_error = run_boston_micro(3)
    fashion, fashion_error = (None, "skipped (--skip-fashion)") if args.skip_fashion else (None, None)
    if not args.skip_fashion:
        print("fashion-mnist epoch ...", flush=True)
        fashion, fashion_error = run_fashion()
    print("profiles ...", flush=True)
    profiles = profile_section()

    lines = [
        "# Benchmarks",
        "",
        f"Written by `benchmarks/run_all.py` on {datetime.date.today().isoformat()}. Reproduce with",
        "",
        "```",
        COMMAND,
        "python benchmarks/bench_mlp.py   # one workload alone (also bench_cnn.py, bench_overhead.py, ...)",
        "python benchmarks/fashion_cnn_epoch.py",
        "```",
        "",
        f"Every figure is the median of interleaved rounds ({args.rounds} per workload; the order of the "
        "implementations rotates between rounds and reverses every other round, so each one runs right "
        "after each other one equally often; within a round the MLP epoch and the CNN's and the tiny "
        "GPT's 100 steps are cut into chunks of 39, 10 and 10 steps that alternate between the "
        "implementations) with the min-max range; ratios are computed within each "
        f"round, then summarised. BLAS (and PyTorch) are pinned to {THREADS} threads (threadpoolctl, or "
        "OpenBLAS's setter through ctypes when it is not installed); "
        "float32 throughout; Python's garbage collector is on (objects alive before a timed run, such as the "
        "libraries' modules, are frozen with `gc.freeze()`, so that collections triggered by one framework "
        "do not rescan another's imports). All implementations of a workload start from "
        "the same weights and see the same batches, and the script asserts their step-0 losses agree.",
        "",
        "The numpy floor is a hand-written forward and backward of the same model with no framework: what a "
        "numpy engine can reach at best with the same algorithms (for the CNN, im2col through "
        "`sliding_window_view`, one GEMM per convolution and per gradient).",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        "",
        "The machine is shared: other processes sometimes take the CPUs, which shows as a wide min-max range "
        "(the medians and within-round ratios are what to read). Long runs at small learning rates can also "
        "slow down every implementation alike when momentum buffers decay into float32 denormals (x86 "
        "arithmetic on denormals is far slower); each timed round restarts from the initial weights.",
        "",
        "## Summary",
        "",
        "| workload | measure | result | target | |",
        "|---|---|---|---|---|",
    ]
    lines += summary_rows(mlp, cnn, overhead, fashion, gpt)
    lines += [""]
    lines += mlp_section(mlp) + cnn_section(cnn) + gpt_section(gpt) + overhead_section(overhead)
    lines += scalar_section(scalar, scalar_error) + boston_micro_section(boston_micro, boston_micro_error)
    lines += fashion_section(fashion, fashion_error) + profiles
    Path(args.out).write_text("\n".join(lines))
    print(f"wrote {args.out}")
    return 0


def summary_rows(mlp: dict, cnn: dict, overhead: dict, fashion: dict | None,
                 gpt: dict | None = None) -> list[str]:
    rows = []
    m = mlp["seconds"]["ratio_mytorch_over_numpy"]["median"]
    rows.append(f"| mlp | epoch time / numpy floor | {m:.2f}x | <= {TARGETS['mlp_vs_numpy']}x | "
                f"{_ok(m, TARGETS['mlp_vs_numpy'])} |")
    if "rss" in mlp:
        p = mlp["rss"]["mytorch"]["peak_mb"] / mlp["rss"]["numpy"]["peak_mb"]
        rows.append(f"| mlp | peak RSS / numpy floor (1,000 steps) | {p:.2f}x | "
                    f"<= {TARGETS['mlp_rss_vs_numpy']}x | {_ok(p, TARGETS['mlp_rss_vs_numpy'])} |")
        g = mlp["rss"]["mytorch"]["growth_100_to_end_mb"]
        rows.append(f"| mlp | RSS growth, steps 100 -> 1000 | {g:+.1f} MB | flat | |")
    c = cnn["seconds"]["ratio_mytorch_over_numpy"]["median"]
    rows.append(f"| cnn | 100 steps / numpy floor | {c:.2f}x | <= {TARGETS['cnn_vs_numpy']}x | "
                f"{_ok(c, TARGETS['cnn_vs_numpy'])} |")
    if "ratio_mytorch_over_torch" in cnn["seconds"]:
        c = cnn["seconds"]["ratio_mytorch_over_torch"]["median"]
        rows.append(f"| cnn | 100 steps / PyTorch | {c:.2f}x | <= {TARGETS['cnn_vs_torch']}x | "
                    f"{_ok(c, TARGETS['cnn_vs_torch'])} |")
    if gpt is not None and "ratio_mytorch_over_torch" in gpt["seconds"]:
        t = gpt["seconds"]["ratio_mytorch_over_torch"]["median"]
        rows.append(f"| tiny_gpt | training step / PyTorch | {t:.2f}x | <= {TARGETS['gpt_vs_torch']}x | "
                    f"{_ok(t, TARGETS['gpt_vs_torch'])} |")
    u = overhead["us_per_op"]
    f, fb = u["mytorch_fwd"]["median"], u["mytorch_fwd_bwd"]["median"]
    rows.append(f"| overhead | us per op, forward | {f:.2f} | <= {TARGETS['overhead_fwd_us']} | "
                f"{_ok(f, TARGETS['overhead_fwd_us'])} |")
    rows.append(f"| overhead | us per op, forward + backward | {fb:.2f} | "
                f"<= {TARGETS['overhead_fwd_bwd_us']} | {_ok(fb, TARGETS['overhead_fwd_bwd_us'])} |")
    if fashion is not None:
        seconds, accuracy = fashion["train_seconds"], fashion["test_accuracy"]
        rows.append(f"| fashion-mnist | one CNN epoch, seconds | {seconds:.1f} | "
                    f"< {TARGETS['fashion_seconds']:.0f} | {_ok(seconds, TARGETS['fashion_seconds'])} |")
        rows.append(f"| fashion-mnist | test accuracy after one epoch | {100 * accuracy:.2f}% | "
                    f">= {100 * TARGETS['fashion_accuracy']:.0f}% | "
                    f"{_ok(fashion['test_accuracy'], TARGETS['fashion_accuracy'], at_least=True)} |")
    return rows


if __name__ == "__main__":
    sys.exit(main())
