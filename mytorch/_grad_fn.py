"""``grad_fn.next_functions`` for both engines, with PyTorch's ``AccumulateGrad`` leaf nodes.

A node's ``next`` holds, per input, the input's ``grad_fn``, the input itself
(a leaf that requires grad) or None. PyTorch shows the same links as
``next_functions``: ``(node, output_index)`` pairs, where a leaf appears as an
``AccumulateGrad`` node whose ``.variable`` is the leaf. The same leaf gives the
same ``AccumulateGrad`` object while that object is alive, as in PyTorch.

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> loss = (w * 3).sum()
    >>> loss.grad_fn.next_functions[0][0].next_functions[0][0].variable is w
    True
"""

from __future__ import annotations

import weakref
from typing import Any

_cache: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # id(leaf) -> its AccumulateGrad


class AccumulateGrad:
    """The node that puts a leaf's gradient into its ``.grad`` (``.variable`` is the leaf)."""

    next_functions: tuple = ()

    def __init__(self, variable: Any) -> None:
        self.variable = variable  # held strongly: the cached id cannot be reused while we live

    @staticmethod
    def name() -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def accumulate_grad(leaf: Any) -> AccumulateGrad:
    """The AccumulateGrad node of ``leaf`` (made once per leaf while in use)."""
    node = _cache.get(id(leaf))
    if node is None or node.variable is not leaf:
        node = AccumulateGrad(leaf)
        _cache[id(leaf)] = node
    return node


def next_functions(nxt: tuple, is_node: Any) -> tuple[tuple[Any, int], ...]:
    """PyTorch's view of ``nxt``: ``(grad_fn or AccumulateGrad or None, 0)`` per input."""
    return tuple(
        (None if n is None else n if is_node(n) else accumulate_grad(n), 0) for n in nxt
    )
