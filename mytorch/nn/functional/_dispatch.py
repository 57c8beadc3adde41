"""Fast-path dispatch: use the engine's fused kernel when it has one, else the composite.

The vector engine may provide ``mytorch.vector.fused`` with functions of
``torch.nn.functional``'s signatures (``conv2d``, ``max_pool2d``, ...); each
may return ``NotImplemented`` for a case it does not handle. Most functions
here validate their arguments first, then ask :func:`fused` for a kernel.
``linear`` and ``cross_entropy``, which run for every layer and every step,
ask the kernel first: it accepts only arguments it has fully checked itself
and returns ``NotImplemented`` for anything else, which is then validated
(with the user-facing messages) and computed by the composite path, so the
usual call checks each argument once. ``composite_only()`` turns the fast
paths off so tests can compare the two.

Example:
    >>> with composite_only():
    ...     fused("conv2d", None) is None
    True
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

_enabled = [True]
#: (Tensor class, name) -> that engine's kernel (or None), looked up once per engine.
_kernels: dict[tuple[type, str], Callable[..., Any] | None] = {}


def fused(name: str, like: Any) -> Callable[..., Any] | None:
    """The fused kernel ``name`` of ``like``'s engine, or None (none, or fast paths disabled).

    Each engine's Tensor class holds its table (``vector/fused.py``'s ``KERNELS``).
    """
    if not _enabled[0]:
        return None
    key = (type(like), name)
    try:
        return _kernels[key]
    except KeyError:
        kernel = _kernels[key] = getattr(type(like), "_fused_kernels", {}).get(name)  # not a Tensor: none
        return kernel


def fast_paths_enabled() -> bool:
    """Whether ``nn.functional`` currently uses the engine's fused kernels."""
    return _enabled[0]


@contextlib.contextmanager
def composite_only() -> Iterator[None]:
    """Within this block every function uses its composite (Tensor-op) implementation.

    Example:
        >>> with composite_only():
        ...     fast_paths_enabled()
        False
    """
    previous = _enabled[0]
    _enabled[0] = False
    try:
        yield
    finally:
        _enabled[0] = previous


def try_fused(name: str, *args: Any, **kwargs: Any) -> Any:
    """Call the fused kernel ``name`` if there is one; ``NotImplemented`` means: use the composite."""
    if not _enabled[0]:
        return NotImplemented
    key = (type(args[0]), name)
    fast = _kernels[key] if key in _kernels else fused(name, args[0])  # the cache inline: runs every layer
    if fast is None:
        return NotImplemented
    return fast(*args, **kwargs)
