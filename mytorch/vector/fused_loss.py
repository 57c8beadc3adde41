"""Fused cross-entropy: log-softmax and NLL in one node, backward ``softmax - target``.

Rows are samples, columns classes: logits (N, C, d1, ...) are first moved to
(N*d1*..., C). With ``z = x - max(x)``, ``lse = log(sum(exp(z)))`` and
``logp = z - lse``, for class-index targets ``t`` (``w_i`` the target's class
weight, 0 when ignored; ``W`` the sum of class weights; ``e`` the label
smoothing):

    loss_i = (1 - e) * w_i * -logp[i, t_i] + (e / C) * valid_i * -sum_c weight_c * logp[i, c]
    dloss_i/dx_i = p_i * ((1 - e) * w_i + (e / C) * valid_i * W)
                   - (1 - e) * w_i * onehot(t_i) - (e / C) * valid_i * weight

and for class-probability targets ``q = (1 - e) * target + e / C``:

    loss_i = -sum_c weight_c * q_ic * logp_ic,  dloss_i/dx_i = p_i * sum_c weight_c q_ic - weight * q_i

``'mean'`` divides by the summed ``w_i`` (indices) or by the number of rows
(probabilities), as PyTorch. Everything stays in the input's dtype.

Example:
    >>> import numpy as np
    >>> x = np.zeros((2, 4), np.float32); t = np.array([1, 3])
    >>> out = CrossEntropyNode.apply(x, t, None, ignore_index=-100, reduction="mean", label_smoothing=0.0)
    >>> round(float(out.data), 4)  # log(4)
    1.3863
"""

from __future__ import annotations

import numpy as np

from . import dual
from .node import Node


