"""``interpolate`` (``nearest``, ``linear``, ``bilinear``, ``trilinear``), as ``torch.nn.functional``.

Separable: each spatial dim is resampled in turn by gathering source rows
(``index_select``) and, for the linear modes, mixing two neighbours with
constant weights, so gradients flow back on both engines. Source coordinates
follow PyTorch (``align_corners`` False: ``(i + 0.5) * scale - 0.5``, clamped at 0).

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([[[1.0, 2.0]]])
    >>> interpolate(x, scale_factor=2).tolist(), interpolate(x, size=4, mode="linear").tolist()
    ([[[1.0, 1.0, 2.0, 2.0]]], [[[1.0, 1.25, 1.75, 2.0]]])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._checks import check_tensor, shape_str

_LINEAR_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3}


def _out_sizes(
    input: Any, size: Any, scale_factor: Any, spatial: int
) -> tuple[list[int], list[float | None]]:
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate(): exactly one of size and scale_factor must be given")
    in_sizes = list(input.shape[2:])
    if size is not None:
        sizes = list(size) if isinstance(size, Sequence) else [size] * spatial
        if len(sizes) != spatial:
            raise ValueError(
                f"interpolate(): size {size} must have {spatial} entries for an input of shape "
                f"{shape_str(input)}"
            )
        return [int(s) for s in sizes], [None] * spatial
    factors = list(scale_factor) if isinstance(scale_factor, Sequence) else [scale_factor] * spatial
    if len(factors) != spatial:
        raise ValueError(
            f"interpolate(): scale_factor {scale_factor} must have {spatial} entries for an input of shape "
            f"{shape_str(input)}"
        )
    return [int(math.floor(n * f)) for n, f in zip(in_sizes, factors)], [float(f) for f in factors]


def _scale(n_in: int, n_out: int, factor: float | None, align_corners: bool) -> float:
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / factor if factor is not None else n_in / n_out


def _resample(x: Any, dim: int, n_out: int, factor: float | None, mode: str, align_corners: bool) -> Any:
    n_in = x.shape[dim]
    scale = _scale(n_in, n_out, factor, align_corners)
    out = np.arange(n_out, dtype=np.float64)
    if mode == "nearest":
        index = np.minimum(np.floor(out * scale).astype(np.int64), n_in - 1)
        return x.index_select(dim, x._constant(index))
    src = out * scale if align_corners else np.maximum((out + 0.5) * scale - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    weight = (src - lo).reshape((n_out,) + (1,) * (x.ndim - 1 - dim)).astype(x.dtype)
    low, high = x.index_select(dim, x._constant(lo)), x.index_select(dim, x._constant(hi))
    return low * x._constant(1 - weight) + high * x._constant(weight)


def interpolate(
    input: Any,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Any:
    """Resize the spatial dims of ``input`` (N, C, *spatial) to ``size`` or by ``scale_factor``."""
    check_tensor("interpolate", "input", input)
    spatial = input.ndim - 2
    if spatial < 1:
        raise ValueError(f"interpolate(): input must be (N, C, *spatial), got shape {shape_str(input)}")
    if mode not in ("nearest", *_LINEAR_DIMS):
        raise ValueError(
            f"interpolate(): mode must be 'nearest', 'linear', 'bilinear' or 'trilinear', got {mode!r}"
        )
    if mode in _LINEAR_DIMS and _LINEAR_DIMS[mode] != spatial:
        raise ValueError(
            f"interpolate(): mode {mode!r} expects a {_LINEAR_DIMS[mode] + 2}-D input, "
            f"got shape {shape_str(input)}"
        )
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate(): align_corners can only be set with the linear modes")
    if antialias:
        raise ValueError("interpolate(): antialias=True is not supported")
    sizes, factors = _out_sizes(input, size, scale_factor, spatial)
    if any(s <= 0 for s in sizes):
        raise ValueError(f"interpolate(): output sizes must be positive, got {sizes}")
    if recompute_scale_factor:
        factors = [None] * spatial
    out = input._floating()
    for k, (n_out, factor) in enumerate(zip(sizes, factors)):
        out = _resample(out, 2 + k, n_out, factor, mode, bool(align_corners))
    return out
