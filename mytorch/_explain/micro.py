"""One micro gradient element explained: the chain rule over the Value graph, with numbers.

``grad(x) = sum over the consumers c of x of  local(c, x) * grad(c)``, where
``local(c, x)`` is the derivative d(c)/d(x) the Value ``c`` stored when it was
computed and ``grad(c)`` the gradient the last ``backward()`` left on it. The
derivation lists every Value between ``x`` and the root in the order backward
visited them (reverse topological order: the root first, ``x`` last).

Example:
    >>> from mytorch.micro.value import Value
    >>> x = Value(3.0)
    >>> y = x * x + x
    >>> y.backward()
    >>> e = explain_value(x, "x", [y], {})
    >>> [t.value for t in e.terms], e.value
    ([1.0, 3.0, 3.0], 7.0)
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from .. import _graph
from ..viz._style import fmt
from .result import Explanation, Term

__all__ = ["explain_value"]


class _Sink:
    __slots__ = ("roots",)

    def __init__(self, roots: list[Any]) -> None:
        self.roots = roots


def _sum_text(terms: list[tuple[float, float, str]], max_terms: int) -> tuple[str, int]:
    """``a x b (from c) + ...`` for at most ``max_terms`` terms; the rest summed in one bracket."""
    parts = [f"{fmt(local)} x {fmt(up)} (from {src})" for local, up, src in terms[:max_terms]]
    left = len(terms) - len(parts)
    if left:
        rest = math.fsum(local * up for local, up, _ in terms[max_terms:])
        parts.append(f"({left} more terms: {fmt(rest)})")
    return " + ".join(parts), left


def explain_value(
    target: Any,
    target_name: str,
    roots: list[Any],
    names: dict[int, str],
    max_depth: int = 6,
    max_terms: int = 6,
) -> Explanation | None:
    """The derivation of ``target.grad`` (a Value) from the micro Values ``roots``; None if unreached."""
    sink: Any = _Sink(roots)  # the graph holds Values and this one sink
    order = _graph.topological_order(sink, lambda v: v.roots if v is sink else v._prev)
    order.pop()
    pos = {id(v): i for i, v in enumerate(order)}
    if id(target) not in pos:
        return None
    consumers: dict[int, list[tuple[Any, float]]] = {}  # id(parent) -> (consumer, local), backward order
    for c in reversed(order):
        for p, local in zip(c._prev, c._local):
            consumers.setdefault(id(p), []).append((c, local))

    def name(v: Any) -> str:
        if id(v) in names:
            return names[id(v)]
        if v is target:
            return target_name
        tag = getattr(v, "_group", None)
        op = f"{tag[1]}: {v._op}" if tag is not None else (v._op or "leaf")
        return f"v{pos[id(v)]} [{op}]"

    # How many consumer steps each Value is from the target (the Values on its paths to the root).
    depth = {id(target): 0}
    queue = deque([target])
    while queue:
        v = queue.popleft()
        for c, _ in consumers.get(id(v), ()):
            if id(c) not in depth:
                depth[id(c)] = depth[id(v)] + 1
                queue.append(c)

    terms = [Term(f"via {c._op} -> {name(c)}", local, c.grad, local * c.grad)
             for c, local in consumers.get(id(target), ())]
    lines = [
        f"d(root)/d({target_name}) = {fmt(target.grad)}   (data {fmt(target.data)})",
        "chain rule: grad(x) = sum over the consumers c of x of  local d(c)/d(x) x upstream grad(c);",
        "the Values from the root down to it, in the order backward visited them:",
    ]
    omitted_nodes = omitted_terms = 0
    root_ids = {id(r) for r in roots}
    for v in reversed(order):
        d = depth.get(id(v))
        if d is None:
            continue
        if d > max_depth:
            omitted_nodes += 1
            continue
        incoming = [(local, c.grad, name(c)) for c, local in consumers.get(id(v), ())]
        if not incoming:
            why = "the root: backward starts here" if id(v) in root_ids else "no consumer"
            lines.append(f"  grad({name(v)}) = {fmt(v.grad)}   ({why})")
            continue
        text, left = _sum_text(incoming, max_terms)
        omitted_terms += left
        lines.append(f"  grad({name(v)}) = {text} = {fmt(v.grad)}")
    if omitted_nodes:
        lines.insert(3, f"  ... {omitted_nodes} Values more than {max_depth} steps from {target_name} "
                        "not shown (their gradients are used as computed)")
    value = math.fsum(t.value for t in terms) if terms else float(target.grad)
    omitted = {"nodes": omitted_nodes, "terms": omitted_terms}
    return Explanation(target_name, value, terms, lines, omitted)
