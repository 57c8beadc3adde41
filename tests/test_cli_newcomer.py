"""The rough edges a newcomer hit in the ``mytorch`` command (issue 15, section 2), one test each."""

from __future__ import annotations

import importlib
import json
import os
import stat
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import mytorch
from mytorch.cli import build_parser, main

ROOT = Path(mytorch.__file__).resolve().parents[1]  # the package under test, for subprocesses
mnist_module = importlib.import_module("mytorch.datasets.mnist")
SVG = "{http://www.w3.org/2000/svg}"


def _run_cli(args: list[str], cwd: Path, block_matplotlib: bool = False) -> subprocess.CompletedProcess:
    """``python -m mytorch ARGS`` in a fresh interpreter; optionally with matplotlib unimportable."""
    prelude = "import sys\n"
    if block_matplotlib:  # what a machine without the [plot] extra sees
        prelude += "sys.modules['matplotlib'] = None\nsys.modules['matplotlib.pyplot'] = None\n"
    code = prelude + textwrap.dedent(f"""
        from mytorch.cli import main
        sys.exit(main({args!r}))
    """)
    paths = [str(ROOT), os.environ.get("PYTHONPATH")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, paths)))
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def _help(*command: str) -> str:
    parser = build_parser()
    if not command:
        return parser.format_help()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices[command[0]].format_help()


# ------------------------------------------------------------------ --version and help


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"mytorch {mytorch.__version__}"


def test_top_level_help_has_no_rst_backticks():
    text = _help()
    assert "``" not in text and "mytorch" in text


@pytest.mark.parametrize("command, option", [
    ("demo", "--out"), ("demo", "--seed"),
    ("train", "--engine"), ("train", "--batch-size"), ("train", "--lr"), ("train", "--seed"),
    ("train", "--epochs"), ("train", "--out"),
])
def test_every_option_has_help_with_its_default(command, option):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    action = next(a for a in sub._actions if option in a.option_strings)
    assert action.help and "default" in action.help, f"{command} {option}: {action.help!r}"


def test_epochs_help_says_what_an_epoch_is_for_boston():
    text = " ".join(_help("train").split())
    assert "passes over the training data" in text
    assert "one epoch is one Adam step" in text  # full-batch Boston, said plainly
    assert "16 on micro" in text  # micro's batch size is no longer a surprise


# ------------------------------------------------------------------ Boston: epochs, micro, --model


