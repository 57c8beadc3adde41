"""Fused ``gelu``: ``x * Phi(x)`` as one node, with ``erf`` evaluated by a numpy kernel.

The composite path (``nn.functional.gelu``) builds ``erf`` from Tensor ops (W. J. Cody's
rationals on three intervals, ``mytorch/_erf.py``): about 100 nodes for one GELU,
forward and backward, each a pass over the activation. Here Phi runs on the arrays with
in-place ufuncs: for float64 the same rationals (:func:`erf`, to float64 rounding), for
float32 one erfc formula valid on the whole line (:func:`normal_cdf_float32`, as accurate
as PyTorch's float32 GELU, half the passes). The backward is the closed form

    d/dx [x * Phi(x)] = Phi(x) + x * phi(x),  phi(x) = exp(-x^2 / 2) / sqrt(2 pi)

(``approximate='tanh'``: ``0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)``,
``t = tanh(sqrt(2/pi) (x + 0.044715 x^3))``).

Measured (examples/tiny_gpt.py defaults, float32, two (16, 32, 128) GELUs a step, per-node
CPU time in one process, a loaded machine): the composite GELU's ~200 nodes took about 65%
of the step's kernel time (a 28 ms step); the fused node with Cody's rationals in float32
1.6 ms of a 7.3 ms step, with the float32 formula 1.0 ms of a 6.5 ms step.

Example:
    >>> import numpy as np
    >>> [round(v, 6) for v in GeluNode.apply(np.array([-1.0, 0.0, 2.0]), approximate="none").tolist()]
    [-0.158655, 0.0, 1.9545]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .node import Node
from .tensor import Tensor

# W. J. Cody's coefficients (Math. Comp. 23 (1969) 631-637), as in mytorch/_erf.py.
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
      1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
      8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
      2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
      3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
      6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
      2.33520497626869185e-3)
_RSQRTPI = 0.5641895835477562869480794515607725858440
_SMALL, _MIDDLE = 0.46875, 4.0
_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_TANH_C = 0.044715


def _horner(y: np.ndarray, acc: np.ndarray, coefs: tuple[float, ...]) -> np.ndarray:
    """``(...((acc + c0)*y + c1)*y ... + c_{n-1})*y``, in place in ``acc`` (a new array, ``lead * y``)."""
    t = y.dtype.type
    for c in coefs:
        acc += t(c)
        acc *= y
    return acc


def erf(x: np.ndarray) -> np.ndarray:
    """The error function of a float32/float64 array, in its dtype (Cody's rationals, about 1 ulp).

    Every interval's rational is evaluated on the whole array clamped into that interval
    (no gathers: the activations of a network fall mostly in the first two), the third
    (|x| > 4, where erf is 1 to 1.5e-8) only on the elements that need it. The intervals are
    blended by multiplying with 0/1 weights: ``np.where`` with a mask that changes at random
    from one element to the next measured 50x slower than a multiply (branch mispredictions).

    Example:
        >>> [round(v, 9) for v in erf(np.array([-0.3, 1.0, 5.0])).tolist()]
        [-0.328626759, 0.842700793, 1.0]
    """
    t = x.dtype.type
    ax = np.abs(x)
    not_small = np.greater(ax, t(_SMALL))
    has_big = ax.size and np.maximum.reduce(ax, axis=None) > _MIDDLE
    big = ax > _MIDDLE if has_big else None
    # |x| <= 0.46875: x * A(x^2) / B(x^2)
    xs = np.clip(x, t(-_SMALL), t(_SMALL))
    z = np.multiply(xs, xs)
    small = _horner(z, z * t(_A[4]), _A[:3])
    den = _horner(z, z.copy(), _B[:3])
    small += t(_A[3])
    den += t(_B[3])
    small *= xs
    small /= den
    # 0.46875 < |x| <= 4: erfc(|x|) = C(|x|) / D(|x|) * exp(-x^2); the buffers above are reused
    yl = np.minimum(ax[big], t(27.0)) if has_big else None  # erfc(27) underflows float64 anyway
    y = np.clip(ax, t(_SMALL), t(_MIDDLE), out=ax)
    tail = _horner(y, np.multiply(y, t(_C[8]), out=z), _C[:7])
    np.copyto(den, y)
    _horner(y, den, _D[:7])
    tail += t(_C[7])
    den += t(_D[7])
    tail /= den
    np.multiply(y, y, out=y)
    np.negative(y, out=y)
    np.exp(y, out=y)
    tail *= y
    if yl is not None:  # (has_big) |x| > 4: erfc from a rational in 1/x^2, on those elements only
        zl = np.reciprocal(yl * yl)
        n3 = _horner(zl, zl * t(_P[5]), _P[:4])
        d3 = _horner(zl, zl.copy(), _Q[:4])
        n3 += t(_P[4])
        d3 += t(_Q[4])
        n3 *= zl
        n3 /= d3
        tail[big] = (t(_RSQRTPI) - n3) / yl * np.exp(-(yl * yl))
    np.subtract(t(1), tail, out=tail)  # erf(|x|) where |x| > 0.46875
    np.multiply(small, ~not_small, out=small)
    weight = np.sign(x, out=xs)
    np.multiply(weight, not_small, out=weight)  # the sign of x where |x| > 0.46875, else 0
    tail *= weight
    tail += small
    return tail


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt(2))) / 2, as PyTorch computes it (a new array)."""
    t = x.dtype.type
    cdf = erf(x * t(_SQRT1_2))
    cdf += t(1)
    cdf *= t(0.5)
    return cdf


# erfc(z) = u * exp(-z^2 + R(u)), u = 1 / (1 + z / 2), z >= 0, R a degree-9 polynomial: Numerical
# Recipes' erfcc (Press et al., 2nd ed., 6.2), relative error < 1.2e-7 for every z >= 0.
_NR = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398,
       1.48851587, -0.82215223, 0.17087277)


