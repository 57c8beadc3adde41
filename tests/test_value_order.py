"""``value_order`` (the micro engine's fast topological walk) gives exactly the generic walk's list."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from mytorch._graph import topological_order
from mytorch.micro import value as V
from mytorch.micro.value import Value, value_order


def _random_graph(seed: int, size: int) -> Value:
    """Unary, binary and n-ary nodes over random earlier nodes (shared parents, repeats)."""
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    for _ in range(size):
        kind = rng.choice(["unary", "binary", "self", "sum", "dot"])
        pick = lambda: rng.choice(nodes)  # noqa: E731
        if kind == "unary":
            nodes.append(pick().tanh())
        elif kind == "binary":
            nodes.append(pick() * pick())
        elif kind == "self":
            x = pick()
            nodes.append(x + x)
        elif kind == "sum":
            nodes.append(V.total([pick() for _ in range(rng.randint(1, 4))]))
        else:
            k = rng.randint(1, 3)
            nodes.append(V.dot([pick() for _ in range(k)], [pick() for _ in range(k)]))
    return V.total(nodes[-3:])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 60))
def test_value_order_equals_the_generic_topological_order(seed, size):
    root = _random_graph(seed, size)
    fast = value_order(root)
    generic = topological_order(root, V._parents)
    assert [id(v) for v in fast] == [id(v) for v in generic]


def test_value_order_is_iterative_on_a_deep_chain():
    x = Value(0.5)
    y = x
    for _ in range(50_000):  # far beyond Python's recursion limit
        y = y * 1.0
    order = value_order(y)
    assert order[0] is x and order[-1] is y and len(order) == 100_001  # x, y's and the 1.0 leaves
    y.backward()
    assert x.grad == 1.0
