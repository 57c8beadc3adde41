"""``mytorch.explain``: how one gradient element was computed, term by term.

Example:
    >>> import mytorch.micro as mm
    >>> mm.manual_seed(0)
    >>> net = mm.nn.Linear(2, 1)
    >>> loss = net(mm.tensor([[1.0, -2.0]])).sum()
    >>> loss.backward()
    >>> e = explain(net.weight, (0, 1), root=loss, model=net)
    >>> e.target, e.value, net.weight.grad[0, 1].item()
    ('weight[0, 1]', -2.0, -2.0)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from .result import Explanation, Term

__all__ = ["explain", "Explanation", "Term"]


def _normalize_index(index: Any, shape: tuple) -> tuple:
    size = int(np.prod(shape)) if shape else 1
    if index is None:
        if size != 1:
            raise ValueError(
                f"explain: the tensor has shape {shape} ({size} elements): pass index= to pick one"
            )
        return (0,) * len(shape)
    items = index if isinstance(index, tuple) else (index,)
    if len(items) != len(shape) or not all(isinstance(i, numbers.Integral) for i in items):
        raise IndexError(f"explain: index {index!r} does not pick one element of a tensor of shape {shape} "
                         f"(give {len(shape)} integers)")
    out = []
    for dim, (i, n) in enumerate(zip(items, shape)):
        if not -n <= i < n:
            raise IndexError(f"explain: index {index!r} is out of range for shape {shape} "
                             f"(dim {dim} has size {n}, got {i})")
        out.append(int(i) % n)
    return tuple(out)


def _names_of(model: Any, params: Mapping[str, Any] | None) -> dict[str, Any]:
    named = dict(params or {})
    if model is not None:
        named.update(dict(model.named_parameters()))
    return named


def explain(
    t: Any,
    index: Any = None,
    root: Any = None,
    *,
    gradient: Any = None,
    model: Any = None,
    params: Mapping[str, Any] | None = None,
    max_depth: int = 6,
    max_terms: int = 6,
) -> Explanation:
    """How ``d(root)/d(t)[index]`` was computed by backward, as a sum of chain-rule terms.

    Args:
        t: a micro Value, a micro Tensor or a vector Tensor (a parameter, an input, any
            tensor of the graph).
        index: the element of ``t`` (a tuple of ints; None for a one-element tensor).
        root: the tensor backward starts from (the loss).
        gradient: as for ``root.backward(gradient)`` when the root is not a scalar.
        model, params: name the parameters (``0.weight[1, 0]``): a Module, or a mapping
            ``name -> tensor``.
        max_depth: list the nodes at most this many steps from ``t`` toward the root.
        max_terms: show at most this many terms per sum (the rest summed, and counted).

    micro: every term is ``local x upstream``: the derivative the consumer stored and the
    gradient the last ``root.backward()`` left on it (call backward first). vector: backward
    is replayed, so call it before ``root.backward()`` or after ``backward(retain_graph=True)``.
    Returns an :class:`Explanation` (printing it prints the derivation); when no gradient
    reaches ``t``, its ``reason`` says why (no path; where it was cut).
    """
    from ..micro.value import Value
    from ..viz import _micro

    if root is None:
        raise ValueError("explain: pass root=, the tensor backward starts from (the loss); the chain rule is "
                         "followed from it down to the tensor")
    names = _names_of(model, params)
    label = next((n for n, p in names.items() if p is t), None)
    if isinstance(t, Value):
        if not _micro.is_value(root) and not _micro.is_tensor(root):
            raise TypeError("explain: a micro Value's root must be a micro Value or micro Tensor")
        return _explain_micro(t, label or "value", root, gradient, names, max_depth, max_terms)
    if _micro.is_tensor(t):
        if not _micro.is_tensor(root) and not _micro.is_value(root):
            raise TypeError(f"explain: t is a micro Tensor but root is a {type(root).__name__}")
        idx = _normalize_index(index, tuple(t.shape))
        if not t._is_float or not (t.requires_grad or t.grad_fn is not None):
            return _no_gradient(t, idx, label or "tensor", root)
        value = _micro.value_array(t)[idx]
        where = "[" + ", ".join(map(str, idx)) + "]"
        return _explain_micro(value, f"{label or 'tensor'}{where}", root, gradient, names, max_depth,
                              max_terms, tensor=t, index=idx)
    from ..vector.tensor import Tensor as VectorTensor

    if isinstance(t, VectorTensor):
        if not isinstance(root, VectorTensor):
            raise TypeError(f"explain: t is a vector Tensor but root is a {type(root).__name__}")
        idx = _normalize_index(index, tuple(t.shape))
        _check_root(root, gradient)
        if not t.requires_grad:
            return _no_gradient(t, idx, label or "tensor", root)
        from ..viz.trace import seed_for, vector_trace
        from .vector import explain_element

        tr = vector_trace([root], [seed_for(root, gradient)])
        node_names = {id(p): n for n, p in names.items()}
        found = explain_element(t, idx, label or "tensor", tr, node_names, max_depth, max_terms)
        return found if found is not None else _no_gradient(t, idx, label or "tensor", root)
    raise TypeError(
        f"explain: expected a micro Value, a micro Tensor or a vector Tensor, got {type(t).__name__}"
    )


def _check_root(root: Any, gradient: Any) -> None:
    from ..viz.trace import seed_for

    if not root.requires_grad:
        raise RuntimeError(
            f"explain: the root (shape {tuple(root.shape)}) has no graph: it does not require grad and "
            "has no grad_fn (was it computed under no_grad(), from detach()ed tensors, or from inputs that "
            "do not require grad?)"
        )
    seed_for(root, gradient)  # a non-scalar root needs gradient=


def _explain_micro(value: Any, name: str, root: Any, gradient: Any, names: dict[str, Any], max_depth: int,
                   max_terms: int, tensor: Any = None, index: tuple | None = None) -> Explanation:
    from ..viz import _micro
    from .micro import explain_value

    if _micro.is_tensor(root):
        _check_root(root, gradient)
        roots = _micro.tensor_values(root)
    else:
        roots = [root]
    if not any(r.grad for r in roots):
        raise RuntimeError("explain: the root's gradient is 0: call root.backward() first (micro explains "
                           "the gradients the last backward left on the Values)")
    value_names: dict[int, str] = {}
    for n, p in names.items():
        if _micro.is_tensor(p):
            arr = _micro.value_array(p)
            for idx in np.ndindex(arr.shape):
                value_names[id(arr[idx])] = f"{n}[{', '.join(map(str, idx))}]" if idx else n
        elif _micro.is_value(p):
            value_names[id(p)] = n
    found = explain_value(value, value_names.get(id(value), name), roots, value_names, max_depth, max_terms)
    if found is None:
        return _no_gradient(tensor if tensor is not None else value, index, name, root)
    return found


def _no_gradient(t: Any, index: tuple | None, name: str, root: Any) -> Explanation:
    from .stopped import why_no_gradient

    if not hasattr(t, "requires_grad"):  # a bare micro Value that the root does not reach
        reason = f"no path from the root to {name}: it was not used to compute the root"
    else:
        _check_root(root, None if int(np.prod(root.shape)) == 1 else np.ones(root.shape))
        reason = why_no_gradient(t, name, root)
    lines = [f"d(root)/d({name}) = 0: no gradient reaches it.", reason]
    return Explanation(name, 0.0, [], lines, {}, reason)
