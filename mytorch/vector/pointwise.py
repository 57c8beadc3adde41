"""The vector engine's node for each function of ``mytorch._pointwise`` (``AsinBackward0``, ...).

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([0.5], dtype=mt.float64, requires_grad=True)
    >>> y = x.asin(); y.backward(mt.ones(1, dtype=mt.float64)); y.grad_fn.name(), round(x.grad.item(), 6)
    ('AsinBackward0', 1.154701)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._pointwise import METHODS, NUMPY, POINTWISE, Pointwise
from . import dual
from .node import Node


class _PointwiseNode(Node):
    """``spec.forward`` of the input; backward multiplies by ``spec.derivative``."""

    saves_inputs = True
    spec: Pointwise

    def forward(self, a: np.ndarray) -> np.ndarray:
        return self.spec.forward(a)

    def backward(self, g: Any) -> tuple:
        derivative = self.spec.derivative
        if dual._is_tensor(g):
            if derivative is None:
                return (g.detach() * 0.0,)
            return (g * derivative(self.saved(0, g), METHODS),)
        if derivative is None:
            return (np.zeros_like(g),)
        with np.errstate(all="ignore"):
            return (g * derivative(self.saved(0, g), NUMPY),)


NODES: dict[str, type[Node]] = {
    name: type(name.capitalize(), (_PointwiseNode,), {"spec": spec, "__slots__": ()})
    for name, spec in POINTWISE.items()
}


def apply(t: Any, name: str) -> Any:
    """``name`` (a key of ``POINTWISE``) of the vector Tensor ``t``, recorded as one node."""
    return NODES[name].apply(t)
