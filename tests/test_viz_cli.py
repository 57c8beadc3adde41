"""The ``mytorch graph`` subcommand (``mytorch.viz.command``) and its demo models."""

from __future__ import annotations

import argparse

import pytest
from test_viz_svg import needs_dot, svg_graph

from mytorch.viz import command, demo


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mytorch")
    command.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["graph", *argv])


def test_arguments_and_defaults():
    args = parse("--out", "g.svg")
    assert (args.model, args.engine, args.format, args.show_data, args.show_grad) == (
        "mlp", "vector", None, True, True)
    args = parse("--model", "boston", "--engine", "micro", "--out", "g.png", "--format", "pdf",
                 "--no-data", "--no-grad", "--collapse", "cluster", "--color-grads")
    assert (args.model, args.engine, args.format, args.show_data, args.show_grad, args.collapse,
            args.color_grads) == ("boston", "micro", "pdf", False, False, "cluster", True)
    with pytest.raises(SystemExit):
        parse("--model", "resnet", "--out", "g.svg")


@needs_dot
def test_draws_the_boston_model_with_named_parameters(tmp_path, capsys):
    out = tmp_path / "boston.svg"
    assert command.run(parse("--model", "boston", "--engine", "vector", "--out", str(out))) == 0
    g = svg_graph(out)
    for i in range(1, 5):
        assert g.first_line(f"l{i}.weight") and g.first_line(f"l{i}.bias")
    assert len(g.find("ReluBackward", "(379, 32) float32")) == 3  # three hidden layers, 379 rows
    assert "wrote" in capsys.readouterr().out


def test_dot_format_needs_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "g.dot"
    assert command.run(parse("--model", "mlp", "--out", str(out))) == 0
    loss, params = demo.build("mlp", "vector")
    assert out.read_text().count(" -> ") > 5 and "0.weight" in out.read_text()


def test_missing_graphviz_is_one_line_on_stderr(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert command.run(parse("--out", str(tmp_path / "g.svg"))) == 1
    err = capsys.readouterr().err
    assert err.startswith("mytorch graph: error:") and "apt-get install graphviz" in err
    assert not (tmp_path / "g.svg").exists()


def test_bad_suffix_is_reported(tmp_path, capsys):
    assert command.run(parse("--out", str(tmp_path / "g.jpeg"))) == 1
    assert "g.jpeg" in capsys.readouterr().err


def test_demo_models_run_forward_and_backward():
    for model in demo.MODELS:
        loss, params = demo.build(model, "vector")
        assert loss.shape == () and params
        assert all(p.grad is not None for p in params.values())
    with pytest.raises(ValueError, match="'resnet'"):
        demo.build("resnet")
