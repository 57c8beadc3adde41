"""Drawings, replay pages and explanations show inline in a notebook (executed with nbclient).

The last cell hides Graphviz's ``dot`` (an empty PATH inside the kernel): the drawing must then
show MyTorch's install message, not an ``ExecutableNotFound`` traceback.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import mytorch

ROOT = Path(mytorch.__file__).resolve().parents[1]  # the package under test, also in the kernel

CELLS = [
    f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
    "import mytorch, mytorch.viz as viz, mytorch.micro as mm, mytorch.vector as mt\n"
    f"assert mytorch.__file__.startswith({str(ROOT)!r})",
    "w = mt.tensor([[1.0, -2.0]], requires_grad=True)\n"
    "loss = (w * w).sum()\n"
    "viz.draw(loss, params={'w': w})",
    "viz.replay(loss, params={'w': w})",
    "loss.backward(retain_graph=True)\n"
    "mytorch.explain(w, (0, 1), root=loss, params={'w': w})",
    "x = mm.tensor([2.0], requires_grad=True)\n"
    "y = (x * x).sum(); y.backward()\n"
    "viz.draw(y, chain_rule=True)",
    "import os; os.environ['PATH'] = ''\n"
    "viz.draw(y)",
]


def _mimes(cell) -> set[str]:
    out = set()
    for o in cell.outputs:
        assert o.output_type != "error", f"{o.ename}: {o.evalue}"
        out.update(o.get("data", {}))
    return out


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_a_notebook_shows_graphs_pages_and_explanations_inline(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = f"{ROOT}{os.pathsep}{env_path}" if env_path else str(ROOT)
    try:
        nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ["PYTHONPATH"] = env_path
        if not env_path:
            del os.environ["PYTHONPATH"]
    setup, draw, page, explanation, micro, no_dot = nb.cells
    assert _mimes(setup) == set()
    assert {"image/svg+xml", "text/plain"} <= _mimes(draw)
    assert "MulBackward" in draw.outputs[0]["data"]["image/svg+xml"]
    assert {"text/html", "text/plain"} <= _mimes(page)
    assert "iframe" in page.outputs[0]["data"]["text/html"]
    assert {"text/html", "text/plain"} <= _mimes(explanation)
    assert "d(root)/d(w[0, 1]) = -4.0000" in explanation.outputs[0]["data"]["text/plain"]
    assert "image/svg+xml" in _mimes(micro)
    assert _mimes(no_dot) == {"text/html", "text/plain"}
    text = no_dot.outputs[0]["data"]["text/plain"]
    assert "Graphviz's `dot` program is needed" in text and "ExecutableNotFound" not in text
