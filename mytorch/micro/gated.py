"""Backward with stops: gradient hooks that may replace a gradient, and anomaly mode's NaN check.

The plain backward (``value.backprop``) runs the chain rule over the Values in one
sweep, so nothing can change a gradient half-way. A hook on a non-leaf tensor
(``register_hook``, or a Module's full backward hook) must see the *whole*
gradient of a tensor and may replace it before it flows on. Here the sweep is
Kahn's algorithm, root first: a Value is processed once every Value that uses it
has passed its gradient back. A :class:`Gate` holds back all Values of its
tensors until each is complete, then calls its callback with the gradients (one
float array per tensor, or one micro Tensor per tensor under ``create_graph``),
and sends on what the callback returns.

With anomaly mode on, each gradient a Value passes to a parent is checked: the
first NaN names the tensor operation (``Value._group``) whose backward made it,
as PyTorch's ``Function 'SqrtBackward0' returned nan values in its 0th output``.

Example:
    >>> import mytorch.micro as mm
    >>> x = mm.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x * x
    >>> h = y.register_hook(lambda g: g * 0 + 1)   # replace d(loss)/dy by ones
    >>> (y * 5).sum().backward(); x.grad.tolist()  # dy/dx = 2x
    [2.0, 4.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from .. import _anomaly
from . import value as _v


class Gate:
    """Stops the gradient at the Values of ``tensors`` until all are complete, then calls ``callback``.

    Args:
        values: one list of Values per tensor (the tensor's elements, in order).
        shapes: each tensor's shape.
        callback: ``callback(grads) -> grads or None``; ``grads`` is one gradient per tensor
            (float array, or micro Tensor under ``create_graph``); a returned list replaces them.
    """

    __slots__ = ("values", "shapes", "callback")

    def __init__(self, values: list[list[Any]], shapes: list[tuple], callback: Callable[[list], Any]) -> None:
        self.values = values
        self.shapes = shapes
        self.callback = callback


def backprop(
    roots: Sequence[Any],
    seeds: Sequence[Any],
    gates: Sequence[Gate],
    also_zero: Sequence[Any],
    graph: bool,
    to_grad: Callable[[list, tuple], Any],
    from_grad: Callable[[Any, tuple], list],
    leaf_ids: AbstractSet[int] = frozenset(),
) -> dict[int, Any] | None:
    """Backward from ``roots`` with ``seeds``, stopping at ``gates``.

    Without ``graph`` gradients land in ``Value.grad`` (every Value reached and every one in
    ``also_zero`` starts from 0), as ``value.backprop``; with ``graph`` they are Values
    recorded in a graph of their own, returned as ``{id(value): gradient}``, as
    ``value.backprop_graph``. ``to_grad(items, shape)`` makes the gradient a gate's callback
    sees from the per-element items, ``from_grad(result, shape)`` turns its reply back into items.
    ``leaf_ids``: the ids of the leaf Values that need a gradient (anomaly mode checks only
    those, and every computed Value: a constant's gradient is never computed in PyTorch).
    """
    sink = _v._nary(0.0, "sink", tuple(roots), tuple(seeds) if graph else tuple(float(s) for s in seeds))
    order = _v.value_order(sink)
    pending: dict[int, int] = {}
    for node in order:
        for p in _v._parents(node):
            pending[id(p)] = pending.get(id(p), 0) + 1
    table: dict[int, Any] = {}
    if graph:
        table[id(sink)] = 1.0
    else:
        for v in also_zero:
            v.grad = 0.0
        for gate in gates:  # a Value backward does not reach still shows a gradient of 0
            for vs in gate.values:
                for v in vs:
                    v.grad = 0.0
        for v in order:
            v.grad = 0.0
        sink.grad = 1.0

    def grad(v: Any) -> Any:
        return table.get(id(v), 0.0) if graph else v.grad

    def set_grad(v: Any, g: Any) -> None:
        if graph:
            table[id(v)] = g
        else:
            v.grad = float(g) if g.__class__ is not float else g

    entries = _group_gates(gates, pending)
    gate_of = {id(v): entry for entry in entries for v in entry.members}
    ready: list[Any] = [sink]

    def release(entry: _Entry) -> None:
        entry.waiting = -1
        for gate in entry.gates:
            grads = [to_grad([grad(v) for v in vs], shape) for vs, shape in zip(gate.values, gate.shapes)]
            new = gate.callback(grads)
            if new is not None:
                for vs, shape, g in zip(gate.values, gate.shapes, new):
                    for v, x in zip(vs, from_grad(g, shape)):
                        set_grad(v, x)
        ready.extend(entry.members)

    def complete(p: Any) -> None:
        entry = gate_of.get(id(p))
        if entry is None:
            ready.append(p)
            return
        entry.waiting -= 1
        if entry.waiting == 0:
            release(entry)

    for entry in entries:
        if entry.waiting == 0:  # none of its Values is reached: its callbacks still see (zero) gradients
            release(entry)
    check = _anomaly.enabled and _anomaly.check_nan
    while True:
        while ready:
            node = ready.pop()
            g = grad(node)
            parents = _v._parents(node)
            locals_ = _v.local_values(node) if graph else node._local
            for p, local in zip(parents, locals_):
                if graph and local.__class__ is float and local == 1.0:
                    contribution = g
                elif graph and g.__class__ is float and g == 1.0:
                    contribution = local
                else:
                    contribution = local * g
                if graph:
                    key = id(p)
                    table[key] = contribution if key not in table else table[key] + contribution
                    number = getattr(contribution, "data", contribution)
                else:
                    p.grad += contribution
                    number = contribution
                if check and number != number and (_v._parents(p) or id(p) in leaf_ids):
                    _raise_nan(node, p)
                pending[id(p)] -= 1
                if pending[id(p)] == 0:
                    complete(p)
        stuck = [entry for entry in entries if entry.waiting > 0]
        if not stuck:
            break
        release(stuck[0])  # its Values depend on each other: let it go with what it has
    return table if graph else None


class _Entry:
    """Gates whose tensors share Values (a tensor and its view) are released together."""

    __slots__ = ("gates", "members", "waiting")

    def __init__(self) -> None:
        self.gates: list[Gate] = []
        self.members: list[Any] = []  # their Values reached by backward, each once
        self.waiting = 0  # how many of ``members`` are not complete yet


def _group_gates(gates: Sequence[Gate], reached: dict[int, int]) -> list[_Entry]:
    """One entry per set of gates sharing Values; ``gates`` in the order their callbacks run."""
    entry_of: dict[int, _Entry] = {}
    entries: list[_Entry] = []
    for gate in gates:
        ids = {id(v) for vs in gate.values for v in vs}
        overlapping = {id(entry_of[i]): entry_of[i] for i in ids if i in entry_of}
        entry = _Entry()
        for old in (e for e in entries if id(e) in overlapping):
            entry.gates.extend(old.gates)
            entry.members.extend(old.members)
        entries = [e for e in entries if id(e) not in overlapping]
        entry.gates.append(gate)
        known = {id(v) for v in entry.members}
        for vs in gate.values:
            for v in vs:
                if id(v) in reached and id(v) not in known:
                    known.add(id(v))
                    entry.members.append(v)
        entry.waiting = len(entry.members)
        for v in entry.members:
            entry_of[id(v)] = entry
        for i in ids:
            entry_of.setdefault(i, entry)
        entries.append(entry)
    return entries


def _raise_nan(node: Any, parent: Any) -> None:
    """Anomaly mode: the backward of ``node``'s tensor operation gave NaN for ``parent``."""
    group = node._group
    if group is None:  # a Value made by hand: name its label
        _anomaly.check_backward(f"{node._op or 'Value'}Backward", None, [float("nan")])
        return
    from .graph import Record

    name = Record(group[1], None, ()).name()
    index = _anomaly.input_index(("micro", group[0]), id(parent))
    _anomaly.check_backward(name, ("micro", group[0]), [None] * index + [float("nan")])
