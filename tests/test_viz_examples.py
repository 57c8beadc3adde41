"""``examples/draw_graph.py`` runs, and the pictures checked into ``docs/`` match what it draws."""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from pathlib import Path

from test_viz_svg import SVG, needs_dot, svg_graph

ROOT = Path(__file__).resolve().parents[1]

pytestmark = needs_dot


def load_example():
    spec = importlib.util.spec_from_file_location("draw_graph", ROOT / "examples" / "draw_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def labels(path: Path) -> Counter:
    """Node label lines and edge label lines (the chain rule's numbers) of an SVG, or of a replay page."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        data = re.search(r'<script type="application/json" id="mt-data">(.*?)</script>', text, re.S)
        payload = data.group(1)
        text = text[text.index("<svg"):text.index("</svg>") + 6]
        extra = [("replay data", json.dumps(json.loads(payload), sort_keys=True))]
    else:
        extra = []
    g = svg_graph(text.encode("utf-8"))
    edges = [tuple(t.text or "" for t in e.iter(f"{SVG}text")) for e in g.edge_elems]
    return Counter([tuple(lines) for lines in g.nodes.values()] + [("edge", *e) for e in edges if e] + extra)


def test_example_draws_both_engines_and_docs_are_up_to_date(tmp_path):
    example = load_example()
    example.main(str(tmp_path))
    for name in example.FILES:
        fresh = tmp_path / name
        assert fresh.exists()
        checked_in = ROOT / "docs" / name
        # Same nodes with the same labels (layout coordinates may differ between Graphviz versions).
        assert labels(fresh) == labels(checked_in), f"docs/{name} is stale: run python examples/draw_graph.py"
    micro = svg_graph(tmp_path / "micro_mlp_2-4-1.svg")
    assert micro.first_line("0.weight[3, 1]") and micro.first_line("2.bias[0]")
    vector = svg_graph(tmp_path / "vector_boston_model.svg")
    for i in range(1, 5):
        assert vector.first_line(f"l{i}.weight") and vector.first_line(f"l{i}.bias")
    assert len(vector.find("no grad")) == 2  # the inputs and the targets
    chain = (tmp_path / "micro_chain_rule.svg").read_text()
    assert "grad += " in chain and "local " in chain
    assert "grad_x = grad @ W" in (tmp_path / "vector_mlp_chain_rule.svg").read_text()
    assert "window.mtReplay" in (tmp_path / "backward_replay.html").read_text()
