"""Loss functions with PyTorch's formulas: regression, classification, binary.

Example:
    >>> import mytorch.vector as mt
    >>> logits = mt.tensor([[2.0, 0.0]], dtype=mt.float64)
    >>> round(cross_entropy(logits, mt.tensor([0])).item(), 6)
    0.126928
"""

from __future__ import annotations

from typing import Any

import numpy as np

import mytorch

from ._checks import (
    as_node,
    check_optional_tensor,
    check_reduction,
    check_tensor,
    const,
    legacy_reduction,
    shape_str,
)
from ._checks import reduce as _reduce  # ``reduce`` itself is a (legacy) argument of the losses
from ._dispatch import try_fused


def _same_shape(name: str, input: Any, target: Any) -> None:
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{name}(): target shape {shape_str(target)} does not match input shape {shape_str(input)}; "
            f"broadcasting them would silently compare every prediction with every target "
            f"(reshape one, e.g. target.reshape{shape_str(input)})"
        )


def _reduction(name: str, size_average: Any, reduce_: Any, reduction: str) -> str:
    return check_reduction(name, legacy_reduction(size_average, reduce_, reduction))


# --------------------------------------------------------------- regression


def mse_loss(
    input: Any,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Any:
    """Mean squared error ``(input - target) ** 2`` (shapes must match); ``weight`` per element."""
    _check_pair("mse_loss", input, target, weight)
    reduction = _reduction("mse_loss", size_average, reduce, reduction)

    def mse(x: Any, t: Any, *w: Any) -> Any:
        diff = x - t
        return _weighted(diff * diff, w[0] if w else None, reduction)

    return as_node("MseLossBackward0", mse, input, target, weight)


def l1_loss(
    input: Any,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Any:
    """Mean absolute error ``|input - target|`` (shapes must match); ``weight`` per element."""
    _check_pair("l1_loss", input, target, weight)
    return _weighted((input - target).abs(), weight, _reduction("l1_loss", size_average, reduce, reduction))


def _check_pair(name: str, input: Any, target: Any, weight: Any) -> None:
    check_tensor(name, "input", input)
    check_tensor(name, "target", target)
    check_optional_tensor(name, "weight", weight)
    _same_shape(name, input, target)
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ValueError(
            f"{name}(): weight shape {shape_str(weight)} must equal the input shape {shape_str(input)}"
        )


def _weighted(loss: Any, weight: Any, reduction: str) -> Any:
    """PyTorch's weighted regression losses: the weighted mean divides by the sum of the weights."""
    if weight is None:
        return _reduce(loss, reduction)
    loss = loss * weight
    return loss.sum() / weight.sum() if reduction == "mean" else _reduce(loss, reduction)


# --------------------------------------------------------------- classification


def _class_targets(name: str, input: Any, target: Any, ignore_index: int) -> np.ndarray:
    """Check integer class targets against ``input`` (N, C, d1, ...) or (C,); return them as an array."""
    shape = tuple(input.shape)
    classes = shape[1] if len(shape) >= 2 else shape[0]
    expected = shape[:1] + shape[2:] if len(shape) >= 2 else ()
    t = np.asarray(target._data)
    if t.shape != expected:
        raise ValueError(
            f"{name}(): target shape {tuple(t.shape)} does not fit input shape {shape_str(input)}: "
            f"expected class indices of shape {expected}"
            + (f" or class probabilities of shape {shape_str(input)}" if name == "cross_entropy" else "")
        )
    if not t.size or (t.min() >= 0 and t.max() < classes):  # two cheap reductions: the usual case
        return t
    bad = t[(t != ignore_index) & ((t < 0) | (t >= classes))]
    if bad.size:
        raise IndexError(
            f"{name}(): target {int(bad.flat[0])} is out of bounds for {classes} classes "
            f"(valid class indices are 0..{classes - 1}, or ignore_index={ignore_index})"
        )
    return t


def _check_weight(name: str, weight: Any, classes: int) -> None:
    if weight is not None and tuple(weight.shape) != (classes,):
        raise ValueError(
            f"{name}(): weight must have shape ({classes},) (one per class), got {shape_str(weight)}"
        )


def _gather_classes(logp: Any, index: np.ndarray) -> Any:
    """``logp[n, index[n, ...], ...]``: the log-probability of each target class, shape of ``index``."""
    classes = logp.shape[1]
    last = logp.permute(0, *range(2, logp.ndim), 1).reshape(-1, classes)
    flat = index.reshape(-1)
    return last[np.arange(flat.size), flat].reshape(index.shape)


def _nll_composite(logp: Any, t: np.ndarray, weight: Any, ignore_index: int, reduction: str) -> Any:
    """PyTorch's nll_loss on log-probabilities ``logp`` (N, C, ...) and checked targets ``t``: one node."""
    name = "NllLoss2DBackward0" if logp.ndim > 2 else "NllLossBackward0"
    return as_node(name, lambda lp: _nll_steps(lp, t, weight, ignore_index, reduction), logp)


def _nll_steps(logp: Any, t: np.ndarray, weight: Any, ignore_index: int, reduction: str) -> Any:
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    w = np.asarray(weight._data)[safe] if weight is not None else np.ones(t.shape)
    w = const(logp, w * valid)
    loss = -_gather_classes(logp, safe) * w
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return _weighted_mean(loss.sum(), float(w.sum()))


def _weighted_mean(total_loss: Any, total_weight: float) -> Any:
    """``total_loss / total_weight``; with nothing counted, NaN (as PyTorch) and a zero gradient."""
    if total_weight != 0:
        return total_loss / total_weight
    return total_loss * 0.0 + float("nan")


def _batched(input: Any, t: np.ndarray) -> tuple[Any, np.ndarray, bool]:
    """Give an unbatched input (C,) a batch dim of 1."""
    if input.ndim == 1:
        return input.unsqueeze(0), t.reshape(1), True
    return input, t, False


def nll_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
) -> Any:
    """Negative log-likelihood of class indices, from log-probabilities ``input`` (N, C, ...)."""
    check_tensor("nll_loss", "input", input)
    check_tensor("nll_loss", "target", target)
    check_optional_tensor("nll_loss", "weight", weight)
    reduction = _reduction("nll_loss", size_average, reduce, reduction)
    if input.ndim == 0:
        raise ValueError("nll_loss(): input must have a class dim, got a 0-d tensor")
    _check_weight("nll_loss", weight, input.shape[1] if input.ndim >= 2 else input.shape[0])
    t = _class_targets("nll_loss", input, target, ignore_index)
    x, t, unbatched = _batched(input, t)
    out = _nll_composite(x, t, weight, ignore_index, reduction)
    return out.reshape(()) if unbatched and reduction == "none" else out


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Any:
    """Cross-entropy of logits ``input`` (N, C, ...) or (C,) with class indices or class probabilities.

    Class-index targets (int) have the input's shape without the class dim;
    probability targets (floating) have the input's shape. ``weight`` scales
    each class; the ``'mean'`` of class-index losses divides by the summed
    weights of the non-ignored targets; ``label_smoothing`` mixes in the
    uniform distribution, all with PyTorch's formulas.
    """
    # Once per step: the engine's kernel goes first and accepts only arguments it has checked
    # itself (see _dispatch); anything else is checked below, with messages.
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    out = try_fused(
        "cross_entropy",
        input,
        target,
        weight=weight,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
    if out is NotImplemented:
        _check_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
        out = _cross_entropy_composite(
            input,
            target,
            weight,
            ignore_index=ignore_index,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )
    return out


def _check_cross_entropy(input: Any, target: Any, weight: Any, ignore_index: int, reduction: str,
                         label_smoothing: float) -> None:
    check_tensor("cross_entropy", "input", input)
    check_tensor("cross_entropy", "target", target)
    check_optional_tensor("cross_entropy", "weight", weight)
    check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy(): label_smoothing must be in [0, 1], got {label_smoothing}")
    if input.ndim == 0:
        raise ValueError("cross_entropy(): input must have a class dim, got a 0-d tensor")
    classes = input.shape[1] if input.ndim >= 2 else input.shape[0]
    _check_weight("cross_entropy", weight, classes)
    kind = np.dtype(target.dtype).kind
    if kind == "f":  # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            raise ValueError(
                f"cross_entropy(): a floating target holds class probabilities and must have the input's "
                f"shape {shape_str(input)}, got {shape_str(target)}; for class indices use an int64 target"
            )
    elif kind not in "iu":
        raise TypeError(
            f"cross_entropy(): target must be int64 class indices or floating probabilities, "
            f"got dtype {target.dtype}"
        )
    else:
        _class_targets("cross_entropy", input, target, ignore_index)


def _cross_entropy_composite(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Any:
    """cross_entropy from log_softmax and gathers (Tensor ops only: works on both engines)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    unbatched = input.ndim == 1
    x = input.unsqueeze(0) if unbatched else input
    classes = x.shape[1]
    logp = x.log_softmax(1)
    wshape = (1, classes) + (1,) * (x.ndim - 2)
    w = None if weight is None else const(x, np.asarray(weight._data)).reshape(wshape)
    if np.issubdtype(np.dtype(target.dtype), np.floating):
        p = target.unsqueeze(0) if unbatched else target
        if label_smoothing > 0:
            p = p * (1 - label_smoothing) + label_smoothing / classes
        terms = logp * p if w is None else logp * p * w
        loss = -terms.sum(dim=1)
        if reduction == "mean":
            return loss.sum() / (x.numel() // classes)
        out = _reduce(loss, reduction)
        return out.reshape(()) if unbatched and reduction == "none" else out
    t = np.asarray(target._data).reshape((1,) if unbatched else tuple(target.shape))
    nll = _nll_composite(logp, t, weight, ignore_index, reduction)
    if label_smoothing > 0:
        valid = const(x, t != ignore_index)
        smooth = -(logp.sum(dim=1) if w is None else (logp * w).sum(dim=1)) * valid
        if reduction == "mean":
            if weight is None:
                denominator = float(valid.sum())
            else:
                denominator = float(
                    (np.asarray(weight._data)[np.where(t != ignore_index, t, 0)] * valid).sum()
                )
            smooth = _weighted_mean(smooth.sum(), denominator)
        else:
            smooth = _reduce(smooth, reduction)
        nll = nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)
    return nll.reshape(()) if unbatched and reduction == "none" else nll


# --------------------------------------------------------------- binary


def _check_broadcast(name: str, arg: str, value: Any, input: Any) -> None:
    if value is None:
        return
    try:
        shape = np.broadcast_shapes(tuple(value.shape), tuple(input.shape))
    except ValueError:
        shape = None
    if shape != tuple(input.shape):
        raise ValueError(
            f"{name}(): {arg} of shape {shape_str(value)} does not broadcast to the input's "
            f"shape {shape_str(input)}"
        )


def binary_cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Any:
    """-(t log x + (1 - t) log(1 - x)) for probabilities ``input`` in [0, 1]; logs clamped at -100."""
    check_tensor("binary_cross_entropy", "input", input)
    check_tensor("binary_cross_entropy", "target", target)
    check_optional_tensor("binary_cross_entropy", "weight", weight)
    reduction = _reduction("binary_cross_entropy", size_average, reduce, reduction)
    _same_shape("binary_cross_entropy", input, target)
    _check_broadcast("binary_cross_entropy", "weight", weight, input)
    data = np.asarray(input._data)
    outside = data[~((data >= 0) & (data <= 1))]
    if outside.size:
        raise ValueError(
            f"binary_cross_entropy(): all elements of input should be probabilities in [0, 1], got "
            f"{outside.flat[0]!r}; for logits use binary_cross_entropy_with_logits"
        )
    tiny = float(np.exp(-100.0))  # log(tiny) = -100: PyTorch's clamp, and no inf/NaN in the gradient

    def bce(x: Any, t: Any, *w: Any) -> Any:
        loss = -(t * x.clamp(min=tiny).log() + (1 - t) * (1 - x).clamp(min=tiny).log())
        return _reduce(loss * w[0] if w else loss, reduction)

    return as_node("BinaryCrossEntropyBackward0", bce, input, target, weight)


def _softplus_neg(x: Any) -> Any:
    """log(1 + exp(-x)) = -log(sigmoid(x)), without overflow and with the right gradient at 0."""
    data = np.asarray(x._data)
    pos = x.clamp(min=0)
    neg = x.clamp(max=0)
    return mytorch.where(data >= 0, (1 + (-pos).exp()).log(), (1 + neg.exp()).log() - neg)


def binary_cross_entropy_with_logits(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Any:
    """Sigmoid + binary cross-entropy in one stable formula; ``pos_weight`` scales positive targets."""
    name = "binary_cross_entropy_with_logits"
    check_tensor(name, "input", input)
    check_tensor(name, "target", target)
    check_optional_tensor(name, "weight", weight)
    check_optional_tensor(name, "pos_weight", pos_weight)
    reduction = _reduction(name, size_average, reduce, reduction)
    _same_shape(name, input, target)
    _check_broadcast(name, "weight", weight, input)
    _check_broadcast(name, "pos_weight", pos_weight, input)
    def bce_with_logits(x: Any, t: Any, *rest: Any) -> Any:
        w = rest[0] if weight is not None else None
        pw = rest[-1] if pos_weight is not None else None
        log_weight = 1 if pw is None else (pw - 1) * t + 1
        loss = (1 - t) * x + log_weight * _softplus_neg(x)
        return _reduce(loss if w is None else loss * w, reduction)

    name = "BinaryCrossEntropyWithLogitsBackward0"
    return as_node(name, bce_with_logits, input, target, weight, pos_weight)
