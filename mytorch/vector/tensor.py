"""The vector engine's Tensor: a numpy array plus the autograd bookkeeping.

The API itself (operators, reductions, shapes, errors) is written once in
``mytorch._tensor_base``; this class supplies the primitives as graph nodes
from ``ops.py``, in-place operations guarded by a version counter, and
``backward``.

Example:
    >>> import mytorch.vector as mt
    >>> x = mt.tensor([1.0, -2.0, 3.0], requires_grad=True)
    >>> y = (x.relu() * 2).sum(); y.backward(); x.grad.tolist()
    [2.0, 0.0, 2.0]
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .. import _anomaly, _device, _dtype, _grad_fn, _graph, _hooks, _promotion, _repr
from .._errors import ShapeError
from .._indexing import as_view_index, is_basic_index, torch_index_steps
from .._size import Size
from .._tensor_base import (
    _NUMERIC_KINDS,
    TensorBase,
    broadcast_shapes,
    check_backward_gradient,
    check_setitem_fits,
    normalize_index,
    numeric_array,
)
from . import composite as _composite
from . import node as _node
from . import ops, pointwise

_BINARY = {
    "add": ops.Add,
    "sub": ops.Sub,
    "mul": ops.Mul,
    "div": ops.Div,
    "pow": ops.Pow,
    "maximum": ops.Maximum,
    "minimum": ops.Minimum,
}
_SCALAR_AS_ARRAY = frozenset(("add", "sub", "mul", "div"))  # ops whose backward never reads b - 1 etc.
_UNARY = {
    "neg": ops.Neg,
    "exp": ops.Exp,
    "log": ops.Log,
    "sqrt": ops.Sqrt,
    "abs": ops.Abs,
    "sin": ops.Sin,
    "cos": ops.Cos,
    "tanh": ops.Tanh,
    "sigmoid": ops.Sigmoid,
    "relu": ops.Relu,
}


_SCALAR_ARRAYS: dict[tuple[float, np.dtype], np.ndarray] = {}


def _scalar_array(value: float, dtype: np.dtype) -> np.ndarray:
    """``value`` as a read-only 0-d array of ``dtype``, memoised: code reuses a few constants.

    Zero is not memoised (0.0 == -0.0 as dict keys, and the sign matters); the memo
    is emptied when it reaches 1,024 entries.

    Example:
        >>> _scalar_array(0.5, np.dtype(np.float32)) is _scalar_array(0.5, np.dtype(np.float32))
        True
    """
    key = (value, dtype)
    arr = _SCALAR_ARRAYS.get(key)
    if arr is None:
        arr = np.asarray(value, dtype)
        if value:
            arr.flags.writeable = False
            if len(_SCALAR_ARRAYS) >= 1024:
                _SCALAR_ARRAYS.clear()
            _SCALAR_ARRAYS[key] = arr
    return arr


def as_array(data: Any, dtype: np.dtype | None = None) -> np.ndarray:
    """Convert user data to an array: Python floats take the default dtype, numpy keeps its own."""
    if isinstance(data, Tensor):
        arr = data._data
    else:
        arr = numeric_array(data)
        python_float = not isinstance(data, (np.ndarray, np.generic, TensorBase))
        if dtype is None and arr.dtype == np.float64 and python_float:
            arr = arr.astype(_dtype.get_default_dtype())
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


class Tensor(TensorBase):
    """An n-dimensional array that records operations for reverse-mode autograd."""

    # ``_view_src`` is set only on views (see ``_view``); it is read with getattr.
    # ``_views`` (a WeakSet of the views made of this tensor while recording) likewise.
    __slots__ = (
        "_data", "grad", "grad_fn", "_requires_grad", "_version", "_view_src", "_views", "_grad_hooks",
        "__weakref__",
    )

    _engine: Any = None  # set to the ``mytorch.vector`` module on import
    # slots set only on some tensors (read with getattr)
    _view_src: tuple[Any, Any, Any]  # a view's (base, redo, write_back)
    _views: Any  # a weakref.WeakSet of the views made while recording
    _grad_hooks: dict[Any, Any]  # a leaf's register_hook hooks

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self._data = np.array(as_array(data, _dtype.as_dtype(dtype)), copy=True)
        self.grad = None
        self.grad_fn = None
        self._version = [0]
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    # ------------------------------------------------------------ construction
    @classmethod
    def _wrap(cls, array: np.ndarray) -> Tensor:
        """A constant tensor around ``array`` (no copy)."""
        t = cls.__new__(cls)
        t._data = array
        t.grad = None
        t.grad_fn = None
        t._requires_grad = False
        t._version = [0]
        return t

    @classmethod
    def _from_node(cls, array: np.ndarray, node: _node.Node) -> Tensor:
        t = cls.__new__(cls)
        t._data = array
        t.grad = None
        t.grad_fn = node
        t._requires_grad = True
        t._version = [0]
        return t

    @classmethod
    def _from_numpy(cls, array: np.ndarray) -> Tensor:
        """A tensor over ``array`` itself: writes to either show in both, as torch.from_numpy."""
        if array.dtype.kind in _NUMERIC_KINDS:  # every numeric array is taken as it is
            return cls._wrap(array)
        return cls._wrap(as_array(array))  # raises the error

    def _constant(self, value: Any) -> Tensor:
        return value if isinstance(value, Tensor) else Tensor._wrap(as_array(value))

    # ------------------------------------------------------------ attributes
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and not _dtype.is_floating(self._data.dtype):
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self._data.dtype}"
            )
        if not value and self.grad_fn is not None:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use detach()")
        self._requires_grad = bool(value)

    @property
    def shape(self) -> Size:
        """The dims, as a ``mytorch.Size`` (a tuple), as PyTorch's ``torch.Size``."""
        return Size(self._data.shape)

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def data(self) -> Tensor:
        """This tensor's values without history, sharing memory (PyTorch's ``.data``).

        Writes through it change this tensor and are invisible to autograd (it has its
        own version counter), so ``p.data.add_(-lr * p.grad)`` updates a parameter.
        Assigning ``t.data = other`` makes ``t`` hold ``other``'s values (its shape may change).

        Example:
            >>> w = Tensor([1.0, 2.0], requires_grad=True)
            >>> _ = w.data.mul_(10); w.tolist(), w.data.requires_grad
            ([10.0, 20.0], False)
        """
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, new: Any) -> None:
        if isinstance(new, TensorBase) and not isinstance(new, Tensor):
            raise TypeError("cannot set the data of a vector Tensor to a micro Tensor")
        arr = new._data if isinstance(new, Tensor) else as_array(new)
        if self._requires_grad and not _dtype.is_floating(arr.dtype):
            raise RuntimeError(
                "data set to a tensor that requires gradients must be floating point, "
                f"got dtype {arr.dtype}"
            )
        self._data = arr

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied).

        Like PyTorch, refused on a tensor that requires grad: use ``t.detach().numpy()``.
        """
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def __repr__(self) -> str:
        return _repr.tensor_repr(self._data, _dtype.get_default_dtype(), self.grad_fn, self._requires_grad)

    # ------------------------------------------------------------ PyTorch's node names
    def _named(self, name: str, *inputs: Any) -> Tensor:
        """Give the node that made this result PyTorch's name for the call (``SumBackward1``)."""
        node = self.grad_fn
        if node is not None and all(node is not getattr(t, "grad_fn", None) for t in inputs):
            node._label = name
        return self

    _composite = staticmethod(_composite.composite)

    # ------------------------------------------------------------ primitives
    def _operand(self, op: str, other: Any) -> Any:
        """Python numbers stay scalars (dtype-neutral); arrays become constant tensors."""
        if isinstance(other, Tensor):
            if other._data.shape != self._data.shape:
                broadcast_shapes(op, self._data.shape, other._data.shape)
            return other
        if isinstance(other, (np.generic, np.ndarray)) and np.ndim(other) == 0:
            return other.item()  # a numpy scalar is a plain number: no float64 upcast
        if isinstance(other, (bool, int, float)):
            return other
        if isinstance(other, TensorBase):
            raise _device.mismatch(op, self, other)
        other = Tensor._wrap(as_array(other))
        broadcast_shapes(op, self._data.shape, other._data.shape)
        return other

    def _binary(self, op: str, other: Any, reverse: bool = False) -> Tensor:
        if type(other) is not float:  # a Python float needs no conversion: the per-op hot path
            other = self._operand(op, other)
        a = self
        if isinstance(other, float):
            if self._data.dtype.kind != "f":  # an int or bool tensor meets a float: promote
                a = self.to(_dtype.get_default_dtype())
            if op in _SCALAR_AS_ARRAY or (reverse and op == "pow"):
                # numpy is ~2x faster with a 0-d array of the tensor's dtype than with a
                # Python float, and the result is bit-identical (numpy casts the float first).
                # For ``2.0 ** x`` it also keeps backward's log(2.0) in the tensor's dtype.
                dtype = a._data.dtype
                memo = _SCALAR_ARRAYS.get((other, dtype))  # the memo read inline: every op
                other = memo if memo is not None else _scalar_array(other, dtype)
        elif isinstance(other, Tensor):
            if other._data.dtype is not a._data.dtype:  # builtin dtypes are singletons: O(1)
                dtype = _promotion.result_type(a, other)  # PyTorch's rule, not numpy's
                if op == "div" and dtype.kind != "f":
                    dtype = _dtype.get_default_dtype()
                if np.result_type(a._data, other._data) != dtype:  # cast only where numpy would differ
                    a, other = a.to(dtype), other.to(dtype)
            elif op == "div" and a._data.dtype.kind != "f":  # true division of integers or bools
                dtype = _dtype.get_default_dtype()
                a, other = a.to(dtype), other.to(dtype)
        elif op == "div" and self._data.dtype.kind != "f":  # an int or bool tensor / a Python int
            a = self.to(_dtype.get_default_dtype())
        elif op == "pow" and self._data.dtype.kind == "b":  # numpy's bool ** int is int8: PyTorch's dtype
            out = np.power(other, self._data) if reverse else np.power(self._data, other)
            return Tensor._wrap(np.asarray(out).astype(_promotion.result_type(self, other)))
        if reverse:
            return _BINARY[op].apply2(other, a)
        return _BINARY[op].apply2(a, other)

    def _unary(self, op: str) -> Tensor:
        return _UNARY[op].apply(self)

    def _pointwise(self, name: str) -> Tensor:
        return pointwise.apply(self, name)

    def _index_add(self, shape: tuple[int, ...], index: Any) -> Tensor:
        return ops.IndexAdd.apply(self, shape=shape, index=index)

    def _compare(self, fn: Any, other: Any) -> Tensor:
        other = self._operand(fn.__name__, other)
        if _anomaly.enabled:
            _anomaly.note(f"comparison ({fn.__name__}: a boolean result)", (self, other))
        a = self._data
        if isinstance(other, Tensor):
            other = other._data
            if other.dtype is not a.dtype:  # compare in PyTorch's common dtype (float32 == 0-d float64)
                dtype = _promotion.result_type(self, other)
                a, other = a.astype(dtype, copy=False), other.astype(dtype, copy=False)
        elif isinstance(other, float) and a.dtype.kind != "f":
            a = a.astype(_dtype.get_default_dtype())
        return Tensor._wrap(np.asarray(fn(a, other)))

    def _clamp(self, lo: Any, hi: Any) -> Tensor:
        return ops.Clamp.apply(self, lo, hi)

    def _sum(self, dims: tuple[int, ...] | None, keepdim: bool) -> Tensor:
        return ops.Sum.apply(self, axes=dims, keepdims=keepdim)

    def _mean(self, dims: tuple[int, ...] | None, keepdim: bool, count: int) -> Tensor:
        return ops.Mean.apply(self, axes=dims, keepdims=keepdim, count=count)

    def _max(self, dim: int | None, keepdim: bool, minimum: bool) -> Tensor:
        return ops.Max.apply(self, axis=dim, keepdims=keepdim, minimum=minimum)

    def _amax(self, dims: tuple[int, ...] | None, keepdim: bool, minimum: bool) -> Tensor:
        return ops.Amax.apply(self, axes=dims, keepdims=keepdim, minimum=minimum)

    def _view(self, out: Tensor, redo: Any, write_back: Any) -> Tensor:
        """A result sharing memory with ``self`` shares its version counter.

        It also remembers how it was made (``redo(base)``) and how to write a
        new value of it into its base (``write_back(base, value)``), so that an
        in-place op on the view updates the base's graph too (PyTorch's
        CopySlices): ``y[1:].mul_(2)`` sends the right gradient through ``y``.
        """
        if np.may_share_memory(out._data, self._data):
            out._version = self._version
            out._view_src = (self, redo, write_back)
            if _graph._mode.enabled:  # the base regenerates the view's history after in-place writes
                views = getattr(self, "_views", None)
                if views is None:
                    self._views = views = weakref.WeakSet()
                views.add(out)
        return out

    def _reshape(self, shape: tuple[int, ...]) -> Tensor:
        return self._view(
            ops.Reshape.apply(self, shape=shape),
            lambda base: base._reshape(shape),
            lambda base, value: base.__setitem__(Ellipsis, value.reshape(base.shape)),
        )

    def _permute(self, axes: tuple[int, ...]) -> Tensor:
        inverse = tuple(np.argsort(axes))
        return self._view(
            ops.Permute.apply(self, axes=axes),
            lambda base: base._permute(axes),
            lambda base, value: base.__setitem__(Ellipsis, value.permute(*inverse)),
        )

    def _expand(self, shape: tuple[int, ...]) -> Tensor:
        out = ops.Expand.apply(self, shape=shape)  # read-only: never written through
        out._version = self._version
        return out

    def _matmul(self, other: Tensor) -> Tensor:
        return ops.MatMul.apply(self, other)

    def _softmax(self, dim: int) -> Tensor:
        return ops.Softmax.apply(self, axis=dim)

    def _log_softmax(self, dim: int) -> Tensor:
        return ops.LogSoftmax.apply(self, axis=dim)

    @classmethod
    def _cat(cls, tensors: list[Tensor], dim: int) -> Tensor:
        return ops.Cat.apply(*tensors, axis=dim)

    @classmethod
    def _where(cls, cond: np.ndarray, a: Any, b: Any) -> Tensor:
        """``a`` where ``cond`` else ``b``, in PyTorch's result dtype of ``a`` and ``b``."""
        dtype = _promotion.result_type(a, b)
        a = a.to(dtype) if isinstance(a, Tensor) else as_array(a, dtype)
        b = b.to(dtype) if isinstance(b, Tensor) else as_array(b, dtype)
        return ops.Where.apply(cond, a, b)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Cast to ``dtype`` (differentiable); devices: ``"cpu"`` or ``device("cpu")``."""
        where, dtype = _device.parse_to(args, kwargs, "Tensor.to", Tensor._location)
        if where is not None and where != Tensor._location:
            moved = self._to_engine(where)
            return moved if dtype is None else moved.to(dtype)
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype == self._data.dtype:
            return self
        if self._requires_grad and not _dtype.is_floating(dtype):
            return Tensor._wrap(self._data.astype(dtype))
        return ops.Cast.apply(self, dtype=dtype)

    def clone(self) -> Tensor:
        return ops.Clone.apply(self)

    def detach(self) -> Tensor:
        """Same data and version counter, cut from the graph."""
        t = Tensor._wrap(self._data)
        t._version = self._version
        if _anomaly.enabled:  # remember the user's line for mytorch.explain
            _anomaly.note("detach()", (self,))
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ------------------------------------------------------------ indexing
    def __getitem__(self, index: Any) -> Tensor:
        index = normalize_index(index)
        if is_basic_index(index):
            index = as_view_index(index)  # ``t[1]`` is a 0-d view, as in PyTorch, not a copy
        else:
            steps = torch_index_steps(index)
            if len(steps) > 1:  # PyTorch's order: the ints select first, then the advanced part
                return self[steps[0]][steps[1]]
        return self._view(
            ops.GetItem.apply(self, index=index)._named(_grad_fn.index_name(index), self),
            lambda base: base[index],
            lambda base, value: base.__setitem__(index, value),
        )

    def __setitem__(self, index: Any, value: Any) -> None:
        index = normalize_index(index)
        if isinstance(value, TensorBase) and not isinstance(value, Tensor):
            raise TypeError("cannot assign a micro Tensor into a vector Tensor")
        steps = torch_index_steps(index)
        if len(steps) > 1:  # write through the view the ints select (PyTorch's order)
            self[steps[0]][steps[1]] = value
            return
        value_shape = np.shape(value._data if isinstance(value, Tensor) else value)
        if value_shape:  # numbers always fit; arrays must broadcast to the indexed shape
            check_setitem_fits(value_shape, self._data[index].shape)
        self._inplace(ops.SetItem, value, index=index)

    # ------------------------------------------------------------ in-place
    def _inplace(self, op: type[_node.Node], *args: Any, **kwargs: Any) -> Tensor:
        """Run ``op`` on self and write the result into self's memory.

        When a graph is recorded the tensor adopts the op's ``grad_fn``; its
        version counter is bumped so that backward through a node that saved
        the old values raises instead of silently using the new ones.
        """
        recording = _graph._mode.enabled and (
            self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        )
        if recording:
            if self.grad_fn is None and self._requires_grad:
                raise RuntimeError(
                    f"a leaf Variable that requires grad (shape {tuple(self.shape)}) is being "
                    "used in an in-place operation; wrap it in `with no_grad():` or use .clone()"
                )
            if op.saves_inputs:  # backward reads the old values: keep a copy (PyTorch's original_self)
                old = Tensor._wrap(self._data.copy())
                old.grad_fn, old._requires_grad = self.grad_fn, self._requires_grad
            else:
                old = Tensor._wrap(self._data)
                old.grad_fn, old._requires_grad, old._version = (
                    self.grad_fn,
                    self._requires_grad,
                    self._version,
                )
            out = op.apply(old, *args, **kwargs)
            if out._data.dtype != self._data.dtype:  # e.g. float32 += float64: the result is cast back
                out = out.to(self._data.dtype)
            view_src = getattr(self, "_view_src", None)
            if view_src is not None:  # a view: write into the base, then view it again
                base, redo, write_back = view_src
                write_back(base, out)  # differentiable, bumps the shared version counter
                self.grad_fn, self._requires_grad = redo(base).grad_fn, True
                return self
            np.copyto(self._data, out._data, casting="unsafe")
            self.grad_fn, self._requires_grad = out.grad_fn, True
            self._version[0] += 1
            if getattr(self, "_views", None):
                _regenerate_views(self)
            return self
        else:
            arrays = [a._data if isinstance(a, Tensor) else a for a in args]
            result = op.__new__(op).forward(self._data, *arrays, **kwargs)
            if self._data.flags.writeable:
                np.copyto(self._data, result, casting="unsafe")
            else:
                raise RuntimeError(
                    f"cannot write into this tensor (shape {tuple(self.shape)}): it is a "
                    "broadcast (expand) view; use .clone() first"
                )
        self._version[0] += 1
        return self

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._inplace(ops.Add, self._inplace_operand(other * alpha if alpha != 1 else other, "add_"))

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._inplace(ops.Sub, self._inplace_operand(other * alpha if alpha != 1 else other, "sub_"))

    def mul_(self, other: Any) -> Tensor:
        return self._inplace(ops.Mul, self._inplace_operand(other, "mul_"))

    def div_(self, other: Any) -> Tensor:
        return self._inplace(ops.Div, self._inplace_operand(other, "div_"))

    def pow_(self, other: Any) -> Tensor:
        return self._inplace(ops.Pow, self._inplace_operand(other, "pow_"))

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        if isinstance(min, TensorBase) or isinstance(max, TensorBase):
            self[...] = self.clamp(min, max)  # bounds that may need gradients: the composite
            return self
        return self._inplace(ops.Clamp, min, max)

    def relu_(self) -> Tensor:
        return self._inplace(ops.Relu)

    def exp_(self) -> Tensor:
        return self._inplace(ops.Exp)

    def neg_(self) -> Tensor:
        return self._inplace(ops.Neg)

    def _inplace_operand(self, other: Any, op: str = "in-place op") -> Any:
        """``other`` checked for ``self op= other``: shapes, and PyTorch's dtype rule.

        The result dtype (PyTorch's promotion) must be castable to self's dtype
        (``int_tensor += 1.5`` raises); a tensor operand is cast to it.
        """
        other = self._operand(op, other)
        own = self._data.dtype
        if own.kind != "f" or (isinstance(other, Tensor) and other._data.dtype is not own):
            dtype = _promotion.inplace_result_type(op, self, other)
            if isinstance(other, Tensor):
                other = other.to(dtype)
        if isinstance(other, Tensor) and np.broadcast_shapes(
            self._data.shape, other._data.shape
        ) != self._data.shape:
            raise ShapeError(
                f"in-place op: the result of shape "
                f"{np.broadcast_shapes(self._data.shape, other._data.shape)} does not fit in "
                f"the tensor's shape {tuple(self.shape)}"
            )
        return other

    # ------------------------------------------------------------ autograd
    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor replaces it.

        Example:
            >>> x = Tensor([1.0, 2.0], requires_grad=True)
            >>> h = x.register_hook(lambda g: g * 10)
            >>> (x * x).sum().backward(); x.grad.tolist()
            [20.0, 40.0]
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        owner = self.grad_fn if self.grad_fn is not None else self
        if owner is self:
            _node.leaf_hooks_in_use = True
        hooks = getattr(owner, "_grad_hooks", None)
        if hooks is None:
            hooks = owner._grad_hooks = {}
        return _hooks.add(hooks, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is not None:
            _node.retain(self.grad_fn, self)
        elif not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor (PyTorch's name)."""
        kept = None if self.grad_fn is None else self.grad_fn._retained
        return kept is not None and kept() is self

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: list[Tensor] | None = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad."""
        if not self._requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn "
                f"(shape {tuple(self.shape)}); did you detach() it or compute it under no_grad?"
            )
        grad = _seed_gradient(self, gradient, create_graph)
        if retain_graph is None:
            retain_graph = create_graph
        if inputs is not None:
            from .autograd import grad as _grad

            results = _grad([self], list(inputs), [grad], retain_graph, create_graph, True)
            for t, g in zip(inputs, results):
                if g is not None:
                    _node._accumulate_leaf(t, g if create_graph else g._data, False)
            return
        _node.run_backward([self.grad_fn or self], [grad], retain_graph, create_graph)


_node.Tensor = Tensor  # node.py cannot import this module (circular); it reads this global


def _regenerate_views(base: Tensor) -> None:
    """After an in-place write to ``base``, give each of its live views (and theirs) a new history.

    A view's ``grad_fn`` was recorded from the base's old history; PyTorch regenerates
    it from the base, so ``b[0:2]`` made before ``b.mul_(2)`` sends gradients through
    the ``mul_``. Iterative over views of views.
    """
    stack = [base]
    while stack:
        source = stack.pop()
        for view in list(getattr(source, "_views", ()) or ()):
            redone = view._view_src[1](source)
            view.grad_fn, view._requires_grad = redone.grad_fn, redone._requires_grad
            stack.append(view)


def _seed_gradient(t: Tensor, gradient: Any, create_graph: bool) -> Any:
    """The gradient backward starts from: ones for a scalar, else the user's."""
    if gradient is None and t._data.size == 1:  # ``loss.backward()``: checked by the size itself
        g = np.empty(t._data.shape, t._data.dtype)
        g.fill(1)  # np.ones, without its two Python-level calls
        return Tensor._wrap(g) if create_graph else g
    check_backward_gradient(t, gradient)
    seed = gradient if isinstance(gradient, Tensor) else Tensor._wrap(as_array(gradient, t.dtype))
    return seed if create_graph else seed._data
