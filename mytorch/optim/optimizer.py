"""``Optimizer``: the base class every optimizer builds on, engine-agnostic.

An optimizer holds ``param_groups`` (a list of dicts: ``"params"`` plus the
group's hyper-parameters) and ``state`` (one dict per parameter: numpy
buffers such as ``exp_avg`` and a ``step`` count). Subclasses implement
``step``; the updates are numpy arithmetic on ``p._data`` and ``p.grad._data`` (the arrays),
so the same code serves ``mytorch.vector`` and ``mytorch.micro`` tensors.

Example:
    >>> import mytorch.vector as mt
    >>> from mytorch.optim import SGD
    >>> w = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.5)
    >>> (w * w).sum().backward(); opt.step(); w.tolist()
    [0.0, 0.0]
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import _graph
from .._tensor_base import TensorBase

__all__ = ["Optimizer", "ParamsT"]

ParamsT = Iterable[TensorBase] | Iterable[dict[str, Any]] | Iterable[tuple[str, TensorBase]]

_SET_MESSAGE = (
    "optimizer parameters need to be organized in ordered collections, but the ordering of "
    "tensors in sets will change between runs. Please use a list instead."
)


def _describe(p: TensorBase) -> str:
    return f"{type(p).__module__}.Tensor of shape {tuple(p.shape)}"


def write_back(p: TensorBase, data: np.ndarray) -> None:
    """Store updated values into ``p`` and bump its version counter.

    ``data`` is the array obtained from ``p._data`` and updated in place: for
    the vector engine it *is* the parameter's memory and the assignment is a
    no-op; for the micro engine the assignment writes the values back. The
    version bump makes a backward through a graph that saved ``p`` before the
    update raise, as PyTorch does after ``optimizer.step()``.
    """
    p._data = data
    version = getattr(p, "_version", None)
    if isinstance(version, list):
        version[0] += 1


class Optimizer:
    """Base class: parameter groups, per-parameter state, ``zero_grad`` and ``state_dict``.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts
            (parameter groups) each with a ``"params"`` entry and optional
            per-group hyper-parameters that override ``defaults``.
        defaults: the hyper-parameters a group gets when it does not set them.

    Example:
        >>> import mytorch.vector as mt
        >>> from mytorch.optim import SGD
        >>> a, b = mt.zeros(2, requires_grad=True), mt.zeros(3, requires_grad=True)
        >>> opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.1}], lr=0.01)
        >>> [g["lr"] for g in opt.param_groups]
        [0.01, 0.1]
    """

    _opt_called: bool  # set by each subclass's wrapped ``step`` (lr schedulers check the order)

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, TensorBase):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got a single {_describe(params)}; wrap it in a list: [param]"
            )
        if isinstance(params, dict):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                "but got a dict; pass a list of parameter groups: [group]"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        self.state: defaultdict[TensorBase, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups: list[Any] = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wrap each subclass's ``step`` to note that it ran (lr schedulers warn about the order)."""
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is None or getattr(step, "_marks_called", False):
            return

        @functools.wraps(step)
        def wrapper(self: Optimizer, *args: Any, **kw: Any) -> Any:
            self._opt_called = True
            return step(self, *args, **kw)

        wrapper._marks_called = True  # type: ignore[attr-defined]
        cls.step = wrapper  # type: ignore[method-assign]

    # ------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with optional hyper-parameters) to ``param_groups``.

        Example:
            >>> import mytorch.vector as mt
            >>> from mytorch.optim import SGD
            >>> opt = SGD([mt.zeros(2, requires_grad=True)], lr=0.1)
            >>> opt.add_param_group({"params": [mt.zeros(3, requires_grad=True)], "lr": 0.5})
            >>> [g["lr"] for g in opt.param_groups]
            [0.1, 0.5]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        param_group = dict(param_group)
        if "params" not in param_group:
            raise ValueError(
                f"param_group needs a 'params' entry, got keys {sorted(param_group)}"
            )
        params = param_group["params"]
        if isinstance(params, TensorBase):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        params = list(params)

        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            param_group["param_names"] = names
            params = [p[1] for p in params]
        for i, p in enumerate(params):
            if not isinstance(p, TensorBase):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but parameter {i} of the group is "
                    f"{type(p).__module__}.{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"can't optimize a non-leaf Tensor (parameter {i} of the group, "
                    f"shape {tuple(p.shape)}, made by {type(p.grad_fn).__name__}); "
                    "use .detach().requires_grad_() to make a leaf"
                )
        param_group["params"] = params

        for name, default in self.defaults.items():
            param_group.setdefault(name, default)

        ids = [id(p) for p in params]
        if len(ids) != len(set(ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "each will be updated once per duplicate",
                stacklevel=3,
            )
        for g_index, group in enumerate(self.param_groups):
            if ("param_names" in param_group) != ("param_names" in group):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {kind} to the optimizer"
                )
            existing = {id(q) for q in group["params"]}
            for i, p in enumerate(params):
                if id(p) in existing:
                    raise ValueError(
                        f"some parameters appear in more than one parameter group: parameter {i} "
                        f"of the new group ({_describe(p)}) is already in parameter group {g_index}"
                    )
        self.param_groups.append(param_group)

    # ------------------------------------------------------------ steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (default), or to zeros in place.

        Example:
            >>> import mytorch.vector as mt
            >>> from mytorch.optim import SGD
            >>> w = mt.ones(2, requires_grad=True); (w * 3).sum().backward()
            >>> opt = SGD([w]); opt.zero_grad(set_to_none=False); w.grad.tolist()
            [0.0, 0.0]
            >>> opt.zero_grad(); w.grad is None
            True
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if p.grad.grad_fn is not None:
                    p.grad = p.grad.detach()
                g = p.grad._data
                g[...] = 0
                p.grad._data = g

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once from their ``.grad``; subclasses implement the rule.

        ``closure``, when given, re-evaluates the model and returns the loss
        (it runs with grad enabled); ``step`` returns that loss.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    @staticmethod
    def _run_closure(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with _graph.enable_grad():
            return closure()

    @staticmethod
    def _hyper(group: dict[str, Any], *names: str) -> tuple[float, ...]:
        """The group's hyper-parameters as Python floats (numpy scalars would upcast float32)."""
        return tuple(map(float, map(group.__getitem__, names)))  # no Python frame: runs every step

    # ------------------------------------------------------------ state dict
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout, with parameters replaced by integer indices.

        ``{"state": {index: {name: value}}, "param_groups": [{..., "params": [index, ...]}]}``;
        indices count through all groups in order. Arrays are copied, so later
        steps do not change a saved dict.

        Example:
            >>> import mytorch.vector as mt
            >>> from mytorch.optim import SGD
            >>> opt = SGD([mt.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
            >>> sd = opt.state_dict(); sd["param_groups"][0]["params"], sd["state"]
            ([0], {})
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {k: _copy_value(v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a dict from ``state_dict()``: hyper-parameters and per-parameter state.

        The optimizer must have the same number of groups with the same number
        of parameters (matched by position); state arrays must fit their
        parameter's shape and are cast to its dtype.

        Example:
            >>> import mytorch.vector as mt
            >>> from mytorch.optim import SGD
            >>> opt = SGD([mt.zeros(2, requires_grad=True)], lr=0.1)
            >>> opt2 = SGD([mt.zeros(2, requires_grad=True)], lr=0.5)
            >>> opt2.load_state_dict(opt.state_dict()); opt2.param_groups[0]["lr"]
            0.1
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(
                f"an optimizer state dict needs the keys 'state' and 'param_groups', got {got}"
            )
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        groups = self.param_groups
        if len(groups) != len(saved_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, but the optimizer "
                f"has {len(groups)}"
            )
        for i, (g, s) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group that doesn't match the size of "
                    f"optimizer's group: saved group {i} has {len(s['params'])} parameters, the "
                    f"optimizer's group {i} has {len(g['params'])}"
                )
        id_map = {
            saved: p for g, s in zip(groups, saved_groups) for saved, p in zip(s["params"], g["params"])
        }
        state: defaultdict[TensorBase, dict[str, Any]] = defaultdict(dict)
        for key, values in state_dict["state"].items():
            if key not in id_map:
                raise ValueError(
                    f"loaded state dict has state for parameter index {key!r}, but its groups only "
                    f"list indices {sorted(id_map)}"
                )
            p = id_map[key]
            state[p] = {name: _cast_state(p, key, name, v) for name, v in values.items()}
        self.state = state
        new_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            new_groups.append(s)
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k not in ("params", "param_names")]
        return "\n".join(lines) + "\n)"


def _copy_value(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else copy.deepcopy(value)


def _cast_state(p: TensorBase, index: Any, name: str, value: Any) -> Any:
    """A copy of a saved state entry; floating arrays take the parameter's dtype (and must fit its shape)."""
    if not isinstance(value, np.ndarray):
        return copy.deepcopy(value)
    if value.shape != tuple(p.shape):
        raise ValueError(
            f"loaded state {name!r} for parameter index {index} has shape {value.shape}, but the "
            f"parameter has shape {tuple(p.shape)}"
        )
    dtype = np.asarray(p._data).dtype
    if np.issubdtype(value.dtype, np.floating) and value.dtype != dtype:
        return value.astype(dtype)
    return value.copy()
