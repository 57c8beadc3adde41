"""The backward pass, step by step, for drawing and explaining: which node, which gradients.

A :class:`Trace` lists the steps of backward in the order the engine runs
them. Each :class:`Step` is one node: the gradient that arrived at it
(``upstream``) and, per parent, what it sent there (``Edge``: the local
derivative and the contribution, or for the vector engine the gradient
tensor that flowed).

* **micro**: nothing is recomputed. Every ``Value`` stores its local
  derivatives as floats (``_local``) and keeps ``.grad`` after backward, so
  the trace is read off the graph: the steps are the reverse topological
  order that ``backward()`` uses, and each contribution is
  ``local * node.grad``.
* **vector**: the graph stores no gradients, so :func:`trace` *replays*
  backward: the same heap order as ``run_backward`` (newest node first), the
  same ``Node.backward`` calls and the same reduction of broadcast
  gradients (``dual.sum_to``), without touching any ``.grad``. It needs the
  saved tensors, so call it before ``backward()`` or after
  ``backward(retain_graph=True)``.

Nothing is recorded while you train: a trace is made only when a drawing,
an explanation or a replay page asks for one.

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> tr = trace((w * w).sum())
    >>> [s.name for s in tr.steps]
    ['SumBackward0', 'MulBackward0']
    >>> tr.leaf_grad(w).tolist()
    [2.0, 4.0]
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _graph

__all__ = ["Edge", "Step", "Trace", "trace", "micro_trace", "vector_trace"]


@dataclass
class Edge:
    """What one step sent to one parent.

    ``parent``: the parent (micro Value; vector Node or leaf Tensor); ``slot``: its input
    position; ``local``: d(node)/d(parent) (micro; None for vector); ``grad``: the
    contribution (micro: a float ``local * upstream``; vector: the array, already summed
    down to the parent's shape).
    """

    parent: Any
    slot: int
    local: float | None
    grad: Any


@dataclass
class Step:
    """One node of backward: ``node``, the gradient that reached it, what it sent on."""

    node: Any
    name: str
    upstream: Any
    edges: list[Edge] = field(default_factory=list)


@dataclass
class Trace:
    """The steps of one backward pass, root first; ``engine`` is "micro" or "vector"."""

    engine: str
    steps: list[Step]
    leaves: list[Any]
    _totals: dict[int, Any] = field(default_factory=dict)

    def incoming(self, target: Any) -> list[tuple[Step, Edge]]:
        """Every (step, edge) that sent gradient to ``target`` (a node, Value or leaf)."""
        key = id(target)
        return [(s, e) for s in self.steps for e in s.edges if id(e.parent) == key]

    def leaf_grad(self, leaf: Any) -> Any:
        """The gradient a leaf received (sum of its incoming contributions); None if none."""
        return self._totals.get(id(leaf))


def _sum(items: list[Any]) -> Any:
    total = items[0]
    for x in items[1:]:
        total = total + x
    return total


# ---------------------------------------------------------------- micro
def micro_trace(roots: list[Any]) -> Trace:
    """The trace of the micro Values ``roots``'s last backward (read off the graph)."""
    from ..micro.value import _parents

    sink: Any = _Sink(roots)  # the graph holds Values and this one sink
    order = _graph.topological_order(sink, lambda v: v._prev if v is not sink else v.roots)
    order.pop()
    steps: list[Step] = []
    leaves: list[Any] = []
    totals: dict[int, Any] = {}
    for v in reversed(order):
        parents = _parents(v)
        if not parents:
            leaves.append(v)
            totals[id(v)] = v.grad
            continue
        g = v.grad
        edges = [Edge(p, j, local, local * g) for j, (p, local) in enumerate(zip(parents, v._local))]
        steps.append(Step(v, str(v._op), g, edges))
    return Trace("micro", steps, leaves, totals)


class _Sink:
    __slots__ = ("roots",)

    def __init__(self, roots: list[Any]) -> None:
        self.roots = roots


# ---------------------------------------------------------------- vector
def _node_name(node: Any) -> str:
    try:
        return node.name()
    except AttributeError:
        return type(node).__name__


def vector_trace(roots: list[Any], seeds: list[Any]) -> Trace:
    """Replay backward from vector tensors ``roots`` with upstream gradients ``seeds`` (arrays)."""
    from ..vector import dual
    from ..vector.tensor import Tensor

    grads: dict[int, Any] = {}
    heap: list[tuple] = []
    leaves: list[Any] = []
    for r, s in zip(roots, seeds):
        start = r.grad_fn or r
        if id(start) not in grads:
            if isinstance(start, Tensor):
                leaves.append(start)
            else:
                heapq.heappush(heap, (-start._seq, start))
            grads[id(start)] = np.asarray(s)
        else:
            grads[id(start)] = grads[id(start)] + np.asarray(s)
    steps: list[Step] = []
    with _graph.no_grad():
        while heap:
            node = heapq.heappop(heap)[1]
            upstream = grads.pop(id(node))
            if node._freed:
                raise RuntimeError(
                    f"cannot replay backward through {_node_name(node)}: its saved values were freed by "
                    "backward(). Draw or explain the chain rule before backward(), or call "
                    "backward(retain_graph=True)."
                )
            step = Step(node, _node_name(node), upstream)
            for slot, (parent, g) in enumerate(zip(node.next, node.backward(upstream))):
                if parent is None or g is None:
                    continue
                if isinstance(parent, Tensor):
                    shape, dtype = parent._data.shape, parent._data.dtype
                else:
                    shape, dtype = parent.out_shape, parent.out_dtype
                g = np.asarray(g)
                if g.shape != shape:
                    g = dual.sum_to(g, shape)
                if g.dtype != dtype:
                    g = g.astype(dtype)
                step.edges.append(Edge(parent, slot, None, g))
                key = id(parent)
                if key in grads:
                    grads[key] = grads[key] + g
                    continue
                grads[key] = g
                if isinstance(parent, Tensor):
                    leaves.append(parent)
                else:
                    heapq.heappush(heap, (-parent._seq, parent))
            steps.append(step)
    totals = {id(leaf): grads.pop(id(leaf)) for leaf in leaves}
    return Trace("vector", steps, leaves, totals)


# ---------------------------------------------------------------- either
def _is_vector(t: Any) -> bool:
    from ..vector.tensor import Tensor

    return isinstance(t, Tensor)


def seed_for(root: Any, gradient: Any = None) -> np.ndarray:
    """The upstream gradient backward starts from: ones for a one-element root, else ``gradient``."""
    shape = tuple(root.shape)
    if gradient is None:
        if int(np.prod(shape)) != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs: the root has shape {shape}; "
                "pass gradient= (a tensor of that shape)"
            )
        return np.ones(shape)
    g = np.asarray(gradient._data if hasattr(gradient, "_data") and not isinstance(gradient, np.ndarray)
                   else gradient, dtype=np.float64)
    if g.shape != shape:
        raise RuntimeError(f"gradient has shape {g.shape}, but the root has shape {shape}")
    return g


