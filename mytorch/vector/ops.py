"""The vector engine's primitive operations, one small Node class each.

``forward`` works on numpy arrays; ``backward`` maps the output gradient to
one gradient per input with operators and ``dual`` helpers, so it runs on
arrays and, for higher-order gradients, on Tensors. Gradients may keep the
output's (broadcast) shape: ``node.run_backward`` reduces them.

Example:
    >>> import numpy as np
    >>> Mul.apply(np.array([2.0]), np.array([3.0])).tolist()
    [6.0]
"""

from __future__ import annotations

import numpy as np

from . import dual
from .node import Node

# --------------------------------------------------------------- arithmetic


class Add(Node):
    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Sub(Node):
    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, -g


class Mul(Node):
    saves_inputs = True

    def forward(self, a, b):
        return a * b

    def backward(self, g):
        ga = g * self.saved(1, g) if self.needs_grad(0) else None
        gb = g * self.saved(0, g) if self.needs_grad(1) else None
        return ga, gb


class Div(Node):
    saves_inputs = True

    def forward(self, a, b):
        return a / b

    def backward(self, g):
        b = self.saved(1, g)
        ga = g / b if self.needs_grad(0) else None
        gb = -g * self.saved(0, g) / (b * b) if self.needs_grad(1) else None
        return ga, gb


class Neg(Node):
    def forward(self, a):
        return -a

    def backward(self, g):
        return (-g,)


class Pow(Node):
    """``a ** b``; the exponent's gradient (which needs ``log a``) only when it is wanted."""

    saves_inputs = True

    def forward(self, a, b):
        return a**b

    def backward(self, g):
        a, b = self.inputs(g)
        ga = gb = None
        scalar = b.__class__ is int or b.__class__ is float  # ``a ** 2``: the common case, kept cheap
        b_num = b if scalar else np.asarray(b._data if dual._is_tensor(b) else b)
        if self.needs_grad(0):
            # d/da = b * a**(b - 1), taken as 0 where b == 0 (as PyTorch): no 0 * inf at a == 0.
            b_zero = b_num == 0
            if scalar and not b_zero:
                ga = g * b * a ** (b - 1)
            elif scalar:
                ga = dual.where(np.ones(g.shape, bool), 0.0, g)
            elif b_zero.any():
                ga = dual.where(b_zero, 0.0, g * b * a ** dual.where(b_zero, 1.0, b - 1))
            else:
                ga = g * b * a ** (b - 1)
        if self.needs_grad(1):
            # d/db = a**b * log(a), taken as 0 where a == 0 and b >= 0 (as PyTorch): no 0 * log(0).
            a_num = np.asarray(a._data if dual._is_tensor(a) else a)
            cut = (a_num == 0) & (b_num >= 0)
            if not cut.any():
                gb = g * (a**b) * dual.log(a)
            else:
                gb = g * dual.where(cut, 0.0, (a**b) * dual.log(dual.where(cut, 1.0, a)))
        return ga, gb


# --------------------------------------------------------------- elementwise math


class Exp(Node):
    saves_inputs = True
    saves_output = True

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        if dual._is_tensor(g):
            return (g * self.inputs(g)[0].exp(),)
        return (g * self.saved_output(),)


class Log(Node):
    saves_inputs = True

    def forward(self, a):
        return np.log(a)

    def backward(self, g):
        (a,) = self.inputs(g)
        return (g / a,)


class Sqrt(Node):
    saves_inputs = True
    saves_output = True

    def forward(self, a):
        self.out = np.sqrt(a)
        return self.out

    def backward(self, g):
        out = self.inputs(g)[0].sqrt() if dual._is_tensor(g) else self.saved_output()
        return (g / (2 * out),)


class Abs(Node):
    saves_inputs = True

    def forward(self, a):
        return np.abs(a)

    def backward(self, g):
        (a,) = self.inputs(g)
        sign = np.nan_to_num(np.sign(a._data if dual._is_tensor(a) else a))  # 0 at NaN, as PyTorch's sgn
        return (g * sign,)


class Sin(Node):
    saves_inputs = True

    def forward(self, a):
        return np.sin(a)

    def backward(self, g):
        (a,) = self.inputs(g)
        return (g * (a.cos() if dual._is_tensor(a) else np.cos(a)),)


class Cos(Node):
    saves_inputs = True

    def forward(self, a):
        return np.cos(a)

    def backward(self, g):
        (a,) = self.inputs(g)
        return (-g * (a.sin() if dual._is_tensor(a) else np.sin(a)),)


class Tanh(Node):
    saves_inputs = True
    saves_output = True

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def backward(self, g):
        out = self.inputs(g)[0].tanh() if dual._is_tensor(g) else self.saved_output()
        return (g * (1 - out * out),)


def _stable_sigmoid(a: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-a)) without overflow: exp only ever sees -|a|."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


