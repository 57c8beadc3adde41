"""The Tensor API written once, on top of a handful of engine primitives.

Both ``mytorch.vector.Tensor`` and ``mytorch.micro.Tensor`` subclass
:class:`TensorBase`. An engine supplies the primitives (``_binary``,
``_unary``, ``_sum``, ``_max``, ``_amax``, ``_reshape``, ``_permute``, ``_expand``,
``_getitem``, ``_matmul``, ``_softmax``, ``_log_softmax``, ``_clamp``,
``to``, ``_compare``, ``_constant``); everything else (argument checking,
dims, composites such as ``mean``/``var``/``flatten``, the operators) is
here, so both engines behave identically and report errors identically.

Example:
    >>> import mytorch.vector as mt
    >>> mt.tensor([[1.0, 2.0], [3.0, 4.0]]).mean(dim=0).tolist()
    [2.0, 3.0]
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from . import _anomaly, _device, _dtype, _graph, _promotion
from ._errors import ShapeError
from ._ops_base import Dims
from ._ops_dtype import DtypeOps
from ._ops_index import IndexOps
from ._ops_math import MathOps
from ._ops_scan import ScanOps
from ._ops_shape import ShapeOps
from ._size import Size

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Self

MaxResult = namedtuple("MaxResult", ["values", "indices"])


def normalize_dim(dim: int, ndim: int) -> int:
    """Map a possibly negative ``dim`` into ``range(ndim)``; error names the valid range."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__} {dim!r}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return int(dim) % n


def normalize_dims(dim: int | Sequence[int] | None, ndim: int) -> tuple[int, ...] | None:
    """``None`` stays None (all dims); an int or sequence becomes a sorted tuple of dims."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = tuple(sorted({normalize_dim(d, ndim) for d in dims}))
    if len(out) != len(dims):
        raise ShapeError(f"dim {tuple(dims)} names a dimension more than once")
    return out


def parse_shape(args: tuple) -> tuple[int, ...]:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` as PyTorch does."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    shape = []
    for n in args:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"sizes must be ints, got {type(n).__name__} {n!r} in {args}")
        shape.append(int(n))
    return tuple(shape)


def broadcast_shapes(op: str, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape of ``a`` and ``b``, or a ValueError naming both shapes."""
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        raise ShapeError(
            f"{op}: shapes {tuple(a)} and {tuple(b)} cannot be broadcast together (sizes must match or be 1, "
            "aligned from the last dimension)"
        ) from None


_NUMERIC_KINDS = "biufc"  # bool, signed, unsigned, float, complex: what a tensor can hold


def numeric_array(data: Any) -> np.ndarray:
    """User data (a Tensor of either engine, an array, numbers, nested lists) as a numeric array."""
    if isinstance(data, TensorBase):
        arr = np.asarray(data._data)
    elif isinstance(data, np.ndarray):
        arr = data
    else:
        try:
            arr = np.asarray(data)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"cannot make a tensor from {type(data).__name__}: {exc}") from None
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(f"tensor data must be numeric, got dtype {arr.dtype} from {type(data).__name__}")
    return arr


def normalize_index(index: Any) -> Any:
    """Turn Tensors and lists inside an index into numpy arrays; check index dtypes.

    As in PyTorch, a 0-d integer tensor counts as a Python int (``t[mt.tensor(1)]`` is
    a view), and an empty list is an empty integer index (``t[[]]`` has no elements).
    """
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for i in items:
        if isinstance(i, TensorBase):
            i = np.asarray(i._data)
            if i.ndim == 0 and np.issubdtype(i.dtype, np.integer):
                i = int(i)
        elif isinstance(i, list):
            i = np.asarray(i)
            if i.size == 0:
                i = i.astype(np.int64)
        if isinstance(i, np.ndarray) and not (np.issubdtype(i.dtype, np.integer) or i.dtype == np.bool_):
            raise IndexError(f"tensors used as indices must be long or bool, got dtype {i.dtype}")
        out.append(i)
    return tuple(out) if isinstance(index, tuple) else out[0]


def check_setitem_fits(value_shape: tuple[int, ...], target_shape: tuple[int, ...]) -> None:
    """``t[index] = value`` needs ``value`` to broadcast to exactly the indexed shape."""
    try:
        fits = np.broadcast_shapes(value_shape, target_shape) == target_shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"setitem: a value of shape {tuple(value_shape)} cannot be broadcast to the indexed "
            f"shape {tuple(target_shape)}"
        )