def test_boston_epochs_are_passes_over_the_data(tmp_path, capsys):
    # 379 training rows in batches of 100: ceil(379 / 100) = 4 steps per pass, 2 passes = 8 steps.
    code = main(["train", "boston", "--epochs", "2", "--batch-size", "100", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and metrics["batch_size"] == 100 and metrics["steps"] == 8
    assert "2 epochs over 379 rows, batches of 100: 8 Adam steps" in out


def test_boston_full_batch_epoch_is_one_step(tmp_path, capsys):
    assert main(["train", "boston", "--epochs", "3", "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "metrics.json").read_text())["steps"] == 3
    assert "full batch: 3 Adam steps" in capsys.readouterr().out


def test_micro_says_its_batch_size(tmp_path, capsys):
    code = main(["train", "boston", "--engine", "micro", "--epochs", "1", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0
    assert "--batch-size 16" in captured.err
    assert "batches of 16: 24 Adam steps" in captured.out  # ceil(379 / 16) = 24
    assert json.loads((tmp_path / "metrics.json").read_text())["batch_size"] == 16


@pytest.mark.parametrize("model", ["cnn", "mlp"])
def test_boston_refuses_model(tmp_path, capsys, model):
    code = main(["train", "boston", "--model", model, "--epochs", "1", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and f"--model {model}" in err and "Boston" in err
    assert not any(tmp_path.iterdir())  # refused before training or writing


def test_boston_source_is_said(tmp_path, capsys):
    assert main(["train", "boston", "--epochs", "1", "--out", str(tmp_path)]) == 0
    assert "data: Boston house prices from the copy bundled with mytorch" in capsys.readouterr().out


# ------------------------------------------------------------------ outputs


def test_default_output_folder_is_never_overwritten(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "boston", "--epochs", "1"]) == 0
    first = (tmp_path / "runs" / "boston" / "metrics.json").read_text()
    assert main(["train", "boston", "--epochs", "2"]) == 0
    captured = capsys.readouterr()
    assert (tmp_path / "runs" / "boston" / "metrics.json").read_text() == first  # untouched
    assert json.loads((tmp_path / "runs" / "boston-2" / "metrics.json").read_text())["epochs"] == 2
    assert "runs/boston-2" in captured.err and "--out" in captured.err


def test_checkpoint_loads_back_and_has_the_same_mode_as_the_other_outputs(tmp_path, capsys):
    assert main(["train", "boston", "--epochs", "5", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    import mytorch.micro as mm
    import mytorch.vector as mt
    from mytorch.recipes import boston

    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["model"] == boston.ARCHITECTURE
    model = boston.load_model(mt, str(tmp_path / "boston_model.npz"))
    data = boston.load_split()
    with mt.no_grad():
        pred = data.unscale(model(mt.tensor(data.test_x, dtype=mt.float32)).numpy())
    # The reloaded model reproduces the test MAE the run reported (float32: 1e-4 relative).
    np.testing.assert_allclose(np.abs(pred - data.test_y).mean(), metrics["test_mae"], rtol=1e-4)
    assert boston.load_model(mm, str(tmp_path / "boston_model.npz")).l1.weight.shape == (32, 13)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert len(set(modes.values())) == 1, modes


def test_demo_graph_has_a_title_and_says_what_it_shows(tmp_path, capsys):
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed (apt-get install graphviz)")
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "first 8 training rows" in out
    svg = ET.parse(tmp_path / "boston_graph.svg").getroot()
    title = svg.find(f"{SVG}g/{SVG}title").text
    assert title != "%3" and "8 training rows" in title


# ------------------------------------------------------------------ without matplotlib


def test_demo_without_matplotlib_skips_plots_and_keeps_the_rest(tmp_path):
    run = _run_cli(["demo", "--out", "out"], tmp_path, block_matplotlib=True)
    assert run.returncode == 0, run.stderr
    assert "skipping the plots" in run.stderr and "pip install" in run.stderr
    out = tmp_path / "out"
    assert not (out / "boston.png").exists() and not (out / "loss.png").exists()
    assert json.loads((out / "metrics.json").read_text())["test_mae"] < 3.5
    assert (out / "boston_model.npz").stat().st_size > 0
    assert (out / "boston_graph.svg").exists() or (out / "boston_graph.dot").exists()
    assert "test MAE" in run.stdout


def _tiny_mnist(root: Path, n: int = 32) -> dict:
    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = rng.integers(0, 255, (n, 28, 28)).astype(np.uint8)
    for name, array in zip(mnist_module.FILES, [images, labels, images[: n // 2], labels[: n // 2]]):
        mytorch.datasets.save_idx(root / name, array)
    return {name: mnist_module.md5_file(root / name) for name in mnist_module.FILES}


def test_train_without_matplotlib_still_writes_metrics(tmp_path):
    _tiny_mnist(tmp_path / "data")
    # md5s of generated files are not the published ones: patch the table inside the subprocess.
    md5s = {name: mnist_module.md5_file(tmp_path / "data" / name) for name in mnist_module.FILES}
    prelude = ("import importlib; m = importlib.import_module('mytorch.datasets.mnist'); "
               f"m.FASHION_MNIST_MD5 = {md5s!r}")
    code = ("import sys\nsys.modules['matplotlib'] = None\n" + prelude + "\nfrom mytorch.cli import main\n"
            "sys.exit(main(['train', 'fashion-mnist', '--root', 'data', '--no-download', '--epochs', '1', "
            "'--out', 'out']))\n")
    paths = [str(ROOT), os.environ.get("PYTHONPATH")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, paths)))
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["dataset"] == "fashion-mnist" and len(metrics["train_loss"]) == 1
    assert (tmp_path / "out" / "fashion-mnist_mlp.npz").exists()
    assert "skipping the plots" in run.stderr


# ------------------------------------------------------------------ image data


def test_fashion_outputs_are_not_called_digits_and_the_source_is_said(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(mnist_module, "FASHION_MNIST_MD5", _tiny_mnist(tmp_path / "data"))
    code = main(["train", "fashion-mnist", "--root", str(tmp_path / "data"), "--no-download",
                 "--epochs", "1", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "digits" not in out and "predictions" in out
    assert f"data: fashion-mnist (reading {tmp_path / 'data'})" in out


def test_no_download_error_names_the_cli_flag_not_the_python_api(tmp_path, capsys):
    code = main(["train", "mnist", "--root", str(tmp_path), "--no-download", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1
    assert "--no-download" in err and "download=True" not in err
    assert str(tmp_path) in err


def test_nonexistent_root_is_folder_not_found_without_network(tmp_path, capsys, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("tried the network for a folder that does not exist")

    monkeypatch.setattr(mnist_module, "download", no_network)
    missing = tmp_path / "nonexistent"
    code = main(["train", "mnist", "--root", str(missing), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1 and f"--root {missing}: folder not found" in err
    assert not missing.exists()