class Sigmoid(Node):
    saves_inputs = True
    saves_output = True

    def forward(self, a):
        self.out = _stable_sigmoid(a).astype(a.dtype, copy=False)
        return self.out

    def backward(self, g):
        out = self.inputs(g)[0].sigmoid() if dual._is_tensor(g) else self.saved_output()
        return (g * out * (1 - out),)


class Relu(Node):
    def forward(self, a):
        # The mask is taken now, not from the input in backward: ``relu_`` and
        # ``ReLU(inplace=True)`` overwrite the input with the output.
        self.mask = a > 0
        # np.maximum, not np.where: one branch-free SIMD pass (np.where mispredicts on half the
        # elements, ~10x slower), and NaN stays NaN as in torch.relu.
        return np.maximum(a, a.dtype.type(0))

    def backward(self, g):
        return (g * self.mask,)


class Clamp(Node):
    def forward(self, a, lo=None, hi=None):
        out = np.clip(a, lo, hi) if (lo is not None or hi is not None) else a.copy()
        self.mask = np.ones(a.shape, bool)
        if lo is not None:
            self.mask &= a >= lo
        if hi is not None:
            self.mask &= a <= hi
        return out.astype(a.dtype, copy=False)

    def backward(self, g):
        return (g * self.mask,)


def _extreme_weights(a, b, a_wins, b_wins):
    """PyTorch's gradient weights of maximum/minimum: a tie gives half to each side, and
    where a NaN is involved (neither wins nor ties) both sides get the whole gradient."""
    tie = 0.5 * (a == b)
    return 1 - b_wins - tie, 1 - a_wins - tie


class Maximum(Node):
    """Elementwise max (NaN if either is NaN); ties split the gradient evenly, as PyTorch does."""

    def forward(self, a, b):
        self.weights = _extreme_weights(a, b, a > b, a < b)
        return np.maximum(a, b)

    def backward(self, g):
        wa, wb = self.weights
        return g * wa.astype(g.dtype), g * wb.astype(g.dtype)


class Minimum(Node):
    """Elementwise min (NaN if either is NaN); ties split the gradient evenly, as PyTorch does."""

    def forward(self, a, b):
        self.weights = _extreme_weights(a, b, a < b, a > b)
        return np.minimum(a, b)

    def backward(self, g):
        wa, wb = self.weights
        return g * wa.astype(g.dtype), g * wb.astype(g.dtype)


class Where(Node):
    def forward(self, cond, a, b):
        self.cond = cond
        return np.where(cond, a, b)

    def backward(self, g):
        return None, g * self.cond, g * ~self.cond


class Clone(Node):
    def forward(self, a):
        return a.copy()

    def backward(self, g):
        return (g,)


class Cast(Node):
    def forward(self, a, dtype):
        self.source = a.dtype
        return a.astype(dtype)

    def backward(self, g):
        return (dual.cast(g, self.source),)


# --------------------------------------------------------------- reductions


class Sum(Node):
    def forward(self, a, axes=None, keepdims=False):
        self.in_shape, self.axes, self.keepdims = a.shape, axes, keepdims
        return np.asarray(a.sum(axis=axes, keepdims=keepdims))

    def backward(self, g):
        if not self.keepdims:
            g = dual.reshape(g, _keepdims_shape(self.in_shape, self.axes))
        return (dual.broadcast_to(g, self.in_shape),)


class Mean(Node):
    """``a.sum(axes) / count`` (the same numbers as Sum then Div); backward spreads ``grad / count``."""

    def forward(self, a, axes, keepdims, count):
        self.in_shape, self.axes, self.keepdims, self.count = a.shape, axes, keepdims, count
        return np.asarray(a.sum(axis=axes, keepdims=keepdims)) / count

    def backward(self, g):
        g = g / self.count
        if not self.keepdims:
            g = dual.reshape(g, _keepdims_shape(self.in_shape, self.axes))
        return (dual.broadcast_to(g, self.in_shape),)


class Max(Node):
    """Max over ``axis`` (one index gets the gradient) or over all (ties share it; NaNs win)."""

    def forward(self, a, axis=None, keepdims=False, minimum=False):
        pick = np.argmin if minimum else np.argmax
        self.in_shape = a.shape
        if axis is None:
            value = a.min() if minimum else a.max()
            self.mask = np.isnan(a) if np.isnan(value) else a == value
            self.mask = self.mask / self.mask.sum()
            self.index = None
            return np.asarray(value)
        self.index = np.expand_dims(pick(a, axis=axis), axis)
        self.axis = axis
        out = np.take_along_axis(a, self.index, axis)
        return out if keepdims else np.squeeze(out, axis)

    def backward(self, g):
        if self.index is None:
            return (g * self.mask.astype(g.dtype),)
        mask = np.zeros(self.in_shape, bool)
        np.put_along_axis(mask, self.index, True, self.axis)
        g = dual.reshape(g, self.index.shape)
        return (dual.broadcast_to(g, self.in_shape) * mask,)


