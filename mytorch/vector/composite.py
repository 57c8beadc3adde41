"""Composite ops recorded as one node with PyTorch's name (``MseLossBackward0``, ``MeanBackward0``).

A composite (a loss, ``mean``, ``var``...) is written once with Tensor ops. Recorded
as it is, its output's ``grad_fn`` would be its last primitive (``DivBackward0``) and
``next_functions`` would walk through every step. :func:`composite` records the steps
in an inner graph instead, whose inputs are :class:`_Input` nodes, and gives the
output one :class:`Composite` node whose ``next`` are the real inputs, as PyTorch's
node for the op. Its backward runs the inner graph back to the ``_Input`` nodes and
no further; under ``create_graph`` that backward is itself recorded, through the
``_Input`` nodes, onto the real inputs, so double backward works as before.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([1.0, 3.0], requires_grad=True)
    >>> y = x.mean(); y.grad_fn.name(), y.grad_fn.next_functions[0][0].variable is x
    ('MeanBackward0', True)
    >>> y.backward(); x.grad.tolist()
    [0.5, 0.5]
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._graph import _mode
from . import dual
from . import node as _node
from .node import Node, run_backward


class _Input(Node):
    """Where a composite's inner graph starts: passes the gradient through, unchanged."""

    def forward(self, a: np.ndarray) -> np.ndarray:
        return a

    def backward(self, g: Any) -> tuple:
        return (g,)


class Composite(Node):
    """One node for a composite op; its name is set per call (``_label``)."""

    inner: Any  # the output of the hidden inner graph
    starts: list[Any]  # where the inner backward stops (the inputs)
    wanted: tuple[bool, ...]  # which inputs get a gradient

    def backward(self, g: Any) -> tuple:
        grads = run_backward(
            [self.inner.grad_fn], [g], True, dual._is_tensor(g), self.starts, stop_at_inputs=True
        )
        assert grads is not None  # run_backward returns the inputs' gradients when given inputs
        it = iter(grads)
        return tuple(next(it) if wanted else None for wanted in self.wanted)


_depth = [0]  # > 0 while a composite records its steps: composites inside it are plain steps


def composite(name: str, fn: Callable[..., Any], *inputs: Any) -> Any:
    """``fn(*inputs)``, recorded as one node named ``name`` when it is recorded at all."""
    Tensor = _node.Tensor
    wanted = tuple(isinstance(t, Tensor) and t._requires_grad for t in inputs)
    if _depth[0] or not (_mode.enabled and any(wanted)):
        return fn(*inputs)
    starts = tuple(_Input.apply(t) if w else t for t, w in zip(inputs, wanted))
    _depth[0] += 1
    try:
        inner = fn(*starts)
    finally:
        _depth[0] -= 1
    for t, s in zip(inputs, starts):
        if inner is s:  # no op at all: the input itself
            return t
    if inner.grad_fn is None:
        return inner
    node = Composite.__new__(Composite)
    node._link(inputs, inner._data)
    node._label = name
    node.inner = inner
    node.starts = [s for s, w in zip(starts, wanted) if w]
    node.wanted = wanted
    out = Tensor._from_node(inner._data, node)
    out._version = inner._version  # an in-place change of the output is seen by the inner nodes
    return out
