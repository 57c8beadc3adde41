"""Every python code block of every docs page runs, so the docs cannot drift from the code.

Each page's blocks run in order, in one namespace, in a fresh process (so a
page's ``manual_seed`` or ``set_default_dtype`` cannot leak), in an empty
folder (pages write their figures there). A block directly preceded by
``<!-- no-test -->`` is shown but not run; there must be few of them. A block
marked ``<!-- needs: dot -->`` (or ``matplotlib``, ``fashion-mnist``) is
skipped when that is missing; the page's other blocks still run, and the test
then reports the page as skipped, saying what to install.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT))

from mkdocs_hooks import pages  # noqa: E402

PAGES = sorted(DOCS.rglob("*.md"))
PAGES_WITH_CODE = [p for p in PAGES if pages.read(p).blocks]
CHAPTERS = sorted((DOCS / "tutorial").glob("[0-9][0-9]-*.md"))

# Pages owned elsewhere whose blocks are sketches, not programs (each with the reason).
NOT_RUNNABLE: dict[str, str] = {}
MAX_NO_TEST_BLOCKS = 3


def _id(path: Path) -> str:
    return path.relative_to(DOCS).as_posix()


def run_page(path: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "mkdocs_hooks.run_page", str(path)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("path", PAGES_WITH_CODE, ids=_id)
def test_page_runs(path: Path, tmp_path: Path) -> None:
    if _id(path) in NOT_RUNNABLE:
        pytest.skip(f"{_id(path)}: {NOT_RUNNABLE[_id(path)]}")
    page = pages.read(path)
    done = run_page(path, tmp_path)
    assert done.returncode == 0, f"{_id(path)} failed:\n{done.stdout}\n{done.stderr}"
    skipped = [line for line in done.stderr.splitlines() if line.startswith("SKIPPED-BLOCK")]
    if skipped:  # the other blocks ran and passed; say what was not checked
        pytest.skip(f"{_id(path)}: {len(skipped)} of {len(page.runnable)} blocks skipped: {skipped[0]}")
    for name in page.meta.get("figures") or []:
        figure = tmp_path / name
        assert figure.is_file() and figure.stat().st_size > 200, f"{_id(path)} did not write {name}"


def test_there_are_eleven_chapters_each_asserting_what_it_says() -> None:
    assert [p.name[:2] for p in CHAPTERS] == [f"{i:02d}" for i in range(1, 12)]
    for path in CHAPTERS:
        code = "".join(b.code for b in pages.read(path).runnable)
        assert code.count("assert ") >= 3, f"{_id(path)}: a chapter must assert the numbers it states"


def test_few_blocks_are_marked_no_test() -> None:
    skipped = {_id(p): sum(b.skip for b in pages.read(p).blocks) for p in PAGES}
    assert sum(skipped.values()) <= MAX_NO_TEST_BLOCKS, {k: v for k, v in skipped.items() if v}


def test_the_block_reader_honours_the_no_test_marker() -> None:
    text = ("x\n\n```python\na = 1\n```\n\n<!-- no-test -->\n```python\nraise SystemExit\n```\n"
            "~~~py\nb = 2\n~~~\n")
    page = pages.parse(text)
    assert [(b.code, b.skip) for b in page.blocks] == [("a = 1\n", False), ("raise SystemExit\n", True),
                                                       ("b = 2\n", False)]
    assert [b.line for b in page.blocks] == [4, 9, 12]
    namespace: dict = {}
    assert pages.run(page, "<page>", namespace) == [] and namespace["b"] == 2


def test_a_block_whose_needs_are_missing_is_skipped_and_reported(monkeypatch) -> None:
    page = pages.parse("```python\na = 1\n```\n<!-- needs: dot, matplotlib -->\n```python\nb = 2\n```\n")
    assert [b.needs for b in page.blocks] == [(), ("dot", "matplotlib")]
    monkeypatch.setattr(pages.shutil, "which", lambda name: None)
    namespace: dict = {}
    skipped = pages.run(page, "<page>", namespace)
    assert namespace["a"] == 1 and "b" not in namespace
    assert [(b.line, lacking) for b, lacking in skipped] == [
        (6, ["Graphviz's `dot` program (apt-get install graphviz)"])]
    with pytest.raises(ValueError, match="unknown need 'cuda'"):
        pages.parse("<!-- needs: cuda -->\n```python\nx\n```\n")


def test_a_failing_block_names_the_page_and_line(tmp_path: Path) -> None:
    page = tmp_path / "bad.md"
    page.write_text("# bad\n\n```python\nx = 1\nassert x == 2, 'the text says 2'\n```\n")
    done = run_page(page, tmp_path)
    assert done.returncode != 0
    assert f'File "{page}", line 5' in done.stderr and "the text says 2" in done.stderr


def test_the_page_reader_docstring_example_runs() -> None:
    import doctest

    result = doctest.testmod(pages, raise_on_error=False)
    assert result.attempted >= 3 and result.failed == 0
