"""Why a tensor got no gradient: no path from the root, and where the path was cut.

Checked in this order:

* an integer or boolean tensor cannot require grad (it came from a comparison,
  ``argmax``, indices or a cast);
* ``requires_grad=False``: an input or constant (never asked for gradients,
  or made by ``detach()`` / under ``no_grad()`` / from ``.numpy()`` numbers);
* it requires grad but the root's graph does not reach it: the graph was cut
  between them by ``detach()``, ``no_grad()``, an integer/boolean op or a
  non-differentiable op (``argmax``), or it was not used at all. The cuts the
  root's graph holds are listed; with anomaly mode on
  (``mytorch.autograd.set_detect_anomaly(True)``), the recorded cuts made
  from this tensor give the file and line.

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0], requires_grad=True)
    >>> loss = (w.detach() * 2).sum() + mt.tensor([1.0], requires_grad=True).sum()
    >>> "no path" in why_no_gradient(w, "w", loss)
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _anomaly

__all__ = ["why_no_gradient"]

_INT_CUT = " (an integer/boolean tensor: from a comparison, argmax or indices)"

_HINT = ("turn on mytorch.autograd.set_detect_anomaly(True) and run the forward pass again to see the file "
         "and line where the path was cut")


def _graph_nodes(start: Any) -> list[Any]:
    """Every node/leaf reachable from ``start`` through ``next`` (iterative, both engines)."""
    seen = {id(start)}
    stack = [start]
    out = []
    while stack:
        n = stack.pop()
        out.append(n)
        for p in getattr(n, "next", ()) or ():
            if p is not None and id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return out


def _cuts_in(nodes: list[Any]) -> list[str]:
    """The inputs needing no gradient in a graph, as text (vector nodes know their shape and dtype)."""
    found = []
    for n in nodes:
        if not hasattr(n, "next"):
            continue
        name = n.name()
        cuts = getattr(n, "cuts", None)
        if cuts is not None:  # vector node: (index, shape, dtype)
            for index, shape, dtype in cuts:
                kind = np.dtype(dtype).kind
                what = _INT_CUT if kind in "biu" else ""
                found.append(f"{name} input {index}: shape {tuple(shape)} {np.dtype(dtype).name}{what}")
        else:  # micro record: a None in next is a tensor input that needed no gradient
            for index, p in enumerate(n.next):
                if p is None:
                    found.append(f"{name} input {index}")
    return found


def why_no_gradient(t: Any, name: str, root: Any) -> str:
    """The reason, as text, that ``t`` gets no gradient from ``root``."""
    dtype = np.dtype(t.dtype) if not hasattr(t.dtype, "name") or isinstance(t.dtype, np.dtype) else t.dtype
    kind = getattr(dtype, "kind", "f")
    if kind in "biu":
        return (f"{name} is an integer/boolean tensor ({getattr(dtype, 'name', dtype)}): only floating point "
                "tensors carry gradients. It came from an integer/boolean op (a comparison, argmax/argmin, "
                "indices, or a cast such as .long()), which is not differentiable.")
    if not t.requires_grad:
        text = (f"{name} has requires_grad=False: it is an input or a constant (made without "
                "requires_grad=True, by detach(), under no_grad(), or from plain numbers such as .numpy()), "
                "so backward never computes a gradient for it. Call .requires_grad_() on it before the "
                "forward pass if you want one.")
        return text
    start = root.grad_fn if root.grad_fn is not None else root
    nodes = _graph_nodes(start)
    mine = {id(t.grad_fn if t.grad_fn is not None else t)}
    lines = [f"no path from the root to {name}: {name} requires grad, but backward from the root never "
             f"reaches it, so the path between them was cut (or {name} was not used to compute the root)."]
    sites = []
    for cut in _anomaly.cuts():
        for src in cut.source_nodes():
            if any(id(n) in mine for n in _graph_nodes(src)):
                sites.append(cut)
                break
    if sites:
        for cut in sites:
            lines.append(f"  cut by {cut.kind} at {cut.where}: {cut.code}")
    else:
        cuts = _cuts_in(nodes)
        if cuts:
            lines.append("  the root's graph has these inputs that need no gradient (where a path may be "
                         "cut: detach(), no_grad(), an integer/boolean or non-differentiable op):")
            lines += [f"    {c}" for c in cuts[:20]]
            if len(cuts) > 20:
                lines.append(f"    ... and {len(cuts) - 20} more")
        else:
            lines.append(f"  the root's graph has no cut inputs: {name} was not used to compute the root "
                         "at all.")
        if not _anomaly.enabled:
            lines.append(f"  To find where: {_HINT}.")
        else:
            lines.append(f"  Anomaly mode recorded no detach()/no_grad()/integer op applied to {name} or to "
                         "anything computed from it: it was not used to compute the root.")
    return "\n".join(lines)
