"""The engine contract: the primitives an engine's Tensor supplies; the rest is written once.

``TensorBase`` (``_tensor_base.py`` and its ``_ops_*`` mixins) builds every public
Tensor method on the primitives below. A third engine (say CuPy, for GPUs)
would implement exactly these, plus a module with ``Tensor``, ``tensor``, an
``autograd`` module and an ``EngineAPI`` (``_api.py``) for its module
functions. ``tests/test_engine_contract.py`` checks that both engines supply
each primitive with this signature.

Example:
    >>> import mytorch.micro as mm, mytorch.vector as mv
    >>> missing(mv.Tensor), missing(mm.Tensor)
    ([], [])
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from ._device import device


@runtime_checkable
class EngineTensor(Protocol):
    """What one engine's Tensor class provides beneath the shared Tensor API."""

    _location: ClassVar[device]  # the engine's device
    _engine: ClassVar[Any]  # the engine's module (``mytorch.vector``, ``mytorch.micro``)

    # ---- making tensors
    @classmethod
    def _from_numpy(cls, array: np.ndarray) -> EngineTensor: ...  # sharing memory where it can
    def _constant(self, value: Any) -> EngineTensor: ...  # ``value`` as a constant of this dtype

    # ---- differentiable primitives (each records one node, or one Value per element)
    def _unary(self, op: str) -> EngineTensor: ...  # neg, exp, log, sqrt, sin, cos, tanh, relu, ...
    def _pointwise(self, name: str) -> EngineTensor: ...  # an entry of ``_pointwise.POINTWISE``
    def _binary(self, op: str, other: Any, reverse: bool = False) -> EngineTensor: ...  # + - * / **
    def _compare(self, fn: Any, other: Any) -> EngineTensor: ...  # a bool tensor, no gradient
    def _clamp(self, lo: Any, hi: Any) -> EngineTensor: ...
    def _sum(self, dims: tuple[int, ...] | None, keepdim: bool) -> EngineTensor: ...
    def _max(self, dim: int | None, keepdim: bool, minimum: bool) -> EngineTensor: ...
    def _amax(self, dims: tuple[int, ...] | None, keepdim: bool, minimum: bool) -> EngineTensor: ...
    def _softmax(self, dim: int) -> EngineTensor: ...
    def _log_softmax(self, dim: int) -> EngineTensor: ...
    def _matmul(self, other: EngineTensor) -> EngineTensor: ...
    def _reshape(self, shape: tuple[int, ...]) -> EngineTensor: ...
    def _permute(self, axes: tuple[int, ...]) -> EngineTensor: ...
    def _expand(self, shape: tuple[int, ...]) -> EngineTensor: ...
    def _index_add(self, shape: tuple[int, ...], index: Any) -> EngineTensor: ...
    @classmethod
    def _cat(cls, tensors: list[EngineTensor], dim: int) -> EngineTensor: ...
    @classmethod
    def _where(cls, cond: np.ndarray, a: Any, b: Any) -> EngineTensor: ...

    # ---- PyTorch's node names
    def _named(self, name: str, *inputs: Any) -> EngineTensor: ...  # name the node that made self
    @staticmethod
    def _composite(name: str, fn: Any, *inputs: Any) -> Any: ...  # fn(*inputs) recorded as one node


#: The primitive names, in the order above.
PRIMITIVES: tuple[str, ...] = tuple(
    name for name in EngineTensor.__dict__ if name.startswith("_") and not name.startswith("__")
    and callable(getattr(EngineTensor, name)) and name not in ("_abc_impl",)
) + ("_location", "_engine")


#: Primitives an engine may add for speed; the shared code checks ``hasattr`` and falls back.
OPTIONAL: tuple[str, ...] = ("_mean",)


def missing(tensor_class: type) -> list[str]:
    """The contract's primitives that ``tensor_class`` does not define."""
    return [name for name in PRIMITIVES if not hasattr(tensor_class, name)]