class Amax(Node):
    """Max (min) over ``axes`` (None: all), as PyTorch's amax: tied elements split the gradient
    evenly, and a NaN result gives every element of its slice a NaN gradient (0 / 0 ties)."""

    def forward(self, a, axes=None, keepdims=False, minimum=False):
        self.in_shape, self.axes, self.keepdims = a.shape, axes, keepdims
        out = np.asarray((np.min if minimum else np.max)(a, axis=axes, keepdims=True))
        ties = a == out
        with np.errstate(invalid="ignore"):  # a NaN slice has no ties: 0 / 0
            self.weight = (ties / ties.sum(axis=axes, keepdims=True)).astype(a.dtype, copy=False)
        return out if keepdims else np.squeeze(out, axis=axes)

    def backward(self, g):
        if not self.keepdims:
            g = dual.reshape(g, _keepdims_shape(self.in_shape, self.axes))
        return (g * self.weight,)


def _keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    if axes is None:
        return (1,) * len(shape)
    axes = tuple(a % len(shape) for a in axes)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


# --------------------------------------------------------------- shape


class Reshape(Node):
    def forward(self, a, shape):
        self.in_shape = a.shape
        return a.reshape(shape)

    def backward(self, g):
        return (dual.reshape(g, self.in_shape),)


class Permute(Node):
    def forward(self, a, axes):
        self.axes = axes
        return a.transpose(axes)

    def backward(self, g):
        return (dual.permute(g, tuple(np.argsort(self.axes))),)


class Expand(Node):
    """Broadcast view; its backward is just the gradient (the engine reduces it)."""

    def forward(self, a, shape):
        return np.broadcast_to(a, shape)

    def backward(self, g):
        return (g,)


class GetItem(Node):
    def forward(self, a, index):
        self.in_shape, self.index = a.shape, index
        return a[index]

    def backward(self, g):
        return (dual.scatter_add(g, self.in_shape, self.index),)


class IndexAdd(Node):
    """Zeros of ``shape`` with ``g`` added at ``index``: GetItem's backward, differentiable."""

    def forward(self, g, shape, index):
        self.index = index
        return dual.scatter_add(g, shape, index)

    def backward(self, gg):
        return (gg[self.index],)


class SetItem(Node):
    """``out = a.copy(); out[index] = value``: overwritten elements of ``a`` get no gradient."""

    def forward(self, a, value, index):
        self.index = index
        out = a.copy()
        out[index] = value
        return out

    def backward(self, g):
        ga = None
        if self.needs_grad(0):
            ga = g.clone() if dual._is_tensor(g) else np.array(g)  # g may be a numpy scalar (0-d)
            ga[self.index] = 0
        gv = g[self.index] if self.needs_grad(1) else None
        return ga, gv


class Cat(Node):
    def forward(self, *arrays, axis=0):
        self.axis = axis
        self.bounds = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    def backward(self, g):
        pieces = []
        start = 0
        for stop in [*self.bounds, g.shape[self.axis]]:
            index = (slice(None),) * (self.axis % g.ndim) + (slice(start, stop),)
            pieces.append(g[index])
            start = stop
        return tuple(pieces)


# --------------------------------------------------------------- linear algebra


class MatMul(Node):
    """Batched, broadcasting ``a @ b`` for operands of rank >= 2."""

    saves_inputs = True

    def forward(self, a, b):
        return a @ b

    def backward(self, g):
        a, b = self.inputs(g)
        ga = g @ dual.swap_last(b) if self.needs_grad(0) else None
        gb = dual.swap_last(a) @ g if self.needs_grad(1) else None
        return ga, gb


# --------------------------------------------------------------- softmax family


class LogSoftmax(Node):
    saves_inputs = True
    saves_output = True

    def forward(self, a, axis):
        self.axis = axis
        shifted = a - a.max(axis=axis, keepdims=True)
        self.out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        return self.out

    def backward(self, g):
        if dual._is_tensor(g):
            soft = self.inputs(g)[0].softmax(self.axis)
        else:
            soft = np.exp(self.saved_output())
        return (g - soft * dual.reduce_sum(g, (self.axis,), True),)


class Softmax(Node):
    saves_inputs = True
    saves_output = True

    def forward(self, a, axis):
        self.axis = axis
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        self.out = e / e.sum(axis=axis, keepdims=True)
        return self.out

    def backward(self, g):
        out = self.inputs(g)[0].softmax(self.axis) if dual._is_tensor(g) else self.saved_output()
        return (out * (g - dual.reduce_sum(g * out, (self.axis,), True)),)
