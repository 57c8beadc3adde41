"""Graph machinery shared by both engines and the drawer.

Two things live here:

* ``topological_order``: an iterative, deterministic depth-first ordering of a
  graph, so that a chain of a million nodes never hits Python's recursion
  limit.
* the grad-mode switch: ``no_grad`` / ``enable_grad`` / ``set_grad_enabled``,
  usable as context managers and as decorators.

Example:
    >>> order = topological_order("c", lambda n: {"c": ("a", "b"), "b": ("a",)}.get(n, ()))
    >>> order
    ['a', 'b', 'c']
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

N = TypeVar("N", bound=Hashable)

__all__ = [
    "topological_order",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
]


def topological_order(root: N, parents: Callable[[N], Iterable[N]]) -> list[N]:
    """Return every node reachable from ``root``, each after all of its parents.

    ``parents(node)`` lists a node's inputs. The walk is iterative (an explicit
    stack), visits parents in the order ``parents`` gives them, and identifies
    nodes by ``id`` so unhashable nodes work too. The root comes last, so
    ``reversed(order)`` is the order in which backward visits nodes.
    """
    order: list[N] = []
    visited: set[int] = {id(root)}
    # Each stack entry is (node, iterator over its parents still to visit).
    stack: list[tuple[N, Any]] = [(root, iter(parents(root)))]
    while stack:
        node, pending = stack[-1]
        for parent in pending:
            if id(parent) not in visited:
                visited.add(id(parent))
                stack.append((parent, iter(parents(parent))))
                break
        else:
            stack.pop()
            order.append(node)
    return order


class _GradMode(threading.local):
    enabled: bool = True


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when operations record a graph for backward (the default)."""
    return _mode.enabled


class set_grad_enabled:
    """Context manager / decorator that turns graph recording on or off.

    Example:
        >>> with set_grad_enabled(False):
        ...     is_grad_enabled()
        False
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.previous = _mode.enabled
        _mode.enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self.previous

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode
        _mode.enabled = self.previous  # constructing the decorator must not change the mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class _GradModeSwitch:
    """Base of ``no_grad`` and ``enable_grad``: context manager and decorator."""

    mode: bool = True

    def __new__(cls, orig_func: Callable | None = None) -> Any:
        """``@no_grad`` without parentheses decorates ``orig_func`` directly, as in PyTorch."""
        if orig_func is None:
            return super().__new__(cls)
        if not callable(orig_func):
            raise TypeError(f"{cls.__name__}() takes no arguments (got {orig_func!r})")
        return super().__new__(cls)(orig_func)

    def __enter__(self) -> None:
        self.previous = _mode.enabled
        _mode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self.previous

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = _mode.enabled
            _mode.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _mode.enabled = previous

        return wrapper


class no_grad(_GradModeSwitch):
    """Disable graph recording inside a ``with`` block or a decorated function.

    Example:
        >>> with no_grad():
        ...     is_grad_enabled()
        False
    """

    mode = False


class enable_grad(_GradModeSwitch):
    """Re-enable graph recording, e.g. inside a ``no_grad`` block."""

    mode = True


class _InferenceMode(threading.local):
    enabled: bool = False


_inference = _InferenceMode()


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return _inference.enabled


class inference_mode:
    """``no_grad`` for inference, as PyTorch's (MyTorch has no separate inference tensors).

    Usable as ``with inference_mode():``, ``@inference_mode()``, ``@inference_mode`` and
    ``inference_mode(False)`` (records again).

    Example:
        >>> with inference_mode():
        ...     is_grad_enabled(), is_inference_mode_enabled()
        (False, True)
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # @inference_mode without parentheses
            return super().__new__(cls)(mode)
        return super().__new__(cls)

    def __init__(self, mode: Any = True) -> None:
        self.mode = bool(mode) if not callable(mode) else True

    def __enter__(self) -> None:
        self.previous = (_mode.enabled, _inference.enabled)
        if self.mode:
            _mode.enabled, _inference.enabled = False, True
        else:
            _inference.enabled = False

    def __exit__(self, *exc: object) -> None:
        _mode.enabled, _inference.enabled = self.previous

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper
