"""One vector gradient element explained: the chain of backward rules, with shapes and numbers.

Backward is replayed (:func:`mytorch.viz.trace.vector_trace`): every node the
gradient passes through on its way from the root to the tensor is listed in
the order backward visits it, with its backward rule, the shape of the
gradient it received and sent, and the element's value where the shapes
match. The gradient element is the sum, over the tensor's consumers, of the
element of the gradient tensor each consumer's rule produced.

Example:
    >>> import mytorch.vector as mt
    >>> from mytorch.viz.trace import vector_trace
    >>> w = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> loss = (w * w).sum()
    >>> e = explain_element(w, (1,), "w", vector_trace([loss], [1.0]), {})
    >>> [t.value for t in e.terms], e.value
    ([2.0, 2.0], 4.0)
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import numpy as np

from ..viz._style import fmt
from ..viz._vector import summary
from ..viz.rules import backward_rule
from .result import Explanation, Term

__all__ = ["explain_element"]


def _index_text(index: tuple) -> str:
    return "[" + ", ".join(map(str, index)) + "]"


def explain_element(
    t: Any,
    index: tuple,
    target_name: str,
    tr: Any,
    names: dict[int, str],
    max_depth: int = 6,
    max_terms: int = 6,
) -> Explanation | None:
    """The derivation of ``d(root)/d(t)[index]`` from the replayed trace ``tr``; None if unreached."""
    key = id(t.grad_fn or t)
    consumers: dict[int, list[Any]] = {}  # id(parent) -> [(step, edge)], backward order
    for step in tr.steps:
        for e in step.edges:
            consumers.setdefault(id(e.parent), []).append((step, e))
    is_root = bool(tr.steps) and id(tr.steps[0].node) == key
    if key not in consumers and not is_root and tr.leaf_grad(t) is None:
        return None
    shape = tuple(t.shape)
    where = _index_text(index)

    def name(n: Any) -> str:
        return names.get(id(n)) or (n.name() if hasattr(n, "next") else f"leaf {tuple(n.shape)}")

    terms = []
    for step, e in consumers.get(key, ()):
        up = step.upstream
        up_value = float(np.asarray(up)[index]) if tuple(np.shape(up)) == shape else None
        rule = backward_rule(step.name)
        terms.append(Term(f"{step.name} -> grad {summary(e.grad)}", None, up_value,
                          float(np.asarray(e.grad)[index]), rule))

    depth = {key: 0}
    queue = deque([key])
    while queue:
        k = queue.popleft()
        for step, _ in consumers.get(k, ()):
            if id(step.node) not in depth:
                depth[id(step.node)] = depth[k] + 1
                queue.append(id(step.node))

    if is_root:
        value = float(np.asarray(tr.steps[0].upstream)[index])
    elif terms:
        value = math.fsum(x.value for x in terms)
    else:
        value = float(np.asarray(tr.leaf_grad(t))[index])
    lines = [
        f"d(root)/d({target_name}{where}) = {fmt(value)}   ({target_name}: shape {shape})",
        "vector chain rule: each node's backward rule maps the gradient it received to one per input;",
        "the nodes from the root down to it, in the order backward visited them:",
    ]
    omitted_nodes = omitted_terms = 0
    for step in tr.steps:
        d = depth.get(id(step.node))
        if d is None or d == 0:
            continue
        if d > max_depth:
            omitted_nodes += 1
            continue
        up = step.upstream
        same = tuple(np.shape(up)) == shape
        at = f", element {where} = {fmt(float(np.asarray(up)[index]))}" if same else ""
        lines.append(f"  {step.name}: received grad {summary(up)}{at}")
        rule = backward_rule(step.name)
        if rule:
            lines.append(f"      rule: {rule}")
        sent = [f"{summary(e.grad)} to {name(e.parent)}" for e in step.edges]
        lines.append("      sent: " + "; ".join(sent))
    if omitted_nodes:
        lines.append(f"  ... {omitted_nodes} nodes more than {max_depth} steps from {target_name} not shown")
    shown = terms[:max_terms]
    omitted_terms = len(terms) - len(shown)
    if is_root:
        lines.append(f"  {target_name} is the root: its gradient is the seed {fmt(value)}")
    else:
        parts = [f"{fmt(x.value)} (element {where} of the grad from {x.source.split(' ')[0]})" for x in shown]
        if omitted_terms:
            rest = math.fsum(x.value for x in terms[max_terms:])
            parts.append(f"({omitted_terms} more terms: {fmt(rest)})")
        lines.append(f"  grad({target_name}{where}) = " + " + ".join(parts) + f" = {fmt(value)}")
    omitted = {"nodes": omitted_nodes, "terms": omitted_terms}
    return Explanation(f"{target_name}{where}", value, terms, lines, omitted)
