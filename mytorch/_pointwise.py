"""Elementwise functions that Tensor primitives cannot express exactly (asin, expm1, floor, ...).

Each is a numpy function for the value and a derivative written once with
operators and the functions of a namespace ``M``, so the same rule runs on numpy
arrays (an ordinary backward), on Tensors (``create_graph=True``) and on micro
``Value`` objects (one scalar at a time). Both engines turn an entry into one
graph node: a ``Node`` subclass in ``mytorch.vector.pointwise`` and Values in
``mytorch.micro.pointwise``.

Example:
    >>> import numpy as np
    >>> spec = POINTWISE["atan"]
    >>> float(spec.derivative(np.array(1.0), NUMPY))
    0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Pointwise:
    """One elementwise function: ``forward`` on arrays, ``derivative(x, M)`` (None: zero)."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[Any, Any], Any] | None


class _Numpy:
    """The namespace ``M`` for numpy arrays: numpy's functions, pointwise ones by name."""

    sqrt, exp, log, sin, cos = np.sqrt, np.exp, np.log, np.sin, np.cos

    def __getattr__(self, name: str) -> Any:
        if name not in POINTWISE:
            raise AttributeError(name)
        return POINTWISE[name].forward


class _Methods:
    """The namespace ``M`` for Tensors and Values: their methods (pointwise ones included)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda x: getattr(x, name)()


NUMPY = _Numpy()
METHODS = _Methods()

_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _ignore(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """``fn`` without numpy's warnings: out-of-domain inputs give nan/inf, as PyTorch."""

    def quiet(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return fn(x)

    return quiet


_ERF = np.vectorize(math.erf, otypes=[np.float64])


def _erfinv(y: np.ndarray) -> np.ndarray:
    """Inverse error function: Giles' single-precision approximation, then two Newton steps on erf."""
    y = np.asarray(y, dtype=np.float64)
    w = -np.log((1.0 - y) * (1.0 + y))
    central = w < 5.0
    wc = np.where(central, w - 2.5, np.sqrt(np.where(central, 5.0, w)) - 3.0)
    central_coeffs = (
        2.81022636e-08,
        3.43273939e-07,
        -3.5233877e-06,
        -4.39150654e-06,
        0.00021858087,
        -0.00125372503,
        -0.00417768164,
        0.246640727,
        1.50140941,
    )
    tail_coeffs = (
        -0.000200214257,
        0.000100950558,
        0.00134934322,
        -0.00367342844,
        0.00573950773,
        -0.0076224613,
        0.00943887047,
        1.00167406,
        2.83297682,
    )
    p = np.where(central, central_coeffs[0], tail_coeffs[0])
    for c, t in zip(central_coeffs[1:], tail_coeffs[1:]):
        p = np.where(central, c, t) + p * wc
    x = p * y
    for _ in range(2):
        x = x - (_ERF(x) - y) / (2 / math.sqrt(math.pi) * np.exp(-x * x))
    x = np.where(np.abs(y) == 1, np.copysign(np.inf, y), x)
    return np.where(np.abs(y) > 1, np.nan, x)


_TABLE = [
    Pointwise("tan", np.tan, lambda x, M: 1 / (M.cos(x) * M.cos(x))),
    Pointwise("asin", np.arcsin, lambda x, M: 1 / M.sqrt(1 - x * x)),
    Pointwise("acos", np.arccos, lambda x, M: -1 / M.sqrt(1 - x * x)),
    Pointwise("atan", np.arctan, lambda x, M: 1 / (1 + x * x)),
    Pointwise("sinh", np.sinh, lambda x, M: M.cosh(x)),
    Pointwise("cosh", np.cosh, lambda x, M: M.sinh(x)),
    Pointwise("asinh", np.arcsinh, lambda x, M: 1 / M.sqrt(x * x + 1)),
    Pointwise("acosh", np.arccosh, lambda x, M: 1 / M.sqrt((x - 1) * (x + 1))),
    Pointwise("atanh", np.arctanh, lambda x, M: 1 / (1 - x * x)),
    Pointwise("log2", np.log2, lambda x, M: 1 / (x * _LN2)),
    Pointwise("log10", np.log10, lambda x, M: 1 / (x * _LN10)),
    Pointwise("log1p", np.log1p, lambda x, M: 1 / (1 + x)),
    Pointwise("exp2", np.exp2, lambda x, M: M.exp2(x) * _LN2),
    Pointwise("expm1", np.expm1, lambda x, M: M.exp(x)),
    Pointwise("floor", np.floor, None),
    Pointwise("ceil", np.ceil, None),
    Pointwise("trunc", np.trunc, None),
    Pointwise("round", np.round, None),  # half to even, as PyTorch
    Pointwise("sign", np.sign, None),
    Pointwise("signbit_sign", lambda x: np.where(np.signbit(x), -1.0, 1.0).astype(x.dtype), None),
    Pointwise(
        "erfinv",
        lambda x: _erfinv(x).astype(np.result_type(x, np.float32)),
        lambda x, M: math.sqrt(math.pi) / 2 * M.exp(M.erfinv(x) * M.erfinv(x)),
    ),
]
POINTWISE: dict[str, Pointwise] = {
    p.name: Pointwise(p.name, _ignore(p.forward), p.derivative) for p in _TABLE
}
