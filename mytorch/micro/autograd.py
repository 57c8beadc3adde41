"""``mytorch.micro.autograd``: ``grad``, ``gradcheck`` and user-defined ``Function``.

Same API as ``mytorch.vector.autograd``.

Example:
    >>> import mytorch.micro as mm
    >>> x = mm.tensor(3.0, requires_grad=True)
    >>> (dx,) = grad(x ** 3, [x], create_graph=True)
    >>> grad(dx, [x])[0].item()   # d2/dx2 x**3 = 6x
    18.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _anomaly, _graph
from .. import _autograd_functional as functional  # noqa: F401 - autograd.functional
from .._autograd import FunctionBase, FunctionCtx, make_grad, once_differentiable
from .._gradcheck import GradcheckError, gradcheck
from . import arrays
from . import value as _v
from .graph import Record, next_of, run_backward
from .tensor import Tensor, _group_ids, remember_forward, seed_gradient

__all__ = ["grad", "gradcheck", "GradcheckError", "Function", "FunctionCtx", "once_differentiable"]


grad = make_grad(
    Tensor,
    seed_gradient,
    run_backward,
    lambda g, like: Tensor._wrap(arrays.to_values(g)),
)


class Function(FunctionBase):
    """Base for user-defined differentiable ops, as ``torch.autograd.Function``.

    On the micro engine each output element becomes one ``Value`` whose parents
    are the input elements and whose local derivatives are one row of the
    Jacobian, found by calling ``backward`` once per output element (first-order
    gradients only: ``create_graph`` treats these derivatives as constants).

    Example:
        >>> import mytorch.micro as mm
        >>> class Square(Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> x = mm.tensor([3.0], requires_grad=True)
        >>> Square.apply(x).sum().backward(); x.grad.tolist()
        [6.0]
    """

    @classmethod
    def _record(cls, ctx: FunctionCtx, args: tuple, outs: list[Tensor]) -> list[Tensor]:
        wanted = [a for a, need in zip(args, ctx.needs_input_grad) if need]
        parents = tuple(v for a in wanted for v in a._values.flat)
        group = next(_group_ids)
        results = []
        for j, out in enumerate(outs):
            rows = [cls._jacobian_row(ctx, args, outs, j, k) for k in range(out.numel())]
            _v._GROUP = (group, cls.__name__)
            try:
                numbers = out._data.ravel().tolist()
                values = [_v.Value(x, parents, cls.__name__, row) for x, row in zip(numbers, rows)]
            finally:
                _v._GROUP = None
            record = Record(cls.__name__ + "Backward", group, tuple(next_of(a) for a in wanted))
            if _anomaly.enabled:
                remember_forward(group, wanted)
            results.append(Tensor._from_record(arrays.from_list(values, out.shape), record))
        return results

    @classmethod
    def _jacobian_row(cls, ctx: FunctionCtx, args: tuple, outs: list[Tensor], j: int, k: int) -> tuple:
        """d outs[j][k] / d(every element of every input that requires grad), via one ``backward`` call."""
        onehot = np.zeros(outs[j].shape)
        onehot.flat[k] = 1.0
        seeds = [Tensor(onehot) if i == j else None for i in range(len(outs))]
        with _graph.no_grad():
            grads = cls._run_backward(ctx, seeds, lambda shape, dtype: Tensor(np.zeros(shape)))
        row: list[float] = []
        for a, need, g in zip(args, ctx.needs_input_grad, grads):
            if not need:
                continue
            if g is None:
                row.extend([0.0] * a.numel())
                continue
            g = np.asarray(g._data if isinstance(g, Tensor) else g, dtype=np.float64)
            row.extend(np.broadcast_to(g, a.shape).ravel().tolist())
        return tuple(row)


def _backward_stop(tensors: list, callback: Any) -> list:
    """Copies of ``tensors`` at which micro backward stops to pass their gradients through ``callback``.

    ``nn``'s module backward hooks stop here. A micro Function is differentiated once per
    output element, so a gate (``graph.add_gate``) does it instead.
    """
    from . import graph

    copies = [t.clone() for t in tensors]

    def run(grads: list) -> list:
        as_tensors = tuple(g if isinstance(g, Tensor) else Tensor._wrap(arrays.to_values(g)) for g in grads)
        result = callback(as_tensors)
        return [Tensor(np.zeros(c.shape)) if r is None else r for r, c in zip(result, copies)]

    graph.add_gate(copies, run)
    return copies
