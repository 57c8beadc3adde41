"""Binary ops and ``where`` on random broadcastable shapes (0-d and empty included)."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
from _harness import check, draw_arrays
from hypothesis import given
from hypothesis import strategies as st

BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "pow": lambda m, a, b: a**b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "rsub_scalar": lambda m, a, b: 1.5 - a * b,
}
POSITIVE = {"div", "pow"}
COMPARE = {
    "lt": lambda m, a, b: a < b,
    "ge": lambda m, a, b: a >= b,
    "eq": lambda m, a, b: a == b,
}

two_shapes = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3)
seeds = st.integers(0, 2**16)


@given(st.sampled_from(sorted(BINARY)), two_shapes, seeds)
def test_binary_op_values_and_gradients(name, shapes, seed):
    check(BINARY[name], draw_arrays(seed, shapes.input_shapes, positive=name in POSITIVE))


@given(st.sampled_from(sorted(COMPARE)), two_shapes, seeds)
def test_comparisons(name, shapes, seed):
    a, b = draw_arrays(seed, shapes.input_shapes)
    if name == "eq" and b.size:  # make some elements equal
        a = a.copy()
        a.reshape(-1)[: max(a.size // 2, 0)] = b.reshape(-1)[0]
    check(lambda m, x, y: COMPARE[name](m, x, y).float(), [a, b], grad=False)


@given(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, min_side=0, max_side=3), seeds)
def test_where(shapes, seed):
    cond_shape, a_shape, b_shape = shapes.input_shapes
    c, a, b = draw_arrays(seed, (cond_shape, a_shape, b_shape))
    check(lambda m, cond, x, y: m.where(cond > 0, x, y * 2.0), [c, a, b])
