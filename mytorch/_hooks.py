"""Hook registries and their removable handles, as ``torch.utils.hooks.RemovableHandle``.

Hooks live in a plain dict (``{handle id: hook}``, in registration order) that is
created only when the first hook is registered, so code without hooks pays one
``None`` check.

Example:
    >>> hooks = {}
    >>> handle = add(hooks, print)
    >>> len(hooks), handle.remove(), len(hooks)
    (1, None, 0)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

_ids = itertools.count()


class RemovableHandle:
    """Returned by every ``register_*hook``: ``handle.remove()`` unregisters the hook (also ``with``)."""

    def __init__(self, hooks: dict, key: int) -> None:
        self._hooks = hooks
        self.id = key

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def add(hooks: dict, hook: Callable, *, prepend: bool = False) -> RemovableHandle:
    """Register ``hook`` in ``hooks`` (last, or first with ``prepend``) and return its handle."""
    if not callable(hook):
        raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
    key = next(_ids)
    if prepend:
        items = list(hooks.items())
        hooks.clear()
        hooks[key] = hook
        hooks.update(items)
    else:
        hooks[key] = hook
    return RemovableHandle(hooks, key)


def run_grad_hooks(hooks: dict | None, grad: Any, wrap: Callable[[Any], Any],
                   unwrap: Callable[[Any], Any]) -> Any:
    """Pass ``grad`` through tensor hooks in order; a hook returning a value replaces the grad.

    ``wrap`` makes the Tensor a hook sees from the engine's raw gradient, ``unwrap`` turns a
    returned Tensor back.
    """
    if not hooks:
        return grad
    for hook in list(hooks.values()):
        result = hook(wrap(grad))
        if result is not None:
            grad = unwrap(result)
    return grad
