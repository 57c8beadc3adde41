"""Module hooks: forward (pre) hooks and full backward (pre) hooks, as PyTorch's.

A module's hooks live in ``module.__dict__["_module_hooks"]``, made on the first
registration; ``Module.__call__`` checks for it once, so modules without hooks
pay nothing more. The full backward hooks work as PyTorch's ``BackwardHook``:
a stop in backward on copies of the module's outputs receives ``grad_output``
(the pre-hooks may replace it); one on copies of its inputs receives
``grad_input`` and calls the hooks, whose returned tuple replaces it. On the
vector engine a stop is a user Function; on the micro engine a ``Gate`` (each engine's
``autograd._backward_stop``).

Example:
    >>> import mytorch.vector as mt
    >>> lin = mt.nn.Linear(2, 1)
    >>> h = lin.register_forward_hook(lambda m, args, out: out * 0 + 7)
    >>> lin(mt.ones(3, 2)).tolist()
    [[7.0], [7.0], [7.0]]
"""

from __future__ import annotations

from typing import Any

import mytorch
from mytorch import _hooks
from mytorch._tensor_base import TensorBase


class ModuleHooks:
    """The hook registries of one module (dicts in registration order)."""

    def __init__(self) -> None:
        self.forward_pre: dict = {}
        self.forward: dict = {}
        self.backward: dict = {}
        self.backward_pre: dict = {}

    def __bool__(self) -> bool:
        return bool(self.forward_pre or self.forward or self.backward or self.backward_pre)


def registry(module: Any) -> ModuleHooks:
    hooks = module.__dict__.get("_module_hooks")
    if hooks is None:
        hooks = module.__dict__["_module_hooks"] = ModuleHooks()
    return hooks


def call(module: Any, hooks: ModuleHooks, args: tuple, kwargs: dict) -> Any:
    """``module(*args, **kwargs)`` with its hooks."""
    for hook in list(hooks.forward_pre.values()):
        result = hook(module, args)
        if result is not None:
            args = result if isinstance(result, tuple) else (result,)
    state = None
    if (hooks.backward or hooks.backward_pre) and mytorch.is_grad_enabled():
        state = _BackwardState(module, hooks, args)
        args = state.wrap_inputs(args)
    output = module.forward(*args, **kwargs)
    for hook in list(hooks.forward.values()):
        result = hook(module, args, output)
        if result is not None:
            output = result
    if state is not None:
        output = state.wrap_outputs(output)
    return output


def _as_tuple(result: Any) -> tuple:
    return result if isinstance(result, tuple) else (result,)


class _BackwardState:
    """One forward call's backward-hook bookkeeping (as PyTorch's ``BackwardHook``).

    ``on_grad_output`` runs when the gradients of the outputs are known (the pre-hooks may
    replace them), ``on_grad_input`` when those of the inputs are (the full hooks may
    replace them). Each engine calls them from its own kind of stop in backward.
    """

    def __init__(self, module: Any, hooks: ModuleHooks, args: tuple) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks.backward, hooks.backward_pre
        self.positions = [i for i, a in enumerate(args) if isinstance(a, TensorBase) and a.requires_grad]
        self.tensor_positions = [i for i, a in enumerate(args) if isinstance(a, TensorBase)]
        self.n_inputs = len(self.tensor_positions) or 1
        self.grad_output: tuple | None = None

    def on_grad_output(self, grads: tuple) -> tuple:
        for hook in list(self.pre_hooks.values()):
            result = hook(self.module, grads)
            if result is not None:
                result = _as_tuple(result)
                if len(result) != len(grads):
                    raise RuntimeError(
                        f"backward pre hook returned {len(result)} gradients for {len(grads)} outputs "
                        f"of {type(self.module).__name__}"
                    )
                grads = result
        self.grad_output = grads
        if not self.positions:  # no input wants a gradient: the hooks run here
            grad_input = (None,) * self.n_inputs
            for hook in list(self.hooks.values()):
                result = hook(self.module, grad_input, grads)
                if result is not None and any(r is not None for r in _as_tuple(result)):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should always "
                        "return None or None for all gradients."
                    )
        return grads

    def on_grad_input(self, grads: tuple) -> tuple:
        """The full hooks on the gradients of the inputs that require grad; returns the new ones."""
        by_position = dict(zip(self.positions, grads))
        grad_input = tuple(by_position.get(i) for i in self.tensor_positions)
        for hook in list(self.hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = _as_tuple(result)
                if len(result) != len(grad_input):
                    raise RuntimeError(
                        f"backward hook returned {len(result)} gradients for {len(grad_input)} inputs "
                        f"of {type(self.module).__name__}"
                    )
                grad_input = result
        by_position = dict(zip(self.tensor_positions, grad_input))
        return tuple(by_position[i] for i in self.positions)

    def wrap_inputs(self, args: tuple) -> tuple:
        if not self.positions:
            return args
        tensors = [args[i] for i in self.positions]
        wrapped = type(tensors[0])._engine.autograd._backward_stop(tensors, self.on_grad_input)
        items = list(args)
        for i, w in zip(self.positions, wrapped):
            items[i] = w
        return tuple(items)

    def wrap_outputs(self, output: Any) -> Any:
        outs = _as_tuple(output)
        chosen = [i for i, o in enumerate(outs) if isinstance(o, TensorBase) and o.requires_grad]
        if not chosen:
            return output
        tensors = [outs[i] for i in chosen]
        wrapped = type(tensors[0])._engine.autograd._backward_stop(tensors, self.on_grad_output)
        new = list(outs)
        for i, w in zip(chosen, wrapped):
            new[i] = w
        return tuple(new) if isinstance(output, tuple) else new[0]


def add_forward_pre_hook(module: Any, hook: Any, prepend: bool = False) -> _hooks.RemovableHandle:
    return _hooks.add(registry(module).forward_pre, hook, prepend=prepend)


def add_forward_hook(module: Any, hook: Any, prepend: bool = False) -> _hooks.RemovableHandle:
    return _hooks.add(registry(module).forward, hook, prepend=prepend)


def add_full_backward_hook(module: Any, hook: Any, prepend: bool = False) -> _hooks.RemovableHandle:
    return _hooks.add(registry(module).backward, hook, prepend=prepend)


def add_full_backward_pre_hook(module: Any, hook: Any, prepend: bool = False) -> _hooks.RemovableHandle:
    return _hooks.add(registry(module).backward_pre, hook, prepend=prepend)