def to_rows(x: np.ndarray) -> np.ndarray:
    """(N, C, d1, ...) or (C,) as (samples, C) rows."""
    if x.ndim == 1:
        return x.reshape(1, -1)
    if x.ndim == 2:
        return x
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def from_rows(rows: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of :func:`to_rows` for an array of ``shape``."""
    if len(shape) <= 2:
        return rows.reshape(shape)
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return np.moveaxis(rows.reshape(moved), -1, 1)


class CrossEntropyNode(Node):
    """cross_entropy(logits, target) with weight, ignore_index, reduction and label_smoothing.

    With class-index targets and no smoothing PyTorch records two nodes, ``NllLossBackward0``
    over ``LogSoftmaxBackward0``; this one node is named ``NllLossBackward0`` then (by the
    caller, ``_label``) and its ``next_functions`` show the log-softmax step as
    ``LogSoftmaxView``, so a walk over ``grad_fn`` reads as in PyTorch.
    """

    @property
    def next_functions(self) -> tuple:
        if getattr(self, "_label", "").startswith("NllLoss"):
            return ((LogSoftmaxView(self), 0),)
        return Node.next_functions.fget(self)  # type: ignore[attr-defined]

    saves_inputs = True
    fresh_grads = True

    def forward(self, x, target, weight, ignore_index, reduction, label_smoothing, may_ignore=True):
        """``may_ignore=False`` promises that no target equals ``ignore_index`` (the caller checked)."""
        self.reduction, self.smoothing, self.in_shape = reduction, label_smoothing, x.shape
        dtype = x.dtype
        rows = x if x.ndim == 2 else to_rows(x)
        m, c = rows.shape
        z = rows - np.maximum.reduce(rows, axis=1, keepdims=True)  # ufunc.reduce: no Python wrapper
        e = np.exp(z)
        s = np.add.reduce(e, axis=1, keepdims=True)
        lse = np.log(s)
        e /= s
        self.p = e  # softmax rows: backward turns a copy of them into the gradient
        wvec = None if weight is None else weight.astype(dtype, copy=False)
        eps = label_smoothing
        self.probabilities = target.dtype.kind == "f"
        t = None if self.probabilities else target.reshape(-1)
        if t is not None and wvec is None and eps == 0 and not (may_ignore and (t == ignore_index).any()):
            # the common case: plain class indices, every one counted once
            losses = lse[:, 0] - z[np.arange(m), t]
            self.safe, self.w_i, self.coef, self.smooth_rows, self.count = t, None, None, None, m
        elif self.probabilities:
            q = to_rows(target).astype(dtype, copy=False)
            if eps > 0:
                q = q * dtype.type(1 - eps) + dtype.type(eps / c)
            if wvec is not None:
                q = q * wvec
            self.q = q
            losses = (q * (lse - z)).sum(axis=1)  # -sum_c q * logp
            self.count = m
        else:
            valid = t != ignore_index
            safe = np.where(valid, t, 0)
            if wvec is None:
                w_i = valid.astype(dtype)
            else:
                w_i = wvec[safe] * valid
            nll = (lse[:, 0] - z[np.arange(m), safe]) * w_i
            if eps > 0:
                total_w = dtype.type(c) if wvec is None else wvec.sum(dtype=dtype)
                zw = z.sum(axis=1) if wvec is None else z @ wvec
                smooth = (lse[:, 0] * total_w - zw) * valid
                losses = nll * dtype.type(1 - eps) + smooth * dtype.type(eps / c)
                self.coef = w_i * dtype.type(1 - eps) + valid * (total_w * dtype.type(eps / c))
                self.smooth_rows = (valid, wvec)
            else:
                losses = nll
                self.coef = w_i
                self.smooth_rows = None
            self.safe, self.w_i = safe, w_i
            self.count = w_i.sum(dtype=dtype)
        if reduction == "none":
            if target.ndim == x.ndim:  # probabilities: one loss per row of the input without C
                shape = self.in_shape[:1] + self.in_shape[2:] if x.ndim > 1 else ()
            else:
                shape = target.shape
            return losses.reshape(shape)
        total = np.add.reduce(losses, axis=None, dtype=dtype)
        if reduction == "sum":
            return np.asarray(total)
        if self.count:
            return np.asarray(total / dtype.type(self.count))
        with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: nan, as PyTorch
            return np.asarray(total / dtype.type(self.count))

    def backward(self, g):
        if not isinstance(g, np.ndarray):  # a Tensor under create_graph
            return self._backward_tensor(g)
        grad = self.p.copy()  # self.p stays intact for a retain_graph backward
        dtype = grad.dtype
        m = grad.shape[0]
        if self.probabilities:
            grad *= self.q.sum(axis=1, keepdims=True)
            grad -= self.q
        elif self.w_i is None:  # plain class indices: softmax - one-hot
            grad[np.arange(m), self.safe] -= 1
        else:
            grad *= self.coef[:, None]
            if m:
                grad[np.arange(m), self.safe] -= self.w_i * dtype.type(1 - self.smoothing)
            if self.smooth_rows is not None:
                valid, wvec = self.smooth_rows
                weights = np.ones(grad.shape[1], dtype) if wvec is None else wvec
                grad -= (valid[:, None] * dtype.type(self.smoothing / grad.shape[1])) * weights
        grad *= self._scale(g, m)
        return (grad if len(self.in_shape) == 2 else from_rows(grad, self.in_shape)), None, None

    def _scale(self, g, m):
        """The upstream gradient per row: a scalar for 'sum'/'mean', a column for 'none'."""
        if self.reduction == "none":
            return np.reshape(g, (m, 1)) if np.ndim(g) else g
        if self.reduction == "sum":
            return g
        if self.count == 0:  # every target ignored: the loss is nan, its gradient zero (as PyTorch)
            return g.dtype.type(0)
        return g / g.dtype.type(self.count)

    def _backward_tensor(self, g):
        """Differentiable gradient (create_graph): softmax of the saved logits, constants as above."""
        x = self.saved(0, g)
        rows_shape = (-1, self.in_shape[1] if len(self.in_shape) > 1 else self.in_shape[0])
        if x.ndim > 2:
            xr = x.permute(0, *range(2, x.ndim), 1).reshape(*rows_shape)
        else:
            xr = x.reshape(*rows_shape)
        p = xr.softmax(1)
        m, c = xr.shape
        dtype = np.dtype(x.dtype)
        if self.probabilities:
            grad = p * self.q.sum(axis=1, keepdims=True) - self.q
        elif self.w_i is None:
            const = np.zeros((m, c), dtype)
            const[np.arange(m), self.safe] = 1
            grad = p - const
        else:
            const = np.zeros((m, c), dtype)
            if m:
                const[np.arange(m), self.safe] = self.w_i * dtype.type(1 - self.smoothing)
            if self.smooth_rows is not None:
                valid, wvec = self.smooth_rows
                weights = np.ones(c, dtype) if wvec is None else wvec
                const += (valid[:, None] * dtype.type(self.smoothing / c)) * weights
            grad = p * self.coef[:, None] - const
        if self.reduction == "none":
            grad = grad * g.reshape(m, 1)
        elif self.reduction == "sum":
            grad = grad * g
        elif self.count == 0:
            grad = grad * 0.0
        else:
            grad = grad * (g / float(self.count))
        if x.ndim > 2:
            moved = (self.in_shape[0],) + tuple(self.in_shape[2:]) + (self.in_shape[1],)
            back = (0, x.ndim - 1) + tuple(range(1, x.ndim - 1))
            return grad.reshape(*moved).permute(*back), None, None
        return grad.reshape(*self.in_shape), None, None



class LogSoftmaxView:
    """The log-softmax step inside a fused cross-entropy node, as PyTorch's ``LogSoftmaxBackward0``
    shows in ``next_functions`` (a view for walking the graph: backward runs in the fused node)."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def name(self) -> str:
        return "LogSoftmaxBackward0"

    @property
    def next_functions(self) -> tuple:
        return Node.next_functions.fget(self.node)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"<LogSoftmaxBackward0 object at {hex(id(self))}>"


class NllLossNode(Node):
    """nll_loss(logp, target) on log-probabilities (N, C, ...) or (C,), class-index targets.

    The fast path of cross_entropy with class indices and no label smoothing records
    ``LogSoftmax`` and then this node, as PyTorch does (``NllLossBackward0`` over
    ``LogSoftmaxBackward0``). The gradient is ``-w_i`` at each target class (0 elsewhere),
    times the upstream gradient, divided by the summed weights for ``'mean'``.

    Example:
        >>> import numpy as np
        >>> logp = np.log(np.full((2, 4), 0.25)); t = np.array([1, 3])
        >>> out = NllLossNode.apply(logp, target=t, weight=None, ignore_index=-100, reduction="mean")
        >>> round(float(out.data), 4)
        1.3863
    """

    def forward(self, logp, target, weight, ignore_index, reduction, may_ignore=True):
        self.reduction, self.in_shape = reduction, logp.shape
        dtype = logp.dtype
        rows = logp if logp.ndim == 2 else to_rows(logp)
        m = rows.shape[0]
        t = target.reshape(-1)
        if weight is None and not (may_ignore and (t == ignore_index).any()):
            self.safe, self.w_i, self.count = t, None, m
            losses = -rows[np.arange(m), t]
        else:
            valid = t != ignore_index
            safe = np.where(valid, t, 0)
            w_i = valid.astype(dtype) if weight is None else weight.astype(dtype, copy=False)[safe] * valid
            self.safe, self.w_i, self.count = safe, w_i, w_i.sum(dtype=dtype)
            losses = -rows[np.arange(m), safe] * w_i
        if reduction == "none":
            return losses.reshape(target.shape)
        total = np.add.reduce(losses, axis=None, dtype=dtype)
        if reduction == "sum":
            return np.asarray(total)
        with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: nan, as PyTorch
            return np.asarray(total / dtype.type(self.count))

    def backward(self, g):
        shape = self.in_shape
        m = int(np.prod(shape)) // shape[1] if len(shape) > 1 else 1
        c = shape[1] if len(shape) > 1 else shape[0]
        dtype = np.dtype(g.dtype)
        picked = np.zeros((m, c), dtype)
        picked[np.arange(m), self.safe] = -1 if self.w_i is None else -self.w_i
        if self.reduction == "none":
            scale = g.reshape(m, 1) if dual._is_tensor(g) else np.reshape(g, (m, 1))
        elif self.reduction == "sum":
            scale = g
        elif self.count == 0:  # every target ignored: the loss is nan, its gradient zero (as PyTorch)
            scale = g * 0.0
        else:
            scale = g / dtype.type(self.count)
        grad = scale * picked
        if len(shape) <= 2:
            return (dual.reshape(grad, shape),)
        moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
        back = (0, len(shape) - 1) + tuple(range(1, len(shape) - 1))
        return (dual.permute(dual.reshape(grad, moved), back),)
