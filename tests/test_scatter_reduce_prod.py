"""``scatter_reduce`` with every reduction (``prod`` included), values and gradients against PyTorch.

``prod``'s gradient is PyTorch's formula: each factor gets the product of the others,
also where factors are zero (one zero at a position, two zeros, a zero in ``self``).
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")

LIBS = pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])
SELF = [[2.0, 0.0, -1.5], [0.5, 3.0, 0.0], [1.0, -2.0, 4.0], [0.0, 1.0, 2.0]]
SRC = [[0.0, 2.0, 1.0], [3.0, 0.0, 0.0], [0.0, -1.0, 2.0], [1.5, 0.5, 0.0]]
INDEX = [[0, 1, 2], [0, 1, 2], [3, 1, 0], [0, 3, 2]]  # column 1 puts two zeros at row 1
WEIGHTS = np.arange(1.0, 26.0).reshape(5, 5)


def run(lib, reduce, include_self, dim=0, self_data=SELF, src=SRC, index=INDEX):
    x = lib.tensor(self_data, dtype=lib.float64, requires_grad=True)
    s = lib.tensor(src, dtype=lib.float64, requires_grad=True)
    out = x.scatter_reduce(dim, lib.tensor(index), s, reduce, include_self=include_self)
    weights = lib.tensor(WEIGHTS[: out.shape[0], : out.shape[1]], dtype=lib.float64)
    (out * weights).sum().backward()
    return out.tolist(), x.grad.tolist(), s.grad.tolist()


def assert_same(ours, theirs):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@LIBS
@pytest.mark.parametrize("include_self", [True, False])
def test_prod_with_zeros_matches_pytorch(mt, include_self):
    assert_same(run(mt, "prod", include_self), run(torch, "prod", include_self))


@LIBS
@pytest.mark.parametrize("include_self", [True, False])
def test_prod_along_dim_1_matches_pytorch(mt, include_self):
    index = [[2, 2, 0], [1, 0, 0], [0, 0, 0], [2, 1, 1]]
    ours = run(mt, "prod", include_self, dim=1, index=index)
    assert_same(ours, run(torch, "prod", include_self, dim=1, index=index))


@LIBS
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_every_reduction_on_random_data_with_ties(mt, reduce, include_self):
    rng = np.random.default_rng(7)
    self_data = rng.integers(-2, 3, size=(3, 4)).astype(float)  # small integers: ties and zeros
    src = rng.integers(-2, 3, size=(5, 4)).astype(float)
    index = rng.integers(0, 3, size=(5, 4))
    ours = run(mt, reduce, include_self, self_data=self_data, src=src, index=index)
    theirs = run(torch, reduce, include_self, self_data=self_data, src=src, index=index)
    assert_same(ours, theirs)


@LIBS
def test_prod_gradient_agrees_with_finite_differences_away_from_zero(mt):
    rng = np.random.default_rng(3)
    self_data = rng.uniform(0.5, 2.0, size=(3, 2))
    src = rng.uniform(-2.0, -0.5, size=(4, 2))
    index = np.array([[0, 1], [0, 2], [2, 1], [0, 1]])

    def f(a, b):
        x = mt.tensor(a, dtype=mt.float64)
        return float((x.scatter_reduce(0, mt.tensor(index), mt.tensor(b, dtype=mt.float64), "prod")
                      * mt.tensor(WEIGHTS[:3, :2], dtype=mt.float64)).sum().item())

    _, gx, gs = run(mt, "prod", True, self_data=self_data, src=src, index=index)
    h = 1e-6
    for data, grad, which in ((self_data, gx, 0), (src, gs, 1)):
        for k in np.ndindex(data.shape):
            up, down = data.copy(), data.copy()
            up[k] += h
            down[k] -= h
            args_up = (up, src) if which == 0 else (self_data, up)
            args_down = (down, src) if which == 0 else (self_data, down)
            numeric = (f(*args_up) - f(*args_down)) / (2 * h)
            assert abs(numeric - grad[k[0]][k[1]]) < 1e-6


@LIBS
@pytest.mark.parametrize("include_self", [True, False])
def test_prod_of_integers_matches_pytorch(mt, include_self):
    def ints(lib):
        x = lib.tensor([[2, 3], [1, -1], [4, 5]])
        src = lib.tensor([[3, 2], [2, 2], [-1, 0]])
        return x.scatter_reduce(0, lib.tensor([[0, 2], [0, 0], [2, 2]]), src, "prod",
                                include_self=include_self).tolist()

    assert ints(mt) == ints(torch)


@LIBS
def test_unknown_reduction_is_named(mt):
    x = mt.zeros(3)
    with pytest.raises(ValueError, match=r"'max'.*|reduce must be one of .*'prod'"):
        x.scatter_reduce(0, mt.tensor([0, 1]), mt.ones(2), "max")
