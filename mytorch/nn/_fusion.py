"""Module patterns that ``Sequential`` runs as one fused node: ``Conv2d -> ReLU -> MaxPool2d``.

When three modules in a row are exactly a ``Conv2d`` (zero padding
mode), a ``ReLU`` and a non-overlapping ``MaxPool2d`` (no indices), none
with hooks, ``Sequential`` asks the engine's fused kernel
``conv2d_relu_max_pool2d`` to compute them at once (``mytorch.vector.fused_block``:
the ReLU folded into the pooling). The result equals running the three modules
one by one; only the graph differs (one ``ConvReluMaxPool2DBackward`` node
instead of three). Anything else, a subclass of one of those modules, the micro
engine or ``composite_only()``, runs module by module.

Example:
    >>> import mytorch.vector as mt
    >>> net = mt.nn.Sequential(mt.nn.Conv2d(1, 2, 3, padding=1), mt.nn.ReLU(), mt.nn.MaxPool2d(2))
    >>> net(mt.ones(1, 1, 4, 4, requires_grad=True)).grad_fn.name()
    'ConvReluMaxPool2DBackward0'
"""

from __future__ import annotations

from typing import Any

from .activation import ReLU
from .conv import Conv2d
from .functional._dispatch import try_fused
from .pooling import MaxPool2d


def conv_relu_pool(conv: Conv2d, relu: Any, pool: Any, input: Any) -> Any:  # noqa: A002
    """The output of ``pool(relu(conv(input)))`` from the fused kernel, or NotImplemented."""
    if type(relu) is not ReLU or type(pool) is not MaxPool2d or pool.return_indices:
        return NotImplemented
    if conv.padding_mode != "zeros":
        return NotImplemented
    for module in (conv, relu, pool):
        if module.__dict__.get("_module_hooks"):
            return NotImplemented
    return try_fused("conv2d_relu_max_pool2d", input, conv.weight, conv.bias, conv.stride, conv.padding,
                     conv.dilation, conv.groups, pool.kernel_size, pool.stride, pool.padding, pool.dilation,
                     pool.ceil_mode)

