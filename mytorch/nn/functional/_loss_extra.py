"""More losses with PyTorch's formulas: robust regression, divergences, likelihoods, margins, metrics.

All composite (Tensor ops only), so both engines have them and gradients come free.

Example:
    >>> import mytorch.vector as mt
    >>> x, y = mt.tensor([0.5, 3.0]), mt.tensor([0.0, 0.0])
    >>> smooth_l1_loss(x, y, reduction="none").tolist()  # 0.5 * 0.5**2, then 3 - 0.5
    [0.125, 2.5]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import mytorch

from ._checks import as_node, check_optional_tensor, check_reduction, check_tensor, const, shape_str
from ._checks import reduce as _reduce  # ``reduce`` itself is a (legacy) argument of the losses
from ._loss import _reduction, _same_shape

__all__ = [
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "cosine_similarity",
    "pairwise_distance",
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "triplet_margin_loss",
]


def _values(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def _pair(name: str, input: Any, target: Any) -> None:
    check_tensor(name, "input", input)
    check_tensor(name, "target", target)
    _same_shape(name, input, target)


# --------------------------------------------------------------- robust regression


def smooth_l1_loss(
    input: Any,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Any:
    """``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta`` (``d = input - target``).

    Example:
        >>> import mytorch.vector as mt
        >>> smooth_l1_loss(mt.tensor([2.0]), mt.tensor([0.0]), beta=4.0).item()  # 0.5 * 4 / 4
        0.5
    """
    _pair("smooth_l1_loss", input, target)
    reduction = _reduction("smooth_l1_loss", size_average, reduce, reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss(): beta must be >= 0 (PyTorch does not support negative beta), "
                         f"got {beta}")

    def smooth_l1(x: Any, t: Any) -> Any:
        diff = x - t
        size = diff.abs()
        if beta == 0:
            return _reduce(size, reduction)
        quadratic = _values(size) < beta
        return _reduce(mytorch.where(quadratic, diff * diff * (0.5 / beta), size - 0.5 * beta), reduction)

    return as_node("SmoothL1LossBackward0", smooth_l1, input, target)


def huber_loss(
    input: Any,
    target: Any,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Any = None,
) -> Any:
    """``0.5 * d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``; ``weight`` per element.

    Example:
        >>> import mytorch.vector as mt
        >>> huber_loss(mt.tensor([0.5, 3.0]), mt.tensor([0.0, 0.0]), reduction="none", delta=2.0).tolist()
        [0.125, 4.0]
    """
    _pair("huber_loss", input, target)
    check_optional_tensor("huber_loss", "weight", weight)
    check_reduction("huber_loss", reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss(): delta must be > 0, got {delta}")
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ValueError(
            f"huber_loss(): weight shape {shape_str(weight)} must equal the input shape {shape_str(input)}"
        )

    def huber(x: Any, t: Any, *w: Any) -> Any:
        diff = x - t
        size = diff.abs()
        quadratic = _values(size) < delta
        loss = mytorch.where(quadratic, diff * diff * 0.5, (size - 0.5 * delta) * delta)
        return _reduce(loss * w[0] if w else loss, reduction)

    return as_node("HuberLossBackward0", huber, input, target, weight)


# --------------------------------------------------------------- divergences and likelihoods


def _xlogx(t: Any) -> Any:
    """``t * log(t)`` with 0 where ``t == 0`` (``xlogy(t, t)``)."""
    positive = _values(t) > 0
    safe = mytorch.where(positive, t, const(t, np.ones(tuple(t.shape))))
    return t * safe.log()


def kl_div(
    input: Any,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Any:
    """Kullback-Leibler divergence of ``target`` from log-probabilities ``input``, summed pointwise.

    Pointwise ``target * (log(target) - input)`` (``exp(target) * (target - input)``
    with ``log_target``). ``reduction='batchmean'`` divides the sum by the batch
    size (the mathematical KL divergence); ``'mean'`` averages over every element.

    Example:
        >>> import mytorch.vector as mt
        >>> p = mt.tensor([[0.5, 0.5]]); logq = mt.tensor([[0.25, 0.75]]).log()
        >>> round(kl_div(logq, p, reduction="batchmean").item(), 6)  # 0.5 log 2 + 0.5 log(2/3)
        0.143841
    """
    _pair("kl_div", input, target)
    if size_average is not None or reduce is not None:
        reduction = _reduction("kl_div", size_average, reduce, reduction)
    elif reduction not in ("none", "batchmean", "sum", "mean"):
        raise ValueError(
            f"kl_div(): reduction must be one of ('none', 'batchmean', 'sum', 'mean'), got {reduction!r}"
        )
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _xlogx(target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim != 0 else total
    return _reduce(loss, reduction)


def poisson_nll_loss(
    input: Any,
    target: Any,
    log_input: bool = True,
    full: bool = False,
    size_average: Any = None,
    eps: float = 1e-8,
    reduce: Any = None,
    reduction: str = "mean",
) -> Any:
    """Negative log-likelihood of Poisson counts ``target`` with rate ``exp(input)`` (or ``input``).

    ``exp(input) - target * input``, or ``input - target * log(input + eps)``;
    ``full`` adds Stirling's approximation of ``log(target!)`` where ``target > 1``.

    Example:
        >>> import mytorch.vector as mt
        >>> poisson_nll_loss(mt.tensor([0.0]), mt.tensor([2.0])).item()  # exp(0) - 2 * 0
        1.0
    """
    _pair("poisson_nll_loss", input, target)
    reduction = _reduction("poisson_nll_loss", size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        above_one = _values(target) > 1
        safe = mytorch.where(above_one, target, const(target, np.full(tuple(target.shape), 2.0)))
        stirling = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
        loss = loss + stirling * const(stirling, above_one)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Any,
    target: Any,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Any:
    """Negative log-likelihood of ``target`` under Normal(``input``, ``var``): ``0.5 (log var + d**2 / var)``.

    ``var`` has the input's shape, or one dim fewer / one dim of size 1 (one
    variance shared along it), or is a float. It is clamped to at least ``eps``
    (as in PyTorch, the clamp is not differentiated). ``full`` adds
    ``0.5 * log(2 pi)``.

    Example:
        >>> import mytorch.vector as mt
        >>> round(gaussian_nll_loss(mt.tensor([1.0]), mt.tensor([3.0]), mt.tensor([4.0])).item(), 6)
        1.193147
    """
    name = "gaussian_nll_loss"
    check_tensor(name, "input", input)
    check_tensor(name, "target", target)
    _same_shape(name, input, target)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{name}(): var has negative entry/entries: {var}")
        var = input.detach() * 0 + float(var)
    check_tensor(name, "var", var)
    negative = _values(var)[_values(var) < 0]
    if negative.size:
        raise ValueError(f"{name}(): var has negative entry/entries, e.g. {negative.flat[0]!r}")
    shape, vshape = tuple(input.shape), tuple(var.shape)
    if vshape != shape:
        if shape[:-1] == vshape:
            var = var.unsqueeze(-1)
        elif not (len(shape) == len(vshape) and sum(v for s, v in zip(shape, vshape) if s != v) == 1):
            raise ValueError(
                f"{name}(): var is of incorrect size {vshape} for input {shape}: expected the input's shape, "
                f"the input's shape without its last dim, or the input's shape with one dim of size 1"
            )
    check_reduction(name, reduction)
    values = _values(var)
    var = var + const(var, np.maximum(values, eps) - values)  # the clamp, outside the gradient
    diff = input - target
    loss = (var.log() + diff * diff / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# --------------------------------------------------------------- similarities and distances


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Any:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim``; each norm is clamped to ``eps``.

    Example:
        >>> import mytorch.vector as mt
        >>> round(cosine_similarity(mt.tensor([[1.0, 0.0]]), mt.tensor([[1.0, 1.0]])).item(), 6)
        0.707107
    """
    check_tensor("cosine_similarity", "x1", x1)
    check_tensor("cosine_similarity", "x2", x2)
    try:
        np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise ValueError(
            f"cosine_similarity(): x1 of shape {shape_str(x1)} and x2 of shape {shape_str(x2)} "
            "do not broadcast"
        ) from None
    n1 = _clamped_norm(x1, dim, eps)
    n2 = _clamped_norm(x2, dim, eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim=dim)


