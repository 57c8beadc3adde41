"""Shared pytest setup: tests import their helper modules (op_specs, oracle) by name."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest  # noqa: E402

#: What a user without PyTorch sees for each test that needs it as an oracle (instead of
#: pytest's "could not import 'torch'").
TORCH_SKIP = ("PyTorch, the optional test oracle, is not installed: "
              "pip install torch --index-url https://download.pytorch.org/whl/cpu (CPU wheel)")


def _user_reason(report) -> None:
    if report.skipped and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        path, line, reason = report.longrepr
        if "could not import 'torch'" in str(reason):
            report.longrepr = (path, line, f"Skipped: {TORCH_SKIP}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _user_reason(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _user_reason(outcome.get_result())


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    n = sum(1 for r in skipped if isinstance(r.longrepr, tuple) and TORCH_SKIP in str(r.longrepr[2]))
    if n:
        terminalreporter.write_line(f"{n} skipped because PyTorch is not installed; to run them: "
                                    "pip install torch --index-url https://download.pytorch.org/whl/cpu")
