"""Every python block of README.md runs as written, and prints what the text says.

A block may be excluded only by an HTML comment ``<!-- not-run: why -->`` on the line just
before its fence (there are none at present). The blocks run in one scratch folder, in order,
after ``mytorch demo`` (the README's first command) wrote ``mytorch-demo/`` there.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mytorch.cli import build_parser, main

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"(?P<before>[^\n]*)\n```(?P<lang>\w*)\n(?P<code>.*?)```", re.S)
VECTOR_IMPORT = "import mytorch.vector as mt      # or: import mytorch.micro as mt"


def _blocks(lang: str) -> list[tuple[int, str]]:
    """(line number, code) of each ``lang`` block not marked ``<!-- not-run: ... -->``."""
    text = README.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        if m.group("lang") == lang and "<!-- not-run:" not in m.group("before"):
            found.append((text[: m.start("code")].count("\n") + 1, m.group("code")))
    return found


PYTHON = _blocks("python")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A folder where ``mytorch demo`` already ran, as it has for a reader following the README."""
    folder = tmp_path_factory.mktemp("readme")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert main(["demo"]) == 0
    return folder


def _run(code: str, folder: Path, monkeypatch) -> tuple[str, dict]:
    monkeypatch.chdir(folder)
    out = io.StringIO()
    namespace: dict = {"__name__": "__readme__"}
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), namespace)
    return out.getvalue(), namespace


def test_the_readme_has_its_python_blocks():
    assert len(PYTHON) >= 3  # the same code on either engine, the scalar tour, loading a checkpoint


@pytest.mark.parametrize("line, code", PYTHON, ids=[f"README.md:{n}" for n, _ in PYTHON])
def test_python_block_runs_as_written(line, code, scratch, monkeypatch):
    if "mytorch.viz.save" in code and shutil.which("dot") is None:
        pytest.skip("this block renders an SVG: it needs Graphviz's dot program (apt-get install graphviz)")
    out, _ = _run(code, scratch, monkeypatch)
    if "Value(-4.0), Value(2.0)" in code:  # the scalar tour: dc/da = b = 2, dc/db = a + 3 b^2 = 8
        assert out.split() == ["2.0", "8.0"]
    if "load_model" in code:  # the checkpoint reproduces the demo's test MAE (2.51 in the text)
        stated = re.search(r"# (\d+\.\d+), as the demo printed", code).group(1)
        assert out.strip() == f"test MAE {stated}"


@pytest.mark.parametrize("engine", ["vector", "micro"])
def test_main_block_runs_on_either_engine(engine, tmp_path, monkeypatch):
    """The block the README calls 'the same code on either engine', with each import."""
    if shutil.which("dot") is None:
        pytest.skip("the block renders an SVG: it needs Graphviz's dot program (apt-get install graphviz)")
    code = next(c for _, c in PYTHON if VECTOR_IMPORT in c)
    if engine == "micro":
        code = code.replace(VECTOR_IMPORT, "import mytorch.micro as mt")
    _, namespace = _run(code, tmp_path, monkeypatch)
    svg = ET.parse(tmp_path / "graph.svg").getroot()
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text")).split()
    assert f"{namespace['loss'].item():.4f}" in texts  # the loss value is drawn on its node
    if engine == "vector":  # float32 data into float32 weights: the fused linear node, no promotion detour
        assert "AddmmBackward0" in texts and "PermuteBackward0" not in texts
    else:
        assert "matmul" in texts and "relu" in texts  # one node per tensor op (collapse="tensor")


def test_mytorch_command_lines_parse():
    """Each full ``mytorch ...`` line of the README's shell blocks is a valid command line."""
    lines = [line.strip() for _, code in _blocks("bash") for line in code.splitlines()]
    # "[--epochs 1000]" marks an optional part: drop it; "--engine vector|micro": take the first choice
    lines = [re.sub(r"\[[^]]*\]", "", line) for line in lines]
    lines = [re.sub(r"(\w+)\|[\w|]+", r"\1", line) for line in lines]
    commands = [line.split("&&")[-1].split("#")[0].split() for line in lines if "mytorch " in line]
    commands = [c[c.index("mytorch") + 1:] for c in commands if "mytorch" in c]
    assert len(commands) >= 5
    parser = build_parser()
    for args in commands:
        parser.parse_args(args)  # SystemExit (status 2) on a wrong command line
