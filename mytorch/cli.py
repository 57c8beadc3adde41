"""The ``mytorch`` command: ``train``, ``demo`` and ``graph``.

Examples (shell)::

    mytorch demo                                   # the seed's Boston model, MAE, plot, graph
    mytorch train fashion-mnist --model cnn --epochs 5
    mytorch train boston --engine micro --epochs 20 --batch-size 16
    mytorch graph --model mlp --engine micro --out mlp.svg

User errors (unknown names, missing files, bad values) print one line and
exit with status 1 or 2, without a traceback (set ``MYTORCH_DEBUG=1`` to see
one).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from collections.abc import Sequence
from types import ModuleType
from typing import Any

DATASETS = ("boston", "mnist", "fashion-mnist")
DESCRIPTION = "MyTorch: train the seed's Boston model or an MNIST/Fashion-MNIST classifier, draw graphs."
#: Default --epochs. Boston trains full-batch on vector (1 epoch = 1 Adam step: the seed's
#: 1000-step tutorial); on micro it uses batches of 16 (24 steps per epoch).
BOSTON_EPOCHS = {"vector": 1000, "micro": 20}
MICRO_BOSTON_BATCH = 16
IMAGE_EPOCHS = 5
IMAGE_BATCH = 128


class UserError(Exception):
    """An error caused by the command line or the user's files, not by MyTorch."""


def _engine(name: str) -> Any:
    return importlib.import_module(f"mytorch.{name}")


def _write_json(path: str, payload: dict) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(payload, f, indent=2)
    os.replace(tmp, path)


# ------------------------------------------------------------------ outputs


def _out_folder(args: argparse.Namespace, default: str) -> str:
    """``--out``, or ``default`` / ``default-2`` / ... : a default folder is never overwritten."""
    if args.out is not None:
        return args.out
    path, k = default, 1
    while os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
        k += 1
        path = f"{default}-{k}"
    if k > 1:
        print(f"note: {default} already holds a run; writing to {path} (choose one with --out)",
              file=sys.stderr)
    return path


def _plot(skipped: list[str], files: dict[str, str], kind: str, draw: Any) -> None:
    """``draw(files[kind])``; without matplotlib, drop it from ``files`` and remember it in ``skipped``."""
    from .recipes.plots import PlotsUnavailable

    try:
        draw(files[kind])
    except PlotsUnavailable as exc:
        del files[kind]
        if not skipped:
            print(f"note: skipping the plots: {exc}", file=sys.stderr)
        skipped.append(kind)


def _list_files(files: dict[str, str], skipped: list[str]) -> None:
    for kind, path in files.items():
        print(f"  {kind:<11} {path}")
    if skipped:
        print(f"  (not written: {', '.join(skipped)} plots; matplotlib is not installed)")


# ------------------------------------------------------------------ boston


def _run_boston(args: argparse.Namespace, draw_graph: bool) -> int:
    from . import save
    from .recipes import boston, plots

    if getattr(args, "model", None) is not None:
        raise UserError(f"--model {args.model} applies to mnist and fashion-mnist; Boston always "
                        "trains the seed's 13-32-32-32-1 ReLU MLP (leave --model out)")
    engine = _engine(args.engine)
    if args.engine == "micro" and args.batch_size is None:
        print(f"note: the micro engine builds one Value per element; using --batch-size "
              f"{MICRO_BOSTON_BATCH} (pass --batch-size to choose)", file=sys.stderr)
        args.batch_size = MICRO_BOSTON_BATCH
    epochs = args.epochs or BOSTON_EPOCHS[args.engine]
    if args.root is not None and not os.path.isfile(args.root):
        raise UserError(f"--root {args.root}: file not found (for boston, --root is a data file; "
                        "leave it out to use the bundled copy)")
    source = args.root or "the copy bundled with mytorch (StatLib's Boston table)"
    print(f"data: Boston house prices from {source}")
    data = boston.load_split(args.root)
    n = len(data.train_x)
    per_epoch = boston.steps_per_epoch(n, args.batch_size)
    batch = "full batch" if per_epoch == 1 else f"batches of {args.batch_size}"
    start = time.perf_counter()
    result = boston.train(engine, lr=args.lr, seed=args.seed, batch_size=args.batch_size,
                          data=data, epochs=epochs)
    seconds = time.perf_counter() - start
    m = result.metrics
    steps = len(result.losses)
    print(f"Boston ({args.engine} engine, {epochs} epochs over {n} rows, {batch}: {steps} Adam steps, "
          f"{seconds:.1f} s): final loss {result.losses[-1]:.6f}, train MAE {m['train_mae']:.3f}, "
          f"test MAE {m['test_mae']:.3f}")
    out = _out_folder(args, "mytorch-demo" if draw_graph else os.path.join("runs", "boston"))
    os.makedirs(out, exist_ok=True)
    files = {
        "plot": os.path.join(out, "boston.png"),
        "loss": os.path.join(out, "loss.png"),
        "checkpoint": os.path.join(out, "boston_model.npz"),
        "metrics": os.path.join(out, "metrics.json"),
    }
    skipped: list[str] = []
    _plot(skipped, files, "plot", lambda path: plots.boston_predictions(
        data.unscale(data.train_y), result.train_pred, m["train_mae"],
        data.test_y, result.test_pred, m["test_mae"], path))
    _plot(skipped, files, "loss", lambda path: plots.loss_curve(
        result.losses, path, title="Boston: training MSE (scaled target)"))
    save(result.model.state_dict(), files["checkpoint"])
    if draw_graph:
        files["graph"] = _draw_boston_graph(engine, result.model, data, out)
    _write_json(files["metrics"], {
        **m, "engine": args.engine, "epochs": epochs, "batch_size": args.batch_size, "steps": steps,
        "seconds": seconds, "model": boston.ARCHITECTURE,
        "load_with": "mytorch.recipes.boston.load_model(engine, path)",
    })
    _list_files(files, skipped)
    return 0


