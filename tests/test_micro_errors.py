"""Bad input on the micro engine: the same clear errors as the vector engine.

Each case runs on both engines; they must raise the same exception type with
the same message, and the message must name the offending values.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mt


def _leaf(m, shape):
    return m.tensor(np.ones(shape), dtype=m.float64, requires_grad=True)


CASES = {
    "string data": (lambda m: m.tensor("abc"), TypeError, r"numeric.*<U3.*str"),
    "ragged list": (lambda m: m.tensor([[1.0, 2.0], [3.0]]), TypeError, r"cannot make a tensor from list"),
    "object data": (lambda m: m.tensor(object()), TypeError, r"numeric.*object"),
    "add shapes": (lambda m: m.ones(2, 3) + m.ones(4), ValueError, r"\(2, 3\) and \(4,\)"),
    "mul array shapes": (lambda m: m.ones(2, 3) * np.ones((3, 2)), ValueError, r"\(2, 3\) and \(3, 2\)"),
    "matmul shapes": (lambda m: m.ones(2, 3) @ m.ones(2, 3), ValueError, r"\(2, 3\) and \(2, 3\).*3 != 2"),
    "matmul 0-d": (lambda m: m.tensor(1.0) @ m.ones(2), ValueError, r"at least 1 dim"),
    "cat shapes": (lambda m: m.cat([m.ones(2, 3), m.ones(2, 2)], dim=0),
                   ValueError, r"tensor 1 has shape \(2, 2\)"),
    "reshape size": (lambda m: m.ones(2, 3).reshape(4, 2), ValueError, r"\(4, 2\) is invalid.*\(2, 3\)"),
    "expand size": (lambda m: m.ones(2, 3).expand(4, 3), ValueError, r"size 2 of dim 0"),
    "dim range": (lambda m: m.ones(2, 3).sum(dim=2), IndexError, r"range of \[-2, 1\], but got 2"),
    "float index": (lambda m: m.ones(3)[m.tensor([0.5], dtype=m.float64)],
                    IndexError, r"long or bool.*float64"),
    "backward non-scalar": (lambda m: (_leaf(m, (2, 3)) * 2).backward(), RuntimeError,
                            r"scalar outputs.*shape \(2, 3\)"),
    "backward gradient shape": (lambda m: (_leaf(m, (2,)) * 2).backward(m.ones(3)), RuntimeError,
                                r"gradient has shape \(3,\).*output has shape \(2,\)"),
    "backward without grad": (lambda m: m.ones(2).sum().backward(), RuntimeError, r"does not require grad"),
    "int requires grad": (lambda m: m.tensor([1, 2], requires_grad=True),
                          RuntimeError, r"floating point.*int64"),
    "leaf in-place": (lambda m: _leaf(m, (3,)).add_(1.0), RuntimeError, r"leaf Variable.*shape \(3,\)"),
    "in-place shape": (lambda m: m.ones(3).add_(m.ones(2, 3)), ValueError, r"\(2, 3\) does not fit.*\(3,\)"),
    "expand write": (lambda m: m.zeros(3, 1).expand(3, 4).fill_(1.0),
                     RuntimeError, r"broadcast \(expand\) view"),
    "item of many": (lambda m: m.ones(2).item(), ValueError, r"2 elements \(shape \(2,\)\)"),
    "bool of many": (lambda m: bool(m.ones(2)), RuntimeError, r"2 elements is ambiguous"),
    "clamp nothing": (lambda m: m.ones(2).clamp(), ValueError, r"at least one of min and max"),
    "requires_grad off non-leaf": (lambda m: (_leaf(m, (2,)) * 2).requires_grad_(False), RuntimeError,
                                   r"leaf variables"),
    "retain_grad constant": (lambda m: m.ones(2).retain_grad(), RuntimeError, r"requires_grad=False"),
    "grad unused input": (lambda m: m.autograd.grad((_leaf(m, (2,)) * 2).sum(), [_leaf(m, (3,))]),
                          RuntimeError, r"input 0 \(shape \(3,\)\) was not used"),
    "second backward": (lambda m: _twice(m), RuntimeError, r"backward through the graph a second time"),
}


def _twice(m):
    y = (_leaf(m, (2,)) * 3).sum()
    y.backward()
    y.backward()


@pytest.mark.parametrize("name", list(CASES))
def test_same_error_as_vector_engine(name):
    fn, kind, pattern = CASES[name]
    with pytest.raises(kind, match=pattern) as micro:
        fn(mm)
    with pytest.raises(kind) as vector:
        fn(mt)
    assert type(micro.value) is type(vector.value)
    assert str(micro.value) == str(vector.value)


def test_mixing_engines_is_a_type_error_naming_both():
    same_device = "expected all tensors to be on the same device, but found at least two devices, micro and"
    with pytest.raises(TypeError, match=same_device):
        mm.ones(2) + mt.ones(2)
    with pytest.raises(TypeError, match="cannot assign a vector Tensor into a micro Tensor"):
        mm.ones(2)[0] = mt.tensor(1.0)


def test_value_rejects_non_numbers():
    with pytest.raises(TypeError, match=r"real number, got str '3'"):
        mm.Value("3")
