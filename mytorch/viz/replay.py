"""Backward replayed step by step: one self-contained HTML page (inline SVG, CSS and script).

The page shows the graph (drawn by Graphviz's ``dot``) with Prev / Next / Play
buttons (and the keys: arrows, space, Home, End). Each step is one node of
backward, in the order the engine ran it (:mod:`mytorch.viz.trace`): the node
is highlighted, the side panel gives the gradient that reached it, the local
derivatives and the contributions it sends to its parents, and the parents'
running sums are updated in the picture. Nodes backward has not reached yet
show ``grad —``. Clicking a node shows how its gradient is made (the sum of
its incoming contributions, as :func:`mytorch.explain` prints it).

Micro graphs above ``collapse_above`` nodes are drawn collapsed, one node per
tensor operation (one step each, when backward reaches its first Value);
clicking such a node lists its scalar subgraph: each Value with its
gradient as the sum of its contributions. Nothing is downloaded: the page
works from ``file://`` and inline in a notebook (``_repr_html_``).

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> page = replay((w * w).sum(), params={"w": w})   # doctest: +SKIP
    >>> page.save("backward.html")                      # doctest: +SKIP
"""

from __future__ import annotations

import html as _html
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import _micro, _vector
from ._render import render_bytes, write_atomic
from ._style import GRAD_PLACEHOLDER, fmt
from .rules import backward_rule
from .trace import micro_trace, seed_for, vector_trace

__all__ = ["ReplayPage", "replay", "html"]

MAX_EDGE_ROWS = 12  # contributions listed per step in the panel (the rest counted)
MAX_SUBGRAPH_ROWS = 60  # Values listed when a collapsed node is opened


