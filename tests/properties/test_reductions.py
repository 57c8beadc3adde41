"""Reductions over random dims, with keepdim, on 0-d, empty and ordinary tensors."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
from _harness import check, draw_arrays
from hypothesis import assume, given
from hypothesis import strategies as st

seeds = st.integers(0, 2**16)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


@st.composite
def shape_and_dims(draw, tuple_dims: bool = True):
    shape = draw(shapes)
    ndim = max(len(shape), 1)  # a 0-d tensor takes dim 0 or -1
    one = st.integers(-ndim, ndim - 1)
    options = [one]
    if tuple_dims and len(shape) > 0:
        options.append(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape),
                                unique=True).map(tuple))
    dim = draw(st.one_of(*options))
    return shape, dim, draw(st.booleans())


REDUCE = {
    "sum": lambda m, x, d, k: x.sum(dim=d, keepdim=k),
    "mean": lambda m, x, d, k: x.mean(dim=d, keepdim=k),
    "var": lambda m, x, d, k: x.var(dim=d, keepdim=k),
    "std": lambda m, x, d, k: x.std(dim=d, keepdim=k),
    "amax": lambda m, x, d, k: x.amax(dim=d, keepdim=k),
    "amin": lambda m, x, d, k: x.amin(dim=d, keepdim=k),
    "logsumexp": lambda m, x, d, k: x.logsumexp(dim=d, keepdim=k),
}
ONE_DIM = {
    "max": lambda m, x, d, k: x.max(dim=d, keepdim=k)[0],
    "min": lambda m, x, d, k: x.min(dim=d, keepdim=k)[0],
    "argmax": lambda m, x, d, k: x.argmax(dim=d, keepdim=k).double(),
    "softmax": lambda m, x, d, k: x.softmax(d),
    "log_softmax": lambda m, x, d, k: x.log_softmax(d),
}


@given(st.sampled_from(sorted(REDUCE)), shape_and_dims(), seeds)
def test_reductions_over_dims(name, shape_dims, seed):
    shape, dim, keepdim = shape_dims
    (x,) = draw_arrays(seed, (shape,))
    check(lambda m, t: REDUCE[name](m, t, dim, keepdim), [x])


@given(st.sampled_from(sorted(ONE_DIM)), shape_and_dims(tuple_dims=False), seeds)
def test_single_dim_reductions(name, shape_dims, seed):
    shape, dim, keepdim = shape_dims
    (x,) = draw_arrays(seed, (shape,))
    check(lambda m, t: ONE_DIM[name](m, t, dim, keepdim), [x], grad=name != "argmax")


@given(st.sampled_from(["sum", "mean", "var", "std", "amax", "logsumexp"]), shapes, seeds)
def test_full_reductions(name, shape, seed):
    assume(name not in ("amax",) or 0 not in shape)  # torch refuses amax of nothing; so do we (tested above)
    (x,) = draw_arrays(seed, (shape,))
    full = {
        "sum": lambda m, t: t.sum(),
        "mean": lambda m, t: t.mean(),
        "var": lambda m, t: t.var(),
        "std": lambda m, t: t.std(),
        "amax": lambda m, t: t.amax(),
        "logsumexp": lambda m, t: t.logsumexp(dim=tuple(range(t.ndim))),
    }[name]
    check(full, [x])
