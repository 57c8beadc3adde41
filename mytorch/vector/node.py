"""Recorded operations (``grad_fn`` nodes) and the backward pass of the vector engine.

Every differentiable operation is a subclass of :class:`Node` with a
``forward`` on numpy arrays and a ``backward`` that maps the output gradient
to one gradient per input. ``Node.apply`` runs the forward and, when a graph
is being recorded, links the node to the nodes of its inputs (``next``).
The graph is made of nodes, not tensors: an intermediate tensor that no node
saved is freed as soon as the user drops it.

``backward`` receives numpy arrays normally, and Tensors when
``create_graph=True`` (so the gradient is itself differentiable). Ops write
their backward with operators and the helpers in ``dual.py``, which work on
both, so each derivative is written once.

Broadcasting is undone in exactly one place: :func:`run_backward` sums every
input gradient down to that input's shape (``dual.sum_to``).

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward(); x.grad.tolist()
    [2.0, 4.0]
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _graph
from . import dual

if TYPE_CHECKING:
    from .tensor import Tensor


class Node:
    """One recorded operation: the ``grad_fn`` of the tensor it produced.

    Subclasses set ``saves_inputs = True`` when their backward reads the
    inputs (the version counter then guards them against in-place changes).
    """

    saves_inputs = False
    __slots__ = (
        "next",
        "shapes",
        "dtypes",
        "_inputs",
        "_versions",
        "_retained",
        "_freed",
        "__dict__",
        "__weakref__",
    )

    # -- recording ---------------------------------------------------------
    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the arrays of ``args`` and record the node if needed."""
        from .tensor import Tensor

        node = cls.__new__(cls)
        arrays = [a.data if isinstance(a, Tensor) else a for a in args]
        out = node.forward(*arrays, **kwargs)
        if _graph._mode.enabled:
            for a in args:
                if isinstance(a, Tensor) and a.requires_grad:
                    node._link(args)
                    return Tensor._from_node(out, node)
        return Tensor._wrap(out)

    def _link(self, args: tuple) -> None:
        from .tensor import Tensor

        nxt = []
        shapes = []
        dtypes = []
        for a in args:
            if isinstance(a, Tensor):
                nxt.append((a.grad_fn or a) if a.requires_grad else None)
                shapes.append(a.data.shape)
                dtypes.append(a.data.dtype)
            else:
                nxt.append(None)
                shapes.append(None)
                dtypes.append(None)
        self.next = tuple(nxt)
        self.shapes = tuple(shapes)
        self.dtypes = tuple(dtypes)
        self._retained = None
        self._freed = False
        if self.saves_inputs:
            self._inputs = args
            self._versions = tuple(a._version[0] if isinstance(a, Tensor) else 0 for a in args)

    # -- what backward reads -----------------------------------------------
    def needs_grad(self, i: int) -> bool:
        """Whether input ``i`` wants a gradient (skip costly work otherwise)."""
        return self.next[i] is not None

    def saved(self, i: int, like: Any) -> Any:
        """Saved input ``i``: an array, or a Tensor when ``like`` (the grad) is a Tensor.

        Raises RuntimeError when that input was modified in place since it was saved.
        """
        from .tensor import Tensor

        a = self._inputs[i]
        if isinstance(a, Tensor):
            if a._version[0] != self._versions[i]:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been "
                    f"modified by an inplace operation: a tensor of shape {tuple(a.shape)} "
                    f"saved by {self.name()} is at version {a._version[0]}; expected "
                    f"version {self._versions[i]}. Hint: do the in-place change on a "
                    ".clone() instead."
                )
            return a if isinstance(like, Tensor) else a.data
        return a

    def inputs(self, like: Any) -> tuple:
        """All saved inputs (see :meth:`saved`)."""
        return tuple(self.saved(i, like) for i in range(len(self._inputs)))

    @classmethod
    def name(cls) -> str:
        """PyTorch-style node name, e.g. ``MulBackward``."""
        return cls.__name__ + "Backward"

    def free(self) -> None:
        """Drop saved tensors and arrays after backward (unless retain_graph)."""
        self._inputs = None
        self.__dict__.clear()
        self._freed = True

    # -- subclass API ------------------------------------------------------
    def forward(self, *arrays: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: Any) -> tuple:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.name()}>"


