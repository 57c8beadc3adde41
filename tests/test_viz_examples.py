"""``examples/draw_graph.py`` runs, and the pictures checked into ``docs/`` match what it draws."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

from test_viz_svg import needs_dot, svg_graph

ROOT = Path(__file__).resolve().parents[1]

pytestmark = needs_dot


def load_example():
    spec = importlib.util.spec_from_file_location("draw_graph", ROOT / "examples" / "draw_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def labels(path: Path) -> Counter:
    return Counter(tuple(lines) for lines in svg_graph(path).nodes.values())


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