def _draw_boston_graph(engine: Any, model: Any, data: Any, out: str) -> str:
    """The model's graph as SVG; without Graphviz's ``dot``, the DOT text and a hint instead."""
    from . import viz
    from .recipes import boston
    from .viz import _render

    rows = 8
    loss = boston.graph_of_loss(engine, model, data, rows=rows)
    source = viz.to_dot(loss, params=dict(model.named_parameters()))
    # The graph's name becomes the SVG's <title> (Graphviz writes "%3" for an unnamed graph).
    title = f"Boston model: MSE loss on the first {rows} training rows, after backward"
    source = source.replace("digraph {", 'digraph "' + title + '" {', 1)
    print(f"graph: the trained model's loss on the first {rows} training rows (one node per operation, "
          "parameters named, gradient norms on the leaves)")
    path = os.path.join(out, "boston_graph.svg")
    try:
        _render.write_atomic(path, _render.render_bytes(source, "svg"))
    except viz.GraphvizNotFoundError as exc:
        path = os.path.join(out, "boston_graph.dot")
        _render.write_atomic(path, source.encode("utf-8"))
        print(f"note: wrote the graph as DOT text instead of SVG. {exc}", file=sys.stderr)
    return path


# ------------------------------------------------------------------ mnist / fashion-mnist


def _image_folder(args: argparse.Namespace) -> str:
    """Where the four IDX files are read from (checked before any download), said on stdout."""
    mnist_files = importlib.import_module("mytorch.datasets.mnist")  # the module, not the function

    name = args.dataset
    if args.root is not None and not os.path.isdir(os.path.expanduser(args.root)):
        raise UserError(f"--root {args.root}: folder not found (it must be an existing folder "
                        f"holding, or to receive, the four files {', '.join(mnist_files.FILES)})")
    system = mnist_files.FASHION_MNIST_SYSTEM_DIRS if name == "fashion-mnist" else ()
    folder = mnist_files._pick_root(name, args.root, system)
    missing = [f for f in mnist_files.FILES if not (folder / f).is_file()]
    if missing and not args.download:
        raise UserError(f"{name}: missing {', '.join(missing)} in {folder}. Run without --no-download "
                        f"to download them (md5-checked) into {folder}, or copy the four files "
                        f"{', '.join(mnist_files.FILES)} there and pass --root {folder}")
    where = "downloading the missing files into" if missing else "reading"
    print(f"data: {name} ({where} {folder})")
    return str(folder)


def _load_images(args: argparse.Namespace) -> tuple:
    from . import datasets

    loader = datasets.mnist if args.dataset == "mnist" else datasets.fashion_mnist
    folder = _image_folder(args)
    train_x, train_y, test_x, test_y = loader(root=folder, download=args.download)
    if args.limit:
        train_x, train_y = train_x[: args.limit], train_y[: args.limit]
        test_x, test_y = test_x[: args.limit], test_y[: args.limit]
    return train_x, train_y, test_x, test_y


def _run_classifier(args: argparse.Namespace) -> int:
    from . import save
    from .recipes import classify, plots

    engine = _engine(args.engine)
    if args.engine == "micro" and not args.limit:
        raise UserError("the micro engine is far too slow for 60,000 images: add --limit "
                        "(e.g. --limit 200) or use --engine vector")
    model_name = args.model or "mlp"
    epochs = args.epochs or IMAGE_EPOCHS
    data = _load_images(args)
    out = _out_folder(args, os.path.join("runs", args.dataset))
    os.makedirs(out, exist_ok=True)
    checkpoint = os.path.join(out, f"{args.dataset}_{model_name}.npz")

    def on_epoch(epoch: int, result: Any) -> None:
        print(f"epoch {epoch}: train loss {result.losses[-1]:.4f}, test accuracy "
              f"{result.test_accuracy:.2%}, {result.seconds_per_epoch[-1]:.1f} s")
        save(result.model.state_dict(), checkpoint)

    result = classify.fit(engine, model_name, data, epochs=epochs,
                          batch_size=args.batch_size or IMAGE_BATCH, lr=args.lr, seed=args.seed,
                          on_epoch=on_epoch)
    names = classify.FASHION_CLASSES if args.dataset == "fashion-mnist" else None
    files = {
        "loss": os.path.join(out, "loss.png"),
        "predictions": os.path.join(out, "predictions.png"),
        "checkpoint": checkpoint,
        "metrics": os.path.join(out, "metrics.json"),
    }
    skipped: list[str] = []
    test_pred = result.test_pred
    assert test_pred is not None  # fit evaluates the test split
    _plot(skipped, files, "loss", lambda path: plots.loss_curve(
        result.step_losses, path, title=f"{args.dataset} {model_name}"))
    _plot(skipped, files, "predictions", lambda path: plots.digit_grid(
        data[2][:15], data[3][:15], test_pred[:15], path, names))
    _write_json(files["metrics"], {
        "dataset": args.dataset, "model": model_name, "engine": args.engine,
        "epochs": epochs, "test_accuracy": result.test_accuracy,
        "train_loss": result.losses, "seconds_per_epoch": result.seconds_per_epoch,
    })
    print(f"test accuracy {result.test_accuracy:.2%}")
    _list_files(files, skipped)
    return 0


