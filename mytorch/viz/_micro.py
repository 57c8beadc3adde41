"""Drawing the micro engine's graph: one record per ``Value``, micrograd's picture.

What is drawn (reached from the roots through ``Value._prev``):

* a **value node** per ``Value``, a record ``name | data 2.0000 | grad 1.0000``
  (the name when ``params`` names the tensor the Value belongs to, e.g.
  ``l1.weight[0, 1]``);
* an **op node** (small ellipse, the ``_op`` string) per Value computed by an
  operation, with an edge from each parent Value (one per entry of ``_prev``,
  so ``x * x`` shows two arrows) and one to the Value it produced;
* when the roots are micro Tensors, a leaf Value that needs no gradient (an
  input, a constant such as the ``2`` of ``x * 2``, a ``detach()`` or
  ``no_grad`` result) is dashed grey, as are its edges: the graph is cut
  there. The leaves that require grad are found from the tensors'
  ``grad_fn`` records. For bare Values (micrograd style) every Value counts
  as needing a gradient.

``collapse`` keeps big graphs readable. It uses the ``_group`` tag
``(group_id, op_name)`` that the micro Tensor puts on every Value one tensor
operation creates:

* ``"tensor"``: one summary node per tensor operation (op name, number of
  Values, the range of their data, the norm of their gradients), one per
  leaf tensor (its parameter name and shape) and one per bundle of constants
  feeding an operation; edges between them are labelled ``x<n>`` with the
  number of element connections. The drawing is then about as small as the
  vector engine's graph.
* ``"cluster"``: every Value is still drawn, boxed per tensor operation and
  per leaf tensor.

Example:
    >>> from mytorch.micro.value import Value
    >>> a, b = Value(2.0), Value(-3.0)
    >>> c = a * b
    >>> c.backward()
    >>> g = build([c])
    >>> g.num_nodes, g.num_edges    # a, b, c and the "*" node; a->*, b->*, *->c
    (4, 3)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from itertools import chain
from typing import Any

import numpy as np

from .. import _graph
from ._dot import DotGraph, record_escape, text_escape
from ._meta import meta_id
from ._style import GRAD_PLACEHOLDER, NO_GRAD_EDGE, NO_GRAD_NODE, GradScale, fmt

__all__ = ["is_value", "is_tensor", "tensor_values", "Plan", "build"]


# ---------------------------------------------------------------- what a micro object is
def is_value(x: Any) -> bool:
    """A micro ``Value`` (scalar node): has ``_prev`` and ``_op``."""
    return not isinstance(x, np.ndarray) and hasattr(x, "_prev") and hasattr(x, "_op")


def is_tensor(x: Any) -> bool:
    """A micro Tensor: a TensorBase whose elements live in ``_values`` (an array of Values)."""
    from .._tensor_base import TensorBase

    return isinstance(x, TensorBase) and hasattr(x, "_values")


def value_array(t: Any) -> np.ndarray:
    """The Values of micro Tensor ``t`` (an integer/bool tensor gets constant Values)."""
    return t._float_values() if hasattr(t, "_float_values") else np.asarray(t._values, dtype=object)


def tensor_values(t: Any) -> list[Any]:
    """The Values of micro Tensor ``t``, in C order."""
    return list(value_array(t).ravel())


def _shape_text(shape: tuple) -> str:
    return str(tuple(shape))


class _Sink:
    __slots__ = ("_prev",)

    def __init__(self, roots: list[Any]) -> None:
        self._prev = roots


def _leaf_tensors(tensors: list[Any]) -> list[Any]:
    """Every leaf tensor that requires grad, reached through the tensors' ``grad_fn`` records."""
    starts = [t.grad_fn if t.grad_fn is not None else t for t in tensors if t.requires_grad]
    sink = _Sink(starts)

    def parents(n: Any) -> Any:
        if n is sink:
            return sink._prev
        return () if is_tensor(n) else [p for p in getattr(n, "next", ()) if p is not None]

    return [n for n in _graph.topological_order(sink, parents) if is_tensor(n)]


