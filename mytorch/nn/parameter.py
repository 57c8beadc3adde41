"""``Parameter``: a Tensor that a Module registers as learnable (``requires_grad=True``).

Example:
    >>> import mytorch.vector as mt
    >>> p = mt.nn.Parameter(mt.zeros(2))
    >>> p.requires_grad, isinstance(p, mt.Tensor)
    (True, True)
"""

from __future__ import annotations

from typing import Any

from ._engine import engine


class Parameter(engine.Tensor):
    """A leaf Tensor that, assigned as a Module attribute, shows up in ``parameters()``.

    ``Parameter(data)`` copies ``data`` (a Tensor, array or list; dtype kept);
    ``Parameter()`` is an empty float tensor.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = engine.empty(0)
        if isinstance(data, engine.Tensor):
            data = data.detach()
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
