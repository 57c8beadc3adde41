"""Module-level functions (creation and math) written once for both engines.

An engine makes ``EngineAPI(Tensor, tensor)`` and exports its methods as
module functions, so ``mytorch.vector.zeros`` and ``mytorch.micro.zeros``
share one definition and one signature.

Example:
    >>> import mytorch.vector as mt
    >>> mt.manual_seed(0); mt.zeros(2, 3).shape
    (2, 3)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _device, _dtype, _random
from ._tensor_base import TensorBase, normalize_dim, parse_shape


class EngineAPI:
    """The creation and math functions of one engine (``tensor_cls``, ``tensor``)."""

    def __init__(self, tensor_cls: type, tensor: Callable[..., Any]) -> None:
        self.Tensor = tensor_cls
        self.tensor = tensor

    # ------------------------------------------------------------ creation
    def _make(self, array: np.ndarray, dtype: Any, requires_grad: bool) -> Any:
        dtype = _dtype.as_dtype(dtype)
        if dtype is None and np.issubdtype(array.dtype, np.floating):
            dtype = _dtype.get_default_dtype()
        return self.tensor(array, dtype=dtype, requires_grad=requires_grad)

    def zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        """A tensor of zeros, e.g. ``zeros(2, 3)``."""
        _device.resolve(device, "zeros")
        return self._make(np.zeros(parse_shape(size)), dtype, requires_grad)

    def ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        """A tensor of ones, e.g. ``ones(2, 3)``."""
        _device.resolve(device, "ones")
        return self._make(np.ones(parse_shape(size)), dtype, requires_grad)

    def empty(self, *size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        """An uninitialised tensor (zeros here)."""
        _device.resolve(device, "empty")
        return self.zeros(*size, dtype=dtype, requires_grad=requires_grad)

    def full(self, size: Sequence[int], fill_value: float, *, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Any:
        """A tensor of ``size`` filled with ``fill_value``."""
        _device.resolve(device, "full")
        array = np.full(parse_shape((size,)), fill_value)
        return self._make(array, dtype, requires_grad)

    def rand(self, *size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        """Uniform samples from [0, 1) drawn from the shared generator (see ``manual_seed``)."""
        _device.resolve(device, "rand")
        return self._make(_random.uniform(0.0, 1.0, parse_shape(size)), dtype, requires_grad)

    def randn(self, *size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        """Standard normal samples from the shared generator."""
        _device.resolve(device, "randn")
        return self._make(_random.normal(0.0, 1.0, parse_shape(size)), dtype, requires_grad)

    def randint(self, low: int, high: int, size: Sequence[int], *, dtype: Any = None,
                device: Any = None) -> Any:
        """Integers uniform in [low, high)."""
        _device.resolve(device, "randint")
        array = _random.generator().integers(low, high, size=parse_shape((size,)))
        return self.tensor(array.astype(np.int64), dtype=dtype)

    def randperm(self, n: int, *, device: Any = None) -> Any:
        """A random permutation of ``range(n)``."""
        _device.resolve(device, "randperm")
        return self.tensor(_random.permutation(n))

    def arange(self, start: float, end: float | None = None, step: float = 1, *,
               dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        """``arange(5)``, ``arange(1, 5)``, ``arange(0, 1, 0.25)`` as in PyTorch."""
        _device.resolve(device, "arange")
        if end is None:
            start, end = 0, start
        array = np.arange(start, end, step)
        if dtype is None and all(isinstance(v, int) for v in (start, end, step)):
            array = array.astype(np.int64)
        return self._make(array, dtype, requires_grad)

    def linspace(self, start: float, end: float, steps: int, *, dtype: Any = None,
                 requires_grad: bool = False, device: Any = None) -> Any:
        _device.resolve(device, "linspace")
        return self._make(np.linspace(start, end, steps), dtype, requires_grad)

    def eye(self, n: int, m: int | None = None, *, dtype: Any = None,
            requires_grad: bool = False, device: Any = None) -> Any:
        _device.resolve(device, "eye")
        return self._make(np.eye(n, m), dtype, requires_grad)

    def zeros_like(self, t: Any, *, dtype: Any = None, requires_grad: bool = False,
                  device: Any = None) -> Any:
        _device.resolve(device, "zeros_like")
        return self.tensor(np.zeros(t.shape), dtype=dtype or t.dtype, requires_grad=requires_grad)

    def ones_like(self, t: Any, *, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        _device.resolve(device, "ones_like")
        return self.tensor(np.ones(t.shape), dtype=dtype or t.dtype, requires_grad=requires_grad)

    def full_like(self, t: Any, fill_value: float, *, dtype: Any = None,
                  requires_grad: bool = False, device: Any = None) -> Any:
        _device.resolve(device, "full_like")
        array = np.full(t.shape, fill_value)
        return self.tensor(array, dtype=dtype or t.dtype, requires_grad=requires_grad)

    def rand_like(self, t: Any, *, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Any:
        _device.resolve(device, "rand_like")
        return self.rand(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)

    def randn_like(self, t: Any, *, dtype: Any = None, requires_grad: bool = False,
                  device: Any = None) -> Any:
        _device.resolve(device, "randn_like")
        return self.randn(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)

    def from_numpy(self, array: np.ndarray) -> Any:
        """A tensor with ``array``'s dtype, sharing its memory where the engine can (vector)."""
        if not isinstance(array, np.ndarray):
            raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
        return self.Tensor._from_numpy(array)

    def as_tensor(self, data: Any, dtype: Any = None, device: Any = None) -> Any:
        """``data`` itself if it is already such a tensor, a shared numpy array, else a copy."""
        _device.resolve(device, "as_tensor")
        if isinstance(data, self.Tensor) and dtype is None:
            return data
        if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
            return self.from_numpy(data)
        return self.tensor(data, dtype=dtype)

    # ------------------------------------------------------------ joining
    def _tensors(self, name: str, tensors: Sequence[Any]) -> list[Any]:
        tensors = [t if isinstance(t, TensorBase) else self.tensor(t) for t in tensors]
        if not tensors:
            raise ValueError(f"{name}() expects a non-empty sequence of tensors")
        return tensors

    def cat(self, tensors: Sequence[Any], dim: int = 0) -> Any:
        """Join tensors along an existing dimension."""
        tensors = self._tensors("cat", tensors)
        ref = tuple(tensors[0].shape)
        d = normalize_dim(dim, len(ref))
        for i, t in enumerate(tensors):
            shape = tuple(t.shape)
            if len(shape) != len(ref) or shape[:d] + shape[d + 1 :] != ref[:d] + ref[d + 1 :]:
                raise ValueError(
                    f"cat: tensor {i} has shape {shape}, which does not match shape {ref} of "
                    f"tensor 0 outside dim {d}"
                )
        return self.Tensor._cat(tensors, d)

    concatenate = cat

    def stack(self, tensors: Sequence[Any], dim: int = 0) -> Any:
        """Join tensors along a new dimension."""
        tensors = self._tensors("stack", tensors)
        shapes = {tuple(t.shape) for t in tensors}
        if len(shapes) != 1:
            raise ValueError(f"stack expects tensors of equal shape, got {sorted(shapes)}")
        d = normalize_dim(dim, tensors[0].ndim + 1)
        return self.Tensor._cat([t.unsqueeze(d) for t in tensors], d)

    def where(self, condition: Any, input: Any, other: Any) -> Any:  # noqa: A002
        """``input`` where ``condition`` else ``other`` (the condition carries no gradient)."""
        cond = np.asarray(condition.numpy() if isinstance(condition, TensorBase) else condition)
        if cond.dtype != np.bool_:
            raise TypeError(f"where: condition must be bool, got dtype {cond.dtype}")
        a = input if isinstance(input, TensorBase) else self.tensor(input)
        b = other if isinstance(other, TensorBase) else self.tensor(other)
        try:
            np.broadcast_shapes(cond.shape, tuple(a.shape), tuple(b.shape))
        except ValueError:
            raise ValueError(
                f"where: shapes condition {cond.shape}, input {tuple(a.shape)}, other "
                f"{tuple(b.shape)} cannot be broadcast together"
            ) from None
        return self.Tensor._where(cond, a, b)

    # ------------------------------------------------------------ math (forward to methods)
    def _t(self, x: Any) -> Any:
        if isinstance(x, self.Tensor):
            return x
        if isinstance(x, TensorBase):
            raise TypeError(f"expected a {self.Tensor.__module__} Tensor, got {type(x).__module__}")
        return self.tensor(x)

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

    def sum(self, input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A002
        return self._t(input).sum(dim, keepdim)

    def mean(self, input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A002
        return self._t(input).mean(dim, keepdim)

    def var(self, input: Any, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
            correction: int = 1) -> Any:
        return self._t(input).var(dim, keepdim, correction=correction)

    def std(self, input: Any, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
            correction: int = 1) -> Any:
        return self._t(input).std(dim, keepdim, correction=correction)

    def max(self, input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A002
        return self._t(input).max(dim, keepdim)

    def min(self, input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A002
        return self._t(input).min(dim, keepdim)

    def amax(self, input: Any, dim: Any = (), keepdim: bool = False) -> Any:  # noqa: A002
        """Max over ``dim`` (an int or a tuple; all by default); ties split the gradient evenly."""
        return self._t(input).amax(dim, keepdim)

    def amin(self, input: Any, dim: Any = (), keepdim: bool = False) -> Any:  # noqa: A002
        """Min over ``dim`` (an int or a tuple; all by default); ties split the gradient evenly."""
        return self._t(input).amin(dim, keepdim)

    def argmax(self, input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A002
        return self._t(input).argmax(dim, keepdim)

    def argmin(self, input: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A002
        return self._t(input).argmin(dim, keepdim)

    def logsumexp(self, input: Any, dim: int, keepdim: bool = False) -> Any:  # noqa: A002
        return self._t(input).logsumexp(dim, keepdim)

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
        return bool(np.allclose(self._t(input).numpy(), self._t(other).numpy(), rtol, atol))

    def numel(self, input: Any) -> int:  # noqa: A002
        return self._t(input).numel()

    def exports(self) -> dict[str, Any]:
        """Every public function, by name, for an engine's ``__init__``."""
        names = [n for n in dir(self) if not n.startswith("_") and n not in ("Tensor", "exports")]
        return {n: getattr(self, n) for n in names}
