"""Random chains of views (slices, int selects, transposes, unsqueezes, views of views) followed by
in-place writes to the base or to any view, by constants and by a tensor that requires grad.

Every view is read after the writes, so a view that kept a stale history (#12 point 3), a 0-d
select that was a copy (point 2), a saved value overwritten by the write (points 1 and 8) or
a write that missed its base shows up as a wrong value or gradient against PyTorch, finite
differences and the other engine."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
from _harness import check, draw_arrays
from hypothesis import given
from hypothesis import strategies as st

seeds = st.integers(0, 2**16)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


@st.composite
def view_step(draw, shape: tuple[int, ...]):
    """One view of a tensor of ``shape``: ``(kind, args, new_shape)``."""
    kinds = ["slice", "unsqueeze"] + (["select"] if shape else [])
    kinds += ["transpose"] if len(shape) >= 2 else []
    kind = draw(st.sampled_from(kinds))
    if kind == "unsqueeze":
        dim = draw(st.integers(0, len(shape)))
        return kind, (dim,), shape[:dim] + (1,) + shape[dim:]
    if kind == "transpose":
        d0, d1 = draw(st.permutations(range(len(shape))))[:2]
        new = list(shape)
        new[d0], new[d1] = new[d1], new[d0]
        return kind, (d0, d1), tuple(new)
    if not shape:
        return "unsqueeze", (0,), (1,)
    dim = draw(st.integers(0, len(shape) - 1))
    size = shape[dim]
    if kind == "select":
        i = draw(st.integers(-size, size - 1))
        return kind, (dim, i), shape[:dim] + shape[dim + 1 :]
    start = draw(st.integers(0, size - 1))
    stop = draw(st.integers(start + 1, size))
    step = draw(st.sampled_from([1, 2]))
    return kind, (dim, start, stop, step), shape[:dim] + (len(range(start, stop, step)),) + shape[dim + 1 :]


@st.composite
def programs(draw):
    """A base shape, views (each of an earlier tensor) and in-place writes to any of them."""
    shape = draw(shapes)
    shapes_so_far = [shape]
    views = []
    for _ in range(draw(st.integers(1, 4))):
        parent = draw(st.integers(0, len(shapes_so_far) - 1))
        kind, args, new_shape = draw(view_step(shapes_so_far[parent]))
        views.append((parent, kind, args))
        shapes_so_far.append(new_shape)
    writes = [
        (draw(st.integers(0, len(shapes_so_far) - 1)), draw(st.sampled_from(WRITES)))
        for _ in range(draw(st.integers(1, 3)))
    ]
    return shape, views, writes


def _make_view(t, kind, args):
    if kind == "slice":
        dim, start, stop, step = args
        return t[(slice(None),) * dim + (slice(start, stop, step),)]
    if kind == "select":
        dim, i = args
        return t[(slice(None),) * dim + (i,)]
    if kind == "transpose":
        return t.transpose(*args)
    return t.unsqueeze(*args)


def _write(t, how, w):
    if how == "mul_const":
        t.mul_(1.5)
    elif how == "add_const":
        t.add_(-0.25)
    elif how == "mul_tensor":  # needs the old value for w's gradient (point 8)
        t.mul_(w)
    elif how == "div_tensor":
        t.div_(w * w + 1.0)
    elif how == "add_tensor":
        t.add_(w)
    elif how == "setitem":
        t[...] = w * 2.0


WRITES = ["mul_const", "add_const", "mul_tensor", "div_tensor", "add_tensor", "setitem"]


@given(programs(), seeds)
def test_views_then_inplace_writes(program, seed):
    shape, views, writes = program
    x, w = draw_arrays(seed, (shape, ()))

    def fn(m, x, w):
        tensors = [x * 1.0]
        for parent, kind, args in views:
            tensors.append(_make_view(tensors[parent], kind, args))
        for target, how in writes:
            _write(tensors[target], how, w)
        return m.cat([(t * 1.0).reshape(-1) for t in tensors])

    check(fn, [x, w])
