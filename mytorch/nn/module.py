"""``Module``: the base class of every layer, with PyTorch's registration and traversal API.

Assigning a ``Parameter`` or a ``Module`` as an attribute registers it, so
``parameters()``, ``state_dict()``, ``train()``/``eval()`` and ``zero_grad()``
see it. The registries are created lazily, so a subclass that never calls
``super().__init__()`` (as the seed project's tutorial writes its model)
still works.

Example:
    >>> import mytorch.vector as mt
    >>> class Net(mt.nn.Module):
    ...     def __init__(self):
    ...         self.fc = mt.nn.Linear(2, 1)          # no super().__init__() needed
    ...     def forward(self, x):
    ...         return self.fc(x)
    >>> [name for name, _ in Net().named_parameters()]
    ['fc.weight', 'fc.bias']
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

import mytorch
from mytorch import _device
from mytorch._tensor_base import TensorBase

from . import _module_hooks, _traversal
from .parameter import Parameter

_REGISTRIES = ("_parameters", "_buffers", "_modules")


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict(strict=False)`` returns."""

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class Module:
    """Base class for all neural-network modules; subclasses define ``forward``."""

    training: bool = True
    _version: int = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments {args} {kwargs}")
        object.__setattr__(self, "training", True)
        for name in _REGISTRIES:
            object.__setattr__(self, name, OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())

    # ------------------------------------------------------------ registries
    def _registry(self, name: str) -> OrderedDict:
        """The registry ``name``, created on first use (for subclasses that skip ``__init__``)."""
        registry = self.__dict__.get(name)
        if registry is None:
            registry = OrderedDict()
            object.__setattr__(self, name, registry)
        return registry

    def _non_persistent(self) -> set:
        names = self.__dict__.get("_non_persistent_buffers_set")
        if names is None:
            names = set()
            object.__setattr__(self, "_non_persistent_buffers_set", names)
        return names

    def _check_name(self, kind: str, name: Any) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f'{kind} name can\'t be empty or contain ".", got {name!r}')

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add ``param`` (or None) as a parameter named ``name``."""
        self._check_name("parameter", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign {type(param).__name__} object to parameter '{name}' "
                f"(mytorch.nn.Parameter or None required)"
            )
        if name in self.__dict__ and name not in self._registry("_parameters"):
            raise KeyError(f"attribute '{name}' already exists")
        self._forget(name)
        self._registry("_parameters")[name] = param

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (e.g. BatchNorm's running_mean).

        Persistent buffers are part of ``state_dict()``.
        """
        self._check_name("buffer", name)
        if tensor is not None and not isinstance(tensor, mytorch.Tensor):
            raise TypeError(
                f"cannot assign {type(tensor).__name__} object to buffer '{name}' "
                f"(mytorch.Tensor or None required)"
            )
        if name in self.__dict__ and name not in self._registry("_buffers"):
            raise KeyError(f"attribute '{name}' already exists")
        self._forget(name)
        self._registry("_buffers")[name] = tensor
        if persistent:
            self._non_persistent().discard(name)
        else:
            self._non_persistent().add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module as ``name``."""
        self._check_name("module", name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a mytorch.nn.Module subclass")
        if name in self.__dict__ and name not in self._registry("_modules"):
            raise KeyError(f"attribute '{name}' already exists")
        self._forget(name)
        self._registry("_modules")[name] = module

    register_module = add_module

    def _forget(self, name: str) -> None:
        """Remove ``name`` from the instance dict and every registry."""
        self.__dict__.pop(name, None)
        for registry in _REGISTRIES:
            self._registry(registry).pop(name, None)
        self._non_persistent().discard(name)

    def __setattr__(self, name: str, value: Any) -> None:
        params = self._registry("_parameters")
        if isinstance(value, Parameter):
            self._forget(name)
            params[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter '{name}' "
                    f"(mytorch.nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            self._forget(name)
            self._registry("_modules")[name] = value
        elif name in self._registry("_modules"):
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module '{name}' "
                    f"(mytorch.nn.Module or None expected)"
                )
            self._registry("_modules")[name] = None
        elif name in self._registry("_buffers"):
            if value is not None and not isinstance(value, mytorch.Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} as buffer '{name}' "
                    f"(mytorch.Tensor or None expected)"
                )
            self._registry("_buffers")[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: look in the registries, parameters first
        # (``self.weight`` in every layer's forward).
        attributes = self.__dict__
        for registry in _REGISTRIES:
            entries = attributes.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in _REGISTRIES:
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                del entries[name]
                self._non_persistent().discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = set(super().__dir__())
        for registry in _REGISTRIES:
            keys.update(self.__dict__.get(registry) or {})
        return sorted(k for k in keys if not k[0].isdigit())

    # ------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        hooks = self.__dict__.get("_module_hooks")
        if hooks:
            return _module_hooks.call(self, hooks, args, kwargs)
        return self.forward(*args, **kwargs)

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False) -> Any:
        """``hook(module, args)`` before ``forward``; a returned value replaces ``args``."""
        return _module_hooks.add_forward_pre_hook(self, hook, prepend)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False) -> Any:
        """``hook(module, args, output)`` after ``forward``; a returned value replaces the output."""
        return _module_hooks.add_forward_hook(self, hook, prepend)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> Any:
        """``hook(module, grad_input, grad_output)`` in backward; a returned tuple replaces grad_input."""
        return _module_hooks.add_full_backward_hook(self, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False) -> Any:
        """``hook(module, grad_output)`` in backward, before grad_input; a returned tuple replaces it."""
        return _module_hooks.add_full_backward_pre_hook(self, hook, prepend)

    # ------------------------------------------------------------ traversal
    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for this module and every descendant, depth first (this one is ``''``)."""
        for name, module in _traversal.walk(self, prefix, remove_duplicate):
            if memo is not None:
                if id(module) in memo:
                    continue
                memo.add(id(module))
            yield name, module

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, child in _traversal.child_items(self):
            if id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def _named_members(
        self,
        registry: str,
        prefix: str,
        recurse: bool,
        remove_duplicate: bool,
    ) -> Iterator[tuple[str, Any]]:
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        seen: set[int] = set()
        for module_prefix, module in modules:
            for name, value in (module.__dict__.get(registry) or {}).items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield _traversal.join(module_prefix, name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs, e.g. ``('0.weight', ...)`` in a Sequential."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter (each once), in registration order, depth first."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Any]]:
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Any]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target: str) -> Module:
        """The descendant at dotted path ``target`` (``''`` is this module)."""
        module = self
        for part in target.split(".") if target else []:
            children = module.__dict__.get("_modules") or {}
            if part not in children:
                raise AttributeError(f"{type(module).__name__} has no submodule '{part}' (path '{target}')")
            module = children[part]
        return module

    def get_parameter(self, target: str) -> Parameter:
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        params = module.__dict__.get("_parameters") or {}
        if name not in params:
            raise AttributeError(f"{type(module).__name__} has no parameter '{name}' (path '{target}')")
        return params[name]

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on this module; returns self."""
        for module in _traversal.post_order(self):
            fn(module)
        return self

    # ------------------------------------------------------------ modes and gradients
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout, BatchNorm) on this module and every descendant."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for _, module in self.named_modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad``: to None (default), or to zeros in place."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                grad = param.grad.detach() if param.grad.grad_fn is not None else param.grad
                with mytorch.no_grad():
                    grad.zero_()
                param.grad = grad

    # ------------------------------------------------------------ device and dtype
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Move parameters and buffers to a device and/or convert floating ones to a dtype, in place.

        ``to("micro")``, ``to("vector")``, ``to(float64)``, ``to("micro", float64)``. A dtype change
        keeps the Parameter objects (an optimizer built before still holds them); a device change
        makes new ones on the other engine, with their ``.grad`` moved too, so build the optimizer
        after moving, as PyTorch recommends. ``"cpu"`` keeps the module on its engine.

        Example:
            >>> import mytorch
            >>> net = mytorch.nn.Linear(2, 1).to("micro")
            >>> net.weight.device, net(mytorch.ones(1, 2, device="micro")).device
            (device(type='micro'), device(type='micro'))
        """
        where, dtype = _device.parse_to(args, kwargs, "Module.to", self._engine_device())
        if where is not None:
            self._apply_device(where)
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            raise TypeError(f"Module.to() only accepts floating dtypes, got {dtype}")
        return self._apply_dtype(dtype)

    def _engine_device(self) -> _device.device:
        """The device of this module's first parameter or buffer (the vector engine's if none)."""
        for tensor in self._tensors():
            return tensor.device
        return _device.CPU

    def _tensors(self) -> Iterator[Any]:
        for _, module in self.named_modules():
            for registry in ("_parameters", "_buffers"):
                for tensor in (module.__dict__.get(registry) or {}).values():
                    if tensor is not None:
                        yield tensor

    def _apply_device(self, where: _device.device) -> Module:
        for _, module in self.named_modules():
            for registry in ("_parameters", "_buffers"):
                tensors = module.__dict__.get(registry) or {}
                for name, tensor in list(tensors.items()):
                    if tensor is not None and tensor.device != where:
                        tensors[name] = _moved(tensor, where)
        return self

    def _apply_dtype(self, dtype: np.dtype) -> Module:
        for _, module in self.named_modules():
            for registry in ("_parameters", "_buffers"):
                for tensor in (module.__dict__.get(registry) or {}).values():
                    if tensor is not None and np.issubdtype(np.dtype(tensor.dtype), np.floating):
                        _convert_(tensor, dtype)
        return self

    def double(self) -> Module:
        return self._apply_dtype(np.dtype("float64"))

    def float(self) -> Module:
        return self._apply_dtype(np.dtype("float32"))

    def half(self) -> Module:
        return self._apply_dtype(np.dtype("float16"))

    def cpu(self) -> Module:
        return self

    def cuda(self, device: Any = None) -> Module:
        """Raises: no CUDA device here (MyTorch computes on the CPU)."""
        _device.resolve("cuda", "Module.cuda")
        return self

    def type(self, dst_type: Any) -> Module:
        return self.to(dst_type)

    # ------------------------------------------------------------ state
    def state_dict(
        self, *args: Any, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict:
        """Parameters and persistent buffers by dotted name (detached; ``keep_vars`` keeps them as is)."""
        if args:  # PyTorch's deprecated positional form: (destination, prefix, keep_vars)
            destination = args[0]
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        out = OrderedDict() if destination is None else destination
        for module_prefix, module in self.named_modules(remove_duplicate=False):
            for registry in ("_parameters", "_buffers"):
                skip = module._non_persistent() if registry == "_buffers" else ()
                for name, value in (module.__dict__.get(registry) or {}).items():
                    if value is not None and name not in skip:
                        key = prefix + _traversal.join(module_prefix, name)
                        out[key] = value if keep_vars else value.detach()
        return out

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> _IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        Values may be Tensors of either engine or numpy arrays. Nothing is
        copied unless every shape matches; ``strict=True`` also requires the
        keys to match exactly. The error lists missing keys, unexpected keys
        and every shape mismatch with both shapes.
        """
        if assign:
            raise NotImplementedError("load_state_dict(assign=True) is not supported; values are copied")
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        arrays = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = np.asarray(value._data) if isinstance(value, TensorBase) else np.asarray(value)
            if array.shape != tuple(target.shape):
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {array.shape} from checkpoint, "
                    f"the shape in current model is {tuple(target.shape)}."
                )
            arrays[key] = array
        if strict:
            if unexpected:
                errors.insert(
                    0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + "."
                )
            if missing:
                errors.insert(
                    0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + "."
                )
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors)
            )
        with mytorch.no_grad():
            for key, array in arrays.items():
                own[key].copy_(array.astype(own[key].dtype, copy=False))
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr (subclasses override)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        texts: dict[int, str] = {}
        for module in _traversal.post_order(self):
            extra = module.extra_repr()
            lines = extra.split("\n") if extra else []
            child_lines = [
                f"({name}): " + _indent(texts[id(child)], 2) for name, child in _traversal.child_items(module)
            ]
            main = module._get_name() + "("
            if lines or child_lines:
                if len(lines) == 1 and not child_lines:
                    main += lines[0]
                else:
                    main += "\n  " + "\n  ".join(lines + child_lines) + "\n"
            texts[id(module)] = main + ")"
        return texts[id(self)]


def _indent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * spaces + line for line in lines[1:]])


def _moved(tensor: Any, where: _device.device) -> Any:
    """``tensor`` copied onto the engine ``where``: a Parameter stays a Parameter, ``.grad`` moves too."""
    with mytorch.no_grad():
        copy = tensor.detach().to(where)
        grad = None if tensor.grad is None else tensor.grad.detach().to(where)
    if isinstance(tensor, Parameter):
        copy = type(tensor)._parameter_class(copy, requires_grad=tensor.requires_grad)
    elif tensor.requires_grad:
        copy.requires_grad_(True)
    copy.grad = grad
    return copy


def _convert_(tensor: Any, dtype: np.dtype) -> None:
    """Change ``tensor``'s dtype in place (the object stays; so does its ``.grad``'s)."""
    if np.dtype(tensor.dtype) == dtype:
        return
    tensor._data = tensor.detach().to(dtype)._data
    if tensor.grad is not None:
        tensor.grad = tensor.grad.detach().to(dtype)
