"""The scalar benchmark compares like with like, and the micro engine is faster than micrograd."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_scalar  # noqa: E402

from mytorch.micro.value import Value  # noqa: E402


def test_mirrored_mlp_builds_micrograds_graph_with_the_same_numbers():
    micrograd = pytest.importorskip("micrograd.nn")
    random.seed(0)
    reference = micrograd.MLP(2, [4, 4, 1])
    mine = bench_scalar.MLP(reference)
    xs, ys = bench_scalar.moons(n=12)
    ours = bench_scalar.svm_loss(mine, Value, xs, ys)
    theirs = bench_scalar.svm_loss(reference, micrograd.Value, xs, ys)
    assert bench_scalar.count_nodes(ours) == bench_scalar.count_nodes(theirs)
    ours.backward()
    theirs.backward()
    # Same operations in the same order (micrograd's relu gives int 0 where we give 0.0).
    assert ours.data == pytest.approx(theirs.data, rel=1e-14)
    for p, q in zip(mine.parameters(), reference.parameters()):
        assert p.data == q.data
        assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-15)


@pytest.mark.slow
def test_micro_is_several_times_faster_than_micrograd():
    pytest.importorskip("micrograd")
    result = bench_scalar.run(rounds=3)
    assert result["nodes"] > 60_000
    # The target is >= 5x (see the benchmark's report); a loaded machine blurs timings, so
    # this guard only asks for a clear win.
    assert result["ratio"] >= 3.0, result
