"""Errors of the types PyTorch raises, so that PyTorch programs catch them (PyTorch is the oracle).

A shape that does not fit an op is a ``RuntimeError`` in PyTorch; MyTorch raises
``ShapeError``, a subclass of both ``RuntimeError`` and ``ValueError`` (its messages,
which name the shapes, are MyTorch's own). An index or dim out of range is an
``IndexError`` in both.
"""

import pytest

import mytorch.micro as mm
import mytorch.vector as mv
from mytorch._errors import ShapeError

torch = pytest.importorskip("torch")  # the oracle; these tests skip without it

ENGINES = pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])


def _setitem(t, index, value):
    t[index] = value


def _add_(t, other):
    t.add_(other)


SHAPE_ERRORS = {
    "matmul: inner sizes": lambda t: t.ones(2, 3) @ t.ones(2, 3),
    "matmul: 0-d": lambda t: t.ones(()) @ t.ones(3),
    "matmul: vectors": lambda t: t.ones(3) @ t.ones(4),
    "matmul: batch dims": lambda t: t.ones(2, 2, 3) @ t.ones(3, 3, 4),
    "mm": lambda t: t.ones(2, 3).mm(t.ones(2, 3)),
    "reshape: size": lambda t: t.ones(2, 3).reshape(5),
    "reshape: -1 does not divide": lambda t: t.ones(2, 3).reshape(4, -1),
    "reshape: two -1": lambda t: t.ones(2, 3).reshape(-1, -1),
    "view: size": lambda t: t.ones(2, 3).view(7),
    "permute: too few dims": lambda t: t.ones(2, 3, 4).permute(1, 0),
    "permute: repeated dim": lambda t: t.ones(2, 3).permute(0, 0),
    "expand: size": lambda t: t.ones(2, 3).expand(4, 3),
    "expand: too few sizes": lambda t: t.ones(2, 3).expand(3),
    "t: 3-d": lambda t: t.ones(2, 3, 4).t(),
    "flatten: start after end": lambda t: t.ones(2, 3, 4).flatten(2, 1),
    "cat: sizes": lambda t: t.cat([t.ones(2, 3), t.ones(2, 4)]),
    "cat: dims": lambda t: t.cat([t.ones(2, 3), t.ones(3)]),
    "stack: sizes": lambda t: t.stack([t.ones(2, 3), t.ones(3, 2)]),
    "broadcast: add": lambda t: t.ones(2, 3) + t.ones(4),
    "broadcast: mul": lambda t: t.ones(2, 3) * t.ones(2, 2),
    "broadcast: where": lambda t: t.where(t.ones(2, 3) > 0, t.ones(2, 3), t.ones(4)),
    "setitem: value shape": lambda t: _setitem(t.ones(2, 3), 0, t.ones(5)),
    "in-place: result shape": lambda t: _add_(t.ones(3), t.ones(2, 3)),
    "item: several elements": lambda t: t.ones(2).item(),
    "sum: repeated dim": lambda t: t.ones(2, 3).sum((0, 0)),
    "linear: features": lambda t: t.nn.functional.linear(t.ones(2, 3), t.ones(4, 5)),
    "linear: bias": lambda t: t.nn.functional.linear(t.ones(2, 3), t.ones(4, 3), t.ones(5)),
    "conv2d: channels": lambda t: t.nn.functional.conv2d(t.ones(1, 2, 5, 5), t.ones(3, 4, 3, 3)),
    "conv2d: weight dims": lambda t: t.nn.functional.conv2d(t.ones(1, 2, 5, 5), t.ones(3, 2, 3)),
    "conv2d: input dims": lambda t: t.nn.functional.conv2d(t.ones(5, 5), t.ones(3, 1, 3, 3)),
    "conv2d: kernel larger than input": lambda t: t.nn.functional.conv2d(t.ones(1, 1, 2, 2),
                                                                         t.ones(1, 1, 3, 3)),
    "conv2d: bias": lambda t: t.nn.functional.conv2d(t.ones(1, 1, 5, 5), t.ones(2, 1, 3, 3), t.ones(3)),
    "conv2d: groups": lambda t: t.nn.functional.conv2d(t.ones(1, 4, 5, 5), t.ones(3, 2, 3, 3), groups=2),
    "conv1d: channels": lambda t: t.nn.functional.conv1d(t.ones(1, 2, 5), t.ones(3, 4, 3)),
    "Linear layer: features": lambda t: t.nn.Linear(3, 2)(t.ones(4, 5)),
    "BatchNorm1d layer: channels": lambda t: t.nn.BatchNorm1d(3)(t.ones(4, 5)),
    "LayerNorm layer: shape": lambda t: t.nn.LayerNorm(3)(t.ones(4, 5)),
}
INDEX_ERRORS = {
    "index out of range": lambda t: t.ones(3)[5],
    "negative index out of range": lambda t: t.ones(2, 3)[-3],
    "dim out of range": lambda t: t.ones(2, 3).sum(2),
    "softmax dim out of range": lambda t: t.ones(2, 3).softmax(-3),
    "unsqueeze dim out of range": lambda t: t.ones(2, 3).unsqueeze(4),
    "transpose dim out of range": lambda t: t.ones(2, 3).transpose(0, 2),
}


@pytest.mark.parametrize("name", sorted(SHAPE_ERRORS))
def test_pytorch_raises_runtime_error(name):
    with pytest.raises(RuntimeError) as info:
        SHAPE_ERRORS[name](torch)
    assert not isinstance(info.value, (IndexError, TypeError))


@ENGINES
@pytest.mark.parametrize("name", sorted(SHAPE_ERRORS))
def test_shape_error_is_a_runtime_error_and_a_value_error(mt, name):
    with pytest.raises(RuntimeError) as info:
        SHAPE_ERRORS[name](mt)
    assert isinstance(info.value, ValueError) and type(info.value) is ShapeError
    assert str(info.value)  # MyTorch's message, which names the shapes


@ENGINES
@pytest.mark.parametrize("name", sorted(INDEX_ERRORS))
def test_out_of_range_is_an_index_error_as_in_pytorch(mt, name):
    with pytest.raises(IndexError):
        INDEX_ERRORS[name](torch)
    with pytest.raises(IndexError):
        INDEX_ERRORS[name](mt)


@ENGINES
def test_cat_of_no_tensors_is_a_value_error_as_in_pytorch(mt):
    with pytest.raises(ValueError):
        torch.cat([])
    with pytest.raises(ValueError, match="non-empty"):
        mt.cat([])


def test_a_pytorch_style_handler_catches_the_error():
    def safe_matmul(lib, a, b):
        try:
            return a @ b
        except RuntimeError as e:  # how PyTorch programs catch shape errors
            return str(e)

    for lib in (torch, mv, mm):
        assert isinstance(safe_matmul(lib, lib.ones(2, 3), lib.ones(2, 3)), str)
