"""Shared benchmark plumbing: thread pinning, data, interleaved timing, machine info, RSS.

Every benchmark compares implementations of ONE workload (MyTorch vector,
a hand-written numpy forward+backward "floor", PyTorch CPU when installed)
from the same weights and batches. Timing is interleaved: each round runs
every implementation once (the order rotates between rounds), a long run
cut into chunks that alternate between the implementations, so slow phases
of a shared machine hit all of them; ratios are computed within each round,
then the median (and min-max) over rounds is reported.

Example:
    >>> rounds = interleave({"a": lambda: 1.0, "b": lambda: 2.0}, rounds=3)
    >>> summarize(rounds, "a", "b")["ratio_a_over_b"]["median"]
    0.5
"""

from __future__ import annotations

import gc
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as ``python benchmarks/bench_x.py`` without installing
    sys.path.insert(0, str(ROOT))

THREADS = 2
FASHION_ROOT = Path("/usr/share/datasets/fashion-mnist")
_limiter: Any = None


def pin_threads(n: int = THREADS) -> None:
    """Limit BLAS/OpenMP pools to ``n`` threads (threadpoolctl), and torch's when it is imported."""
    global _limiter
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(n))  # for subprocesses; numpy is loaded already
        _openblas_threads(n)
    else:
        _limiter = threadpool_limits(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


def _openblas_threads(n: int | None = None) -> int | None:
    """Without threadpoolctl: set (when ``n`` is given) and return numpy's OpenBLAS thread count.

    Calls the ``*openblas*set_num_threads*`` entry of the OpenBLAS library mapped into this
    process (numpy's wheels bundle ``libscipy_openblas64_``), as threadpoolctl does; None
    when no such library is found. The environment variable alone does nothing once numpy
    is imported, and OpenBLAS then starts one thread per CPU.
    """
    import ctypes

    try:
        maps = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return None
    paths = sorted({line.split()[-1] for line in maps if "openblas" in line.rsplit("/", 1)[-1].lower()})
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", "_64_", ""):
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is None or getter is None:
                    continue
                if n is not None:
                    setter(ctypes.c_int(n))
                return int(getter())
    return None


def try_torch() -> Any:
    """The torch module (threads pinned), or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(THREADS)
    pin_threads()
    return torch


def fashion_mnist(split: str = "train", limit: int | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """(images (N, 784) float32 in [0, 1], labels int64, source) from the real files, else random data."""
    prefix = "train" if split == "train" else "t10k"
    images = FASHION_ROOT / f"{prefix}-images-idx3-ubyte.gz"
    labels = FASHION_ROOT / f"{prefix}-labels-idx1-ubyte.gz"
    if images.exists() and labels.exists():
        from mytorch.datasets import load_idx

        raw = load_idx(images)
        x = np.empty((raw.shape[0], 784), np.float32)
        np.multiply(raw.reshape(-1, 784), np.float32(1 / 255), out=x)
        y = load_idx(labels).astype(np.int64)
        source = f"Fashion-MNIST {split} ({FASHION_ROOT})"
    else:
        n = 60000 if split == "train" else 10000
        rng = np.random.default_rng(0)
        x = rng.random((n, 784), dtype=np.float32)
        y = rng.integers(0, 10, n)
        source = f"random data of Fashion-MNIST's shape ({FASHION_ROOT} not found)"
    if limit is not None:
        x, y = x[:limit], y[:limit]
    return x, y, source


def batch_order(n: int, batch: int, steps: int, seed: int = 0) -> list[np.ndarray]:
    """``steps`` index batches of size ``batch`` from shuffled epochs of ``range(n)``."""
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    while len(out) < steps:
        perm = rng.permutation(n)
        out.extend(perm[i : i + batch] for i in range(0, n - batch + 1, batch))
    return out[:steps]


def uniform_init(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    """PyTorch's default Linear/Conv init range, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), float32."""
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def as_float(loss: Any) -> float:
    """A loss (a Python float, a MyTorch or a torch scalar tensor) as a float."""
    return float(loss.item()) if hasattr(loss, "item") else float(loss)


def check_step0(steps: dict[str, Callable[[np.ndarray, np.ndarray], Any]], x: np.ndarray,
                y: np.ndarray) -> dict[str, float]:
    """Step-0 loss of every implementation on one batch (same weights); they must agree."""
    losses = {name: as_float(step(x, y)) for name, step in steps.items()}
    for value in losses.values():
        if not np.isclose(value, losses["numpy"], rtol=1e-4, atol=0):
            raise AssertionError(f"step-0 losses disagree: {losses}")
    return losses


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call of ``fn`` takes, the garbage collector on (as users run).

    Objects that exist before the call (the libraries of all the implementations
    compared in this process, PyTorch's hundreds of thousands among them, the data,
    the models) are frozen (``gc.freeze``) for its duration, so that collections
    triggered by one framework's allocations do not rescan another's imports: each
    pays for the garbage it makes, as in a process of its own.
    """
    gc.collect()
    gc.freeze()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.unfreeze()


def round_order(names: list[str], r: int) -> list[str]:
    """The order of the implementations in round ``r``: a rotation, reversed every other round.

    Rotating alone keeps the cycle (with a, b, c, b always runs right after a, whose
    leftovers, such as worker threads still spinning, it would always pay for); reversing
    every other round makes each implementation follow each other one equally often, and
    ``2 * len(names)`` rounds visit every position (all orders, for three implementations).

    Example:
        >>> [round_order(["a", "b", "c"], r) for r in range(4)]
        [['a', 'b', 'c'], ['c', 'b', 'a'], ['b', 'c', 'a'], ['a', 'c', 'b']]
    """
    k = (r // 2) % len(names)
    order = names[k:] + names[:k]
    return order[::-1] if r % 2 else order


def interleave(fns: dict[str, Callable[[], float]], rounds: int) -> list[dict[str, float]]:
    """Run every ``fn`` (returning a measurement) once per round, in :func:`round_order`."""
    names = list(fns)
    return [{name: fns[name]() for name in round_order(names, r)} for r in range(rounds)]


def interleave_chunks(makers: dict[str, Callable[[], Any]], run_chunk: Callable[[Any, int], None],
                      chunks: int, rounds: int) -> list[dict[str, float]]:
    """Like :func:`interleave` for long runs cut into ``chunks``: per round, each implementation is
    built once (``makers[name]()``), then the chunks alternate between implementations (chunk 0
    of each, chunk 1 of each, ...). A slow phase of a shared machine, which lasts seconds, then
    hits every implementation alike. Returns the total seconds per implementation per round."""
    names = list(makers)
    results = []
    for r in range(rounds):
        order = round_order(names, r)
        states = {name: makers[name]() for name in order}
        totals = dict.fromkeys(order, 0.0)
        for c in range(chunks):
            for name in order:
                totals[name] += timed(lambda: run_chunk(states[name], c))  # noqa: B023 - called at once
        results.append(totals)
    return results


def stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarize(rounds: list[dict[str, float]], *pairs: str) -> dict[str, Any]:
    """Median/min/max of each measurement, and of ratios ``pairs[0]/pairs[1], ...`` per round."""
    out: dict[str, Any] = {}
    for name in rounds[0]:
        out[name] = stats([r[name] for r in rounds])
    for a, b in zip(pairs[::2], pairs[1::2]):
        if a in rounds[0] and b in rounds[0]:
            out[f"ratio_{a}_over_{b}"] = stats([r[a] / r[b] for r in rounds])
    return out


def machine_info() -> dict[str, str]:
    """CPU, Python, numpy, BLAS (threadpoolctl) and torch versions, for the report."""
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "cpus": str(os.cpu_count()),
    }
    try:
        from threadpoolctl import threadpool_info

        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        info["blas"] = "; ".join(
            f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')}, "
            f"{p.get('threading_layer')}, {p.get('num_threads')} threads)"
            for p in blas
        ) or "unknown"
    except ImportError:
        threads = _openblas_threads()
        info["blas"] = ("threadpoolctl not installed" if threads is None
                        else f"OpenBLAS ({threads} threads, set through ctypes; threadpoolctl not installed)")
    torch = try_torch()
    info["torch"] = torch.__version__ if torch is not None else "not installed"
    return info


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def rss_mb() -> float:
    """This process's current resident set size in MB (Linux /proc; else the peak)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (VmHWM: unlike ``ru_maxrss`` it is not
    inherited from the parent of a subprocess, and :func:`reset_peak_rss` can reset it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def reset_peak_rss() -> bool:
    """Reset the peak RSS to the current RSS (Linux: ``echo 5 > /proc/self/clear_refs``)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False
