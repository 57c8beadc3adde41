"""viz for a newcomer: ``draw`` without Graphviz's ``dot`` gives MyTorch's install message (also in
Jupyter's display), and graphs get a real title instead of Graphviz's ``%3``."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest

import mytorch.micro as mm
import mytorch.vector as mt
import mytorch.viz as viz

graphviz = pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
SVG = "{http://www.w3.org/2000/svg}"


def _loss(engine):
    w = engine.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    return loss


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None


@pytest.mark.parametrize("engine", [mm, mt], ids=["micro", "vector"])
@pytest.mark.parametrize("how", ["pipe", "render", "jupyter"])
def test_draw_without_dot_says_how_to_install(engine, how, no_dot, tmp_path):
    graph = viz.draw(_loss(engine))
    calls = {
        "pipe": lambda: graph.pipe(format="svg"),
        "render": lambda: graph.render(tmp_path / "g", format="svg"),
        "jupyter": lambda: graph._repr_mimebundle_(),  # what a notebook calls to show it
    }
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz"):
        calls[how]()


def test_the_install_error_is_still_a_runtime_error_like_graphviz_own(no_dot):
    with pytest.raises(RuntimeError):
        viz.draw(_loss(mt)).pipe(format="svg")


@pytest.mark.parametrize("engine", [mm, mt], ids=["micro", "vector"])
def test_title_names_the_graph(engine):
    dot = viz.to_dot(_loss(engine), title="my loss")
    assert dot.startswith('digraph "my loss" {')
    assert viz.draw(_loss(engine), title="my loss").source.startswith('digraph "my loss" {')
    assert viz.to_dot(_loss(engine)).startswith("digraph {")  # unchanged without a title


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_svg_title_is_the_given_title_not_percent_3(tmp_path):
    path = viz.save(_loss(mt), tmp_path / "g.svg", title="Boston loss")
    title = ET.parse(path).getroot().find(f"{SVG}g/{SVG}title").text
    assert title == "Boston loss"
