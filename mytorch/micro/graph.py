"""The micro Tensor's record of operations (``grad_fn``) and its backward pass.

Gradients are computed on the ``Value`` graph, element by element
(``value.backprop``). The Tensor level only has to answer: which leaf
tensors receive a ``.grad``, which non-leaf tensors asked ``retain_grad()``,
and was this graph already freed? For that every micro Tensor operation that
records leaves a small :class:`Record` as the result's ``grad_fn``: the
operation's name and, like the vector engine's nodes, ``next``: the
``grad_fn`` of each input (or the input itself when it is a leaf that
requires grad; None when it needs no gradient).

Example:
    >>> import mytorch.micro as mm
    >>> x = mm.tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.grad_fn.name(), y.grad_fn.next[0].next[0] is x
    ('SumBackward0', True)
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .. import _anomaly, _grad_fn, _graph, _hooks
from . import arrays, gated
from . import value as _v

_NAMES = {"matmul": "MatMul", "getitem": "GetItem", "setitem": "SetItem", "copy_slices": "CopySlices"}


class Record:
    """``grad_fn`` of a micro Tensor: what made it, and from which inputs.

    Attributes:
        op: the operation (``"mul"``, ``"matmul"``, ``"reshape"``, ...).
        group: the ``_group`` id on the Values this operation created (None for views).
        next: per input: its ``grad_fn``, the input tensor itself (a leaf that requires
            grad), or None (needs no gradient).
    """

    __slots__ = ("op", "group", "next", "retained", "freed", "hooks", "gates")

    def __init__(self, op: str, group: int | None, next: tuple) -> None:  # noqa: A002
        self.op = op
        self.group = group
        self.next = next
        self.retained: Any = None
        self.freed = False
        self.hooks: dict | None = None  # register_hook on the output tensor
        self.gates: list | None = None  # gated.Gate objects on the output's Values (hooks, module hooks)

    def name(self) -> str:
        """PyTorch's node name, e.g. ``MulBackward0`` (a user Function's: ``SquareBackward``)."""
        return _grad_fn.torch_name(_NAMES.get(self.op) or self.op)

    @property
    def next_functions(self) -> tuple:
        """``((record or AccumulateGrad or None, 0), ...)`` per input, as in PyTorch."""
        return _grad_fn.next_functions(self.next, lambda n: n.__class__ is Record)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


def next_of(t: Any) -> Any:
    """What a record links to for input ``t``: its grad_fn, itself (a leaf), or None."""
    if getattr(t, "_requires_grad", False):
        return t.grad_fn if t.grad_fn is not None else t
    return None


def _parents(n: Any) -> tuple:
    if n.__class__ is Record:
        if n.freed:
            raise RuntimeError(
                f"Trying to backward through the graph a second time: the saved values of "
                f"{n.name()} were freed by the first backward. Specify retain_graph=True on the "
                "first backward to keep them."
            )
        return tuple(p for p in n.next if p is not None)
    return ()


def retain(record: Record, tensor: Any) -> None:
    """Make backward store the gradient of ``tensor`` (a non-leaf) in its ``.grad``."""
    record.retained = weakref.ref(tensor)


def add_hook(record: Record, tensor: Any, hook: Any) -> _hooks.RemovableHandle:
    """``tensor.register_hook(hook)`` for a non-leaf: a Gate on its Values runs the hooks in order."""
    if record.hooks is None:
        hooks = record.hooks = {}

        def run(grads: list) -> list:
            g = grads[0]
            wrap, unwrap = (lambda a: _as_tensor(a, tensor)), (lambda t: _as_grad(t, g))
            return [_hooks.run_grad_hooks(hooks, g, wrap, unwrap)]

        add_gate([tensor], run)
    return _hooks.add(record.hooks, hook)


def add_gate(tensors: list[Any], callback: Any) -> gated.Gate:
    """Stop backward at the Values of ``tensors`` (non-leaf; their grad_fns keep the gate).

    ``callback(grads)`` gets one gradient per tensor once all are complete; a returned list replaces them.
    """
    gate = gated.Gate([list(t._values.flat) for t in tensors], [tuple(t.shape) for t in tensors], callback)
    for t in tensors:
        r = t.grad_fn
        if r.gates is None:
            r.gates = []
        r.gates.append(gate)
    return gate


def run_backward(
    roots: list[Any],
    seeds: list[Any],
    retain_graph: bool,
    create_graph: bool,
    inputs: list[Any] | None = None,
) -> list[Any] | None:
    """Backpropagate from the tensors ``roots`` with upstream gradients ``seeds``.

    ``seeds`` are float arrays, or micro Tensors when ``create_graph`` (then the
    gradients are Values recorded in a graph of their own). With ``inputs=None``
    gradients accumulate into the ``.grad`` of leaves; otherwise the gradients of
    ``inputs`` are returned (None for an input the roots do not depend on).
    """
    sink = Record("sink", None, tuple(next_of(r) for r in roots))
    order = _graph.topological_order(sink, _parents)
    order.pop()  # the sink
    leaves: list[Any] = [n for n in order if n.__class__ is not Record]  # the leaf Tensors
    records = [n for n in order if n.__class__ is Record]
    retained = [r.retained() for r in records if r.retained is not None]
    retained = [t for t in retained if t is not None]
    # downstream first: a hook on a tensor runs before one on the tensor it is a view of
    gates = list({id(g): g for r in reversed(records) if r.gates for g in reversed(r.gates)}.values())
    reached = {id(n) for n in order}
    stops = bool(gates) or (_anomaly.enabled and _anomaly.check_nan)
    leaf_ids = {id(v) for t in leaves for v in t._values.flat} if stops else set()

    root_values = [v for r in roots for v in r._values.flat]
    if create_graph:
        seed_items = [x for s in seeds for x in _seed_items(s)]
        if stops:
            maker = _grad_tensor_maker({}, roots, seeds)
            table = gated.backprop(
                root_values, seed_items, gates, (), True, maker.from_items, _graph_items, leaf_ids
            )
        else:
            table = _v.backprop_graph(root_values, seed_items)
        assert table is not None  # a create_graph backward always gives its table
        grad_of = _grad_tensor_maker(table, roots, seeds)
    else:
        watched = [*leaves, *retained, *(inputs or ())]
        zero = [v for t in watched for v in t._values.flat]
        seed_items = [x for s in seeds for x in np.ravel(s).tolist()]
        if stops:
            gated.backprop(root_values, seed_items, gates, zero, False, _float_grad, _float_items, leaf_ids)
        else:
            _v.backprop(root_values, seed_items, zero)

        def grad_of(t: Any) -> np.ndarray:
            return arrays.grads(t._values)

    results = None
    if inputs is None:
        for leaf in leaves:
            _accumulate(leaf, _hooked_leaf_grad(leaf, grad_of(leaf)))
        for t in retained:
            g = grad_of(t)
            t.grad = g if create_graph else type(t)._engine.Tensor._wrap(arrays.to_values(g))
    else:
        results = [grad_of(t) if id(next_of(t)) in reached else None for t in inputs]
    if not retain_graph:
        for r in records:
            r.freed = True
    return results


def _as_tensor(g: Any, like: Any) -> Any:
    """A gradient as the Tensor a hook sees."""
    return g if not isinstance(g, np.ndarray) else type(like)._engine.Tensor._wrap(arrays.to_values(g))


def _as_grad(t: Any, like: Any) -> Any:
    """A hook's replacement gradient in the form of ``like`` (a float array, or a Tensor)."""
    if not isinstance(like, np.ndarray):
        return t
    out = np.asarray(t.detach().numpy() if hasattr(t, "detach") else t, dtype=np.float64)
    if out.shape != like.shape:
        raise RuntimeError(
            f"hook returned a gradient of shape {out.shape} for a tensor of shape {like.shape}"
        )
    return out