def _accumulate_leaf(leaf: Tensor, grad: Any, owned: bool) -> None:
    """Add ``grad`` into ``leaf.grad``; a first gradient becomes a fresh writable array."""
    from .tensor import Tensor

    if isinstance(grad, Tensor):  # create_graph: keep the gradient differentiable
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        return
    if grad.dtype != leaf.data.dtype:
        grad = grad.astype(leaf.data.dtype)
    elif not owned or not grad.flags.writeable:
        grad = np.array(grad, copy=True)
    if leaf.grad is None:
        leaf.grad = Tensor._wrap(grad)
    elif leaf.grad.requires_grad:
        leaf.grad = leaf.grad + grad
    else:
        leaf.grad.data += grad


def run_backward(
    roots: list[Any],
    root_grads: list[Any],
    retain_graph: bool,
    create_graph: bool,
    inputs: list[Tensor] | None = None,
) -> list[Any] | None:
    """Backpropagate from ``roots`` (nodes or leaf tensors) with ``root_grads``.

    With ``inputs=None`` gradients accumulate into the ``.grad`` of leaves;
    otherwise the gradients of ``inputs`` are returned (``autograd.grad``).
    """
    from .tensor import Tensor

    def parents(n: Any) -> tuple:
        if isinstance(n, Node):
            if n._freed:
                raise RuntimeError(
                    f"Trying to backward through the graph a second time: the saved "
                    f"values of {n.name()} were freed by the first backward. Specify "
                    "retain_graph=True on the first backward to keep them."
                )
            return tuple(p for p in n.next if p is not None)
        return ()

    # One artificial sink so that several roots share one ordering.
    sink = _Sink(roots)
    order = _graph.topological_order(sink, lambda n: sink.roots if n is sink else parents(n))
    grads: dict[int, Any] = {}
    owned: set[int] = set()
    for r, g in zip(roots, root_grads):
        _add(grads, owned, id(r), g)
    wanted = {id(t.grad_fn or t): t for t in inputs} if inputs is not None else None
    results: dict[int, Any] = {}

    with _graph.set_grad_enabled(create_graph):
        for node in reversed(order):
            if node is sink:
                continue
            key = id(node)
            if key not in grads:
                continue
            grad = grads.pop(key)
            if wanted is not None and key in wanted:
                results[key] = grad
            if isinstance(node, Tensor):  # a leaf
                if wanted is None:
                    _accumulate_leaf(node, grad, key in owned)
                continue
            if node._retained is not None:
                kept = node._retained()
                if kept is not None and wanted is None:
                    kept.grad = grad if isinstance(grad, Tensor) else Tensor._wrap(np.array(grad))
            input_grads = node.backward(grad)
            for parent, g, shape, dtype in zip(node.next, input_grads, node.shapes, node.dtypes):
                if parent is None or g is None:
                    continue
                if g.shape != shape:
                    g = dual.sum_to(g, shape)
                if g.dtype != dtype:
                    g = dual.cast(g, dtype)
                _add(grads, owned, id(parent), g)
            if not retain_graph:
                node.free()
    if inputs is None:
        return None
    return [results.get(id(t.grad_fn or t)) for t in inputs]


def _add(grads: dict[int, Any], owned: set[int], key: int, g: Any) -> None:
    """Accumulate ``g`` under ``key``; add in place only into arrays we created."""
    if key not in grads:
        grads[key] = g
    elif key in owned and isinstance(g, np.ndarray):
        np.add(grads[key], g, out=grads[key])
    else:
        total = grads[key] + g
        grads[key] = total
        if isinstance(total, np.ndarray):
            owned.add(key)


class _Sink:
    """The artificial node joining several roots of one backward call."""

    __slots__ = ("roots",)

    def __init__(self, roots: list[Any]) -> None:
        self.roots = roots


def retain(node: Node, tensor: Tensor) -> None:
    """Make backward store the gradient of ``tensor`` (a non-leaf) in its ``.grad``."""
    node._retained = weakref.ref(tensor)
