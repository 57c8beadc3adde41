"""``autograd.grad`` and the Function ``ctx``, written once for both engines.

Each engine's ``autograd`` module calls :func:`make_grad` with its Tensor
class and three engine hooks, so argument checking, error messages and the
``allow_unused`` rule are identical on micro and vector.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> mt.autograd.grad((x * x).sum(), x)[0].tolist()
    [2.0, 4.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


class FunctionCtx:
    """The ``ctx`` of a user-defined Function: ``save_for_backward`` and ``saved_tensors``."""

    def save_for_backward(self, *tensors: Any) -> None:
        self.saved_tensors = tensors


class FunctionBase:
    """What every engine's ``autograd.Function`` shares: the user API and running ``forward``.

    ``forward(ctx, *args)`` runs on Tensors without recording a graph; when an
    input requires grad, the engine's ``_record(ctx, args, out)`` puts the op
    into its graph so that ``backward(ctx, *grads)`` is called during backward.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any) -> Any:
        from ._graph import is_grad_enabled, no_grad
        from ._tensor_base import TensorBase

        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, TensorBase) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args)
        if not isinstance(out, TensorBase):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor, got {type(out).__name__}")
        if not (is_grad_enabled() and any(ctx.needs_input_grad)):
            return out
        return cls._record(ctx, args, out)

    @classmethod
    def _record(cls, ctx: FunctionCtx, args: tuple, out: Any) -> Any:
        raise NotImplementedError


def make_grad(
    tensor_cls: type,
    seed_gradient: Callable[[Any, Any, bool], Any],
    run_backward: Callable[..., list[Any]],
    wrap_array: Callable[[Any, Any], Any],
) -> Callable[..., tuple[Any, ...]]:
    """Build an engine's ``grad`` from its gradient seeding, backward pass and array wrapper.

    ``run_backward(outputs, seeds, retain_graph, create_graph, inputs)`` returns one
    gradient (array, Tensor or None) per input; ``wrap_array(array, like)`` makes a
    Tensor of ``like``'s dtype from an array.
    """

    def grad(
        outputs: Any | Sequence[Any],
        inputs: Any | Sequence[Any],
        grad_outputs: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        allow_unused: bool = False,
    ) -> tuple[Any, ...]:
        """Gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``."""
        outputs = [outputs] if isinstance(outputs, tensor_cls) else list(outputs)
        inputs = [inputs] if isinstance(inputs, tensor_cls) else list(inputs)
        if grad_outputs is None or isinstance(grad_outputs, tensor_cls):
            grad_outputs = [grad_outputs] * len(outputs)
        for i, t in enumerate(inputs):
            if not isinstance(t, tensor_cls) or not t.requires_grad:
                raise RuntimeError(f"grad: input {i} does not require grad")
        seeds = []
        for o, g in zip(outputs, grad_outputs):
            if not o.requires_grad:
                raise RuntimeError(
                    f"grad: an output of shape {tuple(o.shape)} does not require grad and has no grad_fn"
                )
            seeds.append(seed_gradient(o, g, create_graph))
        if retain_graph is None:
            retain_graph = create_graph
        results = run_backward(outputs, seeds, retain_graph, create_graph, inputs)
        out: list[Any] = []
        for i, (t, g) in enumerate(zip(inputs, results)):
            if g is None:
                if not allow_unused:
                    raise RuntimeError(
                        f"grad: input {i} (shape {tuple(t.shape)}) was not used in the graph; "
                        "pass allow_unused=True to get None for it"
                    )
                out.append(None)
            else:
                out.append(g if isinstance(g, tensor_cls) else wrap_array(g, t))
        return tuple(out)

    return grad