def _hooked_leaf_grad(leaf: Any, g: Any) -> Any:
    """``g`` after the leaf's ``register_hook`` hooks (each may replace it)."""
    hooks = getattr(leaf, "_grad_hooks", None)
    if not hooks:
        return g
    return _hooks.run_grad_hooks(hooks, g, lambda a: _as_tensor(a, leaf), lambda t: _as_grad(t, g))


def _float_grad(items: list, shape: tuple) -> np.ndarray:
    return np.array(items, dtype=np.float64).reshape(shape)


def _float_items(g: Any, shape: tuple) -> list:
    array = np.asarray(g.detach().numpy() if hasattr(g, "detach") else g, dtype=np.float64)
    if array.shape != tuple(shape):
        raise RuntimeError(f"hook returned a gradient of shape {array.shape} for a tensor of shape {shape}")
    return array.ravel().tolist()


def _graph_items(g: Any, shape: tuple) -> list:
    """A create_graph gradient (micro Tensor) as per-element items: its Values, or floats."""
    if tuple(g.shape) != tuple(shape):
        raise RuntimeError(
            f"hook returned a gradient of shape {tuple(g.shape)} for a tensor of shape {shape}"
        )
    return _seed_items(g)


def _seed_items(seed: Any) -> list[Any]:
    """A create_graph seed's elements: its Values when it requires grad, else floats."""
    if seed._requires_grad:
        return list(seed._values.flat)
    return seed._data.ravel().tolist()


def _grad_tensor_maker(table: dict[int, Any], roots: list[Any], seeds: list[Any]) -> Any:
    """``t -> d(roots)/dt`` as a micro Tensor of new Values (differentiable when it depends on anything)."""
    tensor_cls = type(roots[0])._engine.Tensor  # a plain Tensor even when roots are Parameters
    links = tuple(next_of(t) for t in [*roots, *seeds])

    def from_items(items: list, shape: tuple) -> Any:
        if not any(x.__class__ is _v.Value for x in items):
            return tensor_cls._wrap(arrays.to_values(np.array(items, dtype=np.float64).reshape(shape)))
        values = [_v.identity(x, "grad") if x.__class__ is _v.Value else _v.Value(x) for x in items]
        return tensor_cls._from_record(arrays.from_list(values, shape), Record("grad", None, links))

    def grad_of(t: Any) -> Any:
        return from_items([table.get(id(v), 0.0) for v in t._values.flat], t.shape)

    grad_of.from_items = from_items  # type: ignore[attr-defined]  # gated backward needs both
    return grad_of


def _accumulate(leaf: Any, g: Any) -> None:
    """Add gradient ``g`` (float array, or a micro Tensor under create_graph) into ``leaf.grad``."""
    if not isinstance(g, np.ndarray):
        leaf.grad = g if leaf.grad is None else leaf.grad + g
    elif leaf.grad is None:
        leaf.grad = type(leaf)._engine.Tensor._wrap(arrays.to_values(g))
    elif tuple(leaf.grad.shape) != g.shape:
        raise RuntimeError(
            f"cannot accumulate a gradient of shape {g.shape} into the .grad of shape "
            f"{tuple(leaf.grad.shape)} of a leaf of shape {tuple(leaf.shape)}"
        )
    elif leaf.grad._requires_grad:
        leaf.grad = leaf.grad + g
    else:
        for v, x in zip(leaf.grad._values.flat, g.ravel().tolist()):
            v.data += x
