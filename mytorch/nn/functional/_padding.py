"""``pad``: constant (by concatenation), reflect / replicate / circular (by index gathering).

Example:
    >>> import mytorch.vector as mt
    >>> pad(mt.tensor([[1.0, 2.0]]), (1, 0), value=9.0).tolist()
    [[9.0, 1.0, 2.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

import mytorch

from ._checks import check_tensor, full, shape_str

_NUMPY_MODES: dict[str, Literal["reflect", "edge", "wrap"]] = {
    "reflect": "reflect", "replicate": "edge", "circular": "wrap",
}


def _pairs(input: Any, pad: Sequence[int]) -> list[tuple[int, int, int]]:
    """``(dim, before, after)`` for each padded dim: pairs run from the last dim backwards."""
    pad = tuple(pad)
    if len(pad) % 2 or not all(isinstance(p, (int, np.integer)) for p in pad):
        raise ValueError(f"pad(): pad must be an even-length sequence of ints, got {pad!r}")
    if len(pad) // 2 > input.ndim:
        raise ValueError(
            f"pad(): {len(pad)} padding values pad {len(pad) // 2} dims but the input has only "
            f"{input.ndim} (shape {shape_str(input)})"
        )
    return [(input.ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)]


def pad(input: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Any:
    """Pad the last ``len(pad) // 2`` dims: ``pad = (last_before, last_after, prev_before, ...)``.

    ``mode='constant'`` fills with ``value`` (0 by default; negative amounts crop);
    ``'reflect'``, ``'replicate'`` and ``'circular'`` repeat the input's own values.
    """
    check_tensor("pad", "input", input)
    pairs = _pairs(input, pad)
    if mode == "constant":  # one node, as PyTorch's
        fill = 0.0 if value is None else value
        return input._composite("ConstantPadNdBackward0", lambda x: _pad_constant(x, pairs, fill), input)
    if mode not in _NUMPY_MODES:
        raise ValueError(
            f"pad(): mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}"
        )
    if value not in (None, 0, 0.0):
        raise ValueError(
            f"pad(): value is only used by mode='constant', got value={value} with mode={mode!r}"
        )
    out = input
    for dim, before, after in pairs:
        n = out.shape[dim]
        if before < 0 or after < 0:
            raise ValueError(f"pad(): mode {mode!r} needs non-negative padding, got {tuple(pad)}")
        limit = n - 1 if mode == "reflect" else n
        if max(before, after) > limit or n == 0:
            raise ValueError(
                f"pad(): {mode} padding ({before}, {after}) of dim {dim} must be at most {limit} "
                f"for an input of size {n} there (shape {shape_str(input)})"
            )
        index = np.pad(np.arange(n), (before, after), mode=_NUMPY_MODES[mode])
        out = out[(slice(None),) * dim + (index,)]
    return out


def _pad_constant(input: Any, pairs: list[tuple[int, int, int]], value: float) -> Any:
    out = input
    for dim, before, after in pairs:
        if before < 0 or after < 0:  # negative padding crops
            n = out.shape[dim]
            out = out[(slice(None),) * dim + (slice(max(-before, 0), n - max(-after, 0)),)]
        pieces = []
        for amount in (before, after):
            if amount > 0:
                shape = list(out.shape)
                shape[dim] = amount
                pieces.append(full(tuple(shape), value, out))
        if pieces:
            parts = ([pieces.pop(0)] if before > 0 else []) + [out] + pieces
            out = mytorch.cat(parts, dim)
    return out
