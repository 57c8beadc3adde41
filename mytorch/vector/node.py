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

Backward visits nodes newest first: every node gets a sequence number when it
is recorded, and a node is always recorded after the nodes of its inputs, so
by the time a node is popped from the heap (largest number first) all of its
consumers have already sent it their gradients. No separate topological sort
is needed, and nodes no gradient reaches are never visited. Leaf tensors are
not on the heap: they collect their gradients while the nodes are visited and
receive them (``.grad``) at the end.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward(); x.grad.tolist()
    [2.0, 4.0]
"""

from __future__ import annotations

import heapq
import itertools
import weakref
from typing import Any

import numpy as np

from .. import _anomaly, _grad_fn, _hooks
from .._graph import _mode
from . import dual

# The Tensor class, set by tensor.py once defined (a circular import; a module
# global keeps ``import`` statements out of the hot path).
Tensor: Any = None

_sequence: Any = itertools.count()  # recording order of nodes: see run_backward


class _AnomalyCounter:
    """The node counter while anomaly mode is on: each number drawn records the forward stack.

    Swapping the counter (rather than testing a flag) keeps recording free of anomaly checks.
    """

    def __init__(self, start: int) -> None:
        self.value = start

    def __next__(self) -> int:
        seq = self.value
        self.value += 1
        _anomaly.remember_forward(seq)
        return seq


def _on_anomaly(mode: bool) -> None:
    global _sequence
    start = _sequence.value if isinstance(_sequence, _AnomalyCounter) else next(_sequence)
    _sequence = _AnomalyCounter(start) if mode else itertools.count(start)


_anomaly.on_change(_on_anomaly)
#: Set once any leaf gets a ``register_hook`` hook: until then backward skips looking for them.
leaf_hooks_in_use = False


#: A tensor input that needs no gradient, as ``Node.cuts`` records it: ``(index, shape, dtype)``.
Cut = tuple[int, tuple[int, ...], np.dtype]


class Node:
    _torch_name: str  # PyTorch's name for this node class (set by __init_subclass__)
    _label: str  # PyTorch's name for this call, when it depends on the call (a slot, maybe unset)
    """One recorded operation: the ``grad_fn`` of the tensor it produced.

    Subclasses set ``saves_inputs = True`` when their backward reads the
    inputs (the version counter then guards them against in-place changes).

    What a node records: ``next`` (per input, the node or leaf its gradient
    goes to, None for constants and inputs that need no gradient), the shape
    and dtype of its output (``out_shape``/``out_dtype``: a consumer's gradient
    is reduced to them), ``cuts`` (the tensor inputs that need no gradient, as
    ``(index, shape, dtype)``, for drawing) and the sequence number ``_seq``.
    """

    saves_inputs = False
    #: Hooks registered with ``register_hook`` on the output tensor (a dict), set per node when used.
    _grad_hooks: dict | None = None
    #: True when ``backward`` reads the output array ``self.out`` (exp, tanh, softmax...): the
    #: output tensor's version counter is then kept and checked by :meth:`saved_output`.
    saves_output = False
    #: True when ``backward`` returns new writeable arrays that nobody else holds: the engine
    #: may then accumulate into them in place and hand them to a leaf's ``.grad`` without a copy.
    fresh_grads = False
    __slots__ = (
        "next",
        "out_shape",
        "out_dtype",
        "cuts",
        "_inputs",
        "_versions",
        "_retained",  # a weakref to the output tensor after ``retain_grad()`` (see ``retain``)
        "_freed",  # True once ``free`` dropped the saved values
        "_seq",
        "_label",  # PyTorch's name when it depends on the call (``x.sum(0)``: SumBackward1), if set
        "__dict__",
        "__weakref__",
    )
    next: tuple[Any, ...]
    out_shape: tuple[int, ...]
    out_dtype: np.dtype
    cuts: tuple[Cut, ...]
    _inputs: Any  # the saved inputs (a tuple); None once freed (backward checks _freed first)
    _retained: weakref.ReferenceType[Any] | None
    # in ``__dict__``: set by the ops that save their output (``saves_output``)
    out: np.ndarray
    _output_version: list[int]

    # -- recording ---------------------------------------------------------
    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the arrays of ``args`` and record the node if needed."""
        node = cls.__new__(cls)
        arrays = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if a._requires_grad:
                    record = True
            else:
                arrays.append(a)
        out = node.forward(*arrays, **kwargs)
        if type(out) is not np.ndarray:  # numpy reductions of 0-d arrays give scalars
            out = np.asarray(out)
        if record and _mode.enabled:
            node._link(args, out)
            result = Tensor._from_node(out, node)
            if cls.saves_output:  # backward reads ``out``: guard it against in-place changes
                node._output_version = result._version
            return result
        if record and _anomaly.enabled:  # an input requires grad but no_grad() is on: a cut
            _anomaly.note(f"no_grad() ({node.name()})", args)
        return Tensor._wrap(out)

    @classmethod
    def apply2(cls, a: Any, b: Any) -> Tensor:
        """``apply(a, b)`` unrolled for two inputs, the hot path of arithmetic (same result)."""
        node = cls.__new__(cls)
        ta = isinstance(a, Tensor)
        tb = isinstance(b, Tensor)
        out = node.forward(a._data if ta else a, b._data if tb else b)
        if type(out) is not np.ndarray:  # e.g. a 0-d array divided by a number
            out = np.asarray(out)
        ra = ta and a._requires_grad
        rb = tb and b._requires_grad
        if not ((ra or rb) and _mode.enabled):
            if (ra or rb) and _anomaly.enabled:  # an input requires grad but no_grad() is on: a cut
                _anomaly.note(f"no_grad() ({node.name()})", (a, b))
            return Tensor._wrap(out)
        node.next = ((a.grad_fn or a) if ra else None, (b.grad_fn or b) if rb else None)
        node.out_shape = out.shape
        node.out_dtype = out.dtype
        if ta and not ra:
            node.cuts = ((0, a._data.shape, a._data.dtype),)
        elif tb and not rb:
            node.cuts = ((1, b._data.shape, b._data.dtype),)
        else:
            node.cuts = ()
        node._retained = None
        node._freed = False
        node._seq = next(_sequence)
        if cls.saves_inputs:
            node._inputs = (a, b)
            node._versions = (a._version[0] if ta else 0, b._version[0] if tb else 0)
        return Tensor._from_node(out, node)

    def _link(self, args: tuple, out: np.ndarray) -> None:
        """Record the inputs ``args`` and the output array ``out`` (see the class docstring)."""
        nxt = []
        versions = []
        cuts: tuple[Cut, ...] = ()
        for a in args:
            if isinstance(a, Tensor):
                if a._requires_grad:
                    nxt.append(a.grad_fn or a)
                else:
                    cuts += ((len(nxt), a._data.shape, a._data.dtype),)
                    nxt.append(None)
                versions.append(a._version[0])
            else:
                nxt.append(None)
                versions.append(0)
        self.next = tuple(nxt)
        self.out_shape = out.shape
        self.out_dtype = out.dtype
        self.cuts = cuts
        self._retained = None
        self._freed = False
        self._seq = next(_sequence)
        if self.saves_inputs:
            self._inputs = args
            self._versions = tuple(versions)

    # -- what backward reads -----------------------------------------------
    def needs_grad(self, i: int) -> bool:
        """Whether input ``i`` wants a gradient (skip costly work otherwise)."""
        return self.next[i] is not None

    def saved(self, i: int, like: Any) -> Any:
        """Saved input ``i``: an array, or a Tensor when ``like`` (the grad) is a Tensor.

        Raises RuntimeError when that input was modified in place since it was saved.
        """
        a = self._inputs[i]
        if isinstance(a, Tensor):
            if a._version[0] != self._versions[i]:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been "
                    f"modified by an inplace operation: a tensor of shape {tuple(a.shape)}, "
                    f"input {i} of {self.name()}, is at version {a._version[0]}; expected "
                    f"version {self._versions[i]}. Hint: do the in-place change on a "
                    ".clone() instead."
                )
            return a if isinstance(like, Tensor) else a._data
        return a

    def saved_output(self) -> np.ndarray:
        """The output array saved by ``forward``; RuntimeError if the output was changed in place."""
        version = self._output_version[0]
        if version:
            out = self.out
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{out.dtype} {list(out.shape)}], which is output 0 of "
                f"{self.name()}, is at version {version}; expected version 0 instead. Hint: do the "
                "in-place change on a .clone() of the output instead."
            )
        return self.out

    def inputs(self, like: Any) -> tuple:
        """All saved inputs (see :meth:`saved`)."""
        return tuple(self.saved(i, like) for i in range(len(self._inputs)))

    @property
    def next_functions(self) -> tuple:
        """``((node or AccumulateGrad or None, 0), ...)`` per input, as in PyTorch."""
        return _grad_fn.next_functions(self.next, lambda n: not isinstance(n, Tensor))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._torch_name = _grad_fn.torch_name(cls.__name__)

    def name(self) -> str:
        """PyTorch's node name, e.g. ``MulBackward0`` (``_label`` when the call site set one)."""
        return getattr(self, "_label", None) or self._torch_name

    def free(self) -> None:
        """Drop saved tensors and arrays after backward (unless retain_graph); keep the structure."""
        self._inputs = None
        self.__dict__.clear()
        self._freed = True

    # -- subclass API ------------------------------------------------------
    def forward(self, *arrays: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: Any) -> tuple:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


