"""``keepdims=`` and ``axis=``, numpy's spellings that PyTorch also accepts, on every reduction.

``install(cls)`` wraps the reduction methods that ``cls`` has (its own or inherited) so
that ``x.sum(0, keepdims=True)`` means ``x.sum(0, keepdim=True)`` and ``x.amax(axis=1)``
means ``x.amax(dim=1)``, as in PyTorch.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.ones(2, 3)
    >>> tuple(x.sum(0, keepdims=True).shape), tuple(mt.amax(x, axis=1, keepdims=True).shape)
    ((1, 3), (2, 1))
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

REDUCTIONS = (
    "sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin", "all", "any",
    "logsumexp", "prod", "nansum", "nanmean", "median", "norm", "count_nonzero",
)


def _accept_keepdims(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def reduction(*args: Any, keepdims: bool | None = None, axis: Any = None, **kwargs: Any) -> Any:
        if keepdims is not None:
            if "keepdim" in kwargs:
                raise TypeError(f"{fn.__name__}() got both keepdim= and its alias keepdims=")
            kwargs["keepdim"] = keepdims
        if axis is not None:
            if "dim" in kwargs:
                raise TypeError(f"{fn.__name__}() got both dim= and its alias axis=")
            kwargs["dim"] = axis
        return fn(*args, **kwargs)

    reduction._accepts_keepdims = True  # type: ignore[attr-defined]
    return reduction


def install(cls: type) -> None:
    """Let the reductions of ``cls`` (those it has, once each) take ``keepdims=`` and ``axis=``."""
    for name in REDUCTIONS:
        fn = getattr(cls, name, None)
        if fn is not None and callable(fn) and not getattr(fn, "_accepts_keepdims", False):
            setattr(cls, name, _accept_keepdims(fn))
