"""Drawing the vector engine's graph: one node per recorded operation.

What is drawn (reached from the roots' ``grad_fn`` through ``Node.next``):

* an **op node** per ``Node``: its name (``MulBackward``), the shape and
  dtype of the tensor it produced, and its gradient norm when that tensor
  kept its ``.grad`` (``retain_grad()``); the root's node is filled green;
* a **leaf node** per leaf tensor that requires grad (filled blue): its
  parameter name when ``params`` maps names to tensors, shape, dtype and
  the norm of ``.grad``;
* a **no-grad node** (dashed grey, edge ending in a circle) per tensor input
  that needs no gradient: a constant, a ``detach()`` result or something
  computed under ``no_grad``. This is where the graph is cut. Python numbers
  (``x * 2``) are not tensors and are not drawn.

The structure (``next``, ``out_shape``, ``out_dtype``, ``cuts``) survives ``backward()``
even without ``retain_graph=True``, so a graph can be drawn after backward,
with the leaves' gradients.

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> g = build([(w * mt.tensor([3.0, 4.0])).sum()], params={"w": w})
    >>> g.num_nodes, g.num_edges     # Sum, Mul, w, the no-grad constant
    (4, 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import _graph
from ._dot import DotGraph, text_escape
from ._meta import meta_id
from ._style import GRAD_PLACEHOLDER, NO_GRAD_EDGE, NO_GRAD_NODE, GradScale, fmt
from .rules import backward_rule

__all__ = ["build", "count_nodes"]


class _Sink:
    __slots__ = ("roots",)

    def __init__(self, roots: list[Any]) -> None:
        self.roots = roots


def _start(t: Any) -> Any:
    """Where drawing starts for root tensor ``t``: its node, itself (a leaf), or None (no grad)."""
    if t.grad_fn is not None:
        return t.grad_fn
    return t if t.requires_grad else None


def _order(roots: list[Any]) -> list[Any]:
    from ..vector.node import Node

    starts = [s for s in (_start(t) for t in roots) if s is not None]
    sink = _Sink(starts)

    def parents(n: Any) -> Any:
        if n is sink:
            return sink.roots
        if isinstance(n, Node):
            return [p for p in n.next if p is not None]
        return ()

    return [n for n in _graph.topological_order(sink, parents) if n is not sink]


def _cut_inputs(node: Any) -> tuple:
    """The tensor inputs of ``node`` that need no gradient (drawn as cuts): ``(index, shape, dtype)``."""
    return node.cuts


def count_nodes(roots: list[Any]) -> int:
    """How many nodes :func:`build` would draw (one iterative walk, no DOT)."""
    from ..vector.node import Node

    order = _order(roots)
    cuts = sum(len(_cut_inputs(n)) for n in order if isinstance(n, Node))
    return len(order) + cuts + sum(1 for t in roots if _start(t) is None)


def _name(node: Any) -> str:
    try:
        return node.name()
    except AttributeError:  # a node whose name lived in state freed by backward
        return type(node).__name__


def _describe(shape: Any, dtype: Any) -> str:
    return f"{tuple(shape)} {np.dtype(dtype).name}"


def _norm(t: Any) -> float | None:
    if t is None:
        return None
    return float(np.linalg.norm(np.asarray(t._data, dtype=np.float64).ravel()))


def _kept_grad(node: Any) -> float | None:
    """Gradient norm of a node's output when the user called ``retain_grad()`` on it."""
    ref = getattr(node, "_retained", None)
    kept = ref() if ref is not None else None
    return _norm(kept.grad) if kept is not None else None


def summary(g: np.ndarray) -> str:
    """A gradient tensor in a few words: shape, and its values (up to 4) or its norm."""
    g = np.asarray(g)
    shape = tuple(g.shape)
    if g.size <= 4:
        return f"{shape} [{', '.join(fmt(x) for x in g.ravel().tolist())}]"
    return f"{shape} norm {fmt(float(np.linalg.norm(g.astype(np.float64).ravel())))}"


#: tensors up to this size carry all their values in the SVG ids; larger ones sum and norm only
MAX_VALUES_IN_ID = 64


def _numbers(g: np.ndarray | None) -> dict[str, object]:
    """``meta_id`` fields of a gradient: shape, sum, norm and (small tensors) every value."""
    if g is None:
        return {}
    flat = np.asarray(g, dtype=np.float64).ravel()
    fields: dict[str, object] = {
        "shape": "x".join(map(str, np.shape(g))) or "scalar",
        "sum": float(flat.sum()),
        "norm": float(np.linalg.norm(flat)),
    }
    if flat.size <= MAX_VALUES_IN_ID:
        fields["values"] = [float(x) for x in flat.tolist()]
    return fields