def _clamped_norm(x: Any, dim: int, eps: float) -> Any:
    norm = (x * x).sum(dim=dim, keepdim=True).sqrt()
    values = _values(norm)
    return norm + const(norm, np.maximum(values, eps) - values)  # clamped without a gradient, as PyTorch


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Any:
    """The ``p``-norm of ``x1 - x2 + eps`` over the last dim.

    Example:
        >>> import mytorch.vector as mt
        >>> pairwise_distance(mt.tensor([[3.0, 0.0]]), mt.tensor([[0.0, 4.0]]), eps=0.0).tolist()
        [5.0]
    """
    check_tensor("pairwise_distance", "x1", x1)
    check_tensor("pairwise_distance", "x2", x2)
    if x1.ndim == 0 and x2.ndim == 0:
        raise ValueError("pairwise_distance(): x1 and x2 must have at least one dim, got 0-d tensors")
    if not p >= 0:
        raise ValueError(f"pairwise_distance(): p must be >= 0, got {p}")
    diff = x1 - x2 + eps
    return _p_norm(diff, p, keepdim)


def _p_norm(diff: Any, p: float, keepdim: bool) -> Any:
    if p == math.inf:
        return diff.abs().amax(dim=-1, keepdim=keepdim)
    if p == 0:
        return const(diff, (_values(diff) != 0).sum(axis=-1, keepdims=keepdim)) + diff.sum(
            dim=-1, keepdim=keepdim
        ) * 0.0
    if p == 1:
        return diff.abs().sum(dim=-1, keepdim=keepdim)
    if p == 2:
        return (diff * diff).sum(dim=-1, keepdim=keepdim).sqrt()
    return (diff.abs() ** p).sum(dim=-1, keepdim=keepdim) ** (1.0 / p)


