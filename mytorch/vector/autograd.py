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

from .._autograd import FunctionBase, FunctionCtx, make_grad
from .._gradcheck import GradcheckError, gradcheck
from . import node as _node
from .tensor import Tensor, _seed_gradient

__all__ = ["grad", "gradcheck", "GradcheckError", "Function", "FunctionCtx"]


grad = make_grad(
    Tensor,
    _seed_gradient,
    lambda outputs, seeds, *rest: _node.run_backward([o.grad_fn or o for o in outputs], seeds, *rest),
    lambda g, like: Tensor._wrap(np.array(g, dtype=like.dtype, copy=True)),
)


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
    def _record(cls, ctx: FunctionCtx, args: tuple, out: Tensor) -> Tensor:
        node = _UserNode.__new__(_UserNode)
        node.fn, node.ctx = cls, ctx
        node._link(args, out.data)
        return Tensor._from_node(out.data, node)
