"""Example scripts that run in seconds: run them as a user would and check what they print."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_scalar_vs_vector_gradients_agree_to_rounding():
    run = subprocess.run([sys.executable, str(EXAMPLES / "scalar_vs_vector.py")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    losses = [float(line.split("loss")[1]) for line in lines if "loss" in line and ":" in line]
    assert len(losses) == 2 and abs(losses[0] - losses[1]) < 1e-12
    start = lines.index("largest |micro - vector| per gradient:") + 1
    diffs = [float(line.split()[-1]) for line in lines[start:]]
    assert len(diffs) == 4 and max(diffs) < 1e-12  # float64 on both engines: rounding only
