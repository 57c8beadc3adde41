"""The micro engine's Tensor: a numpy object array of ``Value`` nodes.

Every element is a scalar ``Value``; an operation on tensors is numpy applying
the Value operation to every element (``np.add`` on object arrays calls
``Value.__add__``), so the graph is the exact, element-by-element chain rule.
Views (``reshape``, ``permute``, ``expand``, basic indexing) are numpy views of
the *same* Value objects: no new nodes, and their gradient is exact. The API
(operators, reductions, shapes, errors) is ``mytorch._tensor_base``, shared
with the vector engine; this class supplies the primitives.

Floating tensors hold float64 Values whatever floating dtype is asked for
(Values hold Python floats); integer and bool tensors (indices, comparison
results) hold a plain numpy array and never require grad.

Where this engine differs from the vector engine (and PyTorch):

* ``.numpy()`` returns a new float array; ``.data`` is a tensor of new Values
  without history whose writes (``p.data.add_(x)``, ``p.data[0] = 5``) are stored
  into ``p``'s own Values, but it does not see later changes of ``p``;
  ``detach()`` makes new Values rather than sharing memory.
* There is no version counter: each Value stores its local derivatives when it
  is computed, so changing a tensor in place after it was used does not make
  the earlier graph's backward raise; it backpropagates the values of the time.
* An in-place change of a tensor updates the ``grad_fn`` of the tensor (and of
  the base it is a view of), not of other views already taken of it.
* ``_GROUP`` tagging (see ``value.py``) is process-global, not per thread.

Example:
    >>> import mytorch.micro as mm
    >>> x = mm.tensor([1.0, -2.0, 3.0], requires_grad=True)
    >>> y = (x.relu() * 2).sum(); y.backward(); x.grad.tolist()
    [2.0, 0.0, 2.0]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import _anomaly, _device, _dtype, _grad_fn, _graph, _hooks, _promotion, _repr
from .._errors import ShapeError
from .._graph import _mode
from .._indexing import as_view_index, is_basic_index, torch_index_steps
from .._size import Size
from .._tensor_base import (
    TensorBase,
    broadcast_shapes,
    check_backward_gradient,
    check_setitem_fits,
    normalize_index,
    numeric_array,
)
from . import arrays, pointwise
from . import value as _v
from .graph import Record, add_hook, next_of, retain, run_backward
from .value import Value

_BINARY = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.true_divide,
    "pow": np.power,
    "maximum": np.frompyfunc(_v.maximum, 2, 1),
    "minimum": np.frompyfunc(_v.minimum, 2, 1),
}
_NUMERIC = {"maximum": np.maximum, "minimum": np.minimum}
_UNARY = {
    "neg": Value.__neg__,
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "abs": Value.__abs__,
    "sin": Value.sin,
    "cos": Value.cos,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
}
_UNARY_ARRAYS: dict[str, Callable[..., np.ndarray]] = {
    name: arrays.ufunc(fn, 1) for name, fn in _UNARY.items()
}
_CLAMP = arrays.ufunc(_v.clamp, 3)
_group_ids = itertools.count(1)


def as_array(data: Any, dtype: np.dtype | None = None) -> np.ndarray:
    """User data as a numeric numpy array; a floating ``dtype`` means float64 here."""
    arr = numeric_array(data)
    if dtype is not None and _dtype.is_floating(dtype):
        dtype = np.dtype(np.float64)
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


def _storage(arr: np.ndarray) -> np.ndarray:
    """What a tensor keeps: fresh Values for floating data, a copy of the array otherwise."""
    if _dtype.is_floating(arr.dtype):
        return arrays.to_values(arr)
    return np.array(arr, copy=True)


class Tensor(TensorBase):
    """An n-dimensional array of ``Value`` nodes with the vector engine's Tensor API."""

    __slots__ = (
        "_values", "grad", "grad_fn", "_requires_grad", "_base", "_data_of", "_grad_hooks", "__weakref__",
    )
    _base: Tensor | None  # the tensor this one is a view of
    _data_of: Tensor | None  # for ``t.data``: the tensor its writes go to
    _grad_hooks: dict[int, Any] | None

    _engine: Any = None  # set to the ``mytorch.micro`` module on import
    _location = _device.MICRO

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self._values = _storage(as_array(data, _dtype.as_dtype(dtype)))
        self.grad = None
        self.grad_fn = None
        self._requires_grad = False
        self._base = None
        if requires_grad:
            self.requires_grad = True

    # ------------------------------------------------------------ construction
    @classmethod
    def _wrap(cls, values: np.ndarray) -> Tensor:
        """A constant tensor around ``values`` (Values or a numeric array; not copied)."""
        t = cls.__new__(cls)
        t._values = values
        t.grad = None
        t.grad_fn = None
        t._requires_grad = False
        t._base = None
        return t

    @classmethod
    def _from_record(cls, values: np.ndarray, record: Record) -> Tensor:
        t = cls._wrap(values)
        t.grad_fn = record
        t._requires_grad = True
        return t

    @classmethod
    def _from_numpy(cls, array: np.ndarray) -> Tensor:
        """Values cannot share numpy memory: a copy with the array's dtype."""
        return cls(array, dtype=array.dtype)

    def _constant(self, value: Any) -> Tensor:
        return value if isinstance(value, Tensor) else Tensor._wrap(_storage(as_array(value)))

    @property
    def _is_float(self) -> bool:
        return self._values.dtype == object

    def _float_values(self) -> np.ndarray:
        """The Values (an integer/bool tensor is converted to new constant Values)."""
        return self._values if self._values.dtype == object else arrays.to_values(self._values)

    # ------------------------------------------------------------ attributes
    @property
    def _data(self) -> np.ndarray:
        """The numbers, as a new float64 array (the array itself for integer/bool tensors)."""
        return arrays.floats(self._values) if self._values.dtype == object else self._values

    @_data.setter
    def _data(self, new: Any) -> None:
        arr = as_array(new)
        if _dtype.is_floating(arr.dtype) and self._is_float and arr.shape == self.shape:
            self._write(arr)
        else:
            self._values = _storage(arr)
            self._data_of = None  # new storage: no longer written through to a source

    @property
    def data(self) -> Tensor:
        """This tensor's numbers as a new tensor without history (PyTorch's ``.data``).

        Its Values are new leaves with the same numbers; writes through it (``p.data.add_(x)``,
        ``p.data[0] = 5``) are stored into this tensor's own Values. Assigning ``t.data = other``
        stores ``other``'s numbers (a new shape gives new Values).

        Example:
            >>> w = Tensor([1.0, 2.0], requires_grad=True)
            >>> _ = w.data.mul_(10); w.tolist(), w.data.requires_grad
            ([10.0, 20.0], False)
        """
        if not self._is_float:
            return Tensor._wrap(self._values)  # numbers in a numpy array: shared as they are
        out = Tensor._wrap(arrays.to_values(arrays.floats(self._values)))
        out._data_of = self
        return out

    @data.setter
    def data(self, new: Any) -> None:
        if isinstance(new, TensorBase) and not isinstance(new, Tensor):
            raise TypeError("cannot set the data of a micro Tensor to a vector Tensor")
        arr = new._data if isinstance(new, Tensor) else as_array(new)
        if self._requires_grad and not _dtype.is_floating(arr.dtype):
            raise RuntimeError(
                "data set to a tensor that requires gradients must be floating point, "
                f"got dtype {arr.dtype}"
            )
        self._data = arr

    def _write(self, arr: np.ndarray) -> None:
        """Write numbers into this tensor's own Values (seen through every view of them)."""
        if not self._values.flags.writeable:
            raise RuntimeError(
                f"cannot write into this tensor (shape {tuple(self.shape)}): it is a broadcast "
                "(expand) view; use .clone() first"
            )
        if self._values.dtype != object:
            np.copyto(self._values, arr, casting="unsafe")
            return
        numbers = np.broadcast_to(np.asarray(arr, dtype=np.float64), self.shape).ravel().tolist()
        for v, x in zip(self._values.flat, numbers):
            v.data = x
        self._write_through()

    def _write_through(self) -> None:
        """After a write into a ``.data`` tensor (or a view of one): store its numbers in its source."""
        root = self if self._base is None else self._base
        source = getattr(root, "_data_of", None)
        if source is not None:
            source._write(root._data)

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and not self._is_float:
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self.dtype}"
            )
        if not value and self.grad_fn is not None:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use detach()")
        self._requires_grad = bool(value)

    @property
    def shape(self) -> Size:
        """The dims, as a ``mytorch.Size`` (a tuple), as PyTorch's ``torch.Size``."""
        return Size(self._values.shape)

    @property
    def dtype(self) -> np.dtype:
        return _dtype.float64 if self._values.dtype == object else self._values.dtype

    def numpy(self) -> np.ndarray:
        """The numbers as a numpy array (a new array for floating tensors).

        Like PyTorch, refused on a tensor that requires grad: use ``t.detach().numpy()``.
        """
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def __repr__(self) -> str:
        # every floating micro tensor holds float64 Values: its dtype is not named, as the default's
        default = _dtype.get_default_dtype()
        return _repr.tensor_repr(self._data, default, self.grad_fn, self._requires_grad,
                                 dtype=default if self._is_float else self.dtype)

    # ------------------------------------------------------------ PyTorch's node names
    def _named(self, name: str, *inputs: Any) -> Tensor:
        """Give the record that made this result PyTorch's name for the call (``SumBackward1``)."""
        record = self.grad_fn
        if record is not None and all(record is not getattr(t, "grad_fn", None) for t in inputs):
            record.op = name
        return self

    @staticmethod
    def _composite(name: str, fn: Callable[..., Any], *inputs: Any) -> Any:
        """``fn(*inputs)`` recorded as one op ``name`` whose inputs are ``inputs`` (PyTorch's view).

        The Values keep every step (backward runs on them); only the record is one.
        """
        out = fn(*inputs)
        record = out.grad_fn
        if record is None or any(out is t or record is getattr(t, "grad_fn", None) for t in inputs):
            return out
        out.grad_fn = Record(name, record.group, tuple(next_of(t) for t in inputs if isinstance(t, Tensor)))
        return out

    # ------------------------------------------------------------ recording one operation
    @staticmethod
    def _compute(op: str, inputs: Sequence[Any], compute: Callable[[], Any]) -> Tensor:
        """Run ``compute`` (which builds new Values) as the tensor operation ``op``.

        When a graph is recorded its Values are tagged ``(group_id, op)`` and the
        result gets a ``grad_fn``; otherwise its Values are cut from their parents.
        """
        if not (_mode.enabled and any(isinstance(t, Tensor) and t._requires_grad for t in inputs)):
            if _anomaly.enabled and not _mode.enabled:
                _anomaly.note(f"no_grad() ({op})", inputs)
            values = arrays.obj(compute())
            arrays.cut(values)
            return Tensor._wrap(values)
        group = next(_group_ids)
        _v._GROUP = (group, op)
        try:
            values = arrays.obj(compute())
        finally:
            _v._GROUP = None
        links = tuple(next_of(t) for t in inputs if isinstance(t, Tensor))
        if _anomaly.enabled:
            remember_forward(group, inputs)
        return Tensor._from_record(values, Record(op, group, links))

    def _view(self, values: np.ndarray, op: str) -> Tensor:
        """A result made of this tensor's own Values (no new nodes)."""
        out = Tensor._wrap(values)
        if values.size and np.may_share_memory(values, self._values):
            out._base = self if self._base is None else self._base
        if self._requires_grad and _mode.enabled:
            out.grad_fn = Record(op, None, (next_of(self),))
            out._requires_grad = True
        return out

    # ------------------------------------------------------------ primitives
    def _operand(self, op: str, other: Any) -> Any:
        """Python numbers (and Values) stay scalars; arrays become constant tensors."""
        if isinstance(other, Tensor):
            if other.shape != self.shape:
                broadcast_shapes(op, self.shape, other.shape)
            return other
        if isinstance(other, (bool, int, float, Value)):
            return other
        if isinstance(other, (np.generic, np.ndarray)) and np.ndim(other) == 0:
            return other.item()
        if isinstance(other, TensorBase):
            raise _device.mismatch(op, self, other)
        other = Tensor._wrap(_storage(as_array(other)))
        broadcast_shapes(op, self.shape, other.shape)
        return other

    def _binary(self, op: str, other: Any, reverse: bool = False) -> Tensor:
        other = self._operand(op, other)
        b_tensor = isinstance(other, Tensor)
        b_float = other._is_float if b_tensor else isinstance(other, (float, Value))
        if not self._is_float and not b_float:
            a, b = self._values, (other._values if b_tensor else other)
            if b_tensor and b.dtype != a.dtype:  # PyTorch's promotion: int32 + 0-d int64 is int32
                dtype = _promotion.result_type(self, other)
                a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
            fn = _NUMERIC.get(op) or _BINARY[op]
            with np.errstate(all="ignore"):
                result = np.asarray(fn(b, a) if reverse else fn(a, b))
            if op == "pow" and result.dtype.kind != "f":  # numpy's bool ** int is int8: PyTorch's dtype
                result = result.astype(_promotion.result_type(self, other))
            return Tensor._wrap(_storage(result))
        a = self._float_values()
        b = other._float_values() if b_tensor else other
        fn = _BINARY[op]
        first, second = (b, a) if reverse else (a, b)
        return self._compute(op, (self, other), lambda: fn(first, second))

    def _unary(self, op: str) -> Tensor:
        if not self._is_float and op in ("neg", "abs"):
            return Tensor._wrap(np.negative(self._values) if op == "neg" else np.abs(self._values))
        values = self._float_values()
        return self._compute(op, (self,), lambda: _UNARY_ARRAYS[op](values))

    def _pointwise(self, name: str) -> Tensor:
        values = self._float_values()
        return self._compute(name, (self,), lambda: pointwise.pointwise_values(values, name))

    def _index_add(self, shape: tuple[int, ...], index: Any) -> Tensor:
        values = self._float_values()
        return self._compute("index_add", (self,), lambda: pointwise.index_add_values(values, shape, index))

    def _compare(self, fn: Any, other: Any) -> Tensor:
        other = self._operand(fn.__name__, other)
        if _anomaly.enabled:
            _anomaly.note(f"comparison ({fn.__name__}: a boolean result)", (self, other))
        if isinstance(other, Tensor):
            other = other._data
        elif isinstance(other, Value):
            other = other.data
        return Tensor._wrap(np.asarray(fn(self._data, other)))

    def _clamp(self, lo: Any, hi: Any) -> Tensor:
        if not self._is_float:
            return Tensor._wrap(np.asarray(np.clip(self._values, lo, hi)))
        values = self._values
        return self._compute("clamp", (self,), lambda: _CLAMP(values, lo, hi))

    def _sum(self, dims: tuple[int, ...] | None, keepdim: bool) -> Tensor:
        if not self._is_float:
            return Tensor._wrap(np.asarray(self._values.sum(axis=dims, keepdims=keepdim)))
        values = self._values
        return self._compute("sum", (self,), lambda: arrays.total(values, dims, keepdim))

    def _max(self, dim: int | None, keepdim: bool, minimum: bool) -> Tensor:
        if not self._is_float:
            fn = np.min if minimum else np.max
            return Tensor._wrap(np.asarray(fn(self._values, axis=dim, keepdims=keepdim)))
        values = self._values
        op = "min" if minimum else "max"
        return self._compute(op, (self,), lambda: arrays.extreme(values, dim, keepdim, minimum))

    def _amax(self, dims: tuple[int, ...] | None, keepdim: bool, minimum: bool) -> Tensor:
        if not self._is_float:
            fn = np.min if minimum else np.max
            return Tensor._wrap(np.asarray(fn(self._values, axis=dims, keepdims=keepdim)))
        values = self._values
        op = "amin" if minimum else "amax"
        return self._compute(op, (self,), lambda: arrays.spread_extreme(values, dims, keepdim, minimum))

    def _reshape(self, shape: tuple[int, ...]) -> Tensor:
        return self._view(self._values.reshape(shape), "reshape")

    def _permute(self, axes: tuple[int, ...]) -> Tensor:
        return self._view(self._values.transpose(axes), "permute")

    def _expand(self, shape: tuple[int, ...]) -> Tensor:
        return self._view(np.broadcast_to(self._values, shape), "expand")

    def _matmul(self, other: Tensor) -> Tensor:
        if not self._is_float and not other._is_float:
            return Tensor._wrap(np.asarray(np.matmul(self._values, other._values)))
        a, b = self._float_values(), other._float_values()
        return self._compute("matmul", (self, other), lambda: arrays.matmul(a, b))

    def _softmax(self, dim: int) -> Tensor:
        values = self._float_values()
        return self._compute("softmax", (self,), lambda: arrays.softmax(values, dim))

    def _log_softmax(self, dim: int) -> Tensor:
        values = self._float_values()
        return self._compute("log_softmax", (self,), lambda: arrays.log_softmax(values, dim))

    @classmethod
    def _cat(cls, tensors: list[Tensor], dim: int) -> Tensor:
        tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
        if not any(t._is_float for t in tensors):
            return Tensor._wrap(np.concatenate([t._values for t in tensors], axis=dim))
        parts = [t._float_values() for t in tensors]
        return cls._compute("cat", tensors, lambda: arrays.copies(np.concatenate(parts, axis=dim), "cat"))

    @classmethod
    def _where(cls, cond: np.ndarray, a: Any, b: Any) -> Tensor:
        dtype = _promotion.result_type(a, b)  # PyTorch's rule: a Python number ranks below a 0-d tensor
        a = a if isinstance(a, Tensor) else Tensor(a, dtype=dtype)
        b = b if isinstance(b, Tensor) else Tensor(b, dtype=dtype)
        if not a._is_float and not b._is_float:
            return Tensor._wrap(np.where(cond, a._values.astype(dtype), b._values.astype(dtype)))
        x, y = a._float_values(), b._float_values()
        return cls._compute("where", (a, b), lambda: arrays.copies(arrays.obj(np.where(cond, x, y)), "where"))

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Cast to ``dtype`` (any floating dtype means float64 here); device ``"cpu"`` is accepted."""
        where, dtype = _device.parse_to(args, kwargs, "Tensor.to", Tensor._location)
        if where is not None and where != Tensor._location:
            moved = self._to_engine(where)
            return moved if dtype is None else moved.to(dtype)
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if _dtype.is_floating(dtype):
            return self if self._is_float else Tensor._wrap(arrays.to_values(self._values))
        if self._is_float:
            return Tensor._wrap(self._data.astype(dtype))
        return self if dtype == self._values.dtype else Tensor._wrap(self._values.astype(dtype))

    def clone(self) -> Tensor:
        if not self._is_float:
            return Tensor._wrap(self._values.copy())
        values = self._values
        return self._compute("clone", (self,), lambda: arrays.copies(values, "clone"))

    def detach(self) -> Tensor:
        """A new leaf with the same numbers (new Values: the graph is cut here)."""
        if _anomaly.enabled:  # remember the user's line for mytorch.explain
            _anomaly.note("detach()", (self,))
        return Tensor._wrap(_storage(self._data))

    def detach_(self) -> Tensor:
        self._values = _storage(self._data)
        self.grad_fn = None
        self._requires_grad = False
        self._base = None
        return self

    # ------------------------------------------------------------ indexing
    def __getitem__(self, index: Any) -> Tensor:
        index = normalize_index(index)
        steps = torch_index_steps(index)
        if len(steps) > 1:  # PyTorch's order: the ints select first, then the advanced part
            return self[steps[0]][steps[1]]
        if not self._is_float:
            if is_basic_index(index):  # a view of the numbers, as for floats
                return Tensor._wrap(self._values[as_view_index(index)])
            return Tensor._wrap(np.asarray(self._values[index]))
        if is_basic_index(index):
            return self._view(self._values[as_view_index(index)], _grad_fn.index_name(index))
        values = self._values
        return self._compute("getitem", (self,), lambda: arrays.copies(arrays.obj(values[index]), "index"))

    def __setitem__(self, index: Any, value: Any) -> None:
        index = normalize_index(index)
        if isinstance(value, TensorBase) and not isinstance(value, Tensor):
            raise TypeError("cannot assign a vector Tensor into a micro Tensor")
        steps = torch_index_steps(index)
        if len(steps) > 1:  # write through the view the ints select (PyTorch's order)
            self[steps[0]][steps[1]] = value
            return
        target = as_view_index(index) if is_basic_index(index) else index
        if not self._is_float:
            self._check_writable()
            self._values[target] = value._data if isinstance(value, Tensor) else value
            return
        if not isinstance(value, Tensor):
            value = Tensor._wrap(_storage(as_array(value)))
        targets = arrays.obj(self._values[target])
        check_setitem_fits(value.shape, targets.shape)
        if not self._recording(value):
            self._check_writable()
            numbers = np.broadcast_to(np.asarray(value._data, dtype=np.float64), targets.shape)
            for v, x in zip(targets.flat, numbers.ravel().tolist()):
                v.data = x
            self._write_through()
            return
        self._check_inplace()
        old_values = self._values.copy()
        old = self._snapshot(old_values)
        src = np.broadcast_to(value._float_values(), targets.shape)

        def compute() -> np.ndarray:
            new = old_values.copy()
            new[target] = arrays.copies(src, "setitem")
            return new

        out = self._compute("setitem", (old, value), compute)
        self._adopt(out)

    # ------------------------------------------------------------ in-place
    def _recording(self, *operands: Any) -> bool:
        return _mode.enabled and (
            self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in operands)
        )

    def _check_writable(self) -> None:
        if not self._values.flags.writeable:
            raise RuntimeError(
                f"cannot write into this tensor (shape {tuple(self.shape)}): it is a broadcast "
                "(expand) view; use .clone() first"
            )

    def _check_inplace(self) -> None:
        """Errors for a recorded in-place change of a leaf (or a view of one) that requires grad."""
        self._check_writable()
        if self.grad_fn is None and self._requires_grad:
            raise RuntimeError(
                f"a leaf Variable that requires grad (shape {tuple(self.shape)}) is being "
                "used in an in-place operation; wrap it in `with no_grad():` or use .clone()"
            )
        base = self._base
        if base is not None and base.grad_fn is None and base._requires_grad:
            raise RuntimeError(
                f"a view of a leaf Variable that requires grad (shape {tuple(base.shape)}) is being "
                "used in an in-place operation; wrap it in `with no_grad():` or use .clone()"
            )

    def _snapshot(self, values: np.ndarray) -> Tensor:
        """This tensor as it is now (its grad_fn), holding ``values``: the input of an in-place op."""
        old = Tensor._wrap(values)
        old.grad_fn, old._requires_grad = self.grad_fn, self._requires_grad
        return old

    def _adopt(self, out: Tensor) -> None:
        """Recorded in-place op: hold ``out``'s Values (written through to any base) and its grad_fn."""
        self._values[...] = out._values
        self.grad_fn, self._requires_grad = out.grad_fn, True
        base = self._base
        if base is not None:
            base.grad_fn = Record("copy_slices", None, (next_of(base), out.grad_fn))
            base._requires_grad = True
        self._write_through()

    def _inplace(self, fn: Callable[[Tensor], Tensor], *operands: Any) -> Tensor:
        """Compute ``fn(self)`` and make it this tensor's content, as the vector engine does."""
        if self._recording(*operands):
            self._check_inplace()
            out = fn(self._snapshot(self._values.copy()))
            if out.shape != self.shape:
                raise ShapeError(
                    f"in-place op: the result of shape {tuple(out.shape)} does not fit in the "
                    f"tensor's shape {tuple(self.shape)}"
                )
            self._adopt(out)
        else:
            with _graph.no_grad():
                out = fn(self)
            if out.shape != self.shape:
                raise ShapeError(
                    f"in-place op: the result of shape {tuple(out.shape)} does not fit in the "
                    f"tensor's shape {tuple(self.shape)}"
                )
            self._write(out._data)
        return self

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        other = self._inplace_operand("add_", other * alpha if alpha != 1 else other)
        return self._inplace(lambda t: t + other, other)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        other = self._inplace_operand("sub_", other * alpha if alpha != 1 else other)
        return self._inplace(lambda t: t - other, other)

    def mul_(self, other: Any) -> Tensor:
        other = self._inplace_operand("mul_", other)
        return self._inplace(lambda t: t * other, other)

    def div_(self, other: Any) -> Tensor:
        other = self._inplace_operand("div_", other)
        return self._inplace(lambda t: t / other, other)

    def pow_(self, other: Any) -> Tensor:
        other = self._inplace_operand("pow_", other)
        return self._inplace(lambda t: t**other, other)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return self._inplace(lambda t: t.clamp(min, max))

    def _inplace_operand(self, op: str, other: Any) -> Any:
        """``other`` for ``self op= other``; PyTorch's error when the result dtype cannot be written."""
        other = self._operand(op, other)
        if not self._is_float:  # a floating tensor takes any result (floats are float64 here)
            _promotion.inplace_result_type(op, self, 0.0 if isinstance(other, Value) else other)
        return other

    def relu_(self) -> Tensor:
        return self._inplace(lambda t: t.relu())

    def exp_(self) -> Tensor:
        return self._inplace(lambda t: t.exp())

    def neg_(self) -> Tensor:
        return self._inplace(lambda t: -t)

    # ------------------------------------------------------------ autograd
    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` with this tensor's gradient; a returned Tensor replaces it.

        Example:
            >>> x = Tensor([1.0, 2.0], requires_grad=True)
            >>> h = x.register_hook(lambda g: g * 10)
            >>> (x * x).sum().backward(); x.grad.tolist()
            [20.0, 40.0]
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        record = self.grad_fn
        if record is None:
            hooks = getattr(self, "_grad_hooks", None)
            if hooks is None:
                hooks = self._grad_hooks = {}
        else:
            return add_hook(record, self, hook)
        return _hooks.add(hooks, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is not None:
            retain(self.grad_fn, self)
        elif not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor (PyTorch's name)."""
        kept = None if self.grad_fn is None else self.grad_fn.retained
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
        seed = seed_gradient(self, gradient, create_graph)
        if retain_graph is None:
            retain_graph = create_graph
        if inputs is not None:
            from .graph import _accumulate

            inputs = list(inputs)
            results = run_backward([self], [seed], retain_graph, create_graph, inputs)
            assert results is not None  # given inputs, run_backward returns their gradients
            for t, g in zip(inputs, results):
                if g is not None:
                    _accumulate(t, g)
            return
        run_backward([self], [seed], retain_graph, create_graph)


def remember_forward(group: int, inputs: Sequence[Any]) -> None:
    """Anomaly mode: keep the forward call of operation ``group`` and which Values were its inputs."""
    key = ("micro", group)
    _anomaly.remember_forward(key)
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    _anomaly.remember_inputs(key, [frozenset(map(id, t._values.flat)) for t in tensors])


def seed_gradient(t: Tensor, gradient: Any, create_graph: bool) -> Any:
    """The gradient backward starts from: ones for a scalar, else the user's (shape-checked)."""
    if isinstance(gradient, TensorBase) and not isinstance(gradient, Tensor):
        raise TypeError("backward: gradient must be a micro Tensor, got a vector Tensor")
    check_backward_gradient(t, gradient)
    if gradient is None:
        ones = np.ones(t.shape)
        return Tensor._wrap(arrays.to_values(ones)) if create_graph else ones
    g = gradient if isinstance(gradient, Tensor) else Tensor._wrap(
        _storage(as_array(gradient, np.dtype(np.float64))))
    return g if create_graph else np.asarray(g._data, dtype=np.float64)