def build(
    roots: list[Any],
    *,
    show_data: bool = True,
    show_grad: bool = True,
    params: Mapping[str, Any] | None = None,
    rankdir: str = "LR",
    color_grads: bool = False,
    chain_rule: bool = False,
    grad_placeholder: bool = False,
) -> DotGraph:
    """The DOT graph of vector tensors ``roots`` (see the module docstring).

    ``chain_rule``: replay backward (:func:`~mytorch.viz.trace.vector_trace`) and label every
    edge with the gradient that flowed along it, and every op node with its backward rule.
    """
    from ..vector.node import Node

    order = _order(roots)
    names = {id(t): name for name, t in (params or {}).items()}
    ids = {id(n): f"n{i}" for i, n in enumerate(order)}
    root_ids = {id(_start(t)) for t in roots}
    root_values = {id(_start(t)): t for t in roots if t._data.size == 1 and _start(t) is not None}

    grads = {id(n): (_kept_grad(n) if isinstance(n, Node) else _norm(n.grad)) for n in order}
    scale = GradScale(g for g in grads.values() if g is not None) if color_grads else None

    graph_attrs = {"rankdir": rankdir}
    if scale is not None:
        graph_attrs.update(label=scale.caption(), labelloc="b", fontsize="10", fontname="Helvetica")
    g = DotGraph(**graph_attrs)
    g.defaults("node", fontname="Helvetica", fontsize="10")
    g.defaults("edge", arrowsize="0.7")

    flows: dict[tuple[int, int], np.ndarray] = {}  # (id(node), slot) -> gradient sent to that input
    arrived: dict[int, np.ndarray] = {}  # id(node or leaf) -> gradient that reached it
    if chain_rule:
        from .trace import seed_for, vector_trace

        starts = [t for t in roots if _start(t) is not None]
        tr = vector_trace(starts, [seed_for(t) for t in starts])
        for step in tr.steps:
            arrived[id(step.node)] = step.upstream
            for e in step.edges:
                flows[(id(step.node), e.slot)] = e.grad
        for leaf in tr.leaves:
            arrived[id(leaf)] = tr.leaf_grad(leaf)

    cut_count = 0
    for t in roots:  # a root that requires no grad is a graph of one cut node
        if _start(t) is None:
            label = f"no grad\n{_describe(t._data.shape, t._data.dtype)}"
            g.node(f"c{cut_count}", label=text_escape(label), **NO_GRAD_NODE)
            cut_count += 1

    for n in order:
        key = id(n)
        lines = []
        if isinstance(n, Node):
            lines.append(_name(n))
            lines.append(_describe(n.out_shape, n.out_dtype))
            attrs = {"shape": "box", "style": "rounded"}
        else:
            if key in names:
                lines.append(names[key])
            lines.append(_describe(n._data.shape, n._data.dtype))
            attrs = {"shape": "box", "style": "filled", "fillcolor": "lightblue"}
        if show_data and key in root_values:
            lines.append(f"data {fmt(root_values[key]._data.item())}")
        if grad_placeholder:
            lines.append(GRAD_PLACEHOLDER)
        elif show_grad and (grads[key] is not None or not isinstance(n, Node)):
            grad = grads[key]
            lines.append("grad None" if grad is None else f"grad norm {fmt(grad)}")
        if chain_rule:
            if isinstance(n, Node) and backward_rule(_name(n)):
                lines.append(backward_rule(_name(n)))
            if key in arrived:
                lines.append(f"grad {summary(arrived[key])}")
            attrs["id"] = meta_id("vnode", name=ids[key], param=names.get(key), root=int(key in root_ids),
                                  **_numbers(arrived.get(key)))
        if key in root_ids:
            attrs.update(style="filled,rounded" if isinstance(n, Node) else "filled")
            attrs["fillcolor"] = "darkolivegreen1" if isinstance(n, Node) else attrs["fillcolor"]
        if scale is not None and (grads[key] is not None or not isinstance(n, Node)):
            attrs["style"] = "filled,rounded" if isinstance(n, Node) else "filled"
            attrs.update(scale.fill(grads[key]))
        g.node(ids[key], label=text_escape("\n".join(lines)), **attrs)

        if not isinstance(n, Node):
            continue
        for slot, p in enumerate(n.next):
            if p is not None:
                edge_attrs = {}
                if scale is not None and grads[id(p)] is not None:
                    edge_attrs["color"] = scale.color(grads[id(p)])
                flow = flows.get((key, slot))
                if chain_rule and flow is not None:
                    edge_attrs["label"] = text_escape(summary(flow))
                    edge_attrs["id"] = meta_id("vedge", tail=ids[id(p)], head=ids[key], slot=slot,
                                               **_numbers(flow))
                g.edge(ids[id(p)], ids[key], **edge_attrs)
        for _, shape, dtype in _cut_inputs(n):
            cut = f"c{cut_count}"
            cut_count += 1
            label = f"no grad\n{_describe(shape, dtype)}"
            g.node(cut, label=text_escape(label), **NO_GRAD_NODE)
            g.edge(cut, ids[key], **NO_GRAD_EDGE)
    return g
