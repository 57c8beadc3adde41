"""Module functions for the Tensor methods of ``_ops_*`` (``torch.gather(x, ...)``, ``torch.add``, ...).

``EngineAPI`` inherits :class:`MoreAPI`; each function here calls the method of
the same name on its first argument (made a tensor of the engine if needed), so
``mt.cumsum(x, 0)`` is ``x.cumsum(0)``. ``meshgrid`` is a function only.

Example:
    >>> import mytorch.vector as mt
    >>> mt.add(mt.tensor([1.0, 2.0]), 1.0, alpha=2).tolist(), mt.remainder(mt.tensor([-3]), 2).tolist()
    ([3.0, 4.0], [1])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

_METHODS = """
add sub subtract mul multiply div divide true_divide floor_divide remainder fmod copysign reciprocal
square rsqrt isclose isnan isinf isfinite floor ceil trunc fix round sign sgn frac
tan asin acos atan sinh cosh asinh acosh atanh arcsin arccos arctan arcsinh arccosh arctanh atan2 arctan2
log2 log10 log1p exp2 expm1 erf erfc erfinv logaddexp lerp
gather take_along_dim index_select masked_fill masked_select nonzero argwhere count_nonzero
scatter scatter_add scatter_reduce
narrow select unbind split chunk tensor_split repeat_interleave tile flip fliplr flipud roll movedim
moveaxis swapaxes swapdims tril triu diagonal trace
eq ne lt le gt ge not_equal less less_equal greater greater_equal
logical_and logical_or logical_xor logical_not
clamp_min clamp_max addcmul addcdiv any all t clip
cumsum cumprod logcumsumexp cummax cummin prod sort argsort msort topk kthvalue nansum nanmean
""".split()


def _forward(name: str) -> Callable[..., Any]:
    def function(self: Any, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        return getattr(self._t(input), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``input.{name}(*args, **kwargs)``: see ``Tensor.{name}``."
    return function


class MoreAPI:
    """Module functions forwarding to Tensor methods (see module docstring)."""

    if TYPE_CHECKING:
        def _t(self, x: Any) -> Any: ...  # ``x`` as a tensor of this engine (``EngineAPI._t``)

    def negative(self, input: Any) -> Any:  # noqa: A002
        return -self._t(input)

    def square(self, input: Any) -> Any:  # noqa: A002
        return self._t(input).square()

    def rsqrt(self, input: Any) -> Any:  # noqa: A002
        return self._t(input).rsqrt()

    def neg(self, input: Any) -> Any:  # noqa: A002
        return -self._t(input)

    def einsum(self, equation: str, *operands: Any) -> Any:
        """Einstein summation, e.g. ``einsum("bij,bjk->bik", a, b)`` (``...`` and ``ii`` diagonals too).

        Example:
            >>> import mytorch.vector as mt
            >>> mt.einsum("i,i->", mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0])).item()
            11.0
        """
        from ._einsum import einsum

        if not isinstance(equation, str):
            raise TypeError(
                f"einsum(): the first argument must be the equation string, got {type(equation).__name__}"
            )
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
        if not operands:
            raise ValueError("einsum(): must provide at least one operand")
        return einsum(equation, [self._t(x) for x in operands])

    def meshgrid(self, *tensors: Any, indexing: str = "ij") -> tuple:
        """Coordinate grids from 1-D tensors: ``indexing='ij'`` (matrix) or ``'xy'`` (Cartesian).

        Example:
            >>> import mytorch.vector as mt
            >>> [g.tolist() for g in mt.meshgrid(mt.tensor([1, 2]), mt.tensor([3, 4, 5]))]
            [[[1, 1, 1], [2, 2, 2]], [[3, 4, 5], [3, 4, 5]]]
        """
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            tensors = tuple(tensors[0])
        if indexing not in ("ij", "xy"):
            raise ValueError(f"meshgrid(): indexing must be 'ij' or 'xy', got {indexing!r}")
        grids = [self._t(t) for t in tensors]
        for i, t in enumerate(grids):
            if t.ndim > 1:
                raise ValueError(
                    f"meshgrid(): expects 0-d or 1-d tensors, tensor {i} has shape {tuple(t.shape)}"
                )
        grids = [t.reshape(-1) for t in grids]
        swap = indexing == "xy" and len(grids) >= 2
        if swap:
            grids[0], grids[1] = grids[1], grids[0]
        shape = tuple(t.shape[0] for t in grids)
        out = []
        for i, t in enumerate(grids):
            view = [1] * len(grids)
            view[i] = shape[i]
            out.append(t.reshape(view).expand(*shape))
        if swap:
            out[0], out[1] = out[1], out[0]
        return tuple(out)


for _name in _METHODS:
    if not hasattr(MoreAPI, _name):
        setattr(MoreAPI, _name, _forward(_name))