class ReplayPage:
    """The replay page: ``.html`` (the text), ``.save(path)``, and inline display in notebooks."""

    def __init__(self, text: str, num_steps: int, num_nodes: int, collapse: str | None) -> None:
        self.html = text
        self.num_steps = num_steps
        self.num_nodes = num_nodes
        self.collapse = collapse

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page atomically (a failure leaves no partial file); returns the path."""
        return write_atomic(path, self.html.encode("utf-8"))

    def _repr_html_(self) -> str:
        # an iframe keeps the page's script and CSS apart from the notebook's
        return (f'<iframe srcdoc="{_html.escape(self.html, quote=True)}" '
                'style="width:100%;height:640px;border:1px solid #ccc"></iframe>')

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/html": self._repr_html_(), "text/plain": repr(self)}

    def __repr__(self) -> str:
        return f"<ReplayPage: {self.num_steps} backward steps, {self.num_nodes} nodes drawn>"


# ---------------------------------------------------------------- micro
def _micro_page_data(roots: list[Any], plan: Any) -> tuple[list[dict], dict[str, str]]:
    collapsed = plan.collapse == "tensor"
    pos, unit_of = plan.pos, plan.unit_of

    def drawn(v: Any) -> str:
        if collapsed and id(v) in unit_of:
            return f"u{unit_of[id(v)]}"
        return f"v{pos[id(v)]}"

    def name(v: Any) -> str:
        return plan.names.get(id(v)) or f"v{pos[id(v)]}"

    members: dict[str, int] = {}
    label: dict[str, str] = {}
    for v in plan.order:
        d = drawn(v)
        members[d] = members.get(d, 0) + 1
        if d.startswith("u"):
            u = plan.units[unit_of[id(v)]]
            label[d] = u["label"] if u["kind"] != "const" else "constants (no grad)"
        else:
            label[d] = name(v)
    tr = micro_trace(roots)
    running: dict[int, float] = {}
    sumsq: dict[str, float] = {}
    incoming: dict[int, list[tuple[Any, float, float]]] = {}
    groups: dict[str, list[Any]] = {}
    for s in tr.steps:
        groups.setdefault(drawn(s.node), []).append(s)

    def text(d: str, value: float) -> str:
        if members[d] == 1:
            return f"grad {fmt(value)}"
        return f"grad norm {fmt(math.sqrt(max(sumsq[d], 0.0)))}"

    def add(v: Any, amount: float, changes: dict[str, list]) -> None:
        d = drawn(v)
        old = running.get(id(v))
        new = amount if old is None else old + amount
        running[id(v)] = new
        if not plan.needs_grad(v):  # an input or constant: drawn as "no grad", not updated
            return
        before = text(d, old or 0.0) if d in sumsq else None
        sumsq[d] = sumsq.get(d, 0.0) - (old or 0.0) ** 2 + new * new
        if d in changes:
            changes[d][1] = text(d, new)
        else:
            changes[d] = [d, text(d, new), before]

    steps = []
    for d, scalar_steps in groups.items():
        changes: dict[str, list] = {}
        edges: dict[str, list] = {}
        also = [f"o{pos[id(s.node)]}" for s in scalar_steps if not (collapsed and id(s.node) in unit_of)]
        for s in scalar_steps:
            if id(s.node) not in running:  # a root: backward starts from its seed
                add(s.node, s.upstream, changes)
            for e in s.edges:
                incoming.setdefault(id(e.parent), []).append((s.node, e.local, s.upstream))
                add(e.parent, e.grad, changes)
                row = edges.setdefault(drawn(e.parent), [drawn(e.parent), 0, 0.0, e.local, s.upstream])
                row[1] += 1
                row[2] += e.grad
        ups = [s.upstream for s in scalar_steps]
        up = fmt(ups[0]) if len(ups) == 1 else f"norm {fmt(math.sqrt(math.fsum(u * u for u in ups)))} " \
                                                 f"over {len(ups)} Values"
        rows = []
        for to, n, total, local, upstream in edges.values():
            if n == 1:
                rows.append([to, fmt(local), f"{fmt(local)} x {fmt(upstream)} = {fmt(total)}", label[to]])
            else:
                rows.append([to, f"{n} edges", f"sum {fmt(total)}", label[to]])
        title = name(scalar_steps[0].node) if len(scalar_steps) == 1 else \
            f"{plan.units[unit_of[id(scalar_steps[0].node)]]['label']} ({len(scalar_steps)} Values)"
        steps.append({"node": d, "also": also, "title": title, "up": up,
                      "edges": rows[:MAX_EDGE_ROWS], "more": max(0, len(rows) - MAX_EDGE_ROWS),
                      "changes": list(changes.values())})

    def derivation(v: Any) -> str:
        terms = incoming.get(id(v), [])
        if not terms:
            return f"grad({name(v)}) = {fmt(v.grad)}   (the root: backward starts here)" if v._prev or \
                id(v) in {id(r) for r in roots} else f"grad({name(v)}) = {fmt(v.grad)}"
        parts = [f"{fmt(local)} x {fmt(up)} (from {name(c)})" for c, local, up in terms[:8]]
        if len(terms) > 8:
            parts.append(f"({len(terms) - 8} more terms)")
        return f"grad({name(v)}) = " + " + ".join(parts) + f" = {fmt(v.grad)}"

    explain: dict[str, str] = {}
    if collapsed:
        for k, u in enumerate(plan.units):
            vs = u["members"]
            lines = [f"{u['label']}: {len(vs)} Values (its scalar subgraph)"]
            lines += [f"  data {fmt(v.data)}: " + derivation(v) for v in vs[:MAX_SUBGRAPH_ROWS]]
            if len(vs) > MAX_SUBGRAPH_ROWS:
                lines.append(f"  ... {len(vs) - MAX_SUBGRAPH_ROWS} more Values")
            explain[f"u{k}"] = "\n".join(lines)
        loose = plan.loose
    else:
        loose = plan.order
    for v in loose:
        explain[f"v{pos[id(v)]}"] = derivation(v) + (
            "\n(mytorch.explain(t, index, root=loss) prints the whole chain down from the root)")
    return steps, explain


# ---------------------------------------------------------------- vector
def _vector_page_data(
    roots: list[Any], params: Mapping[str, Any] | None
) -> tuple[list[dict], dict[str, str]]:
    order = _vector._order(roots)
    ids = {id(n): f"n{i}" for i, n in enumerate(order)}
    names = {id(t): n for n, t in (params or {}).items()}
    starts = [t for t in roots if _vector._start(t) is not None]
    tr = vector_trace(starts, [seed_for(t) for t in starts])

    def name(n: Any) -> str:
        return names.get(id(n)) or (n.name() if hasattr(n, "next") else f"leaf {tuple(n.shape)}")

    running: dict[str, np.ndarray] = {}
    received: dict[str, list[str]] = {}
    steps = []
    for s in tr.steps:
        d = ids[id(s.node)]
        changes: list[list] = []
        if d not in running:
            running[d] = np.asarray(s.upstream)
            changes.append([d, f"grad {_vector.summary(running[d])}", None])
        rows = []
        for e in s.edges:
            to = ids[id(e.parent)]
            before = f"grad {_vector.summary(running[to])}" if to in running else None
            running[to] = e.grad if to not in running else running[to] + e.grad
            changes.append([to, f"grad {_vector.summary(running[to])}", before])
            rows.append([to, f"input {e.slot}", _vector.summary(e.grad), name(e.parent)])
            received.setdefault(to, []).append(f"{_vector.summary(e.grad)} from {s.name}")
        steps.append({"node": d, "also": [], "title": s.name, "up": _vector.summary(s.upstream),
                      "rule": backward_rule(s.name), "edges": rows[:MAX_EDGE_ROWS],
                      "more": max(0, len(rows) - MAX_EDGE_ROWS), "changes": changes})
    explain = {}
    for n in order:
        d = ids[id(n)]
        got = received.get(d, [])
        lines = [f"{name(n)}: grad = " + (" + ".join(got) if got else "the seed (the root)")]
        if d in running:
            lines.append(f"  = {_vector.summary(running[d])}")
        if hasattr(n, "next") and backward_rule(_vector._name(n)):
            lines.append(f"  backward rule: {backward_rule(_vector._name(n))}")
        explain[d] = "\n".join(lines)
    return steps, explain


# ---------------------------------------------------------------- the page
def replay(
    root: Any,
    *,
    params: Mapping[str, Any] | None = None,
    collapse: str | None = "auto",
    collapse_above: int = 600,
    max_nodes: int = 3000,
    rankdir: str = "LR",
    title: str = "MyTorch backward, step by step",
) -> ReplayPage:
    """The replay page of backward from ``root`` (see the module docstring).

    Args:
        root: a micro Value/Tensor (after ``backward()``) or a vector Tensor (before
            ``backward()`` or after ``backward(retain_graph=True)``: backward is replayed).
        params: ``dict(model.named_parameters())`` to name the leaves.
        collapse: micro only: ``"auto"`` (per tensor operation above ``collapse_above`` drawn
            nodes), ``"tensor"`` or None (every Value).
        max_nodes: refuse (ValueError, nothing written) a page with more drawn nodes.
    """
    from .drawing import _split_roots

    if collapse not in ("auto", "tensor", None):
        raise ValueError(f"collapse={collapse!r}: expected 'auto', 'tensor' or None")
    kind, roots, tensors = _split_roots(root)
    if kind == "vector":
        count = _vector.count_nodes(roots)
        _check_size(count, max_nodes, collapse, collapsible=False)
        steps, explain = _vector_page_data(roots, params)
        dot = _vector.build(roots, params=params, rankdir=rankdir, show_grad=False, grad_placeholder=True)
        used = None
    else:
        used = collapse
        plan = _micro.Plan(roots, tensors, params, None)
        if collapse == "auto":
            used = "tensor" if plan.num_nodes > collapse_above else None
        if used == "tensor":
            plan = _micro.Plan(roots, tensors, params, "tensor")
        count = plan.num_nodes
        _check_size(count, max_nodes, used, collapsible=True)
        steps, explain = _micro_page_data(roots, plan)
        dot = _micro.build(roots, tensors=tensors, params=params, rankdir=rankdir, collapse=used, plan=plan,
                           show_grad=False, grad_placeholder=True)
    svg = render_bytes(dot.source(), "svg").decode("utf-8")
    svg = svg[svg.index("<svg"):]
    data = {"steps": steps, "explain": explain, "placeholder": GRAD_PLACEHOLDER, "engine": kind,
            "collapse": used}
    return ReplayPage(_page(svg, data, title), len(steps), count, used)


def html(root: Any, path: str | os.PathLike, **kwargs: Any) -> Path:
    """Write the replay page of backward from ``root`` to ``path`` (see :func:`replay`); returns the path.

    Example:
        >>> import mytorch.micro as mm
        >>> x = mm.tensor([2.0], requires_grad=True)
        >>> loss = (x * x).sum(); loss.backward()
        >>> html(loss, "backward.html", params={"x": x})   # doctest: +SKIP
    """
    return replay(root, **kwargs).save(path)


def _check_size(count: int, max_nodes: int, collapse: str | None, collapsible: bool) -> None:
    if count <= max_nodes:
        return
    if collapsible and collapse != "tensor":
        hint = 'pass collapse="tensor" to draw one node per tensor operation, or a larger max_nodes'
    else:
        hint = "pass a larger max_nodes, or replay a smaller model / batch"
    raise ValueError(f"html: the graph has {count} nodes to draw, more than max_nodes={max_nodes}; the page "
                     f"would be too large to lay out and step through: {hint}")


_CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:0;display:flex;height:100vh}
#mt-graph{flex:3;overflow:auto;border-right:1px solid #ccc}
#mt-side{flex:1;min-width:320px;padding:8px;overflow:auto;font-size:13px}
#mt-side pre{white-space:pre-wrap;background:#f6f6f6;padding:6px}
button{font-size:14px;margin-right:4px}
table{border-collapse:collapse}td{border-bottom:1px solid #eee;padding:2px 6px}
g.node{cursor:pointer}
g.node.mt-current polygon,g.node.mt-current ellipse,g.node.mt-current path{stroke:#d62728;stroke-width:3px}
g.node.mt-target polygon,g.node.mt-target ellipse,g.node.mt-target path{stroke:#1f77b4;stroke-width:2px}
text.mt-reached{font-weight:bold;fill:#1f5fa0}
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("mt-data").textContent);
  var steps = data.steps, groups = {}, gradText = {};
  var nodes = document.querySelectorAll("#mt-graph g.node");
  for (var i = 0; i < nodes.length; i++) {
    var g = nodes[i], id = g.querySelector("title").textContent;
    groups[id] = g;
    var texts = g.querySelectorAll("text");
    for (var j = 0; j < texts.length; j++) {
      if (texts[j].textContent === data.placeholder) gradText[id] = texts[j];
    }
    g.addEventListener("click", (function (nid) { return function () { showExplain(nid); }; })(id));
  }
  var k = -1, shown = {}, lit = [], timer = null;
  var api = {lastStepMs: 0, maxStepMs: 0, numSteps: steps.length};
  function setText(id, text) {
    if (text === null) { delete shown[id]; } else { shown[id] = text; }
    var t = gradText[id];
    if (t) {
      t.textContent = text === null ? data.placeholder : text;
      t.classList.toggle("mt-reached", text !== null);
    }
  }
  function light(ids, cls) {
    for (var i = 0; i < ids.length; i++) {
      var g = groups[ids[i]];
      if (g) { g.classList.add(cls); lit.push([g, cls]); }
    }
  }
  var ENT = {"&": "&amp;", "<": "&lt;", ">": "&gt;"};
  function esc(s) { return String(s).replace(/[&<>]/g, function (c) { return ENT[c]; }); }
  function panel() {
    var el = document.getElementById("mt-step");
    if (k < 0) { el.innerHTML = "<p>Before backward: no node has a gradient yet. Press Next.</p>"; return; }
    var s = steps[k], h = "<p><b>step " + (k + 1) + " / " + steps.length + ": " + esc(s.title) + "</b></p>";
    h += "<p>gradient that reached it: <b>" + esc(s.up) + "</b></p>";
    if (s.rule) { h += "<p>backward rule: <code>" + esc(s.rule) + "</code></p>"; }
    if (s.edges.length) {
      h += "<table><tr><td>to</td><td>local</td><td>contribution</td></tr>";
      for (var i = 0; i < s.edges.length; i++) {
        var e = s.edges[i];
        h += "<tr><td>" + esc(e[3]) + "</td><td>" + esc(e[1]) + "</td><td>" + esc(e[2]) + "</td></tr>";
      }
      h += "</table>";
      if (s.more) { h += "<p>... and " + s.more + " more parents</p>"; }
    } else { h += "<p>(a leaf's gradient is complete)</p>"; }
    el.innerHTML = h;
  }
  function go(target) {
    var t0 = performance.now();
    target = Math.max(-1, Math.min(steps.length - 1, target));
    while (k < target) {
      k++;
      var c = steps[k].changes;
      for (var i = 0; i < c.length; i++) setText(c[i][0], c[i][1]);
    }
    while (k > target) {
      var c2 = steps[k].changes;
      for (var j = c2.length - 1; j >= 0; j--) setText(c2[j][0], c2[j][2]);
      k--;
    }
    for (var m = 0; m < lit.length; m++) lit[m][0].classList.remove(lit[m][1]);
    lit = [];
    if (k >= 0) {
      var s = steps[k];
      light(s.edges.map(function (e) { return e[0]; }), "mt-target");
      light([s.node].concat(s.also), "mt-current");
    }
    panel();
    document.getElementById("mt-counter").textContent = (k + 1) + " / " + steps.length;
    api.lastStepMs = performance.now() - t0;
    api.maxStepMs = Math.max(api.maxStepMs, api.lastStepMs);
  }
  function showExplain(id) {
    document.getElementById("mt-explain").textContent = data.explain[id] || (id + ": needs no gradient");
  }
  function play() {
    if (timer) { clearInterval(timer); timer = null; return; }
    timer = setInterval(function () { if (k >= steps.length - 1) { play(); } else { go(k + 1); } }, 400);
  }
  document.getElementById("mt-next").onclick = function () { go(k + 1); };
  document.getElementById("mt-prev").onclick = function () { go(k - 1); };
  document.getElementById("mt-play").onclick = play;
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowRight" || ev.key === "n") go(k + 1);
    else if (ev.key === "ArrowLeft" || ev.key === "p") go(k - 1);
    else if (ev.key === "Home") go(-1);
    else if (ev.key === "End") go(steps.length - 1);
    else if (ev.key === " ") { ev.preventDefault(); play(); }
  });
  api.next = function () { go(k + 1); };
  api.prev = function () { go(k - 1); };
  api.go = go;
  api.state = function () {
    var cur = k >= 0 ? steps[k].node : null, out = {};
    for (var id in shown) out[id] = shown[id];
    return {step: k, current: cur, shown: out};
  };
  window.mtReplay = api;
  go(-1);
})();
"""


def _page(svg: str, data: dict, title: str) -> str:
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    t = _html.escape(title)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{t}</title><style>{_CSS}</style></head><body>"
        f"<div id=\"mt-graph\">{svg}</div>"
        "<div id=\"mt-side\">"
        f"<h3>{t}</h3>"
        "<p><button id=\"mt-prev\">&larr; Prev</button><button id=\"mt-next\">Next &rarr;</button>"
        "<button id=\"mt-play\">Play / Pause</button> <span id=\"mt-counter\"></span></p>"
        "<p style=\"color:#666\">keys: &larr; &rarr; space Home End; click a node for its gradient's sum</p>"
        "<div id=\"mt-step\"></div><h4>node</h4><pre id=\"mt-explain\">(click a node)</pre></div>"
        f"<script type=\"application/json\" id=\"mt-data\">{payload}</script>"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
