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

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._tensor_base import TensorBase


class FunctionCtx:
    """The ``ctx`` of a user-defined Function, as PyTorch's.

    ``save_for_backward``/``saved_tensors``, ``needs_input_grad`` (one bool per
    forward input), ``mark_non_differentiable(*outputs)`` (those outputs get no
    gradient and their grads arrive as zeros), ``set_materialize_grads(False)``
    (grads of outputs that were not used arrive as None instead of zeros) and
    ``mark_dirty`` (accepted; in-place Functions are not tracked specially).
    """

    saved_tensors: tuple = ()
    needs_input_grad: tuple = ()
    materialize_grads: bool = True
    # set while recording (see ``Function.apply``)
    _outputs: list[tuple[tuple[int, ...], Any]]  # each output's shape and dtype
    _differentiable: list[int]  # the positions of the outputs that get gradients
    _non_differentiable: set[int]  # ids of the outputs marked non-differentiable

    def save_for_backward(self, *tensors: Any) -> None:
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors: Any) -> None:
        self._non_differentiable = getattr(self, "_non_differentiable", set()) | {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors: Any) -> None:
        self.dirty_tensors = tensors


def once_differentiable(backward: Callable) -> Callable:
    """Decorate a Function's ``backward`` that is not itself differentiable: it runs without a graph.

    Example:
        >>> import mytorch.vector as mt
        >>> class Cube(mt.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     @once_differentiable
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 3 * x ** 2 * g
        >>> x = mt.tensor([2.0], requires_grad=True)
        >>> Cube.apply(x).sum().backward(); x.grad.tolist()
        [12.0]
    """

    @functools.wraps(backward)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        from ._graph import no_grad

        with no_grad():
            return backward(ctx, *grads)

    return wrapper


class FunctionBase:
    """What every engine's ``autograd.Function`` shares: the user API and running ``forward``.

    Two styles, as in PyTorch: ``forward(ctx, *args)``, or ``forward(*args)`` plus
    ``setup_context(ctx, inputs, output)``. ``forward`` runs on Tensors without
    recording a graph and returns a Tensor or a tuple of them; when an input requires
    grad, the engine's ``_record(ctx, args, outputs)`` puts the op into its graph so
    that ``backward(ctx, *grads)`` (one grad per output) is called during backward.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple, output: Any) -> None:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        from . import _dtype
        from ._graph import is_grad_enabled, no_grad
        from ._tensor_base import TensorBase

        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, TensorBase) and a.requires_grad for a in args)
        new_style = cls.setup_context is not FunctionBase.setup_context
        with no_grad():
            out = cls.forward(*args, **kwargs) if new_style else cls.forward(ctx, *args, **kwargs)
        if new_style:
            cls.setup_context(ctx, args, out)
        outs = out if isinstance(out, tuple) else (out,)
        if not outs or not all(isinstance(o, TensorBase) for o in outs):
            kinds = [type(o).__name__ for o in outs]
            raise TypeError(f"{cls.__name__}.forward must return a Tensor or a tuple of Tensors, got {kinds}")
        if not (is_grad_enabled() and any(ctx.needs_input_grad)):
            return out
        skip: set[int] = getattr(ctx, "_non_differentiable", set())
        ctx._outputs = [(tuple(o.shape), o.dtype) for o in outs]
        ctx._differentiable = [
            i for i, o in enumerate(outs) if id(o) not in skip and _dtype.is_floating(o.dtype)
        ]
        recorded = cls._record(ctx, args, [outs[i] for i in ctx._differentiable])
        results = [o.detach() for o in outs]
        for i, r in zip(ctx._differentiable, recorded):
            results[i] = r
        return tuple(results) if isinstance(out, tuple) else results[0]

    @classmethod
    def _run_backward(cls, ctx: FunctionCtx, grads: list[Any], zeros: Callable[[tuple, Any], Any]) -> tuple:
        """Call the user's ``backward`` with one grad per forward output.

        ``grads`` holds one grad (or None: not reached) per differentiable output;
        ``zeros(shape, dtype)`` makes the zeros a missing grad becomes when materializing.
        Returns one gradient per forward input.
        """
        full: list[Any] = [None] * len(ctx._outputs)
        for i, g in zip(ctx._differentiable, grads):
            full[i] = g
        if ctx.materialize_grads:
            full = [zeros(*ctx._outputs[i]) if g is None else g for i, g in enumerate(full)]
        result = cls.backward(ctx, *full)
        result = result if isinstance(result, tuple) else (result,)
        n = len(ctx.needs_input_grad)
        if len(result) != n:
            raise RuntimeError(
                f"{cls.__name__}.backward returned {len(result)} gradients, expected {n} "
                "(one per forward input)"
            )
        return result

    @classmethod
    def _record(cls, ctx: FunctionCtx, args: tuple, outs: list[Any]) -> list[Any]:
        raise NotImplementedError


def make_grad(
    tensor_cls: type[TensorBase],
    seed_gradient: Callable[[Any, Any, bool], Any],
    run_backward: Callable[..., Any],  # a list when given inputs (None without: into .grad)
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