def trace(root: Any, gradient: Any = None) -> Trace:
    """The trace of backward from ``root`` (a vector Tensor, micro Tensor or micro Value).

    micro: read off the graph after ``backward()`` (the Values hold their gradients).
    vector: a replay that needs the saved tensors (before ``backward()``, or after
    ``backward(retain_graph=True)``); ``gradient`` as for ``backward`` when the root is
    not a scalar.
    """
    from . import _micro

    if _is_vector(root):
        if not root.requires_grad:
            raise RuntimeError(
                f"the root (shape {tuple(root.shape)}) does not require grad and has no grad_fn: there is no "
                "graph to trace (was it computed under no_grad() or from detach()ed tensors?)"
            )
        return vector_trace([root], [seed_for(root, gradient)])
    if _micro.is_value(root):
        return micro_trace([root])
    if _micro.is_tensor(root):
        if not root.requires_grad:
            raise RuntimeError(
                f"the root (shape {tuple(root.shape)}) does not require grad and has no grad_fn: there is no "
                "graph to trace (was it computed under no_grad() or from detach()ed tensors?)"
            )
        return micro_trace(_micro.tensor_values(root))
    raise TypeError(
        f"trace: expected a micro Value, a micro Tensor or a vector Tensor, got {type(root).__name__}"
    )