def check_backward_gradient(output: Any, gradient: Any) -> None:
    """``backward(gradient)``: None only for a one-element output, else the output's shape."""
    if gradient is None:
        if output.numel() != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, but this tensor has "
                f"shape {tuple(output.shape)}; pass gradient= a tensor of that shape"
            )
    elif tuple(np.shape(gradient)) != tuple(output.shape):
        raise RuntimeError(
            f"Mismatch in shape: gradient has shape {tuple(np.shape(gradient))} but the output "
            f"has shape {tuple(output.shape)}"
        )


class TensorBase(MathOps, IndexOps, ShapeOps, ScanOps, DtypeOps):
    """Engine-independent part of the Tensor API (see module docstring)."""

    __slots__ = ()
    __array_priority__ = 1000
    __array_ufunc__ = None  # make ``ndarray * Tensor`` call Tensor.__rmul__

    # ------------------------------------------------------------ basic facts
    @property
    def ndim(self) -> builtins.int:
        return len(self.shape)

    def dim(self) -> builtins.int:
        return len(self.shape)

    def size(self, dim: builtins.int | None = None) -> Size | builtins.int:
        """The shape as a ``Size`` (``mytorch.Size([3, 4])``), or the size of one dimension."""
        if dim is None:
            return Size(self.shape)
        return self.shape[normalize_dim(dim, self.ndim)]

    def numel(self) -> builtins.int:
        return int(math.prod(self.shape))

    nelement = numel

    def __len__(self) -> builtins.int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Self]:
        for i in range(len(self)):
            yield self[i]

    def item(self) -> builtins.float | builtins.int | builtins.bool:
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise ShapeError(
                f"a Tensor with {self.numel()} elements (shape {tuple(self.shape)}) "
                "cannot be converted to a Python scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: builtins.bool | None = None) -> np.ndarray:
        """``np.asarray(t)`` (and ``plt.plot(t.data)``): the values; refused when ``t`` requires grad.

        Example:
            >>> import mytorch.vector as mt
            >>> np.asarray(mt.tensor([1.0, 2.0]).data).tolist()
            [1.0, 2.0]
        """
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        arr = self._data
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def __float__(self) -> builtins.float:
        return float(self.item())

    def __int__(self) -> builtins.int:
        return int(self.item())

    def __bool__(self) -> builtins.bool:
        if self.numel() != 1:
            raise RuntimeError(
                f"Boolean value of a Tensor with {self.numel()} elements is ambiguous"
            )
        return bool(self.item())

    def __format__(self, spec: str) -> str:
        if spec and self.numel() == 1:
            return format(self.item(), spec)
        return repr(self)

    @property
    def is_leaf(self) -> builtins.bool:
        return self.grad_fn is None

    def requires_grad_(self, requires_grad: builtins.bool = True) -> Self:
        """Set ``requires_grad`` in place (only on leaves; floating dtypes only)."""
        if not requires_grad and not self.is_leaf:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; use .detach() "
                "to get a tensor that does not require grad"
            )
        self.requires_grad = requires_grad
        return self

    #: The engine's fused kernels for ``nn.functional``, by name (``vector/fused.py`` fills the vector one).
    _fused_kernels: dict[str, Any] = {}
    #: The engine's device (``device(type='cpu')`` for the vector engine, ``'micro'`` for micro).
    _location: _device.device = _device.CPU

    @property
    def device(self) -> _device.device:
        """The engine this tensor lives on: ``device(type='cpu')`` (vector) or ``device(type='micro')``."""
        return type(self)._location

    def _to_engine(self, where: _device.device) -> Any:
        """A copy of this tensor on another engine (``to("micro")``): no history crosses engines.

        Typed ``Any``: it is the other engine's Tensor class, not ``Self``.
        """
        if self.requires_grad and _graph.is_grad_enabled():
            raise RuntimeError(
                f"Tensor.to({str(where)!r}): this {str(self.device)} tensor requires grad, and gradients "
                "do not flow between engines; move .detach() (then .requires_grad_() the copy), or "
                "move the whole model with Module.to(...)"
            )
        return _device.engine(where).tensor(self.detach().numpy(), dtype=self.dtype)

    def cpu(self) -> Self:
        """This tensor (it is on the CPU already)."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Raises: no CUDA device here (see ``mytorch.vector.cuda.is_available()``)."""
        _device.resolve("cuda", "Tensor.cuda")
        raise AssertionError("unreachable: resolve refuses cuda")

    # ------------------------------------------------------------ dtype conversions (via ``to``)
    def float(self) -> Self:
        return self.to(np.dtype("float32"))

    def double(self) -> Self:
        return self.to(np.dtype("float64"))

    def long(self) -> Self:
        return self.to(np.dtype("int64"))

    def int(self) -> Self:
        return self.to(np.dtype("int32"))

    def bool(self) -> Self:
        return self.to(np.dtype("bool"))

    def type_as(self, other: Any) -> Self:
        return self.to(other.dtype)

    # ------------------------------------------------------------ in-place fills (via ``__setitem__``)
    def fill_(self, value: Any) -> Self:
        self[...] = value
        return self

    def zero_(self) -> Self:
        return self.fill_(0)

    def copy_(self, src: Any) -> Self:
        src = self._constant(src)
        broadcast_shapes("copy_", tuple(self.shape), tuple(src.shape))
        self[...] = src
        return self

    def uniform_(self, a: builtins.float = 0.0, b: builtins.float = 1.0) -> Self:
        """Fill with U[a, b) samples from the generator both engines share."""
        from . import _random

        return self._fill_random(_random.uniform(a, b, tuple(self.shape)))

    def normal_(self, mean: builtins.float = 0.0, std: builtins.float = 1.0) -> Self:
        """Fill with N(mean, std**2) samples from the generator both engines share."""
        from . import _random

        return self._fill_random(_random.normal(mean, std, tuple(self.shape)))

    def _fill_random(self, values: np.ndarray) -> Self:
        from ._graph import no_grad

        with no_grad():
            self[...] = values
        return self

    def __iadd__(self, other: Any) -> Self:
        return self.add_(other)

    def __isub__(self, other: Any) -> Self:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Self:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Self:
        return self.div_(other)

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Self:
        return self._binary("add", other)

    def __radd__(self, other: Any) -> Self:
        return self._binary("add", other, reverse=True)

    def __sub__(self, other: Any) -> Self:
        return self._binary("sub", other)

    def __rsub__(self, other: Any) -> Self:
        return self._binary("sub", other, reverse=True)._named("RsubBackward1", self)

    def __mul__(self, other: Any) -> Self:
        return self._binary("mul", other)

    def __rmul__(self, other: Any) -> Self:
        return self._binary("mul", other, reverse=True)

    def __truediv__(self, other: Any) -> Self:
        return self._binary("div", other)

    def __rtruediv__(self, other: Any) -> Self:
        return self._binary("div", other, reverse=True)

    def __pow__(self, other: Any) -> Self:
        out = self._binary("pow", other)
        return out._named("PowBackward1", self, other) if isinstance(other, TensorBase) else out

    def __rpow__(self, other: Any) -> Self:
        return self._binary("pow", other, reverse=True)._named("PowBackward2", self)

    def __neg__(self) -> Self:
        return self._unary("neg")

    def __pos__(self) -> Self:
        return self

    def __abs__(self) -> Self:
        return self._unary("abs")

    def __matmul__(self, other: Any) -> Self:
        return self.matmul(other)

    def __rmatmul__(self, other: Any) -> Self:
        return self._constant(other).matmul(self)

    neg = __neg__  # add/sub/mul/div, with PyTorch's keyword arguments: _ops_math.MathOps

    def pow(self, exponent: Any) -> Self:
        return self.__pow__(exponent)

    def maximum(self, other: Any) -> Self:
        return self._binary("maximum", other)

    def minimum(self, other: Any) -> Self:
        return self._binary("minimum", other)

    # comparisons: tensors of bool, never part of the graph
    def __lt__(self, other: Any) -> Self:
        return self._compare(np.less, other)

    def __le__(self, other: Any) -> Self:
        return self._compare(np.less_equal, other)

    def __gt__(self, other: Any) -> Self:
        return self._compare(np.greater, other)

    def __ge__(self, other: Any) -> Self:
        return self._compare(np.greater_equal, other)

    def __eq__(self, other: Any) -> Self:  # type: ignore[override]
        return self._compare(np.equal, other)

    def __ne__(self, other: Any) -> Self:  # type: ignore[override]
        return self._compare(np.not_equal, other)

    __hash__ = object.__hash__

    def eq(self, other: Any) -> Self:
        return self == other

    # ------------------------------------------------------------ elementwise math
    def exp(self) -> Self:
        return self._unary("exp")

    def log(self) -> Self:
        return self._unary("log")

    def sqrt(self) -> Self:
        return self._unary("sqrt")

    def abs(self) -> Self:
        return self._unary("abs")

    def sin(self) -> Self:
        return self._unary("sin")

    def cos(self) -> Self:
        return self._unary("cos")

    def tanh(self) -> Self:
        return self._unary("tanh")

    def sigmoid(self) -> Self:
        return self._unary("sigmoid")

    def relu(self) -> Self:
        return self._unary("relu")

    def square(self) -> Self:
        return self._composite("PowBackward0", lambda x: x * x, self)

    def rsqrt(self) -> Self:
        return self._composite("RsqrtBackward0", lambda x: 1 / x.sqrt(), self)

    def clamp(self, min: Any = None, max: Any = None) -> Self:  # noqa: A002 - torch's argument names
        """Limit to [min, max]; a bound may be a number or a tensor (which then gets gradients).

        Where the input lies outside a tensor bound, the result is that bound and the
        gradient goes to it; elsewhere (ties included) it goes to the input, as in PyTorch.
        """
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        if not isinstance(min, TensorBase) and not isinstance(max, TensorBase):
            if self.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
                dtype = _promotion.result_type(self, *(b for b in (min, max) if b is not None))
                return self.to(dtype)._clamp(min, max)  # an integer tensor with a float bound: floats
            return self._clamp(min, max)
        out = self
        if min is not None:
            lo = self._constant(min)
            broadcast_shapes("clamp (min)", tuple(self.shape), tuple(lo.shape))
            out = type(self)._where(np.asarray((out < lo)._data), lo, out)
        if max is not None:
            hi = self._constant(max)
            broadcast_shapes("clamp (max)", tuple(self.shape), tuple(hi.shape))
            out = type(self)._where(np.asarray((out > hi)._data), hi, out)
        return out

    def clip(self, min: Any = None, max: Any = None) -> Self:  # noqa: A002 - torch's argument names
        return self.clamp(min, max)

    # ------------------------------------------------------------ reductions
    def _reduce_dims(self, dim: Dims) -> tuple[builtins.int, ...] | None:
        """The dims a reduction sums over; None (all) for ``dim=None``, ``dim=()`` (as PyTorch) and 0-d."""
        dims = normalize_dims(dim, self.ndim)
        return dims if dims and self.ndim else None

    def _count(self, dims: tuple[builtins.int, ...] | None) -> builtins.int:
        """How many elements each output element of a reduction over ``dims`` combines."""
        return self.numel() if dims is None else math.prod(self.shape[d] for d in dims)

    def sum(
        self, dim: Dims = None, keepdim: builtins.bool = False, *, dtype: Any = None, axis: Dims = None
    ) -> Self:
        """Sum over ``dim`` (an int or a tuple; all by default); ``dtype`` casts first, as PyTorch.

        Integers and bools sum to int64 unless ``dtype`` says otherwise, as in PyTorch.
        """
        if dtype is None and self.dtype.kind != "f" and self.dtype != np.int64:
            dtype = np.int64
        x = self if dtype is None else self.to(dtype)
        dims = x._reduce_dims(axis if dim is None else dim)
        out = x._sum(dims, keepdim)
        return out if dims is None else out._named("SumBackward1", x)

    def mean(
        self, dim: Dims = None, keepdim: builtins.bool = False, *, dtype: Any = None, axis: Dims = None
    ) -> Self:
        """Mean over ``dim``; over no elements it is nan, as in PyTorch."""
        if dtype is not None:
            if not _dtype.is_floating(_dtype.as_dtype(dtype)):
                raise RuntimeError(
                    f"mean(): dtype must be a floating point dtype, got {_dtype.as_dtype(dtype)}"
                )
            return self.to(dtype).mean(dim, keepdim, axis=axis)
        if self.dtype.kind != "f":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or "
                f"complex dtype. Got: {self.dtype} (use .float() or mean(dtype=...))"
            )
        dims = self._reduce_dims(axis if dim is None else dim)
        count = self._count(dims)
        if count and hasattr(self, "_mean"):  # the engine's own node (the vector engine's Mean)
            out = self._mean(dims, keepdim, count)
            return out if dims is None else out._named("MeanBackward1", self)

        def mean(x):
            total = x._sum(dims, keepdim)
            return total / count if count else total * math.nan

        return self._composite("MeanBackward0" if dims is None else "MeanBackward1", mean, self)

    def var(
        self, dim: Dims = None, unbiased: builtins.bool | None = None, keepdim: builtins.bool = False, *,
        correction: builtins.int = 1, axis: Dims = None,
    ) -> Self:
        """Variance with Bessel's correction by default (``correction=1``), as PyTorch.

        PyTorch's overloads: ``var(unbiased)`` and ``var(dim, unbiased, keepdim)`` (a bool after
        ``dim`` is ``unbiased``); ``keepdim=`` by name.
        """
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        if self.dtype.kind != "f":
            raise RuntimeError(
                f"std and var only support floating point and complex dtypes, got {self.dtype}"
            )
        dim = axis if dim is None else dim
        if unbiased is not None:
            correction = int(bool(unbiased))
        dims = self._reduce_dims(dim)
        count = self._count(dims)

        def var(x):
            centred = x - x.mean(dim=dims, keepdim=True)
            return (centred * centred)._sum(dims, keepdim) / max(count - correction, 0)

        return self._composite("VarBackward0", var, self)

    def std(
        self, dim: Dims = None, unbiased: builtins.bool | None = None, keepdim: builtins.bool = False, *,
        correction: builtins.int = 1, axis: Dims = None,
    ) -> Self:
        """Square root of ``var`` (same arguments); where it is 0 the gradient is 0, as in PyTorch."""
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        dim = axis if dim is None else dim

        def std(x):
            variance = x.var(dim, unbiased, keepdim, correction=correction)
            zero = np.asarray(variance._data) == 0
            if not zero.any():
                return variance.sqrt()
            # sqrt'(0) is inf and inf * 0 is nan: PyTorch takes the gradient as 0 where std == 0.
            where = type(x)._where
            safe = where(zero, x._constant(np.ones(zero.shape, variance.dtype)), variance)
            return where(zero, x._constant(np.zeros(zero.shape, variance.dtype)), safe.sqrt())

        return self._composite("StdBackward0", std, self)

    def _check_nonempty(self, op: str, dims: tuple[builtins.int, ...] | None) -> None:
        """max/min/amax/amin/argmax have no value over no elements: PyTorch's errors."""
        if dims is None:
            if self.numel() == 0:
                raise RuntimeError(
                    f"{op}(): Expected reduction dim to be specified for input.numel() == 0 "
                    f"(shape {tuple(self.shape)}). Specify the reduction dim with the 'dim' argument."
                )
            return
        for d in dims:
            if self.shape[d] == 0:
                raise IndexError(
                    f"{op}(): Expected reduction dim {d} to have non-zero size (shape {tuple(self.shape)})."
                )

    def _max_or_min(
        self, dim: builtins.int | None, keepdim: builtins.bool, minimum: builtins.bool
    ) -> Self | MaxResult:
        name = "min" if minimum else "max"
        if dim is None:
            self._check_nonempty(name, None)
            return self._max(None, False, minimum)._named("MinBackward1" if minimum else "MaxBackward1", self)
        d = normalize_dim(dim, self.ndim)
        if self.ndim == 0:  # one element: itself, at index 0, whatever keepdim
            return self.reshape(1)._max_or_min(0, False, minimum)
        self._check_nonempty(name, (d,))
        values = self._max(d, keepdim, minimum)._named("MinBackward0" if minimum else "MaxBackward0", self)
        pick = np.argmin if minimum else np.argmax
        index = pick(self._data, axis=d)
        if keepdim:
            index = np.expand_dims(index, d)
        return MaxResult(values, self._constant(index.astype(np.int64)))

    def max(
        self, dim: Any = None, keepdim: builtins.bool = False, *, axis: builtins.int | None = None
    ) -> Self | MaxResult:
        """Max of all elements, or ``(values, indices)`` along ``dim``; a tensor argument: elementwise.

        Over all elements, tied maxima share the gradient (NaNs win, as in PyTorch); along
        ``dim`` it goes to the returned index.
        """
        if isinstance(dim, TensorBase):
            return self.maximum(dim)
        return self._max_or_min(axis if dim is None else dim, keepdim, minimum=False)

    def min(
        self, dim: Any = None, keepdim: builtins.bool = False, *, axis: builtins.int | None = None
    ) -> Self | MaxResult:
        if isinstance(dim, TensorBase):
            return self.minimum(dim)
        return self._max_or_min(axis if dim is None else dim, keepdim, minimum=True)

    def amax(self, dim: Dims = (), keepdim: builtins.bool = False) -> Self:
        """Max over ``dim`` (an int or a tuple; all by default); ties split the gradient evenly.

        Example:
            >>> import mytorch.vector as mt
            >>> x = mt.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], requires_grad=True)
            >>> x.amax(dim=1).sum().backward(); x.grad.tolist()
            [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]
        """
        dims = self._reduce_dims(dim)
        self._check_nonempty("amax", dims)
        return self._amax(dims, keepdim, False)

    def amin(self, dim: Dims = (), keepdim: builtins.bool = False) -> Self:
        """Min over ``dim`` (an int or a tuple; all by default); ties split the gradient evenly."""
        dims = self._reduce_dims(dim)
        self._check_nonempty("amin", dims)
        return self._amax(dims, keepdim, True)._named("AminBackward0", self)

    def argmax(self, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Self:
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Self:
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, pick: Callable[..., Any], dim: builtins.int | None, keepdim: builtins.bool) -> Self:
        if _anomaly.enabled:
            _anomaly.note(f"{pick.__name__}() (not differentiable: integer indices)", (self,))
        data = self._data
        if dim is None:
            self._check_nonempty(pick.__name__, None)
            return self._constant(np.asarray(pick(data), dtype=np.int64))
        d = normalize_dim(dim, self.ndim)
        if self.ndim == 0:  # one element, at index 0; keepdim keeps the shape ()
            return self._constant(np.zeros((), dtype=np.int64))
        self._check_nonempty(pick.__name__, (d,))
        index = pick(data, axis=d)
        return self._constant((np.expand_dims(index, d) if keepdim else index).astype(np.int64))

    def _numpy_axes(self, dim: Dims) -> tuple[builtins.int, ...] | None:
        """``dim`` as numpy axes (``()``: none); a 0-d tensor's dim 0 / -1 is the tensor itself."""
        axes = normalize_dims(dim, self.ndim)
        return axes if self.ndim else None

    def all(self, dim: Dims = None, keepdim: builtins.bool = False, *, axis: Dims = None) -> Self:
        """True where every element (along ``dim``, an int or a tuple) is nonzero; carries no gradient."""
        dim = axis if dim is None else dim
        return self._constant(np.asarray(np.all(self._data, axis=self._numpy_axes(dim), keepdims=keepdim)))

    def any(self, dim: Dims = None, keepdim: builtins.bool = False, *, axis: Dims = None) -> Self:
        """True where some element (along ``dim``, an int or a tuple) is nonzero; carries no gradient."""
        dim = axis if dim is None else dim
        return self._constant(np.asarray(np.any(self._data, axis=self._numpy_axes(dim), keepdims=keepdim)))

    def logsumexp(self, dim: Dims, keepdim: builtins.bool = False) -> Self:
        """``log(sum(exp(x)))`` over ``dim`` (an int or a tuple), without overflow.

        Shifted by the max along ``dim`` where it is finite (0 elsewhere, as PyTorch), so
        ``logsumexp([inf, 1]) = inf``, ``logsumexp([-inf, -inf]) = -inf`` and a sum over
        no elements is ``-inf``.

        Example:
            >>> import mytorch.vector as mt
            >>> x = mt.tensor([[0.0, 0.0], [1000.0, 1000.0]], dtype=mt.float64)
            >>> x.logsumexp(dim=1).tolist()
            [0.6931471805599453, 1000.6931471805599]
        """
        if self.dtype.kind != "f":  # integers and bools: in the default float dtype, as PyTorch
            return self.to(_dtype.get_default_dtype()).logsumexp(dim, keepdim)
        dims = self._reduce_dims(dim)
        data = np.asarray(self._data)
        shift = np.asarray(np.max(data, axis=dims, keepdims=True, initial=-np.inf))  # -inf if empty
        shift[~np.isfinite(shift)] = 0
        total = (self - self._constant(shift)).exp()._sum(dims, keepdim)
        return total.log() + self._constant(shift.reshape(total.shape))

    def nansum(self, dim: Dims = None, keepdim: builtins.bool = False, *, dtype: Any = None) -> Self:
        """``sum`` with NaNs counted as 0 (their gradient is 0)."""
        x = self if dtype is None else self.to(dtype)
        if x.dtype.kind == "f":
            nan = np.isnan(np.asarray(x._data))
            if nan.any():
                x = type(x)._where(nan, x._constant(np.zeros(nan.shape, x.dtype)), x)
        return x.sum(dim, keepdim)

    def nanmean(self, dim: Dims = None, keepdim: builtins.bool = False, *, dtype: Any = None) -> Self:
        """``mean`` of the elements that are not NaN."""
        x = self if dtype is None else self.to(dtype)
        if x.dtype.kind != "f":
            raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got {x.dtype}")
        present = x._constant((~np.isnan(np.asarray(x._data))).astype(x.dtype))
        return x.nansum(dim, keepdim) / present.sum(dim, keepdim)

    def norm(
        self, p: builtins.float | str = "fro", dim: Dims = None, keepdim: builtins.bool = False,
        dtype: Any = None,
    ) -> Self:
        """The ``p``-norm over ``dim`` (all elements by default), as ``torch.norm`` (see ``_ops_norm``)."""
        from ._ops_norm import norm

        return norm(self, p, dim, keepdim, dtype)

    # ------------------------------------------------------------ softmax family
    def softmax(self, dim: builtins.int) -> Self:
        d = normalize_dim(dim, self.ndim)
        if self.ndim == 0:
            return self.reshape(1)._softmax(0).reshape(())
        if 0 in self.shape:  # nothing to normalise: an empty result of the same shape, as torch
            return self * 1.0
        return self._softmax(d)

    def log_softmax(self, dim: builtins.int) -> Self:
        d = normalize_dim(dim, self.ndim)
        if self.ndim == 0:
            return self.reshape(1)._log_softmax(0).reshape(())
        if 0 in self.shape:  # nothing to normalise: an empty result of the same shape, as torch
            return self * 1.0
        return self._log_softmax(d)

    # ------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Self:
        shape = parse_shape(shape)
        n = self.numel()
        if shape.count(-1) > 1:
            raise ShapeError(f"reshape: only one dimension can be -1, got {shape}")
        known = math.prod(s for s in shape if s != -1)
        if -1 in shape:
            if known == 0 or n % known:
                raise ShapeError(
                    f"reshape: shape {shape} is invalid for input of shape "
                    f"{tuple(self.shape)} ({n} elements)"
                )
            shape = tuple(n // known if s == -1 else s for s in shape)
        elif known != n:
            raise ShapeError(
                f"reshape: shape {shape} is invalid for input of shape {tuple(self.shape)} "
                f"({n} elements)"
            )
        return self._reshape(shape)

    view = reshape

    def view_as(self, other: Any) -> Self:
        return self.reshape(other.shape)

    def reshape_as(self, other: Any) -> Self:
        return self.reshape(other.shape)

    def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Self:
        if self.ndim == 0:
            return self.reshape(1)
        s = normalize_dim(start_dim, self.ndim)
        e = normalize_dim(end_dim, self.ndim)
        if s > e:
            raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        shape = tuple(self.shape)
        return self.reshape(shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :])

    def squeeze(self, dim: Dims = None) -> Self:
        shape = tuple(self.shape)
        if dim is None:
            return self.reshape(tuple(n for n in shape if n != 1))._named("SqueezeBackward0", self)
        dims = normalize_dims(dim, self.ndim) or ()
        out = self.reshape(tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1)))
        one = isinstance(dim, (int, np.integer))
        return out._named("SqueezeBackward1" if one else "SqueezeBackward2", self)

    def unsqueeze(self, dim: builtins.int) -> Self:
        d = normalize_dim(dim, self.ndim + 1)
        shape = tuple(self.shape)
        return self.reshape(shape[:d] + (1,) + shape[d:])._named("UnsqueezeBackward0", self)

    def permute(self, *dims: Any) -> Self:
        dims = parse_shape(dims)
        if len(dims) != self.ndim:
            raise ShapeError(
                f"permute: got {len(dims)} dims {dims} for a tensor of {self.ndim} dims "
                f"(shape {tuple(self.shape)})"
            )
        axes = tuple(normalize_dim(d, self.ndim) for d in dims)
        if len(set(axes)) != len(axes):
            raise ShapeError(f"permute: dims {dims} repeat a dimension")
        return self._permute(axes)

    def transpose(self, dim0: builtins.int, dim1: builtins.int) -> Self:
        axes = list(range(self.ndim))
        a, b = normalize_dim(dim0, self.ndim), normalize_dim(dim1, self.ndim)
        axes[a], axes[b] = axes[b], axes[a]
        return self._permute(tuple(axes))._named("TransposeBackward0", self)

    def t(self) -> Self:
        if self.ndim > 2:
            raise ShapeError(f"t() expects a tensor with <= 2 dims, got shape {tuple(self.shape)}")
        return self.transpose(0, 1)._named("TBackward0", self) if self.ndim == 2 else self

    @property
    def T(self) -> Self:
        return self._permute(tuple(reversed(range(self.ndim))))

    @property
    def mT(self) -> Self:
        return self.transpose(-2, -1)

    def expand(self, *sizes: Any) -> Self:
        sizes = parse_shape(sizes)
        shape = tuple(self.shape)
        if len(sizes) < len(shape):
            raise ShapeError(
                f"expand: the number of sizes {sizes} must be >= the tensor's dims {shape}"
            )
        lead = len(sizes) - len(shape)
        target: list[builtins.int] = []
        for i, n in enumerate(sizes):
            old = shape[i - lead] if i >= lead else None
            if n == -1:
                if old is None:
                    raise ShapeError(f"expand: -1 is not allowed for a new leading dim ({sizes})")
                n = old
            if old is not None and old != 1 and old != n:
                raise ShapeError(
                    f"expand: the size {old} of dim {i - lead} of shape {shape} cannot "
                    f"be expanded to {n} (target {sizes})"
                )
            target.append(n)
        return self if tuple(target) == shape else self._expand(tuple(target))

    def expand_as(self, other: Any) -> Self:
        return self.expand(*other.shape)

    def contiguous(self) -> Self:
        return self

    # ------------------------------------------------------------ linear algebra
    def matmul(self, other: Any) -> Self:
        other = self._constant(other) if not isinstance(other, TensorBase) else other
        if type(other)._location is not type(self)._location:
            raise _device.mismatch("matmul", self, other)
        a_shape, b_shape = tuple(self.shape), tuple(other.shape)
        if not a_shape or not b_shape:
            raise ShapeError(f"matmul: both operands need at least 1 dim, got {a_shape} @ {b_shape}")
        if a_shape[-1] != b_shape[0 if len(b_shape) == 1 else -2]:
            raise ShapeError(
                f"matmul: shapes {a_shape} and {b_shape} cannot be multiplied "
                f"({a_shape[-1]} != {b_shape[0 if len(b_shape) == 1 else -2]})"
            )
        broadcast_shapes("matmul (batch dims)", a_shape[:-2], b_shape[:-2])
        check_same_float_dtype("matmul", np.dtype(self.dtype), np.dtype(other.dtype))
        a, b = self, other
        if a.dtype != b.dtype:  # integer with float (PyTorch refuses): PyTorch's result dtype
            dtype = _promotion.result_type(a, b)
            a, b = a.to(dtype), b.to(dtype)
        if len(a_shape) == len(b_shape) == 2:
            return a._matmul(b)  # MmBackward0
        if len(a_shape) > 2 or len(b_shape) > 2:
            name = "UnsafeViewBackward0"
        else:  # PyTorch's names for vector products
            name = {(1, 1): "DotBackward0", (2, 1): "MvBackward0"}.get((len(a_shape), len(b_shape)),
                                                                        "SqueezeBackward4")

        def matmul(x, y):
            a = x.unsqueeze(0) if len(a_shape) == 1 else x
            b = y.unsqueeze(-1) if len(b_shape) == 1 else y
            out = a._matmul(b)
            if len(a_shape) == 1:
                out = out.squeeze(-2)
            if len(b_shape) == 1:
                out = out.squeeze(-1)
            return out

        if len(a_shape) == 1 or len(b_shape) == 1:
            return a._composite(name, matmul, a, b)
        return matmul(a, b)._named(name, a, b)

    mm = matmul

    # ------------------------------------------------------------ helpers for engines
    def _operand_shape(self, op: str, other: Any) -> None:
        """Raise a clear error when ``other`` cannot broadcast with ``self``."""
        shape = getattr(other, "shape", ())
        broadcast_shapes(op, tuple(self.shape), tuple(shape))


_TORCH_DTYPE_NAMES = {"float64": "double", "float32": "float", "float16": "half", "int64": "long int"}


def check_same_float_dtype(op: str, a: np.dtype, b: np.dtype) -> None:
    """PyTorch's rule for matmul/mm/linear: two floating operands must share a dtype (no promotion).

    Example:
        >>> check_same_float_dtype("matmul", np.dtype("float32"), np.dtype("float32"))
    """
    if a != b and a.kind == "f" and b.kind == "f":
        names = " != ".join(_TORCH_DTYPE_NAMES.get(d.name, d.name) for d in (a, b))
        raise RuntimeError(
            f"{op}: expected m1 and m2 to have the same dtype, but got: {names} "
            f"({a.name} and {b.name}); convert one explicitly, e.g. x.float() or x.double(), "
            f"or make the data with tensor(data, dtype={b.name})"
        )


from ._keepdims import install as _install_keepdims  # noqa: E402

_install_keepdims(TensorBase)
