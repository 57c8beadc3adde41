"""The ``mytorch`` command: demo, train, and clean failures on user errors."""

from __future__ import annotations

import gzip
import importlib
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from mytorch.cli import main
from mytorch.datasets import save_idx

mnist_module = importlib.import_module("mytorch.datasets.mnist")
FILES = mnist_module.FILES


def _tiny_mnist(root, n=64, seed=0):
    """Four generated IDX files: class k images have a bright row k (learnable)."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = rng.integers(0, 30, (n, 28, 28)).astype(np.uint8)
    for i, k in enumerate(labels):
        images[i, 2 * k + 3, :] = 255
    arrays = [images, labels, images[: n // 2], labels[: n // 2]]
    for name, array in zip(FILES, arrays):
        save_idx(root / name, array)
    return {name: mnist_module.md5_file(root / name) for name in FILES}


def test_module_help_runs():
    proc = subprocess.run([sys.executable, "-m", "mytorch", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "train" in proc.stdout and "demo" in proc.stdout


def test_unknown_dataset_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "imagenet"])
    assert exc.value.code == 2
    assert "invalid choice: 'imagenet'" in capsys.readouterr().err


def test_unknown_model_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "mnist", "--model", "resnet"])
    assert exc.value.code == 2
    assert "invalid choice: 'resnet'" in capsys.readouterr().err


def test_missing_files_without_download(tmp_path, capsys):
    code = main(["train", "mnist", "--root", str(tmp_path), "--no-download", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert str(tmp_path) in err and "train-images-idx3-ubyte.gz" in err
    assert "Traceback" not in err


def test_truncated_gzip_is_reported_with_its_name(tmp_path, capsys, monkeypatch):
    md5s = _tiny_mnist(tmp_path / "data")
    target = tmp_path / "data" / FILES[0]
    target.write_bytes(target.read_bytes()[:200])  # cut the gzip stream short
    md5s[FILES[0]] = mnist_module.md5_file(target)
    monkeypatch.setattr(mnist_module, "MNIST_MD5", md5s)
    code = main(["train", "mnist", "--root", str(tmp_path / "data"), "--no-download",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and FILES[0] in err and "Traceback" not in err


def test_train_tiny_mnist_cnn_writes_everything(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(mnist_module, "MNIST_MD5", _tiny_mnist(tmp_path / "data"))
    out = tmp_path / "out"
    code = main(["train", "mnist", "--model", "cnn", "--root", str(tmp_path / "data"),
                 "--no-download", "--epochs", "2", "--batch-size", "16", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] == "cnn" and len(metrics["train_loss"]) == 2
    assert 0.0 <= metrics["test_accuracy"] <= 1.0
    for name in ("loss.png", "predictions.png", "mnist_cnn.npz"):
        assert (out / name).stat().st_size > 0
    assert "test accuracy" in capsys.readouterr().out


def test_micro_engine_on_images_needs_a_limit(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(mnist_module, "MNIST_MD5", _tiny_mnist(tmp_path / "data"))
    code = main(["train", "mnist", "--engine", "micro", "--root", str(tmp_path / "data"),
                 "--no-download", "--out", str(tmp_path / "out")])
    assert code == 1 and "--limit" in capsys.readouterr().err


def test_demo_writes_plot_graph_checkpoint_and_mae(tmp_path, capsys):
    pytest.importorskip("graphviz")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed (the demo then writes DOT text: tested below)")
    code = main(["demo", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    train_mae = float(out.split("train MAE ")[1].split(",")[0])
    test_mae = float(out.split("test MAE ")[1].split()[0])
    # The seed's published figures are 1.57 / 2.32 after the same 1000 Adam steps.
    assert train_mae < 2.5 and test_mae < 3.5
    for name in ("boston.png", "loss.png", "boston_model.npz", "metrics.json"):
        assert (tmp_path / name).stat().st_size > 0
    svg = ET.parse(tmp_path / "boston_graph.svg").getroot()
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "l1.weight" in texts and "l4.bias" in texts


def test_gzip_helper_files_are_real_gzip(tmp_path):
    _tiny_mnist(tmp_path)
    with gzip.open(tmp_path / FILES[1]) as f:
        assert f.read(4) == b"\x00\x00\x08\x01"


def test_demo_without_dot_writes_dot_text_and_says_how_to_install(tmp_path, capsys, monkeypatch):
    pytest.importorskip("graphviz")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no `dot` program anywhere
    code = main(["demo", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 0
    assert (tmp_path / "out" / "boston_graph.dot").read_text().startswith("digraph")
    assert not (tmp_path / "out" / "boston_graph.svg").exists()
    assert "graphviz" in captured.err.lower() and "apt-get install" in captured.err
