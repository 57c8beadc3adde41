"""The micro engine's Values for each function of ``mytorch._pointwise``, and ``index_add``.

A pointwise function makes one Value per element, with its local derivative as a
float; ``create_graph=True`` rebuilds the derivative as Values from the same rule
(registered in ``value.local_values``' table).

Example:
    >>> import mytorch.micro as mm
    >>> x = mm.tensor([0.5], requires_grad=True)
    >>> x.asin().sum().backward(); round(x.grad.item(), 6)
    1.154701
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np

from .._pointwise import NUMPY, POINTWISE
from . import arrays
from . import value as _v
from .value import Value


def value_pointwise(v: Value, name: str) -> Value:
    """``name`` of one Value (used for derivatives of derivatives)."""
    spec = POINTWISE[name]
    x = np.asarray(v.data, dtype=np.float64)  # a 0-d array: the spec's functions take arrays
    derivative = 0.0 if spec.derivative is None else float(spec.derivative(x, NUMPY))
    return _v._unary(float(spec.forward(x)), name, v, derivative)


class _ValueFunctions:
    """The namespace ``M`` for Values: pointwise functions by name, else the Value method."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in POINTWISE:
            return lambda v: value_pointwise(v, name) if isinstance(v, Value) else POINTWISE[name].forward(v)
        return lambda v: getattr(v, name)()


_VALUES = _ValueFunctions()


def _local_rule(name: str) -> Any:
    derivative = POINTWISE[name].derivative
    if derivative is None:
        return lambda node: (0.0,)
    return lambda node: (derivative(node._a, _VALUES),)


for _name in POINTWISE:
    _v._LOCAL_VALUES[_name] = _local_rule(_name)


def pointwise_values(values: np.ndarray, name: str) -> np.ndarray:
    """New Values: ``name`` of each Value in the object array ``values``."""
    spec = POINTWISE[name]
    x = arrays.floats(values)
    y = spec.forward(x).ravel().tolist()
    if spec.derivative is None:
        d = [0.0] * len(y)
    else:
        with np.errstate(all="ignore"):
            d = np.broadcast_to(spec.derivative(x, NUMPY), x.shape).ravel().tolist()
    items = [_v._unary(yi, name, v, di) for v, yi, di in zip(values.flat, y, d)]
    return arrays.from_list(items, values.shape)


def index_add_values(values: np.ndarray, shape: tuple[int, ...], index: Any) -> np.ndarray:
    """Zeros of ``shape`` with the Values ``values`` added at ``index`` (repeats accumulate)."""
    n = math.prod(shape)
    positions = np.arange(n).reshape(shape)[index]
    groups: dict[int, list[Value]] = defaultdict(list)
    for p, v in zip(positions.ravel().tolist(), np.broadcast_to(values, positions.shape).flat):
        groups[p].append(v)
    items = [_v.total(groups[p]) if p in groups else _v.leaf(0.0) for p in range(n)]
    return arrays.from_list(items, shape)