# ------------------------------------------------------------------ parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="mytorch", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"mytorch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{train,demo,graph}")

    train = sub.add_parser(
        "train", help="train a model and write metrics, checkpoint and plots",
        description="Train on a dataset and write metrics.json, a checkpoint and PNG plots "
                    "(plots need matplotlib; without it they are skipped with a note).")
    train.add_argument("dataset", choices=DATASETS, help="boston (bundled), mnist or fashion-mnist")
    train.add_argument("--model", choices=("mlp", "cnn"), default=None,
                       help="mnist/fashion-mnist classifier: mlp (784-256-128-10) or cnn "
                            "(default: mlp); not accepted for boston, which trains the seed's MLP")
    train.add_argument("--engine", choices=("vector", "micro"), default="vector",
                       help="autograd engine: vector (numpy, fast) or micro (one Value per element, "
                            "slow; for small runs) (default: vector)")
    train.add_argument("--epochs", type=_positive_int, default=None,
                       help="passes over the training data (default: mnist/fashion-mnist "
                            f"{IMAGE_EPOCHS}; boston {BOSTON_EPOCHS['vector']} on vector, where it "
                            "trains full-batch so one epoch is one Adam step as in the seed's "
                            f"tutorial, {BOSTON_EPOCHS['micro']} on micro)")
    train.add_argument("--batch-size", type=_positive_int, default=None,
                       help=f"rows per Adam step (default: mnist/fashion-mnist {IMAGE_BATCH}; boston "
                            f"the full training set (379 rows) on vector, {MICRO_BOSTON_BATCH} on micro)")
    train.add_argument("--lr", type=_positive_float, default=1e-3, help="Adam learning rate (default: 1e-3)")
    train.add_argument("--root", default=None,
                       help="mnist/fashion-mnist: an existing folder with (or to receive) the four "
                            "IDX .gz files (default: $MYTORCH_DATA or ~/.cache/mytorch; Fashion-MNIST "
                            "also from Debian's dataset-fashion-mnist); boston: a data file "
                            "(default: the bundled copy)")
    train.add_argument("--no-download", dest="download", action="store_false",
                       help="never use the network (fail if files are missing)")
    train.add_argument("--limit", type=_positive_int, default=None,
                       help="use only the first N training and test images")
    train.add_argument("--out", default=None,
                       help="output folder (default: runs/<dataset>; when that already holds a run, "
                            "runs/<dataset>-2, -3, ...: a default folder is never overwritten)")
    train.add_argument("--seed", type=int, default=0,
                       help="seed for the initial weights and the batch order (default: 0)")

    demo = sub.add_parser(
        "demo", help="the README's main job: the seed's Boston model",
        description="Train the seed's Boston model (1000 full-batch Adam steps on the vector engine), "
                    "print the MAE, write plots, the graph SVG, the checkpoint and metrics.json.")
    demo.add_argument("--out", default=None,
                      help="output folder (default: mytorch-demo; when that already holds a run, "
                           "mytorch-demo-2, -3, ...)")
    demo.add_argument("--seed", type=int, default=0, help="seed for the initial weights (default: 0)")

    graph_command: ModuleType | None
    try:
        from .viz import command as graph_command
    except ImportError:  # drawing needs the optional graphviz package
        graph_command = None
    if graph_command is not None:
        graph_command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            ns = argparse.Namespace(engine="vector", epochs=None, lr=1e-3, seed=args.seed, model=None,
                                    batch_size=None, root=None, out=args.out)
            return _run_boston(ns, draw_graph=True)
        if args.command == "train":
            if args.dataset == "boston":
                return _run_boston(args, draw_graph=False)
            return _run_classifier(args)
        from .viz import command as graph_command

        return graph_command.run(args)
    except (UserError, FileNotFoundError, ValueError, RuntimeError, OSError) as exc:
        if os.environ.get("MYTORCH_DEBUG"):
            raise
        print(f"mytorch: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
