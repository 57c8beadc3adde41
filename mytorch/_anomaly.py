"""Anomaly mode: remember where the graph was cut, so ``explain`` can name the file and line.

Off by default, and then it costs one flag test at each place a graph can be
cut (``detach()``, an operation run under ``no_grad()`` on a tensor that
requires grad, a comparison or ``argmax``). When on
(``mytorch.autograd.set_detect_anomaly(True)``), each of those records a
:class:`Cut`: what cut the graph, the graph nodes it was cut from, and the
first stack frame outside the ``mytorch`` package (the user's line). The
last 10,000 cuts are kept (with their graph nodes) until anomaly mode is
turned off, as PyTorch's anomaly mode a debugging aid that costs memory.

Example:
    >>> import mytorch.vector as mt
    >>> set_detect_anomaly(True)
    >>> x = mt.tensor([1.0], requires_grad=True)
    >>> y = x.detach()
    >>> cuts()[-1].kind
    'detach()'
    >>> set_detect_anomaly(False)
"""

from __future__ import annotations

import os
import sys
import traceback
import types
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "enabled", "set_detect_anomaly", "is_anomaly_enabled", "detect_anomaly", "Cut", "cuts", "note",
    "on_change", "remember_forward", "check_backward", "remember_inputs", "input_index",
]

#: read directly by the engines (``if _anomaly.enabled:``): one attribute test when off
enabled = False

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_cuts: deque = deque(maxlen=10_000)


@dataclass
class Cut:
    """One place the graph was cut: ``kind`` (``"detach()"``, ``"no_grad()"``, ...), where, from what."""

    kind: str
    filename: str
    lineno: int
    code: str
    sources: list[Any]  # the grad_fn (or the leaf itself) of each input that required grad

    @property
    def where(self) -> str:
        return f"{self.filename}:{self.lineno}"

    def source_nodes(self) -> list[Any]:
        return list(self.sources)


#: whether backward in anomaly mode checks gradients for NaN (PyTorch's ``check_nan``)
check_nan = True
#: engines' callbacks, called with the new mode (the vector engine swaps its node counter)
_listeners: list[Callable[[bool], None]] = []
#: stack summaries of the forward calls that recorded nodes, by the node's sequence number
_forward_stacks: OrderedDict[int, traceback.StackSummary] = OrderedDict()
_MAX_STACKS = 100_000
#: the micro engine's operations: ids of each input's Values, to name the input a NaN went to
_forward_inputs: OrderedDict[Any, list[frozenset]] = OrderedDict()


def set_detect_anomaly(mode: bool, check_nan: bool = True) -> None:
    """Turn anomaly mode on or off (PyTorch's name).

    On, cuts of the graph remember their line, each recorded node remembers the
    forward call that made it, and backward raises RuntimeError at the first node
    whose gradient holds NaN (``check_nan=True``, as PyTorch), showing that call.
    """
    global enabled
    enabled = bool(mode)
    globals()["check_nan"] = bool(check_nan)
    if not enabled:
        _cuts.clear()
        _forward_stacks.clear()
        _forward_inputs.clear()
    for listener in _listeners:
        listener(enabled)


def on_change(listener: Callable[[bool], None]) -> None:
    """Register ``listener(mode)``, called whenever anomaly mode is switched."""
    _listeners.append(listener)


def remember_forward(seq: Any) -> None:
    """Record the current stack (outside this module) as the forward call of node ``seq``."""
    frame: types.FrameType | None = sys._getframe(2)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame = frame.f_back  # start at the user's line: the engine's own frames say nothing
    stack = traceback.StackSummary.extract(traceback.walk_stack(frame), limit=40, lookup_lines=False)
    stack.reverse()
    _forward_stacks[seq] = stack
    if len(_forward_stacks) > _MAX_STACKS:
        _forward_stacks.popitem(last=False)


def remember_inputs(key: Any, inputs: list[frozenset]) -> None:
    """Record the ids of the Values of each input of the (micro engine) operation ``key``."""
    _forward_inputs[key] = inputs
    if len(_forward_inputs) > _MAX_STACKS:
        _forward_inputs.popitem(last=False)


def input_index(key: Any, value_id: int) -> int:
    """Which input of operation ``key`` holds the Value with id ``value_id`` (0 when unknown)."""
    for i, ids in enumerate(_forward_inputs.get(key, ())):
        if value_id in ids:
            return i
    return 0


def check_backward(name: str, seq: Any, grads: Any) -> None:
    """Raise RuntimeError if a gradient in ``grads`` (the outputs of node ``name``) holds NaN.

    The message names the node and output, as PyTorch does
    ("Function 'SqrtBackward' returned nan values in its 0th output."), and
    shows the traceback of the forward call that recorded the node.
    """
    if not check_nan:
        return
    import numpy as np

    for i, g in enumerate(grads):
        if g is None:
            continue
        array = np.asarray(getattr(g, "_data", g))
        if array.dtype.kind in "fc" and np.isnan(array).any():
            stack = _forward_stacks.get(seq)
            where = (
                "Traceback of forward call that caused the error:\n" + "".join(stack.format())
                if stack is not None
                else "No forward traceback: the node was recorded before anomaly mode was turned on."
            )
            raise RuntimeError(f"Function '{name}' returned nan values in its {i}th output.\n\n{where}")


def is_anomaly_enabled() -> bool:
    """Whether anomaly mode is on."""
    return enabled


class detect_anomaly:
    """Context manager: anomaly mode on inside the block (PyTorch's ``torch.autograd.detect_anomaly``)."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self.previous = (enabled, check_nan)
        set_detect_anomaly(True, self.check_nan)

    def __exit__(self, *exc: object) -> None:
        set_detect_anomaly(*self.previous)


def cuts() -> list[Cut]:
    """The cuts recorded since anomaly mode was turned on, oldest first."""
    return list(_cuts)


def _user_frame() -> Any:
    frame: types.FrameType | None = sys._getframe(2)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame = frame.f_back
    return frame


def note(kind: str, inputs: Any) -> None:
    """Record a cut of ``kind`` made from ``inputs`` (tensors; those requiring grad are kept, weakly)."""
    sources = []
    for t in inputs:
        if getattr(t, "_requires_grad", False):
            node = t.grad_fn if t.grad_fn is not None else t
            sources.append(node)
    if not sources:
        return
    frame = _user_frame()
    if frame is None:
        filename, lineno, code = "<unknown>", 0, ""
    else:
        filename, lineno = frame.f_code.co_filename, frame.f_lineno
        code = _line(filename, lineno)
    _cuts.append(Cut(kind, filename, lineno, code, sources))


def _line(filename: str, lineno: int) -> str:
    import linecache

    return linecache.getline(filename, lineno).strip()
