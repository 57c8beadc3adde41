"""Module hooks: ``register_forward_pre_hook``, ``register_forward_hook``, ``register_full_backward_hook``.

A module's hooks live in ``module.__dict__["_module_hooks"]``, made on the first
registration; ``Module.__call__`` checks for it once, so modules without hooks
pay nothing more. The full backward hook is built from two user Functions of
the engine, as PyTorch's ``BackwardHook``: one on the module's outputs records
``grad_output``; one on its inputs receives ``grad_input`` and calls the hooks,
whose returned tuple replaces ``grad_input``.

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
    """The three hook registries of one module (dicts in registration order)."""

    def __init__(self) -> None:
        self.forward_pre: dict = {}
        self.forward: dict = {}
        self.backward: dict = {}

    def __bool__(self) -> bool:
        return bool(self.forward_pre or self.forward or self.backward)


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
    if hooks.backward and mytorch.is_grad_enabled():
        state = _BackwardState(module, hooks.backward, args)
        args = state.wrap_inputs(args)
    output = module.forward(*args, **kwargs)
    for hook in list(hooks.forward.values()):
        result = hook(module, args, output)
        if result is not None:
            output = result
    if state is not None:
        output = state.wrap_outputs(output)
    return output


class _BackwardState:
    """One forward call's backward-hook bookkeeping."""

    def __init__(self, module: Any, hooks: dict, args: tuple) -> None:
        self.module, self.hooks = module, hooks
        self.positions = [i for i, a in enumerate(args) if isinstance(a, TensorBase) and a.requires_grad]
        self.n_inputs = sum(isinstance(a, TensorBase) for a in args) or 1
        self.grad_output: tuple | None = None

    def call_hooks(self, grad_input: tuple) -> tuple:
        for hook in list(self.hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = result if isinstance(result, tuple) else (result,)
                if len(result) != len(grad_input):
                    raise RuntimeError(
                        f"backward hook returned {len(result)} gradients for {len(grad_input)} inputs "
                        f"of {type(self.module).__name__}"
                    )
                grad_input = result
        return grad_input

    def wrap_inputs(self, args: tuple) -> tuple:
        if not self.positions:
            return args
        tensors = [args[i] for i in self.positions]
        state = self
        tensor_positions = [i for i, a in enumerate(args) if isinstance(a, TensorBase)]

        class BackwardHookInputs(type(tensors[0])._engine.autograd.Function):
            @staticmethod
            def forward(ctx: Any, *xs: Any) -> Any:
                outs = tuple(x.clone() for x in xs)
                return outs if len(outs) > 1 else outs[0]

            @staticmethod
            def backward(ctx: Any, *grads: Any) -> Any:
                by_position = dict(zip(state.positions, grads))
                grad_input = tuple(by_position.get(i) for i in tensor_positions)
                grad_input = state.call_hooks(grad_input)
                by_position = dict(zip(tensor_positions, grad_input))
                result = tuple(by_position[i] for i in state.positions)
                return result if len(result) > 1 else result[0]

        wrapped = BackwardHookInputs.apply(*tensors)
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        args = list(args)
        for i, w in zip(self.positions, wrapped):
            args[i] = w
        return tuple(args)

    def wrap_outputs(self, output: Any) -> Any:
        outs = output if isinstance(output, tuple) else (output,)
        if not any(isinstance(o, TensorBase) and o.requires_grad for o in outs):
            return output
        state = self
        chosen = [i for i, o in enumerate(outs) if isinstance(o, TensorBase) and o.requires_grad]

        class BackwardHookOutputs(type(outs[chosen[0]])._engine.autograd.Function):
            @staticmethod
            def forward(ctx: Any, *ys: Any) -> Any:
                res = tuple(y.clone() for y in ys)
                return res if len(res) > 1 else res[0]

            @staticmethod
            def backward(ctx: Any, *grads: Any) -> Any:
                state.grad_output = grads
                if not state.positions:  # no input wants a gradient: the hook runs here
                    state.call_hooks((None,) * state.n_inputs)
                return grads if len(grads) > 1 else grads[0]

        wrapped = BackwardHookOutputs.apply(*[outs[i] for i in chosen])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        new = list(outs)
        for i, w in zip(chosen, wrapped):
            new[i] = w
        return tuple(new) if isinstance(output, tuple) else new[0]


def add_forward_pre_hook(module: Any, hook: Any, prepend: bool = False) -> _hooks.RemovableHandle:
    return _hooks.add(registry(module).forward_pre, hook, prepend=prepend)


def add_forward_hook(module: Any, hook: Any, prepend: bool = False) -> _hooks.RemovableHandle:
    return _hooks.add(registry(module).forward, hook, prepend=prepend)


def add_full_backward_hook(module: Any, hook: Any, prepend: bool = False) -> _hooks.RemovableHandle:
    if any(p.device.type == "micro" for p in module.parameters()):
        raise NotImplementedError(
            "register_full_backward_hook is not available on the micro engine (its Functions are "
            "differentiated element by element); use mytorch.vector, or Tensor.register_hook on the output"
        )
    return _hooks.add(registry(module).backward, hook, prepend=prepend)
