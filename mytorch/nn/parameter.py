"""``Parameter``: a Tensor that a Module registers as learnable (``requires_grad=True``).

One ``Parameter`` class serves both engines: ``Parameter(t)`` is a Tensor of ``t``'s
engine (device) that is also a Parameter, so ``isinstance(p, mytorch.nn.Parameter)``
and ``isinstance(p, mytorch.micro.Tensor)`` both hold for a micro parameter.

Example:
    >>> import mytorch
    >>> p = mytorch.nn.Parameter(mytorch.zeros(2, device="micro"))
    >>> p.requires_grad, p.device, isinstance(p, mytorch.micro.Tensor)
    (True, device(type='micro'), True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from .. import _device
from .._tensor_base import TensorBase

#: (Parameter class, engine Tensor class) -> the class of such parameters on that engine.
_ON_ENGINE: dict[tuple[type, type], type[Parameter]] = {}


def _engine_tensor_class(data: Any) -> type[TensorBase]:
    if isinstance(data, TensorBase):
        return type(data)._engine.Tensor
    return _device.engine(_device.resolve(None, "Parameter")).Tensor


class Parameter(TensorBase):
    """A leaf Tensor that, assigned as a Module attribute, shows up in ``parameters()``.

    ``Parameter(data)`` copies ``data`` (a Tensor, array or list; dtype kept) onto
    ``data``'s engine (arrays and lists: the default device); ``Parameter()`` is an
    empty float tensor.
    """

    __slots__ = ()

    if TYPE_CHECKING:
        _parameter_class: ClassVar[type[Parameter]]  # on a Parameter-on-an-engine class: the Parameter

    def __new__(cls, data: Any = None, requires_grad: bool = True) -> Parameter:
        chosen = cls.__dict__.get("_parameter_class")  # cls is already Parameter-on-an-engine
        if chosen is not None:
            if data is None:  # copy.deepcopy / copy.copy: the engine stays cls's
                return super().__new__(cls)
            cls = chosen
        engine_tensor = _engine_tensor_class(data)
        on_engine = _ON_ENGINE.get((cls, engine_tensor))
        if on_engine is None:  # e.g. Parameter + micro.Tensor: made once per engine
            on_engine = type(cls.__name__, (cls, engine_tensor), {
                "__slots__": (), "__module__": cls.__module__, "__qualname__": cls.__qualname__,
                "__doc__": cls.__doc__, "_parameter_class": cls,
            })
            _ON_ENGINE[cls, engine_tensor] = on_engine
        return engine_tensor.__new__(on_engine)

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = type(self)._engine.empty(0)
        if isinstance(data, TensorBase):
            data = data.detach()
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