# ---------------------------------------------------------------- the plan: what will be drawn
class Plan:
    """The Values to draw, in topological order, and how ``collapse`` groups them.

    Building a plan is one linear pass (no DOT), so the node count is known
    before any text is made.
    """

    def __init__(
        self,
        roots: list[Any],
        tensors: list[Any] | None = None,
        params: Mapping[str, Any] | None = None,
        collapse: str | None = None,
    ) -> None:
        self.collapse = collapse
        self.roots = roots
        sink = _Sink(roots)
        self.order: list[Any] = _graph.topological_order(sink, lambda v: v._prev)
        self.order.pop()  # the sink comes last
        self.pos = {id(v): i for i, v in enumerate(self.order)}
        self._leaf_owner: dict[int, int] = {}  # id(Value) -> index into self.leaf_tensors
        self.leaf_tensors: list[tuple[str | None, Any]] = []  # (name or None, tensor)
        self.names: dict[int, str] = {}
        self._grad_ids: set[int] | None = None
        self._named_tensors(params)
        if tensors:
            self._grad_ids = set()
            for _, t in self.leaf_tensors:
                if t.requires_grad:
                    self._grad_ids.update(id(v) for v in value_array(t).flat)
            for t in _leaf_tensors(tensors):
                if self._add_leaf_tensor(None, t):
                    self._grad_ids.update(id(v) for v in value_array(t).flat)
        self.units: list[dict[str, Any]] = []  # summary nodes (collapse) / clusters
        self.unit_of: dict[int, int] = {}
        if collapse:
            self._make_units()
        self.loose = [v for v in self.order if id(v) not in self.unit_of]

    # -- naming and grad-ness of leaves
    def _named_tensors(self, params: Mapping[str, Any] | None) -> None:
        for name, p in (params or {}).items():
            if is_value(p):
                self.names[id(p)] = name
            elif is_tensor(p):
                values = value_array(p)
                for idx in np.ndindex(values.shape):
                    self.names[id(values[idx])] = f"{name}[{', '.join(map(str, idx))}]" if idx else name
                self._add_leaf_tensor(name, p)

    def _add_leaf_tensor(self, name: str | None, t: Any) -> bool:
        """Register a leaf tensor's Values (first owner wins); False if already known."""
        if any(t is known for _, known in self.leaf_tensors):
            return False
        k = len(self.leaf_tensors)
        self.leaf_tensors.append((name, t))
        for v in value_array(t).flat:
            self._leaf_owner.setdefault(id(v), k)
        return True

    def grad_missing(self, v: Any) -> bool:
        """True for a Value of a leaf tensor whose ``.grad`` is None (no backward yet)."""
        j = self._leaf_owner.get(id(v))
        return j is not None and getattr(self.leaf_tensors[j][1], "grad", 0) is None

    def needs_grad(self, v: Any) -> bool:
        """Computed Values always; leaves only when they belong to a leaf tensor requiring grad."""
        return bool(v._prev) or self._grad_ids is None or id(v) in self._grad_ids

    # -- grouping
    def _unit(self, key: Any, kind: str, label: str, shape: Any = None) -> int:
        index = self._unit_index.get(key)
        if index is None:
            index = self._unit_index[key] = len(self.units)
            self.units.append({"kind": kind, "label": label, "shape": shape, "members": []})
        return index

    def _make_units(self) -> None:
        self._unit_index: dict[Any, int] = {}
        for v in self.order:
            tag = getattr(v, "_group", None)
            if tag is not None and v._prev:  # (a tagged leaf is a constant the operation made)
                k = self._unit(("op", tag[0]), "op", str(tag[1]))
            elif not v._prev and id(v) in self._leaf_owner:
                j = self._leaf_owner[id(v)]
                name, t = self.leaf_tensors[j]
                k = self._unit(("leaf", j), "leaf", name or "leaf tensor", tuple(t.shape))
            else:
                continue
            self.unit_of[id(v)] = k
            self.units[k]["members"].append(v)
        if self.collapse != "tensor":
            return
        # Constants feeding a tensor operation are bundled into one node per operation (the
        # first that uses them). Set intersections keep the scan over all edges in C.
        unit_of, units = self.unit_of, self.units
        constants = {
            id(v): v
            for v in self.order
            if not v._prev and id(v) not in unit_of
            and (not self.needs_grad(v) or getattr(v, "_group", None) is not None)
        }
        pending = set(constants)
        for v in self.order:
            if not pending:
                break
            op_unit = unit_of.get(id(v))
            if op_unit is None or units[op_unit]["kind"] != "op":
                continue
            hits = pending.intersection(map(id, v._prev))
            if hits:
                c = self._unit(("const", op_unit), "const", "no grad")
                for key in sorted(hits, key=lambda i: self.pos[i]):
                    unit_of[key] = c
                    units[c]["members"].append(constants[key])
                pending -= hits

    @property
    def num_nodes(self) -> int:
        """Nodes the drawing will have."""
        if self.collapse == "tensor":
            return len(self.units) + len(self.loose) + sum(1 for v in self.loose if v._prev)
        return len(self.order) + sum(1 for v in self.order if v._prev)