def normal_cdf_float32(x: np.ndarray) -> np.ndarray:
    """Phi(x) of a float32 array from one erfc formula valid on the whole line (no intervals).

    Phi(x) = erfc(|x| / sqrt(2)) / 2 for x < 0 and 1 - that for x >= 0. In float32 the GELU
    it gives is within 3.4 float32 ulps of |x| of the exact value on [-12, 12] (PyTorch's own
    float32 GELU: within 4.7; Cody's rationals in float32: 1.5), and it takes ~30 array
    passes instead of Cody's ~60: measured 2x faster on a (16, 32, 128) activation.
    float64 keeps Cody's rationals (:func:`normal_cdf`), accurate to float64 rounding.

    Example:
        >>> [round(v, 6) for v in normal_cdf_float32(np.array([-1.0, 0.0, 2.0], np.float32)).tolist()]
        [0.158655, 0.5, 0.97725]
    """
    t = np.float32
    z = np.abs(x)
    z *= t(_SQRT1_2)
    u = z * t(0.5)
    u += t(1)
    np.reciprocal(u, out=u)
    poly = _horner(u, u * t(_NR[9]), _NR[8:0:-1])
    poly += t(_NR[0])
    np.multiply(z, z, out=z)
    poly -= z
    np.exp(poly, out=poly)
    poly *= u  # erfc(|x| / sqrt(2))
    poly *= t(0.5)  # Phi(-|x|)
    flip = np.multiply(poly, t(-2), out=z)
    flip += t(1)  # 1 - 2 Phi(-|x|): what turns Phi(-|x|) into Phi(|x|)
    np.multiply(flip, np.greater_equal(x, t(0)), out=flip)
    poly += flip
    return poly


class GeluNode(Node):
    """``gelu(x, approximate)``; backward by the closed-form derivative (see the module docstring)."""

    saves_inputs = True
    fresh_grads = True

    def forward(self, x, approximate):
        t = x.dtype.type
        self.approximate = approximate
        flat = x.reshape(-1)  # 1-d: in-place ufuncs then never meet numpy scalars (0-d inputs)
        if approximate == "tanh":
            inner = flat * flat
            inner *= t(_TANH_C)
            inner += t(1)
            inner *= flat
            inner *= t(_SQRT_2_OVER_PI)
            np.tanh(inner, out=inner)
            self.tanh = inner
            out = inner + t(1)
            out *= flat
            out *= t(0.5)
        else:
            cdf = normal_cdf_float32(flat) if x.dtype == np.float32 else normal_cdf(flat)
            self.cdf = cdf
            out = flat * cdf
        return out.reshape(x.shape)

    def backward(self, g):
        x = self.saved(0, g)
        if not isinstance(g, np.ndarray):  # a Tensor under create_graph
            return (g * _gelu_derivative_tensor(x, self.approximate),)
        t = x.dtype.type
        flat = x.reshape(-1)
        if self.approximate == "tanh":
            th = self.tanh
            # 0.5 (1 + th) + 0.5 x (1 - th^2) sqrt(2/pi) (1 + 3c x^2)
            d = flat * flat
            d *= t(3 * _TANH_C)
            d += t(1)
            d *= t(0.5 * _SQRT_2_OVER_PI)
            d *= flat
            d *= t(1) - th * th
            d += t(0.5)
            d += th * t(0.5)
        else:  # Phi(x) + x * exp(-x^2 / 2) / sqrt(2 pi)
            d = flat * flat
            d *= t(-0.5)
            np.exp(d, out=d)
            d *= t(_INV_SQRT_2PI)
            d *= flat
            d += self.cdf
        d = d.reshape(x.shape)
        d *= g
        return (d,)


def _gelu_derivative_tensor(x: Tensor, approximate: str) -> Tensor:
    """The derivative with Tensor ops (differentiable again), for ``create_graph=True``."""
    if approximate == "tanh":
        th = ((x + _TANH_C * x * x * x) * _SQRT_2_OVER_PI).tanh()
        return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * _SQRT_2_OVER_PI * (1 + 3 * _TANH_C * x * x)
    from .._erf import erf as erf_tensor  # the composite erf: differentiable

    return 0.5 * (1 + erf_tensor(x * _SQRT1_2)) + x * (-0.5 * x * x).exp() * _INV_SQRT_2PI


def gelu(input: Any, approximate: str = "none") -> Any:  # noqa: A002
    """``x * Phi(x)`` as one node for float32/float64 Tensors; ``NotImplemented`` otherwise.

    Example:
        >>> import mytorch.vector as mt
        >>> round(gelu(mt.tensor([1.0])).item(), 6)
        0.841345
    """
    if not isinstance(input, Tensor) or input._data.dtype.char not in "fd":
        return NotImplemented
    if approximate not in ("none", "tanh"):
        return NotImplemented
    return GeluNode.apply(input, approximate=approximate)
