"""Skip reasons a user can act on: without PyTorch, the tests that use it as an oracle say how to
install it (not pytest's "could not import 'torch'"), and no reason points at the project
workspace's ``../shared/data``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _pytest_without_torch(*args: str) -> str:
    code = ("import sys; sys.modules['torch'] = None\n"  # a machine without PyTorch
            "import pytest\n"
            f"sys.exit(pytest.main({list(args)!r} + ['-q', '-rs', '-p', 'no:cacheprovider']))\n")
    env = dict(os.environ, MYTORCH_TEST_DATA=str(TESTS / "no-such-folder"))
    run = subprocess.run([sys.executable, "-c", code], cwd=TESTS.parent, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run.stdout


def test_torch_skips_say_how_to_install_it():
    # test_optim_lr_scheduler skips at module level, test_clip_grad inside two tests.
    out = _pytest_without_torch(str(TESTS / "test_optim_lr_scheduler.py"), str(TESTS / "test_clip_grad.py"))
    skip_lines = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert len(skip_lines) >= 2, out
    for line in skip_lines:
        assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in line, line
        assert "could not import" not in line
    assert re.search(r"\d+ skipped because PyTorch is not installed", out), out


def test_data_skips_name_the_file_and_the_env_var_not_shared_data():
    out = _pytest_without_torch(str(TESTS / "test_boston.py"), str(TESTS / "test_idx.py"))
    skip_lines = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert skip_lines, out
    for line in skip_lines:
        assert "../shared/data" not in line and "MYTORCH_TEST_DATA" in line, line
    assert any("boston.txt" in line for line in skip_lines)
    assert any("t10k-images-idx3-ubyte.gz" in line for line in skip_lines)


def test_no_test_file_needs_torch_to_be_collected():
    """The README's second command runs without PyTorch: a file that imports it at top level
    (instead of ``pytest.importorskip("torch")``) would stop the whole run at collection."""
    def before_the_skip(text: str) -> str:  # what runs before ``torch = pytest.importorskip("torch")``
        return text.split('pytest.importorskip("torch")')[0]

    offenders = [p.name for p in sorted(TESTS.rglob("*.py"))
                 if re.search(r"^(import torch|from torch\b)", before_the_skip(p.read_text()), flags=re.M)]
    assert offenders == [], f"import torch at top level (use pytest.importorskip): {offenders}"
