"""Module-level functions (creation and math) written once for both engines.

An engine makes ``EngineAPI(Tensor, tensor)`` and exports its methods as
module functions, so ``mytorch.vector.zeros`` and ``mytorch.micro.zeros``
share one definition and one signature.

Example:
    >>> import mytorch.vector as mt
    >>> mt.manual_seed(0); mt.zeros(2, 3).shape
    mytorch.Size([2, 3])
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _device, _dtype, _generator, _graph, _promotion
from ._api_more import MoreAPI
from ._errors import ShapeError
from ._tensor_base import TensorBase, normalize_dim, parse_shape


def _on_device(factory: Callable[..., Any]) -> Callable[..., Any]:
    """Make ``factory`` (``zeros``, ``randn``, ...) run on the engine its ``device=`` names.

    No ``device=``: the default device if one is set, else this engine; ``*_like`` and
    ``as_tensor`` of a tensor default to that tensor's device, as in PyTorch.
    """
    name = factory.__name__

    @functools.wraps(factory)
    def on_device(self: EngineAPI, *args: Any, device: Any = None, **kwargs: Any) -> Any:
        here = self.Tensor._location
        like = args[0] if args and isinstance(args[0], TensorBase) else None
        if device is None and like is not None and (name.endswith("_like") or name == "as_tensor"):
            where = like.device
        else:
            where = _device.resolve(device, name, here)
        if where != here:
            return getattr(_device.engine(where), name)(*args, device=where, **kwargs)
        return factory(self, *args, device=where, **kwargs)

    return on_device


class EngineAPI(MoreAPI):  # module functions of the _ops_* methods: _api_more.py
    """The creation and math functions of one engine (``tensor_cls``, ``tensor``)."""

    def __init__(self, tensor_cls: type[TensorBase], tensor: Callable[..., Any]) -> None:
        self.Tensor = tensor_cls
        self.tensor = tensor  # the engine's public ``tensor`` (it follows device=)

    def _here(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> Any:
        """A tensor of this engine, whatever the default device (for the functions below)."""
        return self.Tensor(data, requires_grad=requires_grad, dtype=dtype)

    # ------------------------------------------------------------ creation
    def _make(self, array: np.ndarray, dtype: Any, requires_grad: bool) -> Any:
        dtype = _dtype.as_dtype(dtype)
        if dtype is None and np.issubdtype(array.dtype, np.floating):
            dtype = _dtype.get_default_dtype()
        return self._here(array, dtype=dtype, requires_grad=requires_grad)

    @_on_device
    def zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        """A tensor of zeros, e.g. ``zeros(2, 3)``."""
        return self._make(np.zeros(parse_shape(size)), dtype, requires_grad)

    @_on_device
    def ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        """A tensor of ones, e.g. ``ones(2, 3)``."""
        return self._make(np.ones(parse_shape(size)), dtype, requires_grad)

    @_on_device
    def empty(self, *size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        """An uninitialised tensor (zeros here)."""
        return self.zeros(*size, dtype=dtype, requires_grad=requires_grad, device=device)

    @_on_device
    def full(self, size: Sequence[int], fill_value: float, *, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Any:
        """A tensor of ``size`` filled with ``fill_value``."""
        array = np.full(parse_shape((size,)), fill_value)
        return self._make(array, dtype, requires_grad)

    @_on_device
    def rand(self, *size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False,
             device: Any = None) -> Any:
        """Uniform samples from [0, 1): from ``generator`` or the shared one (see ``manual_seed``)."""
        array = _generator.rng(generator, "rand").uniform(0.0, 1.0, size=parse_shape(size))
        return self._make(array, dtype, requires_grad)

    @_on_device
    def randn(self, *size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Any:
        """Standard normal samples, from ``generator`` or the shared one.

        Seeded draws repeat on both engines but differ from PyTorch's (see ``Generator``).
        """
        array = _generator.rng(generator, "randn").normal(0.0, 1.0, size=parse_shape(size))
        return self._make(array, dtype, requires_grad)

    @_on_device
    def randint(self, *args: Any, size: Any = None, generator: Any = None, dtype: Any = None,
                device: Any = None, requires_grad: bool = False, low: int | None = None,
                high: int | None = None) -> Any:
        """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``.

        Example:
            >>> import mytorch.vector as mt
            >>> x = mt.randint(3, 6, (2, 4), generator=mt.Generator().manual_seed(0))
            >>> tuple(x.shape), str(x.dtype), 3 <= x.min().item() and x.max().item() < 6
            ((2, 4), 'int64', True)
        """
        named = {"low": low, "high": high, "size": size}
        two_bounds = len(args) == 3 or (len(args) == 2 and size is not None)
        order = ["low", "high", "size"] if two_bounds else ["high", "size"]
        if len(args) > len(order):
            raise TypeError(f"randint() takes (low=0, high, size), got {len(args)} positional arguments")
        for key, value in zip(order, args):
            if named[key] is not None:
                raise TypeError(f"randint() got multiple values for argument {key!r}")
            named[key] = value
        low, high, size = named["low"], named["high"], named["size"]
        low = 0 if low is None else low
        if high is None or size is None:
            raise TypeError("randint() needs high and size, e.g. randint(10, (3,)) or randint(0, 10, (3,))")
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (low, high)):
            raise TypeError(f"randint(): low and high must be ints, got low={low!r}, high={high!r}")
        if low >= high:
            raise RuntimeError(
                f"randint expects 'low' to be less than 'high', but got low={low} >= high={high}"
            )
        array = _generator.rng(generator, "randint").integers(low, high, size=parse_shape((size,)))
        return self._make(array.astype(np.int64), dtype, requires_grad)

    @_on_device
    def randperm(self, n: int, *, generator: Any = None, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Any:
        """A random permutation of ``range(n)`` (int64), from ``generator`` or the shared one."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
        array = _generator.rng(generator, "randperm").permutation(int(n)).astype(np.int64)
        return self._make(array, dtype, requires_grad)

    @_on_device
    def normal(self, mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None,
               dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
        """Samples of N(mean, std**2): ``mean``/``std`` numbers (then ``size`` is needed) or tensors.

        Tensor arguments broadcast and give the result its shape (and dtype), as in PyTorch;
        the samples carry no gradient. Seeded draws differ from PyTorch's (see ``Generator``).

        Example:
            >>> import mytorch.vector as mt
            >>> tuple(mt.normal(mt.zeros(3), 1.0).shape), tuple(mt.normal(2.0, 3.0, (2, 2)).shape)
            ((3,), (2, 2))
        """
        tensors = [x for x in (mean, std) if isinstance(x, TensorBase)]
        m = np.asarray(mean.numpy() if isinstance(mean, TensorBase) else mean, dtype=np.float64)
        sd = np.asarray(std.numpy() if isinstance(std, TensorBase) else std, dtype=np.float64)
        if (sd < 0).any() or np.isnan(sd).any():
            raise RuntimeError(f"normal expects std >= 0.0, but found std {sd.min() if sd.size else sd}")
        if tensors:
            if size is not None:
                raise TypeError("normal(): size= is only for number mean and std; the tensors give the shape")
            shape = np.broadcast_shapes(m.shape, sd.shape)
            dtype = dtype if dtype is not None else tensors[0].dtype
        else:
            if size is None:
                raise TypeError("normal(mean, std) with numbers needs a size, e.g. normal(0.0, 1.0, (3,))")
            shape = parse_shape((size,))
        draws = _generator.rng(generator, "normal").normal(0.0, 1.0, size=shape)
        return self._make(m + sd * draws, dtype, requires_grad)

    def multinomial(self, input: Any, num_samples: int, replacement: bool = False, *,  # noqa: A002
                    generator: Any = None) -> Any:
        """Indices drawn from the rows of ``input`` (non-negative weights, not necessarily summing to 1).

        ``input`` is 1-D (gives ``num_samples`` indices) or 2-D (one row of indices per row).
        Without replacement every index appears at most once per row. Seeded draws differ
        from PyTorch's (see ``Generator``).

        Example:
            >>> import mytorch.vector as mt
            >>> mt.multinomial(mt.tensor([0.0, 1.0, 0.0]), 2, replacement=True).tolist()
            [1, 1]
        """
        probs = np.asarray(self._t(input).numpy(), dtype=np.float64)
        if probs.ndim not in (1, 2):
            raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {probs.shape}")
        n_ok = isinstance(num_samples, (int, np.integer)) and not isinstance(num_samples, bool)
        if not n_ok or num_samples <= 0:
            raise RuntimeError(f"multinomial: num_samples must be a positive int, got {num_samples!r}")
        rows = probs.reshape(-1, probs.shape[-1])
        if not np.isfinite(rows).all() or (rows < 0).any():
            raise RuntimeError("multinomial: probability tensor contains either inf, nan or element < 0")
        totals = rows.sum(axis=1)
        if (totals <= 0).any():
            raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0) "
                               f"in row {int(np.argmax(totals <= 0))}")
        if not replacement:
            if num_samples > rows.shape[1]:
                raise RuntimeError(f"multinomial: cannot sample n_sample={num_samples} > "
                                   f"prob_dist.size(-1)={rows.shape[1]} samples without replacement")
            nonzero = (rows > 0).sum(axis=1).min()
            if num_samples > nonzero:
                raise RuntimeError(f"multinomial: cannot draw {num_samples} samples without replacement "
                                   f"from a row with only {nonzero} non-zero weights")
        rng = _generator.rng(generator, "multinomial")
        out = np.stack([rng.choice(rows.shape[1], size=num_samples, replace=bool(replacement), p=r / r.sum())
                        for r in rows])
        return self._here(out.reshape(probs.shape[:-1] + (num_samples,)).astype(np.int64))

    @_on_device
    def arange(self, start: float, end: float | None = None, step: float = 1, *,
               dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        """``arange(5)``, ``arange(1, 5)``, ``arange(0, 1, 0.25)`` as in PyTorch."""
        if end is None:
            start, end = 0, start
        array = np.arange(start, end, step)
        if dtype is None and all(isinstance(v, int) for v in (start, end, step)):
            array = array.astype(np.int64)
        return self._make(array, dtype, requires_grad)

    @_on_device
    def linspace(self, start: float, end: float, steps: int, *, dtype: Any = None,
                 requires_grad: bool = False, device: Any = None) -> Any:
        return self._make(np.linspace(start, end, steps), dtype, requires_grad)

    @_on_device
    def eye(self, n: int, m: int | None = None, *, dtype: Any = None,
            requires_grad: bool = False, device: Any = None) -> Any:
        return self._make(np.eye(n, m), dtype, requires_grad)

    @_on_device
    def zeros_like(self, t: Any, *, dtype: Any = None, requires_grad: bool = False,
                  device: Any = None) -> Any:
        return self._here(np.zeros(t.shape), dtype=dtype or t.dtype, requires_grad=requires_grad)

    @_on_device
    def ones_like(self, t: Any, *, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        return self._here(np.ones(t.shape), dtype=dtype or t.dtype, requires_grad=requires_grad)

    @_on_device
    def full_like(self, t: Any, fill_value: float, *, dtype: Any = None,
                  requires_grad: bool = False, device: Any = None) -> Any:
        array = np.full(t.shape, fill_value)
        return self._here(array, dtype=dtype or t.dtype, requires_grad=requires_grad)

    @_on_device
    def rand_like(self, t: Any, *, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        return self.rand(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, device=device)

    @_on_device
    def randn_like(self, t: Any, *, dtype: Any = None, requires_grad: bool = False,
                  device: Any = None) -> Any:
        return self.randn(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, device=device)

    def from_numpy(self, array: np.ndarray) -> Any:
        """A tensor with ``array``'s dtype, sharing its memory where the engine can (vector)."""
        if not isinstance(array, np.ndarray):
            raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
        return self.Tensor._from_numpy(array)

    @_on_device
    def as_tensor(self, data: Any, dtype: Any = None, device: Any = None) -> Any:
        """``data`` itself if it is already such a tensor, a shared numpy array, else a copy."""
        if isinstance(data, self.Tensor) and dtype is None:
            return data
        if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
            return self.from_numpy(data)
        return self._here(data, dtype=dtype)

    # ------------------------------------------------------------ joining
    def _tensors(self, name: str, tensors: Sequence[Any]) -> list[Any]:
        tensors = [t if isinstance(t, TensorBase) else self._here(t) for t in tensors]
        if not tensors:
            raise ValueError(f"{name}() expects a non-empty sequence of tensors")
        _device.check_same(name, tensors)
        return tensors

    def cat(self, tensors: Sequence[Any], dim: int = 0) -> Any:
        """Join tensors along an existing dimension."""
        tensors = self._tensors("cat", tensors)
        ref = tuple(tensors[0].shape)
        d = normalize_dim(dim, len(ref))
        for i, t in enumerate(tensors):
            shape = tuple(t.shape)
            if len(shape) != len(ref) or shape[:d] + shape[d + 1 :] != ref[:d] + ref[d + 1 :]:
                raise ShapeError(
                    f"cat: tensor {i} has shape {shape}, which does not match shape {ref} of "
                    f"tensor 0 outside dim {d}"
                )
        dtype = _promotion.result_type(*tensors)  # PyTorch promotes the parts to one dtype
        return self.Tensor._cat([t if t.dtype == dtype else t.to(dtype) for t in tensors], d)

    concatenate = cat

    def stack(self, tensors: Sequence[Any], dim: int = 0) -> Any:
        """Join tensors along a new dimension."""
        tensors = self._tensors("stack", tensors)
        shapes = {tuple(t.shape) for t in tensors}
        if len(shapes) != 1:
            raise ShapeError(f"stack expects tensors of equal shape, got {sorted(shapes)}")
        d = normalize_dim(dim, tensors[0].ndim + 1)
        return self.Tensor._composite(
            "StackBackward0", lambda *ts: self.cat([t.unsqueeze(d) for t in ts], d), *tensors
        )

    def where(self, condition: Any, input: Any, other: Any) -> Any:  # noqa: A002
        """``input`` where ``condition`` else ``other`` (the condition carries no gradient)."""
        cond = np.asarray(condition._data if isinstance(condition, TensorBase) else condition)
        if cond.dtype != np.bool_:
            raise TypeError(f"where: condition must be bool, got dtype {cond.dtype}")
        numbers = (bool, int, float)  # Python numbers stay numbers: they rank below 0-d tensors
        a = input if isinstance(input, (TensorBase, *numbers)) else self._here(input)
        b = other if isinstance(other, (TensorBase, *numbers)) else self._here(other)
        a_shape, b_shape = tuple(np.shape(a) if isinstance(a, numbers) else a.shape), tuple(
            np.shape(b) if isinstance(b, numbers) else b.shape
        )
        _device.check_same("where", [t for t in (a, b) if isinstance(t, TensorBase)])
        try:
            np.broadcast_shapes(cond.shape, a_shape, b_shape)
        except ValueError:
            raise ShapeError(
                f"where: shapes condition {cond.shape}, input {a_shape}, other "
                f"{b_shape} cannot be broadcast together"
            ) from None
        return self.Tensor._where(cond, a, b)

    # ------------------------------------------------------------ math (forward to methods)
    def _t(self, x: Any) -> Any:
        if isinstance(x, self.Tensor):
            return x
        if isinstance(x, TensorBase):
            raise _device.mismatch(self.Tensor.__module__.rsplit(".", 1)[0], self._here([]), x)
        return self._here(x)

    def exp(self, input: Any) -> Any:  # noqa: A002
        return self._t(input).exp()

    def log(self, input: Any) -> Any:  # noqa: A002
        return self._t(input).log()

    def sqrt(self, input: Any) -> Any:  # noqa: A002
        return self._t(input).sqrt()

    def abs(self, input: Any) -> Any:  # noqa: A002
        return self._t(input).abs()

    def sin(self, input: Any) -> Any:  # noqa: A002
        return self._t(input).sin()

    def cos(self, input: Any) -> Any:  # noqa: A002
        return self._t(input).cos()

    def tanh(self, input: Any) -> Any:  # noqa: A002
        return self._t(input).tanh()

    def sigmoid(self, input: Any) -> Any:  # noqa: A002
        return self._t(input).sigmoid()

    def relu(self, input: Any) -> Any:  # noqa: A002
        return self._t(input).relu()

    def clamp(self, input: Any, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        return self._t(input).clamp(min, max)

    def pow(self, input: Any, exponent: Any) -> Any:  # noqa: A002
        return self._t(input) ** exponent

    def maximum(self, input: Any, other: Any) -> Any:  # noqa: A002
        return self._t(input).maximum(other)

    def minimum(self, input: Any, other: Any) -> Any:  # noqa: A002
        return self._t(input).minimum(other)

    # reductions: the module function takes exactly what the Tensor method takes (dim, keepdim, dtype=, ...)
    def sum(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        """``input.sum(dim=None, keepdim=False, *, dtype=None)``; ``axis=``/``keepdims=`` are aliases.

        Example:
            >>> import mytorch.vector as mt
            >>> mt.sum(mt.tensor([[True, False], [True, True]]), axis=1).tolist()
            [1, 2]
        """
        return self._t(input).sum(*args, **kwargs)

    def mean(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        """``input.mean(dim=None, keepdim=False, *, dtype=None)``."""
        return self._t(input).mean(*args, **kwargs)

    def var(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        """``input.var(dim=None, unbiased=None, keepdim=False, *, correction=1)``."""
        return self._t(input).var(*args, **kwargs)

    def std(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        """``input.std(dim=None, unbiased=None, keepdim=False, *, correction=1)``."""
        return self._t(input).std(*args, **kwargs)

    def max(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        """``input.max()``, ``input.max(dim, keepdim)`` (values, indices) or ``input.max(other)``."""
        return self._t(input).max(*args, **kwargs)

    def min(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        """``input.min()``, ``input.min(dim, keepdim)`` (values, indices) or ``input.min(other)``."""
        return self._t(input).min(*args, **kwargs)

    def amax(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        """Max over ``dim`` (an int or a tuple; all by default); ties split the gradient evenly."""
        return self._t(input).amax(*args, **kwargs)

    def amin(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        """Min over ``dim`` (an int or a tuple; all by default); ties split the gradient evenly."""
        return self._t(input).amin(*args, **kwargs)

    def argmax(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        return self._t(input).argmax(*args, **kwargs)

    def argmin(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        return self._t(input).argmin(*args, **kwargs)

    def logsumexp(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        return self._t(input).logsumexp(*args, **kwargs)

    def norm(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        """``input.norm(p='fro', dim=None, keepdim=False, dtype=None)``."""
        return self._t(input).norm(*args, **kwargs)

    def softmax(self, input: Any, dim: int) -> Any:  # noqa: A002
        return self._t(input).softmax(dim)

    def log_softmax(self, input: Any, dim: int) -> Any:  # noqa: A002
        return self._t(input).log_softmax(dim)

    def matmul(self, input: Any, other: Any) -> Any:  # noqa: A002
        return self._t(input).matmul(other)

    def mm(self, input: Any, other: Any) -> Any:  # noqa: A002
        return self._t(input).matmul(other)

    def reshape(self, input: Any, shape: Sequence[int]) -> Any:  # noqa: A002
        return self._t(input).reshape(shape)

    def flatten(self, input: Any, start_dim: int = 0, end_dim: int = -1) -> Any:  # noqa: A002
        return self._t(input).flatten(start_dim, end_dim)

    def squeeze(self, input: Any, dim: Any = None) -> Any:  # noqa: A002
        return self._t(input).squeeze(dim)

    def unsqueeze(self, input: Any, dim: int) -> Any:  # noqa: A002
        return self._t(input).unsqueeze(dim)

    def transpose(self, input: Any, dim0: int, dim1: int) -> Any:  # noqa: A002
        return self._t(input).transpose(dim0, dim1)

    def permute(self, input: Any, dims: Sequence[int]) -> Any:  # noqa: A002
        return self._t(input).permute(*dims)

    def clone(self, input: Any) -> Any:  # noqa: A002
        return self._t(input).clone()

    def allclose(self, input: Any, other: Any, rtol: float = 1e-5, atol: float = 1e-8) -> bool:  # noqa: A002
        return bool(np.allclose(self._t(input)._data, self._t(other)._data, rtol, atol))

    def numel(self, input: Any) -> int:  # noqa: A002
        return self._t(input).numel()

    def exports(self) -> dict[str, Any]:
        """Every public function, by name, for an engine's ``__init__`` (``out=`` where PyTorch has it)."""
        names = [n for n in dir(self) if not n.startswith("_") and n not in ("Tensor", "exports")]
        return {n: _with_out(n, getattr(self, n)) if n in OUT_FUNCTIONS else getattr(self, n) for n in names}


#: Module functions that take PyTorch's ``out=`` (the result is written into that tensor).
OUT_FUNCTIONS = frozenset({
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow", "matmul", "mm",
    "cat", "concatenate", "stack", "maximum", "minimum", "exp", "log", "sqrt", "abs", "neg", "clamp",
    "sum", "mean", "where", "sigmoid", "tanh",
})


def _with_out(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` accepting ``out=``: the result is written into ``out`` (resized if needed) and returned."""

    @functools.wraps(fn)
    def with_out(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        return result if out is None else write_out(name, result, out)

    return with_out


def write_out(name: str, result: Any, out: Any) -> Any:
    """Put ``result`` into ``out`` as PyTorch's ``out=`` does: same device, castable dtype, no autograd.

    Example:
        >>> import mytorch.vector as mt
        >>> out = mt.zeros(2)
        >>> mt.add(mt.ones(2), 1.0, out=out) is out, out.tolist()
        (True, [2.0, 2.0])
    """
    if not isinstance(out, TensorBase):
        raise TypeError(f"{name}(): argument 'out' must be a Tensor, not {type(out).__name__}")
    if _graph.is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad."
        )
    _device.check_same(name, (result, out))
    if not _promotion.can_cast(result.dtype, out.dtype):
        raise RuntimeError(
            f"{name}(): result type {result.dtype} can't be cast to the desired output type {out.dtype}"
        )
    result = result.to(out.dtype)
    if tuple(out.shape) == tuple(result.shape):
        out.copy_(result)
    else:  # PyTorch resizes out
        out.data = result
    return out


from ._keepdims import install as _install_keepdims  # noqa: E402

_install_keepdims(EngineAPI)
