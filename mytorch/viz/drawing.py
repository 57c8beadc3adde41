"""``draw``, ``to_dot`` and ``save``: one entry point for both engines' graphs.

``root`` is a micro ``Value``, a micro Tensor (its elements are the roots),
a vector Tensor, or a list/tuple of those from one engine.

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> loss = (w * w).sum()
    >>> loss.backward()
    >>> print(to_dot(loss, params={"w": w}).count(" -> "))   # w->Mul twice, Mul->Sum
    3
    >>> save(loss, "graph.svg", params={"w": w})           # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import _micro, _vector
from ._dot import DotGraph
from ._render import format_for, render_bytes, write_atomic

__all__ = ["draw", "to_dot", "save", "count_nodes", "COLLAPSE_MODES"]

COLLAPSE_MODES = (None, "tensor", "cluster")


def _split_roots(root: Any) -> tuple[str, list[Any], list[Any]]:
    """Which engine ``root`` belongs to, its root objects, and the micro Tensors among them."""
    from ..vector.tensor import Tensor as VectorTensor

    items = list(root) if isinstance(root, (list, tuple)) else [root]
    if not items:
        raise ValueError("draw: no root given (an empty list)")
    kinds = set()
    roots: list[Any] = []
    tensors: list[Any] = []
    for item in items:
        if isinstance(item, VectorTensor):
            kinds.add("vector")
            roots.append(item)
        elif _micro.is_value(item):
            kinds.add("micro")
            roots.append(item)
        elif _micro.is_tensor(item):
            kinds.add("micro")
            roots.extend(_micro.tensor_values(item))
            tensors.append(item)
        else:
            raise TypeError(
                f"draw: expected a micro Value, a micro Tensor or a vector Tensor, got {type(item).__name__}"
            )
    if len(kinds) > 1:
        raise TypeError("draw: cannot draw micro and vector tensors in one graph")
    return kinds.pop(), roots, tensors


def _build(
    root: Any,
    *,
    show_data: bool = True,
    show_grad: bool = True,
    params: Mapping[str, Any] | None = None,
    rankdir: str = "LR",
    max_nodes: int = 5000,
    collapse: str | None = None,
    color_grads: bool = False,
    chain_rule: bool = False,
) -> DotGraph:
    if collapse not in COLLAPSE_MODES:
        raise ValueError(f"collapse={collapse!r}: expected one of {COLLAPSE_MODES}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir={rankdir!r}: expected 'LR', 'RL', 'TB' or 'BT'")
    kind, roots, tensors = _split_roots(root)
    style: dict[str, Any] = dict(show_data=show_data, show_grad=show_grad, params=params, rankdir=rankdir,
                 color_grads=color_grads, chain_rule=chain_rule)
    if kind == "vector":
        # One node per operation already: collapsing changes nothing.
        _check_size(_vector.count_nodes(roots), max_nodes, collapse, collapsible=False)
        return _vector.build(roots, **style)
    plan = _micro.Plan(roots, tensors, params, collapse)
    _check_size(plan.num_nodes, max_nodes, collapse, collapsible=True)
    return _micro.build(roots, tensors=tensors, collapse=collapse, plan=plan, **style)


def count_nodes(root: Any, collapse: str | None = None, params: Mapping[str, Any] | None = None) -> int:
    """How many nodes :func:`draw` would draw for ``root`` (fast: one walk, no DOT).

    Example:
        >>> import mytorch.vector as mt
        >>> x = mt.tensor([1.0], requires_grad=True)
        >>> count_nodes((x * 2).sum())   # x, Mul, Sum
        3
    """
    if collapse not in COLLAPSE_MODES:
        raise ValueError(f"collapse={collapse!r}: expected one of {COLLAPSE_MODES}")
    kind, roots, tensors = _split_roots(root)
    if kind == "vector":
        return _vector.count_nodes(roots)
    return _micro.Plan(roots, tensors, params, collapse).num_nodes


def _check_size(count: int, max_nodes: int, collapse: str | None, collapsible: bool) -> None:
    if count <= max_nodes:
        return
    hint = (
        ' Pass collapse="tensor" to draw one node per tensor operation, or a larger max_nodes'
        if collapsible and collapse != "tensor"
        else " Pass a larger max_nodes"
    )
    raise ValueError(
        f"draw: the graph has {count} nodes to draw, more than max_nodes={max_nodes}; "
        f"Graphviz would take very long and the picture would be unreadable.{hint} "
        "(or draw a smaller model / batch)."
    )


def to_dot(root: Any, **kwargs: Any) -> str:
    """The graph of ``root`` as DOT text; needs neither Graphviz nor the ``graphviz`` package.

    Keyword arguments are those of :func:`draw`.
    """
    return _build(root, **kwargs).source()


def draw(
    root: Any,
    *,
    show_data: bool = True,
    show_grad: bool = True,
    params: Mapping[str, Any] | None = None,
    rankdir: str = "LR",
    max_nodes: int = 5000,
    collapse: str | None = None,
    color_grads: bool = False,
    chain_rule: bool = False,
) -> Any:
    """The autograd graph of ``root`` as a ``graphviz.Digraph`` (render it with ``.render``).

    In a notebook it shows inline as the last expression of a cell (without Graphviz's
    ``dot``, MyTorch's install message is shown instead; see :mod:`mytorch.viz.notebook`).

    Args:
        root: micro ``Value``, micro Tensor, vector Tensor (or a list of them).
        show_data: write values (micro: every Value; vector: scalar roots and leaves).
        show_grad: write gradients (micro: every Value's ``.grad``; vector: leaf ``.grad``
            norms, and retained gradients of non-leaves).
        params: ``dict(model.named_parameters())`` to name the leaves.
        rankdir: Graphviz layout direction, "LR" (left to right) or "TB" (top to bottom).
        max_nodes: refuse (ValueError) graphs with more nodes than this.
        collapse: micro only. ``"tensor"``: one summary node per tensor operation
            (the Values sharing ``_group``); ``"cluster"``: every Value, boxed per
            tensor operation; None: every Value.
        color_grads: colour nodes and edges by gradient magnitude (log scale).
        chain_rule: show the chain rule itself. micro: every edge parent -> node is labelled
            with the local derivative d(node)/d(parent) and the contribution
            ``local x node.grad`` it carried; a Value used several times shows its grad as
            the sum of its incoming contributions (``grad += a + b = s``). vector: every
            edge carries the gradient tensor that flowed along it (shape, values or norm) and
            every op node its backward rule (``grad_a = grad @ b.T``); the gradients come from
            a replay of backward (:func:`mytorch.viz.trace.trace`), so draw before
            ``backward()`` or after ``backward(retain_graph=True)``. The numbers are also in
            each SVG element's ``id`` (see ``mytorch.viz._meta``). Values only:
            ``show_grad=False``; gradients only: ``show_data=False``.

    Example:
        >>> import mytorch.vector as mt
        >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> draw((x * 3).sum()).render("graph", format="svg")   # doctest: +SKIP
    """
    graph = _build(root, show_data=show_data, show_grad=show_grad, params=params, rankdir=rankdir,
                   max_nodes=max_nodes, collapse=collapse, color_grads=color_grads, chain_rule=chain_rule)
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "mytorch.viz.draw returns a graphviz.Digraph and needs the `graphviz` Python package: "
            "pip install graphviz (and Graphviz's `dot` program to render). "
            "mytorch.viz.save() and to_dot() work without the Python package."
        ) from None
    from .notebook import make_drawing

    del graphviz
    return make_drawing(graph.lines())


def save(root: Any, path: str | os.PathLike, *, format: str | None = None, **kwargs: Any) -> Path:  # noqa: A002
    """Render the graph of ``root`` to ``path`` (SVG, PNG or PDF by suffix or ``format``).

    The file is written atomically: a failed render leaves no partial file.
    Needs Graphviz's ``dot`` program (not the Python package), except for the
    ``dot`` format (suffix ``.dot``/``.gv``), which writes the DOT text itself.
    Keyword arguments are those of :func:`draw`. Returns the path.
    """
    fmt = format_for(path, format)
    source = _build(root, **kwargs).source()
    data = source.encode("utf-8") if fmt == "dot" else render_bytes(source, fmt)
    return write_atomic(path, data)