# --------------------------------------------------------------- margin losses


def cosine_embedding_loss(
    input1: Any,
    input2: Any,
    target: Any,
    margin: float = 0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Any:
    """``1 - cos`` for pairs labelled 1, ``max(0, cos - margin)`` for pairs labelled -1.

    ``input1``, ``input2``: (N, D) with ``target`` (N,), or (D,) with a 0-d target.

    Example:
        >>> import mytorch.vector as mt
        >>> a, b = mt.tensor([[1.0, 0.0], [1.0, 0.0]]), mt.tensor([[0.0, 1.0], [1.0, 0.0]])
        >>> cosine_embedding_loss(a, b, mt.tensor([1.0, -1.0]), reduction="none").tolist()
        [1.0, 1.0]
    """
    name = "cosine_embedding_loss"
    for arg, value in (("input1", input1), ("input2", input2), ("target", target)):
        check_tensor(name, arg, value)
    reduction = _reduction(name, size_average, reduce, reduction)
    if target.ndim not in (0, 1):
        raise ValueError(f"{name}(): 0D or 1D target tensor expected, multi-target not supported; "
                         f"got target of shape {shape_str(target)}")
    want = 2 if target.ndim == 1 else 1
    if input1.ndim != want or input2.ndim != want:
        raise ValueError(
            f"{name}(): a {target.ndim}D target tensor expects {want}D input tensors, but found inputs "
            f"with sizes {shape_str(input1)} and {shape_str(input2)}"
        )
    if tuple(input1.shape) != tuple(input2.shape) or tuple(input1.shape[:-1]) != tuple(target.shape):
        raise ValueError(
            f"{name}(): input1 {shape_str(input1)}, input2 {shape_str(input2)} and target "
            f"{shape_str(target)} do not match (expected (N, D), (N, D) and (N,))"
        )
    dim = target.ndim
    epsilon = 1e-12
    prod = (input1 * input2).sum(dim=dim)
    mag1 = (input1 * input1).sum(dim=dim) + epsilon
    mag2 = (input2 * input2).sum(dim=dim) + epsilon
    cos = prod / (mag1 * mag2).sqrt()
    t = _values(target)
    positive = const(cos, t == 1)
    negative = const(cos, t == -1)
    loss = (1 - cos) * positive + (cos - margin).clamp(min=0) * negative
    return _reduce(loss, reduction)


def _check_same_dims(name: str, **tensors: Any) -> None:
    dims = {k: v.ndim for k, v in tensors.items()}
    shapes = {k: tuple(v.shape) for k, v in tensors.items()}
    if len(set(dims.values())) != 1:
        raise ValueError(f"{name}(): all input tensors should have the same number of dims, got shapes "
                         + ", ".join(f"{k} {s}" for k, s in shapes.items()))
    try:
        np.broadcast_shapes(*shapes.values())
    except ValueError:
        raise ValueError(f"{name}(): the shapes do not broadcast: "
                         + ", ".join(f"{k} {s}" for k, s in shapes.items())) from None


def margin_ranking_loss(
    input1: Any,
    input2: Any,
    target: Any,
    margin: float = 0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Any:
    """``max(0, -target * (input1 - input2) + margin)``: ``target`` 1 ranks input1 higher, -1 input2.

    Example:
        >>> import mytorch.vector as mt
        >>> margin_ranking_loss(mt.tensor([1.0, 1.0]), mt.tensor([0.0, 0.0]), mt.tensor([1.0, -1.0]),
        ...                     margin=0.5, reduction="none").tolist()
        [0.0, 1.5]
    """
    name = "margin_ranking_loss"
    for arg, value in (("input1", input1), ("input2", input2), ("target", target)):
        check_tensor(name, arg, value)
    reduction = _reduction(name, size_average, reduce, reduction)
    _check_same_dims(name, input1=input1, input2=input2, target=target)
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def triplet_margin_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Any:
    """``max(0, d(a, pos) - d(a, neg) + margin)`` with ``d`` the ``p``-norm pairwise distance.

    ``swap`` uses ``min(d(a, neg), d(pos, neg))`` as the negative distance.

    Example:
        >>> import mytorch.vector as mt
        >>> a, pos, neg = mt.tensor([[0.0, 0.0]]), mt.tensor([[3.0, 4.0]]), mt.tensor([[0.0, 1.0]])
        >>> round(triplet_margin_loss(a, pos, neg, eps=0.0).item(), 6)  # 5 - 1 + 1
        5.0
    """
    name = "triplet_margin_loss"
    for arg, value in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        check_tensor(name, arg, value)
    reduction = _reduction(name, size_average, reduce, reduction)
    if not margin > 0:
        raise ValueError(f"{name}(): margin must be greater than 0, got {margin}")
    _check_same_dims(name, anchor=anchor, positive=positive, negative=negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = mytorch.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp(min=0), reduction)
