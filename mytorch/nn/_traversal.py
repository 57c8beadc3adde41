"""Iterative walks over a module tree (no recursion, whatever the depth).

Example:
    >>> import mytorch.vector as mt
    >>> net = mt.nn.Sequential(mt.nn.Linear(1, 1), mt.nn.Sequential(mt.nn.ReLU()))
    >>> [name for name, _ in walk(net, "", dedupe=True)]
    ['', '0', '1', '1.0']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def child_items(module: Any) -> list[tuple[str, Any]]:
    """``(name, child)`` pairs of ``module``'s registered submodules (None entries skipped)."""
    registry = module.__dict__.get("_modules") or {}
    return [(name, child) for name, child in registry.items() if child is not None]


def join(prefix: str, name: str) -> str:
    return prefix + ("." if prefix else "") + name


def walk(root: Any, prefix: str, dedupe: bool) -> Iterator[tuple[str, Any]]:
    """Pre-order ``(dotted name, module)`` pairs, the order PyTorch's recursion gives.

    With ``dedupe`` a module reachable under several names is yielded once (first name).
    """
    seen: set[int] = set()
    stack = [(prefix, root)]
    while stack:
        name, module = stack.pop()
        if dedupe:
            if id(module) in seen:
                continue
            seen.add(id(module))
        yield name, module
        stack.extend((join(name, child_name), child) for child_name, child in reversed(child_items(module)))


def post_order(root: Any) -> list[Any]:
    """Every module, children before their parent (``Module.apply``'s order; no dedupe)."""
    order: list[Any] = []
    stack = [root]
    while stack:
        module = stack.pop()
        order.append(module)
        stack.extend(child for _, child in child_items(module))
    order.reverse()
    return order
