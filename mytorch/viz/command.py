"""The ``mytorch graph`` subcommand: draw a demo model's autograd graph to a file.

Usage::

    mytorch graph --model mlp|cnn|boston --engine micro|vector --out FILE
                  [--format svg|png|pdf|dot] [--no-data] [--no-grad]
                  [--collapse none|tensor|cluster] [--color-grads] [--max-nodes N]
                  [--chain-rule] [--html]

``--chain-rule`` labels the edges with the chain rule (see ``draw``); ``--html`` writes
the step-by-step backward replay page instead of a picture (see :mod:`mytorch.viz.replay`).

``mytorch/cli.py`` calls :func:`add_parser` with its subparsers and
:func:`run` with the parsed arguments.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="mytorch")
    >>> _ = add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["graph", "--model", "mlp", "--out", "mlp.svg"])
    >>> args.model, args.engine, args.collapse
    ('mlp', 'vector', None)
    >>> run(args)                              # doctest: +SKIP
    0
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import demo
from ._render import SAVE_FORMATS, GraphvizNotFoundError
from .drawing import count_nodes, save

__all__ = ["add_parser", "run"]

#: Without --collapse, a micro graph with more nodes than this is drawn collapsed: Graphviz
#: needs tens of seconds for a few thousand Values (the Boston model's has about 3,200).
AUTO_COLLAPSE = 1000


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``graph`` subcommand to ``subparsers`` (from ``parser.add_subparsers()``)."""
    p = subparsers.add_parser(
        "graph",
        help="draw the autograd graph of a small model (needs Graphviz)",
        description=(
            "Run one forward and backward pass of a small model and draw its autograd graph "
            "with values and gradients. Rendering needs Graphviz's `dot` program; "
            "--format dot writes the DOT text without it."
        ),
    )
    p.add_argument("--model", choices=demo.MODELS, default="mlp", help="model to draw (default: mlp)")
    p.add_argument("--engine", choices=demo.ENGINES, default="vector",
                   help="autograd engine (default: vector)")
    p.add_argument("--out", required=True, help="output file, e.g. graph.svg")
    p.add_argument("--format", choices=SAVE_FORMATS, default=None,
                   help="output format (default: from the suffix of --out)")
    p.add_argument("--no-data", dest="show_data", action="store_false", help="leave values out of the labels")
    p.add_argument("--no-grad", dest="show_grad", action="store_false",
                   help="leave gradients out of the labels")
    p.add_argument("--collapse", choices=("none", "tensor", "cluster"), default=None,
                   help="micro engine: 'tensor' draws one node per tensor operation, 'cluster' boxes the "
                        "Values of each tensor operation (default: 'tensor' for micro graphs over "
                        f"{AUTO_COLLAPSE} nodes, else none)")
    p.add_argument("--color-grads", action="store_true",
                   help="colour nodes and edges by gradient magnitude (log scale)")
    p.add_argument("--max-nodes", type=int, default=5000, help="largest graph to draw (default: 5000)")
    p.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="layout direction (default: LR)")
    p.add_argument("--chain-rule", action="store_true",
                   help="label every edge with the chain rule: local derivative x upstream = contribution "
                        "(micro), the gradient tensor that flowed (vector)")
    p.add_argument("--html", action="store_true",
                   help="write a self-contained HTML page that replays backward step by step (Prev/Next)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Draw the graph described by ``args``; 0 on success, 1 on an error (printed to stderr)."""
    try:
        replaying = args.html or args.chain_rule
        loss, params = demo.build(args.model, args.engine, retain_graph=replaying)
        if args.html:
            from .replay import html

            collapse_html = {None: "auto", "none": None}.get(args.collapse, args.collapse)
            if collapse_html == "cluster":
                raise ValueError("--html draws every Value or one node per tensor operation: "
                                 "use --collapse none or tensor")
            path = html(loss, args.out, params=params, collapse=collapse_html, max_nodes=args.max_nodes,
                        rankdir=args.rankdir)
            print(f"wrote {path} (backward of {args.model} on the {args.engine} engine, step by step)")
            return 0
        collapse = None if args.collapse in (None, "none") else args.collapse
        if args.collapse is None and args.engine == "micro":
            full = count_nodes(loss)
            if full > min(AUTO_COLLAPSE, args.max_nodes):
                collapse = "tensor"
                print(
                    f"mytorch graph: the full graph has {full} nodes; drawing one node per tensor "
                    "operation (--collapse tensor; --collapse none draws every Value)",
                    file=sys.stderr,
                )
        path = save(
            loss,
            args.out,
            format=args.format,
            show_data=args.show_data,
            show_grad=args.show_grad,
            params=params,
            rankdir=args.rankdir,
            max_nodes=args.max_nodes,
            collapse=collapse,
            color_grads=args.color_grads,
            chain_rule=args.chain_rule,
        )
    except (GraphvizNotFoundError, ValueError, RuntimeError, OSError) as exc:
        print(f"mytorch graph: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path} ({args.model} on the {args.engine} engine, loss {loss.item():.6g})")
    return 0