# ---------------------------------------------------------------- drawing
def _norm(grads: list[float]) -> float:
    return math.sqrt(math.fsum(float(x) * float(x) for x in grads))


class _Writer:
    """Turns a :class:`Plan` into DOT statements."""

    def __init__(self, plan: Plan, show_data: bool, show_grad: bool, color_grads: bool, rankdir: str,
                 chain_rule: bool = False, grad_placeholder: bool = False) -> None:
        self.plan, self.show_data, self.show_grad = plan, show_data, show_grad
        self.placeholder = grad_placeholder  # "grad —" in every label (the replay page fills it in)
        self.chain_rule = chain_rule
        # id(Value) -> its incoming contributions ``local * consumer.grad``, in the order backward adds them
        self.incoming: dict[int, list[float]] = {}
        if chain_rule:
            for v in reversed(plan.order):
                g = v.grad
                for p, local in zip(v._prev, v._local):
                    self.incoming.setdefault(id(p), []).append(local * g)
        self.roots = {id(v) for v in plan.roots} if chain_rule else set()
        self.unit_grad = [
            _norm([v.grad for v in u["members"]]) if u["kind"] != "const" else None for u in plan.units
        ]
        self.scale = None
        if color_grads:
            if plan.collapse == "tensor":
                mags = [m for m in self.unit_grad if m is not None]
                mags += [abs(float(v.grad)) for v in plan.loose if plan.needs_grad(v)]
            else:
                mags = [abs(float(v.grad)) for v in plan.order if plan.needs_grad(v)]
            self.scale = GradScale(mags)
        graph_attrs = {"rankdir": rankdir}
        if self.scale is not None:
            graph_attrs.update(label=self.scale.caption(), labelloc="b", fontsize="10", fontname="Helvetica")
        self.g = DotGraph(**graph_attrs)
        self.g.defaults("node", shape="record", fontname="Helvetica", fontsize="10")
        self.g.defaults("edge", arrowsize="0.7", fontname="Helvetica", fontsize="9")

    # -- one Value
    def value_node(self, v: Any, indent: int = 1) -> None:
        plan, i = self.plan, self.plan.pos[id(v)]
        needs = plan.needs_grad(v)
        name = plan.names.get(id(v))
        fields = [] if name is None else [record_escape(name)]
        if self.show_data:
            fields.append(f"data {fmt(v.data)}")
        if self.placeholder:
            fields.append(GRAD_PLACEHOLDER if needs else "no grad")
        elif self.show_grad:
            if not needs:
                fields.append("no grad")
            elif plan.grad_missing(v):
                fields.append("grad None")
            else:
                fields.append(self.grad_text(v))
        label = "{ " + " | ".join(fields) + " }" if fields else " "
        if not needs:
            attrs = {**NO_GRAD_NODE, "shape": "record"}
        elif self.scale is not None:
            attrs = {"style": "filled", **self.scale.fill(abs(float(v.grad)))}
        else:
            attrs = {}
        if self.chain_rule:
            terms = self.incoming.get(id(v), [])
            attrs["id"] = meta_id("value", name=f"v{i}", param=name, data=float(v.data), grad=float(v.grad),
                                  root=int(id(v) in self.roots), terms=terms or None)
        self.g.node(f"v{i}", indent, label=label, **attrs)
        if v._prev:
            self.g.node(f"o{i}", indent, label=text_escape(str(v._op) or "?"), shape="ellipse",
                        width="0.3", height="0.3", margin="0.02")

    def edge_attrs(self, tail_value: Any, magnitude: float | None) -> dict[str, str]:
        if tail_value is not None and not self.plan.needs_grad(tail_value):
            return dict(NO_GRAD_EDGE)
        if self.scale is not None and magnitude is not None:
            return {"color": self.scale.color(magnitude)}
        return {}

    def grad_text(self, v: Any) -> str:
        """``grad 0.5000``; with ``chain_rule`` and several consumers, the sum: ``grad 0.2 + 0.3 = 0.5``."""
        terms = self.incoming.get(id(v), [])
        if len(terms) < 2:
            return f"grad {fmt(v.grad)}"
        shown = " + ".join(fmt(t) for t in terms[:3])
        if len(terms) > 3:
            shown += f" + ({len(terms) - 3} more)"
        return f"grad += {shown} = {fmt(v.grad)}"

    def value_edges(self, v: Any) -> None:
        i = self.plan.pos[id(v)]
        for j, (p, local) in enumerate(zip(v._prev, v._local)):
            attrs = self.edge_attrs(p, abs(float(p.grad)))
            if self.chain_rule:
                k = self.plan.pos[id(p)]
                up = float(v.grad)
                contrib = local * up
                attrs["id"] = meta_id("edge", tail=f"v{k}", head=f"v{i}", slot=j, local=float(local),
                                      up=up, contrib=float(contrib))
                text = f"local {fmt(local)}"
                if self.show_grad and not self.plan.grad_missing(p):
                    text += f"\n{fmt(local)} x {fmt(up)}\n= {fmt(contrib)}"
                attrs["label"] = text_escape(text)
            self.g.edge(f"v{self.plan.pos[id(p)]}", f"o{i}", **attrs)
        self.g.edge(f"o{i}", f"v{i}")

    # -- whole drawings
    def plain(self) -> DotGraph:
        for v in self.plan.order:
            self.value_node(v)
        for v in self.plan.order:
            if v._prev:
                self.value_edges(v)
        return self.g

    def clustered(self) -> DotGraph:
        for k, u in enumerate(self.plan.units):
            n = len(u["members"])
            title = u["label"] if u["shape"] is None else f"{u['label']} {_shape_text(u['shape'])}"
            self.g.open_cluster(f"u{k}", label=f"{title} ({n} value{'s' if n != 1 else ''})",
                                style="rounded", color="grey70", fontname="Helvetica", fontsize="10")
            for v in u["members"]:
                self.value_node(v, indent=2)
            self.g.close_cluster()
        for v in self.plan.loose:
            self.value_node(v)
        for v in self.plan.order:
            if v._prev:
                self.value_edges(v)
        return self.g

    def summary(self) -> DotGraph:
        plan = self.plan
        for k, u in enumerate(plan.units):
            self.g.node(f"u{k}", **self.unit_attrs(k, u))
        for v in plan.loose:
            self.value_node(v)

        # Element connections between two drawn nodes: counted, drawn once. Counting the
        # parents' units with one Counter(map(...)) per unit keeps the scan over all edges in C.
        get, pos = plan.unit_of.get, plan.pos
        counts: dict[tuple[str, str], list] = {}

        def add(head: str, k: int | None, prevs: list[Any]) -> None:
            tails = Counter(map(get, map(id, chain.from_iterable(prevs))))
            for t, n in tails.items():
                if t is None:  # parents drawn one by one
                    for p in chain.from_iterable(prevs):
                        if get(id(p)) is None:
                            counts.setdefault((f"v{pos[id(p)]}", head), [0, p])[0] += 1
                elif t != k:
                    counts.setdefault((f"u{t}", head), [0, plan.units[t]["members"][0]])[0] += n

        for k, u in enumerate(plan.units):
            if u["kind"] == "op":
                add(f"u{k}", k, [v._prev for v in u["members"]])
        for v in plan.loose:
            prev = v._prev
            if prev:
                head = f"o{pos[id(v)]}"
                add(head, None, [prev])
                counts[(head, f"v{pos[id(v)]}")] = [1, None]
        for (a, b), (n, p) in counts.items():
            tail_unit = plan.unit_of.get(id(p)) if p is not None else None
            if tail_unit is not None:
                if plan.units[tail_unit]["kind"] == "const":
                    attrs = dict(NO_GRAD_EDGE)
                else:
                    attrs = self.edge_attrs(None, self.unit_grad[tail_unit])
            elif p is not None:
                attrs = self.edge_attrs(p, abs(float(p.grad)))
            else:
                attrs = {}
            if n > 1:
                attrs["label"] = f"x{n}"
            self.g.edge(a, b, **attrs)
        return self.g

    def unit_attrs(self, k: int, u: dict[str, Any]) -> dict[str, str]:
        members = u["members"]
        n = len(members)
        lines = [u["label"]]
        if u["shape"] is not None:
            lines.append(_shape_text(u["shape"]))
        else:
            lines.append(f"{n} value{'s' if n != 1 else ''}")
        if self.show_data:
            data = [float(v.data) for v in members]
            lines.append(f"data {fmt(data[0])}" if n == 1 else f"data [{fmt(min(data))}, {fmt(max(data))}]")
        cut = u["kind"] == "const" or not any(self.plan.needs_grad(v) for v in members)
        if self.placeholder and u["kind"] != "const":
            lines.append(GRAD_PLACEHOLDER)
        elif self.show_grad and u["kind"] != "const":
            if cut:
                lines.append("no grad")
            elif u["kind"] == "leaf" and self.plan.grad_missing(members[0]):
                lines.append("grad None")
            else:
                norm = self.unit_grad[k]
                assert norm is not None  # only constant units have no gradient norm
                lines.append(f"grad norm {fmt(norm)}")
        if cut:
            attrs = dict(NO_GRAD_NODE)
        elif u["kind"] == "leaf":
            attrs = {"shape": "box", "style": "filled", "fillcolor": "lightblue"}
        else:
            attrs = {"shape": "box", "style": "rounded"}
        if self.scale is not None and not cut:
            attrs.update(style="filled,rounded" if u["kind"] == "op" else "filled",
                         **self.scale.fill(self.unit_grad[k]))
        return {"label": text_escape("\n".join(lines)), **attrs}


def build(
    roots: list[Any],
    *,
    tensors: list[Any] | None = None,
    show_data: bool = True,
    show_grad: bool = True,
    params: Mapping[str, Any] | None = None,
    rankdir: str = "LR",
    collapse: str | None = None,
    color_grads: bool = False,
    plan: Plan | None = None,
    chain_rule: bool = False,
    grad_placeholder: bool = False,
) -> DotGraph:
    """The DOT graph of micro Values ``roots`` (see the module docstring).

    ``tensors``: the micro Tensors the roots came from (tells which leaves need no
    gradient); ``plan``: a :class:`Plan` already made for these arguments.
    """
    plan = plan or Plan(roots, tensors, params, collapse)
    if chain_rule and collapse == "tensor":
        raise ValueError(
            'chain_rule=True labels every scalar edge; it needs collapse=None or collapse="cluster", '
            'not collapse="tensor"'
        )
    writer = _Writer(plan, show_data, show_grad, color_grads, rankdir, chain_rule, grad_placeholder)
    if collapse == "tensor":
        return writer.summary()
    if collapse == "cluster":
        return writer.clustered()
    return writer.plain()
