"""Random getitem / setitem keys: ints, slices (negative steps too), None, Ellipsis,
integer lists with repeats, boolean masks, and advanced indices mixed with basic ones."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
from _harness import check, draw_arrays, finite_difference_check
from hypothesis import assume, given, reject
from hypothesis import strategies as st

import mytorch.micro as micro
import mytorch.vector as vector

seeds = st.integers(0, 2**16)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


@st.composite
def keys(draw, shape: tuple[int, ...]):
    """A key for ``shape``: a tuple of items, each consuming one dim (None and Ellipsis aside)."""
    items: list = []
    dim = 0
    used_ellipsis = False
    for _ in range(draw(st.integers(1, len(shape) + 2))):
        kinds = ["int", "slice", "list", "mask", "none"] + ([] if used_ellipsis else ["ellipsis"])
        kind = draw(st.sampled_from(kinds))
        if kind == "none":
            items.append(None)
            continue
        if kind == "ellipsis":
            used_ellipsis = True
            skip = draw(st.integers(0, len(shape) - dim))
            items.append(Ellipsis)
            dim += skip
            continue
        if dim >= len(shape):
            break
        size = shape[dim]
        if kind == "int":
            items.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            start = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
            stop = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
            step = draw(st.one_of(st.none(), st.sampled_from([1, 2, 3])))  # torch refuses negative steps
            items.append(slice(start, stop, step))
        elif kind == "list":
            items.append(draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=4)))
        else:
            items.append(np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size))))
        dim += 1
    if used_ellipsis:  # an Ellipsis stands for the dims the other items leave over
        consumed = sum(1 for k in items if k is not None and k is not Ellipsis)
        if consumed > len(shape):
            items = [k for k in items if k is not Ellipsis]
    return tuple(items)


def _consumed_dims(key: tuple, ndim: int) -> list[int]:
    """The dim of the tensor each item of ``key`` indexes (-1 for None and Ellipsis)."""
    dims, dim = [], 0
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    for k in key:
        if k is None:
            dims.append(-1)
        elif k is Ellipsis:
            dims.append(-1)
            dim += ndim - consumed
        else:
            dims.append(dim)
            dim += 1
    return dims


def _torch_key(key: tuple, m) -> tuple:
    out = []
    for k in key:
        if isinstance(k, np.ndarray):
            out.append(m.tensor(k.tolist(), dtype=m.bool) if k.size else m.tensor(k))
        else:
            out.append(k)
    return tuple(out)


def _key_for(m, key):
    if m.__name__ == "torch":
        return _torch_key(key, m)
    return key


def _count_masks(key) -> int:
    return sum(1 for k in key if isinstance(k, np.ndarray))


@given(shapes.flatmap(lambda s: st.tuples(st.just(s), keys(s))), seeds)
def test_getitem(shape_key, seed):
    shape, key = shape_key
    (x,) = draw_arrays(seed, (shape,))
    check(lambda m, t: t[_key_for(m, key)], [x])


@given(shapes.flatmap(lambda s: st.tuples(st.just(s), keys(s))), seeds)
def test_setitem(shape_key, seed):
    shape, key = shape_key
    dims = [d for d, k in zip(_consumed_dims(key, len(shape)), key)]
    has_repeats = any(
        isinstance(k, list) and len({i % shape[d] for i in k}) < len(k) for d, k in zip(dims, key)
    ) or sum(isinstance(k, (list, np.ndarray)) for k in key) > 1  # broadcast index lists may repeat
    (x,) = draw_arrays(seed, (shape,))
    # PyTorch's placement of advanced-index dims (not numpy's): torch itself refuses a wrong one
    try:
        target_shape = tuple(vector.tensor(x)[key].shape)
    except IndexError:
        reject()  # a key no library accepts: test_getitem checks that all refuse it
    assume(not has_repeats)  # which write wins with repeats is unspecified (PyTorch's docs): values differ
    (v,) = draw_arrays(seed + 1, (target_shape,))

    def fn(m, t, value):
        b = t * 1.0
        b[_key_for(m, key)] = value * 2.0
        return b

    check(fn, [x, v])


@given(shapes, st.data(), seeds)
def test_setitem_repeated_indices_gradient(shape, data, seed):
    """With repeated indices PyTorch gathers the output's gradient at each index for every write,
    whichever write won; vector follows it. Micro gives the derivative of what was computed (the
    losing writes get 0), which finite differences confirm: the documented difference (README)."""
    size = shape[0]
    index = data.draw(st.lists(st.integers(0, size - 1), min_size=2, max_size=5))
    (x,) = draw_arrays(seed, (shape,))
    (v,) = draw_arrays(seed + 1, ((len(index),) + shape[1:],))
    value = np.broadcast_to(v[:1], v.shape).copy()  # equal values: the result is well defined

    def fn(m, t, val):
        b = t * 1.0
        b[_key_for(m, (index,))] = val
        return b

    check(fn, [x, value], fd=False, micro_vs_vector=False)
    finite_difference_check(fn, [x, value], engine=micro)