def _accumulate_leaf(leaf: Tensor, grad: Any, owned: bool) -> None:
    """Add ``grad`` into ``leaf.grad``; a first gradient becomes a fresh writable array."""
    if isinstance(grad, Tensor):  # create_graph: keep the gradient differentiable
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        return
    dtype = leaf._data.dtype
    if grad.dtype is not dtype and grad.dtype != dtype:  # builtin dtypes are singletons
        grad = grad.astype(dtype)
    elif not owned or not grad.flags.writeable:
        grad = np.array(grad, copy=True)
    if leaf.grad is None:
        leaf.grad = Tensor._wrap(grad)
    elif leaf.grad.requires_grad:
        leaf.grad = leaf.grad + grad
    else:
        leaf.grad._data += grad


def run_backward(
    roots: list[Any],
    root_grads: list[Any],
    retain_graph: bool,
    create_graph: bool,
    inputs: list[Tensor] | None = None,
    stop_at_inputs: bool = False,
) -> list[Any] | None:
    """Backpropagate from ``roots`` (nodes or leaf tensors) with ``root_grads``.

    With ``inputs=None`` gradients accumulate into the ``.grad`` of leaves;
    otherwise the gradients of ``inputs`` are returned (``autograd.grad``), and
    ``stop_at_inputs`` goes no further back than them (a composite's inner graph).
    """
    grads: dict[int, Any] = {}  # id(node or leaf) -> its gradient summed so far
    owned: set[int] = set()  # ids whose gradient is an array no one else holds
    heap: list[tuple] = []  # (-sequence, node): newest node first
    leaves: list[Tensor] = []  # leaves reached, in order; they get their gradients last
    for r, g in zip(roots, root_grads):
        if id(r) not in grads:
            _enqueue(r, heap, leaves)
        _add(grads, owned, id(r), g)
    wanted = {id(t.grad_fn or t): t for t in inputs} if inputs is not None else None
    results: dict[int, Any] = {}
    push, pop = heapq.heappush, heapq.heappop

    previous = _mode.enabled
    anomaly = _anomaly.enabled  # one test per backward; per node only a local bool
    _mode.enabled = create_graph  # backward of backward is recorded only for create_graph
    try:
        while heap:
            node = pop(heap)[1]
            key = id(node)
            grad = grads.pop(key)
            if wanted is not None and key in wanted:
                results[key] = grad
                if stop_at_inputs:
                    continue
            if node._freed:
                raise RuntimeError(
                    f"Trying to backward through the graph a second time: the saved "
                    f"values of {node.name()} were freed by the first backward. Specify "
                    "retain_graph=True on the first backward to keep them."
                )
            if node._grad_hooks is not None:
                grad = _run_hooks(node._grad_hooks, grad, node.out_shape)
            if node._retained is not None:
                kept = node._retained()
                if kept is not None and wanted is None:
                    kept.grad = grad if isinstance(grad, Tensor) else Tensor._wrap(np.array(grad))
            input_grads = node.backward(grad)
            if anomaly:
                _anomaly.check_backward(node.name(), node._seq, input_grads)
            fresh = node.fresh_grads
            for parent, g in zip(node.next, input_grads):
                if parent is None or g is None:
                    continue
                leaf = isinstance(parent, Tensor)
                if leaf:
                    data = parent._data
                    shape, dtype = data.shape, data.dtype
                else:
                    shape, dtype = parent.out_shape, parent.out_dtype
                if g.shape != shape:
                    g = dual.sum_to(g, shape)
                gdtype = g.dtype
                if gdtype is not dtype and gdtype != dtype:  # builtin dtypes are singletons: `is` first
                    g = dual.cast(g, dtype)
                pkey = id(parent)
                if pkey in grads:
                    _add(grads, owned, pkey, g)
                    continue
                grads[pkey] = g
                if fresh and type(g) is np.ndarray:
                    owned.add(pkey)
                if leaf:
                    leaves.append(parent)
                else:
                    push(heap, (-parent._seq, parent))
            if not retain_graph:
                node.free()
        for leaf in leaves:
            key = id(leaf)
            grad = grads.pop(key)
            hooks = getattr(leaf, "_grad_hooks", None) if leaf_hooks_in_use else None
            if hooks:
                grad = _run_hooks(hooks, grad, leaf._data.shape)
                owned.discard(key)
            if wanted is None:
                if leaf.grad is None and key in owned and grad.dtype is leaf._data.dtype:
                    leaf.grad = Tensor._wrap(grad)  # the usual first gradient: an array only we hold
                else:
                    _accumulate_leaf(leaf, grad, key in owned)
            elif key in wanted:
                results[key] = grad
    finally:
        _mode.enabled = previous
    if inputs is None:
        return None
    return [results.get(id(t.grad_fn or t)) for t in inputs]


def _run_hooks(hooks: dict, grad: Any, shape: tuple) -> Any:
    """``grad`` after the tensor hooks ``hooks``; a replacement must keep the shape."""
    as_array = not isinstance(grad, Tensor)
    result = _hooks.run_grad_hooks(
        hooks, grad, lambda g: Tensor._wrap(g) if as_array else g,
        lambda t: (np.asarray(t._data if isinstance(t, Tensor) else t) if as_array else t),
    )
    if tuple(result.shape) != tuple(shape):
        raise RuntimeError(
            f"hook returned a gradient of shape {tuple(result.shape)} for a tensor of shape {tuple(shape)}"
        )
    return result


def _enqueue(n: Any, heap: list[tuple], leaves: list[Tensor]) -> None:
    """A root: a node goes on the heap (newer sequence numbers pop first), a leaf to the leaves."""
    if isinstance(n, Tensor):
        leaves.append(n)
    else:
        heapq.heappush(heap, (-n._seq, n))


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


def retain(node: Node, tensor: Tensor) -> None:
    """Make backward store the gradient of ``tensor`` (a non-leaf) in its ``.grad``."""
    node._retained = weakref.ref(tensor)
