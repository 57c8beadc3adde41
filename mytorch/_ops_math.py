"""Elementwise math on Tensors, written once for both engines (a mixin of ``TensorBase``).

Functions Tensor primitives express exactly are composites here; the rest
(``asin``, ``expm1``, ``floor``, ...) are one node each through the engine's
``_pointwise`` primitive (see ``mytorch._pointwise``). Where a composite's value
could differ from the correctly computed one in the last bits (``remainder``,
``atan2``), the exact value is computed with numpy and the composite supplies
only the gradient.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([5.5, -5.5])
    >>> (x % 2).tolist(), x.fmod(2).tolist(), (x // 2).tolist()
    ([1.5, 0.5], [1.5, -1.5], [2.0, -3.0])
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _dtype, _promotion
from ._grad_fn import recorded_as
from ._ops_base import OpsBase

if TYPE_CHECKING:
    from typing import Self


def as_numpy(x: Any) -> np.ndarray:
    """The numbers of a Tensor (either engine), array or Python number, as an array."""
    return np.asarray(x._data if hasattr(x, "grad_fn") else x)


def is_float(x: Any) -> bool:
    """Whether ``x`` (a Tensor, array or number) holds floating values."""
    return as_numpy(x).dtype.kind == "f"


def _remainder(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """PyTorch's remainder: ``fmod``, moved by ``b`` where the signs differ (a zero keeps fmod's sign)."""
    if np.result_type(a, b).kind != "f":
        return np.mod(a, b)
    r = np.fmod(a, b)
    return np.where((r != 0) & ((r < 0) != (b < 0)), r + b, r)


class MathOps(OpsBase):
    """Elementwise math methods of ``TensorBase``."""

    __slots__ = ()

    # ------------------------------------------------------------ helpers
    def _floating(self) -> Self:
        """Self, or self converted to the default dtype when it holds integers or bools."""
        return self if self.dtype.kind == "f" else self.to(_dtype.get_default_dtype())

    def _tensor_operand(self, op: str, other: Any) -> Self:
        """``other`` as a tensor of this engine (broadcast-checked against self)."""
        self._operand_shape(op, other)
        return other if isinstance(other, type(self)) else self._constant(other)

    def _floating_pair(self, op: str, other: Any) -> tuple[Self, Self]:
        """Self and ``other`` as tensors of PyTorch's floating result dtype (as for ``/``)."""
        dtype = _promotion.true_divide_type(self, other)
        return self.to(dtype), self._tensor_operand(op, other).to(dtype)

    def _promoted_numbers(self, op: str, other: Any) -> tuple[np.ndarray, np.ndarray, np.dtype]:
        """The numbers of self and ``other`` in PyTorch's result dtype of the pair, and that dtype."""
        self._operand_shape(op, other)
        dtype = _promotion.result_type(self, other)
        return self._data.astype(dtype, copy=False), as_numpy(other).astype(dtype, copy=False), dtype

    def _exact(self, approx: Self, exact: np.ndarray) -> Self:
        """``approx`` (for its gradient) corrected to the values ``exact``.

        Adds the constant ``exact - approx``; where that is not finite (inf/nan values)
        the result is the constant ``exact`` there.
        """
        exact = np.asarray(exact, dtype=approx.dtype)
        with np.errstate(all="ignore"):
            diff = exact - as_numpy(approx)
        finite = np.isfinite(diff)
        out = approx + self._constant(np.where(finite, diff, 0).astype(approx.dtype))
        negative_zero = (exact == 0) & np.signbit(exact)
        if negative_zero.any():  # a sum is -0.0 only if both terms are: -((-approx) + c) is -0.0 there
            with np.errstate(all="ignore"):
                c = np.where(negative_zero, as_numpy(approx) - exact, 0).astype(approx.dtype)
            out = type(self)._where(negative_zero, -((-approx) + self._constant(c)), out)
        if finite.all():
            return out
        return type(self)._where(~finite, self._constant(exact), out)

    def _pointwise_op(self, name: str, keep_integers: bool = False) -> Self:
        if self.dtype.kind != "f":
            if keep_integers:  # floor/ceil/round/trunc/sign of integers: the same integers
                return self._constant(np.asarray(np.sign(self._data) if name == "sign" else self._data))
            return self._floating()._pointwise(name)
        return self._pointwise(name)

    # ------------------------------------------------------------ arithmetic with PyTorch's arguments
    def add(self, other: Any, *, alpha: float = 1) -> Self:
        """``self + alpha * other``, in PyTorch's result dtype of self and ``other``."""
        return self + other if alpha == 1 else self._scaled("add", other, alpha)

    def sub(self, other: Any, *, alpha: float = 1) -> Self:
        """``self - alpha * other``, in PyTorch's result dtype of self and ``other``."""
        return self - other if alpha == 1 else self._scaled("sub", other, alpha)

    def _scaled(self, op: str, other: Any, alpha: Any) -> Self:
        dtype = _promotion.result_type(self, other)
        if dtype.kind != "f" and isinstance(alpha, float):
            raise RuntimeError(
                f"{op}: for integral input tensors, argument alpha must not be a floating point "
                f"number (alpha={alpha!r}, dtype {dtype})"
            )
        out = self + other * alpha if op == "add" else self - other * alpha
        return out if out.dtype == dtype else out.to(dtype)

    def mul(self, other: Any) -> Self:
        return self * other

    multiply = mul
    subtract = sub

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Self:
        """``self / other``; ``rounding_mode='trunc'`` or ``'floor'`` rounds the quotient.

        A rounded quotient has zero gradient, as in PyTorch. Integer operands with a
        rounding mode give integers.

        Example:
            >>> import mytorch.vector as mt
            >>> mt.tensor([-7.0, 7.0]).div(2, rounding_mode="trunc").tolist()
            [-3.0, 3.0]
        """
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(
                "div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                f"but found {rounding_mode!r}"
            )
        a, b, dtype = self._promoted_numbers("div", other)
        with np.errstate(all="ignore"):
            if dtype.kind != "f":
                if np.any(b == 0):
                    raise ZeroDivisionError("div: integer division by zero (ZeroDivisionError in PyTorch)")
                q = np.floor_divide(a, b) if rounding_mode == "floor" else np.trunc(a / b).astype(dtype)
                return self._constant(np.asarray(q))
            exact = np.floor_divide(a, b) if rounding_mode == "floor" else np.trunc(np.true_divide(a, b))
        quotient = self.to(dtype) / other
        return quotient._exact(quotient._pointwise("floor" if rounding_mode == "floor" else "trunc"), exact)

    divide = div

    def true_divide(self, other: Any) -> Self:
        return self / other

    def floor_divide(self, other: Any) -> Self:
        """``self // other``: the quotient rounded down (zero gradient)."""
        return self.div(other, rounding_mode="floor")

    def __floordiv__(self, other: Any) -> Self:
        return self.div(other, rounding_mode="floor")

    def __rfloordiv__(self, other: Any) -> Self:
        return self._reflected(other).div(self, rounding_mode="floor")

    def _reflected(self, other: Any) -> Self:
        """``other`` on the left of ``//`` or ``%``: a Python number becomes a constant of the result dtype.

        (A plain 0-d constant would rank above the number it stands for: ``2 // int8`` is int8.)
        """
        if isinstance(other, (bool, int, float)):
            return self._constant(np.asarray(other, _promotion.result_type(self, other)))
        return self._constant(other)

    def _modulo(self, op: str, other: Any, np_fn: Any, rounding_mode: str) -> Self:
        a, b, dtype = self._promoted_numbers(op, other)
        with np.errstate(all="ignore"):
            if dtype.kind != "f":
                if np.any(b == 0):
                    raise ZeroDivisionError(f"{op}: integer division by zero (ZeroDivisionError in PyTorch)")
                return self._constant(np.asarray(np_fn(a, b)))
            exact = np_fn(a, b)
        x = self.to(dtype)
        quotient = x.div(other, rounding_mode=rounding_mode).detach()
        with np.errstate(all="ignore"):  # inf - inf where self is infinite: the exact value is nan there
            approx = x - quotient * other
        return x._exact(approx, exact)

    def remainder(self, other: Any) -> Self:
        """Python's modulo: the result has the sign of ``other`` (``a - floor(a / b) * b``).

        Gradients as PyTorch: 1 for ``self``, ``-floor(self / other)`` for ``other``.

        Example:
            >>> import mytorch.vector as mt
            >>> mt.tensor([-3.0, 3.0]).remainder(2).tolist()
            [1.0, 1.0]
        """
        return self._modulo("remainder", other, _remainder, "floor")

    def fmod(self, other: Any) -> Self:
        """C's fmod: the result has the sign of ``self`` (``a - trunc(a / b) * b``)."""
        return self._modulo("fmod", other, np.fmod, "trunc")

    def __mod__(self, other: Any) -> Self:
        return self.remainder(other)

    def __rmod__(self, other: Any) -> Self:
        return self._reflected(other).remainder(self)

    def reciprocal(self) -> Self:
        return 1 / self._floating()

    def copysign(self, other: Any) -> Self:
        """``|self|`` with the sign of ``other`` (its sign bit: -0.0 counts as negative).

        Example:
            >>> import mytorch.vector as mt
            >>> mt.tensor([1.0, -2.0, 3.0]).copysign(mt.tensor([-1.0, 1.0, -0.0])).tolist()
            [-1.0, 2.0, -3.0]
        """
        a, other = self._floating_pair("copysign", other)
        return a.abs() * other._pointwise("signbit_sign")

    # ------------------------------------------------------------ comparisons
    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Self:
        """``|self - other| <= atol + rtol * |other|`` elementwise (a bool tensor, no gradient)."""
        self._operand_shape("isclose", other)
        return self._constant(np.asarray(np.isclose(self._data, as_numpy(other), rtol, atol, equal_nan)))

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        """Whether every element is ``isclose`` to ``other``."""
        return bool(self.isclose(other, rtol, atol, equal_nan).all())

    def ne(self, other: Any) -> Self:
        return self != other

    def lt(self, other: Any) -> Self:
        return self < other

    def le(self, other: Any) -> Self:
        return self <= other

    def gt(self, other: Any) -> Self:
        return self > other

    def ge(self, other: Any) -> Self:
        return self >= other

    not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge

    def _logical(self, op: str, fn: Any, other: Any) -> Self:
        self._operand_shape(op, other)
        return self._constant(np.asarray(fn(self._data.astype(bool), as_numpy(other).astype(bool))))

    def logical_and(self, other: Any) -> Self:
        return self._logical("logical_and", np.logical_and, other)

    def logical_or(self, other: Any) -> Self:
        return self._logical("logical_or", np.logical_or, other)

    def logical_xor(self, other: Any) -> Self:
        return self._logical("logical_xor", np.logical_xor, other)

    def logical_not(self) -> Self:
        return self._constant(np.logical_not(self._data))

    def clamp_min(self, min: Any) -> Self:  # noqa: A002 - torch's argument name
        return self.clamp(min=min)

    def clamp_max(self, max: Any) -> Self:  # noqa: A002 - torch's argument name
        return self.clamp(max=max)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: float = 1) -> Self:
        """``self + value * tensor1 * tensor2``."""
        return self + tensor1 * tensor2 * value

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: float = 1) -> Self:
        """``self + value * tensor1 / tensor2``."""
        return self + tensor1 / tensor2 * value

    def isnan(self) -> Self:
        return self._constant(np.isnan(self._data))

    def isinf(self) -> Self:
        return self._constant(np.isinf(self._data))

    def isfinite(self) -> Self:
        return self._constant(np.isfinite(self._data))

    # ------------------------------------------------------------ rounding (zero gradient)
    def floor(self) -> Self:
        return self._pointwise_op("floor", keep_integers=True)

    def ceil(self) -> Self:
        return self._pointwise_op("ceil", keep_integers=True)

    def trunc(self) -> Self:
        return self._pointwise_op("trunc", keep_integers=True)

    fix = trunc

    def round(self, decimals: int = 0) -> Self:
        """Round half to even (as PyTorch); ``decimals`` places after the point."""
        if decimals == 0:
            return self._pointwise_op("round", keep_integers=True)
        if self.dtype.kind != "f":
            return self._constant(np.asarray(np.round(self._data, decimals)))
        rounded = self._pointwise("round")  # zero gradient, corrected to the rounded values
        return self._exact(rounded, np.round(self._data, decimals))

    def sign(self) -> Self:
        return self._pointwise_op("sign", keep_integers=True)

    sgn = sign

    def frac(self) -> Self:
        """``self - trunc(self)``."""
        return self - self.trunc()

    # ------------------------------------------------------------ trigonometric and hyperbolic
    def tan(self) -> Self:
        return self._pointwise_op("tan")

    def asin(self) -> Self:
        return self._pointwise_op("asin")

    def acos(self) -> Self:
        return self._pointwise_op("acos")

    def atan(self) -> Self:
        return self._pointwise_op("atan")

    def sinh(self) -> Self:
        return self._pointwise_op("sinh")

    def cosh(self) -> Self:
        return self._pointwise_op("cosh")

    def asinh(self) -> Self:
        return self._pointwise_op("asinh")

    def acosh(self) -> Self:
        return self._pointwise_op("acosh")

    def atanh(self) -> Self:
        return self._pointwise_op("atanh")

    arcsin, arccos, arctan = asin, acos, atan
    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def atan2(self, other: Any) -> Self:
        """The angle of the point (other, self), in (-pi, pi], with PyTorch's gradients.

        Example:
            >>> import mytorch.vector as mt
            >>> round(mt.tensor([1.0]).atan2(mt.tensor([-1.0])).item(), 4)
            2.3562
        """
        y, x = self._floating_pair("atan2", other)
        yn, xn = np.broadcast_arrays(y._data, x._data)
        where = type(self)._where
        flat = np.abs(xn) >= np.abs(yn)  # |y / x| <= 1: atan(y / x) plus a multiple of pi
        safe_x = where(flat & (xn != 0), x, 1.0)
        offset = np.where(np.signbit(xn), np.copysign(math.pi, yn), 0.0)
        steep_y = where(~flat, y, 1.0)
        approx = where(
            flat,
            (y / safe_x).atan() + self._constant(offset.astype(y.dtype)),
            self._constant((np.copysign(math.pi / 2, yn)).astype(y.dtype)) - (x / steep_y).atan(),
        )
        both_zero = (xn == 0) & (yn == 0)
        if both_zero.any():  # PyTorch's gradient there is 0
            approx = where(both_zero, self._constant(np.zeros(yn.shape, y.dtype)), approx)
        with np.errstate(all="ignore"):
            return approx._exact(approx, np.arctan2(yn, xn))

    arctan2 = atan2

    # ------------------------------------------------------------ exponentials and logarithms
    def log2(self) -> Self:
        return self._pointwise_op("log2")

    def log10(self) -> Self:
        return self._pointwise_op("log10")

    def log1p(self) -> Self:
        return self._pointwise_op("log1p")

    def exp2(self) -> Self:
        return self._pointwise_op("exp2")

    def expm1(self) -> Self:
        return self._pointwise_op("expm1")

    @recorded_as("ErfBackward0")
    def erf(self) -> Self:
        """The error function (``nn.functional.erf``, accurate to float64 precision)."""
        return self._engine.nn.functional.erf(self._floating())

    def erfc(self) -> Self:
        return 1 - self.erf()

    def erfinv(self) -> Self:
        """The inverse of ``erf`` on (-1, 1) (+-inf at +-1, nan outside)."""
        return self._pointwise_op("erfinv")

    def logaddexp(self, other: Any) -> Self:
        """``log(exp(self) + exp(other))`` without overflow; ties share the gradient."""
        a, other = self._floating_pair("logaddexp", other)
        an, bn = np.broadcast_arrays(a._data, other._data)
        where = type(self)._where
        same_inf = np.isinf(an) & (an == bn)  # log(e^inf + e^inf) = inf, log(0 + 0) = -inf
        first = an >= bn
        hi = where(first & ~same_inf, a, where(same_inf, 0.0, other))
        lo = where(first & ~same_inf, other, where(same_inf, 0.0, a))
        out = hi + (lo - hi).exp().log1p()
        return where(same_inf, a, out) if same_inf.any() else out

    def lerp(self, end: Any, weight: Any) -> Self:
        """``self + weight * (end - self)``, computed as PyTorch does (exact at both ends)."""
        from ._tensor_base import broadcast_shapes

        end = self._tensor_operand("lerp", end)
        for name, t in (("end", end), ("weight", weight)):
            # PyTorch does not promote here (a 0-d weight is taken as a number)
            if hasattr(t, "grad_fn") and t.dtype != self.dtype and (name == "end" or t.ndim):
                raise RuntimeError(
                    f"lerp: expected dtype {_promotion.torch_name(self.dtype).lower()} for `{name}` but got "
                    f"dtype {_promotion.torch_name(t.dtype).lower()} ({self.dtype} and {t.dtype})"
                )
        if hasattr(weight, "grad_fn"):
            broadcast_shapes("lerp (weight)", broadcast_shapes("lerp", self.shape, end.shape), weight.shape)
            near = np.abs(as_numpy(weight)) < 0.5
            diff = end - self
            return type(self)._where(near, self + weight * diff, end - diff * (1 - weight))
        diff = end - self
        return self + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
