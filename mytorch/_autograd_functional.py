"""``autograd.functional``: ``jacobian``, ``hessian``, ``vjp``, ``hvp`` for small functions, as PyTorch.

Built on each engine's ``autograd.grad``, one backward pass per output
element, so it runs on either engine; fine for the small sizes tutorials use.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([1.0, 2.0], dtype=mt.float64)
    >>> mt.autograd.functional.jacobian(lambda a: a * a, x).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    >>> mt.autograd.functional.hessian(lambda a: (a ** 3).sum(), x).tolist()
    [[6.0, 0.0], [0.0, 12.0]]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._graph import enable_grad
from ._tensor_base import TensorBase

__all__ = ["jacobian", "hessian", "vjp", "hvp"]


def _as_tuple(op: str, inputs: Any) -> tuple[tuple[Any, ...], bool]:
    single = isinstance(inputs, TensorBase)
    inputs = (inputs,) if single else tuple(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, TensorBase):
            raise TypeError(f"{op}(): inputs must be Tensors, got {type(x).__name__} at position {i}")
    return inputs, single


def _fresh(inputs: tuple[Any, ...], create_graph: bool) -> tuple[Any, ...]:
    """Leaves to differentiate at (the inputs themselves under create_graph, as PyTorch)."""
    return tuple(x if create_graph and x.requires_grad else x.detach().requires_grad_(True) for x in inputs)


def _grads(outputs: Any, inputs: tuple[Any, ...], grad_outputs: Any, create_graph: bool) -> tuple[Any, ...]:
    engine = type(inputs[0])._engine
    grads = engine.autograd.grad([outputs], list(inputs), grad_outputs=[grad_outputs], retain_graph=True,
                                 create_graph=create_graph, allow_unused=True)
    return tuple(engine.zeros_like(x) if g is None else g for g, x in zip(grads, inputs))


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """d func(inputs) / d inputs: shape ``output.shape + input.shape`` (tuples of them for tuples)."""
    inputs, single_in = _as_tuple("jacobian", inputs)
    with enable_grad():
        xs = _fresh(inputs, create_graph)
        outputs = func(*xs)
        single_out = isinstance(outputs, TensorBase)
        outputs = (outputs,) if single_out else tuple(outputs)
        rows = []
        for out in outputs:
            engine = type(out)._engine
            flat = out.reshape(-1)
            per_input: list[list[Any]] = [[] for _ in xs]
            for i in range(flat.shape[0]):
                seed = np.zeros(flat.shape[0], dtype=np.dtype(out.dtype))
                seed[i] = 1
                grads = _grads(flat, xs, engine.tensor(seed, dtype=out.dtype), create_graph)
                for k, g in enumerate(grads):
                    per_input[k].append(g)
            blocks = []
            for k, x in enumerate(xs):
                stacked = engine.stack(per_input[k]) if per_input[k] else engine.zeros(0, *x.shape)
                blocks.append(stacked.reshape(*out.shape, *x.shape))
            rows.append(blocks[0] if single_in else tuple(blocks))
    if not create_graph:
        rows = [r.detach() if isinstance(r, TensorBase) else tuple(b.detach() for b in r) for r in rows]
    return rows[0] if single_out else tuple(rows)


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Jacobian of the gradient of a scalar ``func``: shape ``input.shape + input.shape``."""
    inputs, single_in = _as_tuple("hessian", inputs)

    def gradient(*xs: Any) -> Any:
        out = func(*xs)
        if not isinstance(out, TensorBase) or out.numel() != 1:
            raise RuntimeError("hessian(): the function given must return a single-element Tensor")
        engine = type(out)._engine
        grads = engine.autograd.grad([out.reshape(())], list(xs), create_graph=True, allow_unused=True)
        grads = tuple(engine.zeros_like(x) if g is None else g for g, x in zip(grads, xs))
        return grads[0] if single_in else grads

    return jacobian(gradient, inputs[0] if single_in else inputs, create_graph=create_graph)


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T J)``; ``v`` may be omitted for a single-element output."""
    inputs, single_in = _as_tuple("vjp", inputs)
    with enable_grad():
        xs = _fresh(inputs, create_graph)
        out = func(*xs)
        engine = type(out)._engine
        seed = v if v is not None else engine.ones_like(out)
        grads = _grads(out, xs, seed, create_graph)
    value = out if create_graph else out.detach()
    grads = grads if create_graph else tuple(g.detach() for g in grads)
    return value, grads[0] if single_in else grads


def hvp(func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), H v)`` for a scalar ``func`` (the Hessian is symmetric: H v = v^T H)."""
    inputs, single_in = _as_tuple("hvp", inputs)
    vs = (v,) if single_in else tuple(v)
    with enable_grad():
        xs = _fresh(inputs, True)
        out = func(*xs)
        engine = type(out)._engine
        grads = engine.autograd.grad([out], list(xs), create_graph=True, allow_unused=True)
        dot = sum(((g * w).sum() for g, w in zip(grads, vs) if g is not None), engine.zeros(()))
        second = engine.autograd.grad([dot], list(xs), create_graph=create_graph, allow_unused=True)
        second = tuple(engine.zeros_like(x) if s is None else s for s, x in zip(second, xs))
    value = out if create_graph else out.detach()
    second = second if create_graph else tuple(s.detach() for s in second)
    return value, second[0] if single_in else second
