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

import functools
import inspect
import re
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

#: MyTorch op keys whose PyTorch node name is not the op's name with ``Backward0`` added.
#: Keys are CamelCase op names (the vector engine's Node classes, micro's op strings camel-cased).
_SPECIAL = {
    "MatMul": "MmBackward0",
    "Cast": "ToCopyBackward0",
    "Reshape": "ViewBackward0",
    "Matmul": "MmBackward0",
    "GetItem": "IndexBackward0",
    "Getitem": "IndexBackward0",
    "SetItem": "CopySlices",
    "Setitem": "CopySlices",
    "CopySlices": "CopySlices",
    "Clamp": "ClampBackward1",
    "Max": "MaxBackward1",
    "Min": "MinBackward1",
    "LinearNode": "AddmmBackward0",
    "LayerNormNode": "NativeLayerNormBackward0",
    "GeluNode": "GeluBackward0",
    "AttentionNode": "ScaledDotProductFlashAttentionForCpuBackward0",
    "ConvReluPoolNode": "ConvReluMaxPool2DBackward0",  # MyTorch's own: conv, ReLU and max pool in one
    "NllLossNode": "NllLossBackward0",
    "CrossEntropyNode": "CrossEntropyLossBackward0",  # the fused kernel for smoothed or soft targets
    "Conv2dNode": "ConvolutionBackward0",
    "MaxPool2dNode": "MaxPool2DWithIndicesBackward0",
    "AvgPool2dNode": "AvgPool2DBackward0",
}


def torch_name(op: str) -> str:
    """PyTorch's node name for the MyTorch op ``op``: ``"mul"`` or ``"Mul"`` -> ``"MulBackward0"``.

    A name that already ends in ``Backward`` plus digits (or is a special node such as
    ``CopySlices``) is returned as it is. As in PyTorch, a letter after a digit or an
    underscore is capitalised (``log1p`` -> ``Log1PBackward0``, ``log_softmax`` ->
    ``LogSoftmaxBackward0``).

    Example:
        >>> torch_name("log1p"), torch_name("MatMul"), torch_name("MseLossBackward0")
        ('Log1PBackward0', 'MmBackward0', 'MseLossBackward0')
    """
    if re.search(r"Backward\d*$", op) or op in ("CopySlices",):
        return op
    if op in _SPECIAL:
        return _SPECIAL[op]
    camel = re.sub(r"(^|_|(?<=\d))([a-z])", lambda m: m.group(2).upper(), op)
    return _SPECIAL.get(camel) or camel.replace("_", "") + "Backward0"

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
        return f"<AccumulateGrad object at {id(self):#x}>"


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


def index_name(index: Any) -> str:
    """PyTorch's node name for ``t[index]`` (one step of ``torch_index_steps``): its last real step.

    Example:
        >>> index_name((0, slice(1, None))), index_name((slice(None), 1)), index_name([0, 2])
        ('SliceBackward0', 'SelectBackward0', 'IndexBackward0')
    """
    items = index if isinstance(index, tuple) else (index,)
    name = "SliceBackward0"
    for i in items:
        if isinstance(i, (list, np.ndarray)) or hasattr(i, "shape") and not isinstance(i, np.integer):
            return "IndexBackward0"
        if i is None:
            name = "UnsqueezeBackward0"
        elif isinstance(i, slice):
            if i != slice(None):
                name = "SliceBackward0"
        elif i is not Ellipsis:
            name = "SelectBackward0"
    return name


def recorded_as(name: str | Callable[..., str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: ``fn(input, ...)`` is recorded as one node ``name``, PyTorch's, whose input is ``input``.

    ``name`` may be a function of the call's arguments (``ProdBackward0``/``ProdBackward1``).
    Calls with ``inplace=True`` and non-tensor inputs (the error paths) run ``fn`` as it is.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(fn)
        takes_inplace = "inplace" in signature.parameters

        @functools.wraps(fn)
        def run(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
            if not hasattr(input, "_composite") or (
                takes_inplace and signature.bind(input, *args, **kwargs).arguments.get("inplace")
            ):
                return fn(input, *args, **kwargs)
            label = name if isinstance(name, str) else name(input, *args, **kwargs)
            return input._composite(label, lambda x: fn(x, *args, **kwargs), input)

        return run

    return decorate
