"""``mytorch.vector.autograd``: ``grad``, ``gradcheck`` and user-defined ``Function``.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor(3.0, requires_grad=True)
    >>> (dx,) = grad(x ** 3, [x], create_graph=True)
    >>> grad(dx, [x])[0].item()   # d2/dx2 x**3 = 6x
    18.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _graph
from .._gradcheck import GradcheckError, gradcheck
from . import node as _node
from .tensor import Tensor, _seed_gradient

__all__ = ["grad", "gradcheck", "GradcheckError", "Function", "FunctionCtx"]


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    roots, seeds = [], []
    for o, g in zip(outputs, grad_outputs):
        if not o.requires_grad:
            raise RuntimeError(
                f"grad: an output of shape {tuple(o.shape)} does not require grad and has no grad_fn"
            )
        roots.append(o.grad_fn or o)
        seeds.append(_seed_gradient(o, g, create_graph))
    if retain_graph is None:
        retain_graph = create_graph
    results = _node.run_backward(roots, seeds, retain_graph, create_graph, inputs)
    out: list[Tensor | None] = []
    for i, (t, g) in enumerate(zip(inputs, results)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {tuple(t.shape)}) was not used in the graph; "
                    "pass allow_unused=True to get None for it"
                )
            out.append(None)
        elif isinstance(g, Tensor):
            out.append(g)
        else:
            out.append(Tensor._wrap(np.array(g, dtype=t.dtype, copy=True)))
    return tuple(out)


class FunctionCtx:
    """The ``ctx`` of a user-defined Function: ``save_for_backward`` and ``saved_tensors``."""

    def save_for_backward(self, *tensors: Any) -> None:
        self.saved_tensors = tensors


class _UserNode(_node.Node):
    """Runs a user ``Function``'s backward inside the engine's graph."""

    def backward(self, g: Any) -> tuple:
        as_arrays = isinstance(g, np.ndarray)
        grads = self.fn.backward(self.ctx, Tensor._wrap(g) if as_arrays else g)
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(self.next):
            raise RuntimeError(
                f"{self.fn.__name__}.backward returned {len(grads)} gradients, expected "
                f"{len(self.next)} (one per forward input)"
            )
        return tuple(
            None if g_i is None else (g_i.data if as_arrays and isinstance(g_i, Tensor) else g_i)
            for g_i in grads
        )

    def name(self) -> str:  # type: ignore[override]
        return self.fn.__name__ + "Backward"

    def free(self) -> None:
        fn = self.fn
        super().free()
        self.fn = fn  # keep the name for drawing and repr after backward


class Function:
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

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Tensor:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with _graph.no_grad():
            out = cls.forward(ctx, *args)
        if not isinstance(out, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor, got {type(out).__name__}")
        if not (_graph.is_grad_enabled() and any(ctx.needs_input_grad)):
            return out
        node = _UserNode.__new__(_UserNode)
        node.fn, node.ctx = cls, ctx
        node._link(args)
        return Tensor._from_node(out.data, node)
