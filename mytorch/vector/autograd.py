"""``mytorch.vector.autograd``: ``grad``, ``gradcheck`` and user-defined ``Function``.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor(3.0, requires_grad=True)
    >>> (dx,) = grad(x ** 3, [x], create_graph=True)
    >>> grad(dx, [x])[0].item()   # d2/dx2 x**3 = 6x
    18.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _autograd_functional as functional  # noqa: F401 - autograd.functional
from .._autograd import FunctionBase, FunctionCtx, make_grad, once_differentiable
from .._gradcheck import GradcheckError, gradcheck
from . import node as _node
from .tensor import Tensor, _seed_gradient

__all__ = ["grad", "gradcheck", "GradcheckError", "Function", "FunctionCtx", "once_differentiable"]


grad = make_grad(
    Tensor,
    _seed_gradient,
    lambda outputs, seeds, *rest: _node.run_backward([o.grad_fn or o for o in outputs], seeds, *rest),
    lambda g, like: Tensor._wrap(np.array(g, dtype=like.dtype, copy=True)),
)


def _zeros(shape: tuple, dtype: Any) -> Tensor:
    return Tensor._wrap(np.zeros(shape, dtype=dtype))


class _UserNode(_node.Node):
    """Runs a user ``Function``'s backward inside the engine's graph.

    With several differentiable outputs the node's output is all of them raveled
    and joined (``spans`` say where each lies); each output is a :class:`_Unpack`
    node reading its span, so the engine hands this node one joined gradient.
    """

    spans: list | None = None
    fn: Any  # the Function class
    ctx: FunctionCtx
    reached: set[int]  # the outputs whose gradient arrived (several outputs)

    def backward(self, g: Any) -> tuple:
        as_arrays = isinstance(g, np.ndarray)
        if self.spans is None:
            outs = [Tensor._wrap(g) if as_arrays else g]
        else:
            reached = self.reached
            self.reached = set()
            outs = [
                None if i not in reached else
                (Tensor._wrap(g[lo:hi].reshape(shape)) if as_arrays else g[lo:hi].reshape(shape))
                for i, (lo, hi, shape) in enumerate(self.spans)
            ]
        grads = self.fn._run_backward(self.ctx, outs, _zeros)
        return tuple(
            None if g_i is None else (g_i._data if as_arrays and isinstance(g_i, Tensor) else g_i)
            for g_i in grads
        )

    def name(self) -> str:
        return self.fn.__name__ + "Backward"

    def free(self) -> None:
        fn, spans = self.fn, self.spans
        super().free()
        self.fn, self.spans = fn, spans  # keep the name for drawing and repr after backward


class _Unpack(_node.Node):
    """Output ``index`` of a several-output Function: its span of the joined output."""

    owner: _UserNode
    index: int
    span: tuple[int, int]
    total: int

    def backward(self, g: Any) -> tuple:
        owner, total = self.owner, self.total
        owner.reached.add(self.index)
        lo, hi = self.span
        if isinstance(g, np.ndarray):
            full = np.zeros(total, dtype=g.dtype)
            full[lo:hi] = g.ravel()
            return (full,)
        before, after = Tensor._wrap(np.zeros(lo, g.dtype)), Tensor._wrap(np.zeros(total - hi, g.dtype))
        parts = [before, g.reshape(-1), after]
        return (Tensor._cat(parts, 0),)

    def name(self) -> str:
        return self.owner.name()

    def free(self) -> None:
        keep = (self.owner, self.index, self.span, self.total)
        super().free()
        self.owner, self.index, self.span, self.total = keep


class Function(FunctionBase):
    """Base for user-defined differentiable ops, as ``torch.autograd.Function``.

    Example:
        >>> import mytorch.vector as mt
        >>> class Square(Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> x = mt.tensor([3.0], requires_grad=True)
        >>> Square.apply(x).sum().backward(); x.grad.tolist()
        [6.0]
    """

    @classmethod
    def _record(cls, ctx: FunctionCtx, args: tuple, outs: list[Tensor]) -> list[Tensor]:
        if not outs:
            return []
        node = _UserNode.__new__(_UserNode)
        node.fn, node.ctx = cls, ctx
        if len(outs) == 1:
            node._link(args, outs[0]._data)
            return [Tensor._from_node(outs[0]._data, node)]
        arrays = [o._data for o in outs]
        joined = np.concatenate([a.ravel() for a in arrays])
        ends = np.cumsum([0] + [a.size for a in arrays]).tolist()
        node.spans = [(lo, hi, a.shape) for lo, hi, a in zip(ends[:-1], ends[1:], arrays)]
        node.reached = set()
        node._link(args, joined)
        whole = Tensor._from_node(joined, node)
        results = []
        for i, a in enumerate(arrays):
            unpack = _Unpack.__new__(_Unpack)
            unpack.owner, unpack.index, unpack.total = node, i, joined.size
            unpack.span = (ends[i], ends[i + 1])
            unpack._link((whole,), a)
            results.append(Tensor._from_node(a, unpack))
        return results


def _backward_stop(tensors: list, callback: Any) -> list:
    """Copies of ``tensors`` whose backward passes their gradients through ``callback``.

    ``nn``'s module backward hooks stop here (a user Function, as PyTorch's ``BackwardHook``).
    """

    class BackwardHook(Function):
        @staticmethod
        def forward(ctx: Any, *xs: Any) -> Any:
            outs = tuple(x.clone() for x in xs)
            return outs if len(outs) > 1 else outs[0]

        @staticmethod
        def backward(ctx: Any, *grads: Any) -> Any:
            result = callback(grads)
            return result if len(result) > 1 else result[0]

    wrapped = BackwardHook.apply(*tensors)
    return list(wrapped) if isinstance(wrapped, tuple) else [wrapped]
