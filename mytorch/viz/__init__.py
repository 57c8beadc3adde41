"""``mytorch.viz``: draw either engine's autograd graph with Graphviz.

* :func:`draw` gives a ``graphviz.Digraph`` (needs the ``graphviz`` package);
* :func:`to_dot` gives the DOT text (needs nothing);
* :func:`save` renders SVG/PNG/PDF atomically (needs Graphviz's ``dot`` program).

Example:
    >>> import mytorch.vector as mt
    >>> import mytorch.viz as viz
    >>> w = mt.tensor([[0.5, -1.0]], requires_grad=True)
    >>> loss = (w @ mt.tensor([[1.0], [2.0]])).relu().sum()
    >>> loss.backward()
    >>> "MmBackward0" in viz.to_dot(loss, params={"w": w})
    True
    >>> viz.save(loss, "loss.svg", params={"w": w})   # doctest: +SKIP
"""

from ._render import GraphvizNotFoundError
from .drawing import COLLAPSE_MODES, count_nodes, draw, save, to_dot
from .replay import ReplayPage, html, replay
from .trace import trace

__all__ = ["draw", "save", "to_dot", "count_nodes", "GraphvizNotFoundError", "COLLAPSE_MODES",
           "html", "replay", "ReplayPage", "trace"]
