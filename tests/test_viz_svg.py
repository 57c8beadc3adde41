"""Reading Graphviz SVG back (shared by the viz tests), and the render/save layer itself.

The other ``test_viz_*`` files import :func:`svg_graph` from here.
"""

from __future__ import annotations

import os
import shutil
import stat
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest

import mytorch.viz as viz
from mytorch.viz import _render

SVG = "{http://www.w3.org/2000/svg}"

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")


@dataclass
class SvgGraph:
    """Nodes, edges and clusters of a dot-rendered SVG, keyed by their DOT names."""

    nodes: dict[str, list[str]] = field(default_factory=dict)  # node id -> its text lines
    node_elems: dict[str, ET.Element] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)
    edge_elems: list[ET.Element] = field(default_factory=list)
    clusters: dict[str, list[str]] = field(default_factory=dict)  # cluster id -> its label lines

    def text(self, node_id: str) -> str:
        return " | ".join(self.nodes[node_id])

    def find(self, *needles: str) -> list[str]:
        """Ids of the nodes whose text contains every needle."""
        def has(lines: list[str], needle: str) -> bool:
            return any(needle in line for line in lines)

        return [n for n, lines in self.nodes.items() if all(has(lines, s) for s in needles)]

    def dashed(self, elem: ET.Element) -> bool:
        return any("stroke-dasharray" in e.attrib for e in elem.iter())

    def fills(self, node_id: str) -> set[str]:
        """Fill colours of the node's shapes (not of its text)."""
        shapes = [e for e in self.node_elems[node_id].iter() if e.tag != f"{SVG}text"]
        return {e.attrib["fill"] for e in shapes if e.attrib.get("fill") not in (None, "none")}

    def first_line(self, text: str) -> list[str]:
        """Ids of the nodes whose first text line is exactly ``text``."""
        return [n for n, lines in self.nodes.items() if lines and lines[0] == text]

    def edges_into(self, node_id: str) -> list[ET.Element]:
        return [e for (a, b), e in zip(self.edges, self.edge_elems) if b == node_id]


def svg_graph(data: bytes | str) -> SvgGraph:
    """Parse SVG bytes (or a path) produced by ``dot -Tsvg``."""
    if isinstance(data, (str, os.PathLike)):
        with open(data, "rb") as f:
            data = f.read()
    root = ET.fromstring(data)
    out = SvgGraph()
    for g in root.iter(f"{SVG}g"):
        kind = g.attrib.get("class")
        title = g.find(f"{SVG}title")
        if title is None or kind not in ("node", "edge", "cluster"):
            continue
        texts = [t.text or "" for t in g.iter(f"{SVG}text")]
        if kind == "node":
            assert title.text not in out.nodes, f"node {title.text} drawn twice"
            out.nodes[title.text] = texts
            out.node_elems[title.text] = g
        elif kind == "edge":
            tail, head = title.text.split("->")
            out.edges.append((tail.split(":")[0], head.split(":")[0]))
            out.edge_elems.append(g)
        else:
            out.clusters[title.text] = texts
    return out


# ---------------------------------------------------------------- the parser itself
@needs_dot
def test_svg_graph_reads_a_known_dot_graph():
    source = (
        'digraph { a [label="x\\ny"]; b [shape=record label="{ data 1 | grad 2 }"]; '
        "subgraph cluster_k { label=K; c } a -> b; b -> c; a -> c [style=dashed] }"
    )
    g = svg_graph(_render.render_bytes(source, "svg"))
    assert g.nodes == {"a": ["x", "y"], "b": ["data 1", "grad 2"], "c": ["c"]}
    dashed = {edge: g.dashed(e) for edge, e in zip(g.edges, g.edge_elems)}
    assert dashed == {("a", "b"): False, ("b", "c"): False, ("a", "c"): True}
    assert len(g.edges) == 3
    assert g.clusters == {"cluster_k": ["K"]}


# ---------------------------------------------------------------- save / render
def _tiny():
    import mytorch.vector as mt

    w = mt.tensor([1.0, -2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    return loss, w


@needs_dot
@pytest.mark.parametrize(
    "suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")]
)
def test_save_picks_the_format_from_the_suffix(tmp_path, suffix, magic):
    loss, w = _tiny()
    path = viz.save(loss, tmp_path / f"g{suffix}", params={"w": w})
    assert path.read_bytes().startswith(magic)


def test_save_dot_format_needs_no_graphviz(tmp_path, monkeypatch):
    loss, w = _tiny()
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` reachable
    path = viz.save(loss, tmp_path / "g.gv")
    assert path.read_text() == viz.to_dot(loss)


def test_save_rejects_an_unknown_format(tmp_path):
    loss, _ = _tiny()
    with pytest.raises(ValueError, match=r"g\.txt.*svg, png, pdf, dot"):
        viz.save(loss, tmp_path / "g.txt")
    with pytest.raises(ValueError, match="format='jpeg'"):
        viz.save(loss, tmp_path / "g.svg", format="jpeg")
    assert list(tmp_path.iterdir()) == []


def test_missing_dot_says_how_to_install_graphviz(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    loss, _ = _tiny()
    assert "digraph" in viz.to_dot(loss)  # DOT text needs no Graphviz
    with pytest.raises(viz.GraphvizNotFoundError) as info:
        viz.save(loss, tmp_path / "g.svg")
    message = str(info.value)
    for hint in ("`dot`", "apt-get install graphviz", "brew install graphviz", "conda install"):
        assert hint in message
    assert list(tmp_path.iterdir()) == [empty]  # nothing written
    assert isinstance(info.value, RuntimeError)


@needs_dot
def test_failed_render_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "g.svg"
    target.write_bytes(b"old picture")
    with pytest.raises(RuntimeError, match=r"`dot -Tsvg` failed.*syntax error"):
        _render.write_atomic(target, _render.render_bytes("digraph { a -> }", "svg"))
    assert target.read_bytes() == b"old picture"
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]


def test_interrupted_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "g.svg"

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(_render.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        _render.write_atomic(target, b"<svg/>")
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_saved_file_has_ordinary_permissions(tmp_path):
    loss, _ = _tiny()
    old = os.umask(0o022)
    try:
        mode = stat.S_IMODE(viz.save(loss, tmp_path / "g.svg").stat().st_mode)
    finally:
        os.umask(old)
    assert mode == 0o644


@needs_dot
def test_names_with_dot_and_record_syntax_are_shown_verbatim():
    import mytorch.micro as mm
    import mytorch.vector as mt

    odd = 'w"{1|2}<x>\\n'
    w = mt.tensor([1.0], requires_grad=True)
    g = svg_graph(_render.render_bytes(viz.to_dot((w * 2).sum(), params={odd: w}), "svg"))
    assert g.first_line(odd)
    m = mm.tensor([1.0], requires_grad=True)
    g = svg_graph(_render.render_bytes(viz.to_dot((m * 2).sum(), params={odd: m}), "svg"))
    assert g.first_line(odd + "[0]")
