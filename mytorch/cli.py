"""The ``mytorch`` command: ``train``, ``demo`` and ``graph``.

Examples (shell)::

    mytorch demo                                   # the seed's Boston model, MAE, plot, graph
    mytorch train fashion-mnist --model cnn --epochs 5
    mytorch train boston --engine micro --epochs 50 --batch-size 16
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
from typing import Any

DATASETS = ("boston", "mnist", "fashion-mnist")


class UserError(Exception):
    """An error caused by the command line or the user's files, not by MyTorch."""


def _engine(name: str) -> Any:
    return importlib.import_module(f"mytorch.{name}")


def _write_json(path: str, payload: dict) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(payload, f, indent=2)
    os.replace(tmp, path)


# ------------------------------------------------------------------ boston


def _run_boston(args: argparse.Namespace, draw_graph: bool) -> int:
    from . import save
    from .recipes import boston, plots

    engine = _engine(args.engine)
    if args.engine == "micro" and args.batch_size is None:
        print("note: the micro engine builds one Value per element; using --batch-size 16",
              file=sys.stderr)
        args.batch_size = 16
    data = boston.load_split(args.root)
    start = time.perf_counter()
    result = boston.train(engine, steps=args.epochs, lr=args.lr, seed=args.seed,
                          batch_size=args.batch_size, data=data)
    seconds = time.perf_counter() - start
    m = result.metrics
    print(f"Boston ({args.engine} engine, {args.epochs} Adam steps, {seconds:.1f} s): "
          f"final loss {result.losses[-1]:.6f}, train MAE {m['train_mae']:.3f}, "
          f"test MAE {m['test_mae']:.3f}")
    os.makedirs(args.out, exist_ok=True)
    files = {
        "plot": os.path.join(args.out, "boston.png"),
        "loss": os.path.join(args.out, "loss.png"),
        "checkpoint": os.path.join(args.out, "boston_model.npz"),
        "metrics": os.path.join(args.out, "metrics.json"),
    }
    plots.boston_predictions(data.unscale(data.train_y), result.train_pred, m["train_mae"],
                             data.test_y, result.test_pred, m["test_mae"], files["plot"])
    plots.loss_curve(result.losses, files["loss"], title="Boston: training MSE (scaled target)")
    save(result.model.state_dict(), files["checkpoint"])
    if draw_graph:
        files["graph"] = _draw_boston_graph(engine, result.model, data, args.out)
    _write_json(files["metrics"], {**m, "engine": args.engine, "steps": args.epochs,
                                   "seconds": seconds})
    for kind, path in files.items():
        print(f"  {kind:<10} {path}")
    return 0


def _draw_boston_graph(engine: Any, model: Any, data: Any, out: str) -> str:
    """The model's graph as SVG; without Graphviz's ``dot``, the DOT text and a hint instead."""
    from . import viz
    from .recipes import boston

    loss = boston.graph_of_loss(engine, model, data)
    params = dict(model.named_parameters())
    path = os.path.join(out, "boston_graph.svg")
    try:
        viz.save(loss, path, params=params)
    except viz.GraphvizNotFoundError as exc:
        path = os.path.join(out, "boston_graph.dot")
        viz.save(loss, path, params=params)
        print(f"note: wrote the graph as DOT text instead of SVG. {exc}", file=sys.stderr)
    return path


# ------------------------------------------------------------------ mnist / fashion-mnist


def _load_images(args: argparse.Namespace) -> tuple:
    from . import datasets

    loader = datasets.mnist if args.dataset == "mnist" else datasets.fashion_mnist
    train_x, train_y, test_x, test_y = loader(root=args.root, download=args.download)
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
    data = _load_images(args)
    os.makedirs(args.out, exist_ok=True)
    checkpoint = os.path.join(args.out, f"{args.dataset}_{args.model}.npz")

    def on_epoch(epoch: int, result: Any) -> None:
        print(f"epoch {epoch}: train loss {result.losses[-1]:.4f}, test accuracy "
              f"{result.test_accuracy:.2%}, {result.seconds_per_epoch[-1]:.1f} s")
        save(result.model.state_dict(), checkpoint)

    result = classify.fit(engine, args.model, data, epochs=args.epochs,
                          batch_size=args.batch_size or 128, lr=args.lr, seed=args.seed,
                          on_epoch=on_epoch)
    names = classify.FASHION_CLASSES if args.dataset == "fashion-mnist" else None
    files = {
        "loss": os.path.join(args.out, "loss.png"),
        "digits": os.path.join(args.out, "predictions.png"),
        "checkpoint": checkpoint,
        "metrics": os.path.join(args.out, "metrics.json"),
    }
    plots.loss_curve(result.step_losses, files["loss"], title=f"{args.dataset} {args.model}")
    plots.digit_grid(data[2][:15], data[3][:15], result.test_pred[:15], files["digits"], names)
    _write_json(files["metrics"], {
        "dataset": args.dataset, "model": args.model, "engine": args.engine,
        "epochs": args.epochs, "test_accuracy": result.test_accuracy,
        "train_loss": result.losses, "seconds_per_epoch": result.seconds_per_epoch,
    })
    print(f"test accuracy {result.test_accuracy:.2%}")
    for kind, path in files.items():
        print(f"  {kind:<10} {path}")
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
    parser = argparse.ArgumentParser(prog="mytorch", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="{train,demo,graph}")

    train = sub.add_parser("train", help="train a model and write metrics, checkpoint and plots")
    train.add_argument("dataset", choices=DATASETS)
    train.add_argument("--model", choices=("mlp", "cnn"), default="mlp",
                       help="classifier architecture (mnist, fashion-mnist)")
    train.add_argument("--engine", choices=("vector", "micro"), default="vector")
    train.add_argument("--epochs", type=_positive_int, default=None,
                       help="epochs (Boston: full-batch Adam steps, default 1000; images: 5)")
    train.add_argument("--batch-size", type=_positive_int, default=None)
    train.add_argument("--lr", type=_positive_float, default=1e-3)
    train.add_argument("--root", default=None, help="folder with the dataset files")
    train.add_argument("--no-download", dest="download", action="store_false",
                       help="never use the network (fail if files are missing)")
    train.add_argument("--limit", type=_positive_int, default=None,
                       help="use only the first N training and test images")
    train.add_argument("--out", default=None, help="output folder (default runs/<dataset>)")
    train.add_argument("--seed", type=int, default=0)

    demo = sub.add_parser("demo", help="the README's main job: the seed's Boston model")
    demo.add_argument("--out", default="mytorch-demo")
    demo.add_argument("--seed", type=int, default=0)

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
            ns = argparse.Namespace(engine="vector", epochs=1000, lr=1e-3, seed=args.seed,
                                    batch_size=None, root=None, out=args.out)
            return _run_boston(ns, draw_graph=True)
        if args.command == "train":
            args.out = args.out or os.path.join("runs", args.dataset)
            if args.dataset == "boston":
                args.epochs = args.epochs or 1000
                return _run_boston(args, draw_graph=False)
            args.epochs = args.epochs or 5
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
