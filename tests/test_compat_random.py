"""``keepdims``, ``Generator``, ``randint``, ``normal``, ``randn_like``, ``multinomial`` beside PyTorch.

Seeded random numbers are not PyTorch's bit for bit (different bit generator), so
the checks are shapes, dtypes, signatures, determinism per seed and distributions.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")

ENGINES = pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])
X = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7.0


@ENGINES
@pytest.mark.parametrize("op", ["sum", "mean", "var", "std", "amax", "amin", "logsumexp"])
@pytest.mark.parametrize("dim", [0, 2, -1])
def test_keepdims_alias_matches_pytorch(mt, op, dim):
    theirs = getattr(torch.tensor(X), op)(dim, keepdims=True).numpy()
    method = getattr(mt.tensor(X), op)(dim, keepdims=True)
    function = getattr(mt, op)(mt.tensor(X), dim, keepdims=True)
    for ours in (method, function):
        assert tuple(ours.shape) == theirs.shape
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-12, atol=1e-12)  # float64


@ENGINES
def test_keepdims_on_max_min_argmax(mt):
    t, x = torch.tensor(X), mt.tensor(X)
    np.testing.assert_array_equal(x.max(1, keepdims=True)[0].numpy(), t.max(1, keepdims=True)[0].numpy())
    np.testing.assert_array_equal(x.min(1, keepdims=True)[1].numpy(), t.min(1, keepdims=True)[1].numpy())
    np.testing.assert_array_equal(x.argmax(2, keepdims=True).numpy(), t.argmax(2, keepdims=True).numpy())
    with pytest.raises(TypeError, match="keepdim"):
        x.sum(0, keepdim=True, keepdims=True)


@ENGINES
def test_generator_streams_are_private_and_repeat(mt):
    g1, g2 = mt.Generator().manual_seed(2147483647), mt.Generator().manual_seed(2147483647)
    assert isinstance(g1, mt.Generator) and g1.initial_seed() == 2147483647
    a = mt.randn(3, 4, generator=g1)
    b = mt.randn((3, 4), generator=g2)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(mt.randn(3, 4, generator=g1).numpy(), a.numpy())  # the stream moves on
    # drawing from a Generator leaves the shared stream alone
    mt.manual_seed(5)
    expected = mt.rand(4).numpy()
    mt.manual_seed(5)
    mt.rand(4, generator=mt.Generator().manual_seed(1))
    np.testing.assert_array_equal(mt.rand(4).numpy(), expected)
    # the generator works the same on both engines
    np.testing.assert_allclose(mt.rand(5, generator=mt.Generator().manual_seed(9)).numpy(),
                               mv.rand(5, generator=mv.Generator().manual_seed(9), dtype=mv.float64).numpy())


@ENGINES
@pytest.mark.parametrize("args,kwargs,low,high", [
    ((10, (3, 4)), {}, 0, 10), ((3, 10, (5,)), {}, 3, 10), ((2, 5), {"size": (2, 2)}, 2, 5),
    ((), {"low": 1, "high": 4, "size": (6,)}, 1, 4), ((7, [8]), {}, 0, 7)])
def test_randint_signatures_match_pytorch(mt, args, kwargs, low, high):
    g = mt.Generator().manual_seed(0)
    ours = mt.randint(*args, generator=g, **kwargs)
    theirs = torch.randint(*args, generator=torch.Generator().manual_seed(0), **kwargs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "") == "int64"
    values = ours.numpy()
    assert values.min() >= low and values.max() < high


@ENGINES
def test_randint_is_uniform_and_checks_bounds(mt):
    counts = np.bincount(mt.randint(0, 5, (50000,), generator=mt.Generator().manual_seed(1)).numpy(),
                         minlength=5) if mt is mv else None
    if counts is not None:  # 10000 expected per bin; sd = sqrt(10000 * 0.8) ~ 89, allow 5 sd
        assert np.all(np.abs(counts - 10000) < 450)
    with pytest.raises(RuntimeError):
        torch.randint(5, 5, (2,))
    with pytest.raises(RuntimeError, match="low=5 >= high=5"):
        mt.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="needs high and size"):
        mt.randint(5)


@ENGINES
def test_normal_forms_shapes_and_moments(mt):
    g = mt.Generator().manual_seed(3)
    tg = torch.Generator().manual_seed(3)
    forms = [
        ((2.0, 3.0, (4, 5)), (2.0, 3.0, (4, 5))),
        ((mt.zeros(3, 2), 1.0), (torch.zeros(3, 2), 1.0)),
        ((0.0, mt.ones(4)), (0.0, torch.ones(4))),
        ((mt.zeros(2, 3), mt.ones(3)), (torch.zeros(2, 3), torch.ones(3))),
    ]
    for ours_args, their_args in forms:
        theirs = torch.normal(*their_args, generator=tg)
        assert tuple(mt.normal(*ours_args, generator=g).shape) == tuple(theirs.shape)
    if mt is mv:  # moments of 40000 draws: sd of the mean 3/200 = 0.015, of the sd ~0.011
        x = mt.normal(2.0, 3.0, (40000,), generator=g).numpy()
        assert abs(x.mean() - 2.0) < 0.075 and abs(x.std() - 3.0) < 0.06
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        mt.normal(0.0, -1.0, (2,))
    with pytest.raises(TypeError, match="needs a size"):
        mt.normal(0.0, 1.0)


@ENGINES
def test_randn_like_and_rand_like_match_pytorch(mt):
    base = mt.zeros(2, 3, dtype=mt.float64)
    t = torch.zeros(2, 3, dtype=torch.float64)
    pairs = [(mt.randn_like(base), torch.randn_like(t)), (mt.rand_like(base), torch.rand_like(t))]
    for ours, theirs in pairs:
        assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == "float64"


@ENGINES
def test_multinomial_shapes_and_no_repeats_without_replacement(mt):
    g = mt.Generator().manual_seed(0)
    probs = mt.tensor([[0.1, 0.2, 0.3, 0.4], [1.0, 1.0, 0.0, 2.0]])
    tprobs = torch.tensor([[0.1, 0.2, 0.3, 0.4], [1.0, 1.0, 0.0, 2.0]])
    for n, repl in [(1, False), (3, False), (7, True)]:
        ours = mt.multinomial(probs, n, replacement=repl, generator=g)
        theirs = torch.multinomial(tprobs, n, replacement=repl)
        assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == "int64"
        assert not (ours.numpy()[1] == 2).any()  # a zero weight is never drawn
        if not repl:
            assert all(len(set(row)) == n for row in ours.tolist())
    assert tuple(mt.multinomial(mt.tensor([0.5, 0.5]), 2).shape) == (2,)


def test_multinomial_frequencies():
    weights = np.array([1.0, 2.0, 3.0, 4.0])  # unnormalised, as makemore's counts
    draws = mv.multinomial(mv.tensor(weights), 40000, replacement=True,
                           generator=mv.Generator().manual_seed(2147483647)).numpy()
    freq = np.bincount(draws, minlength=4) / 40000
    sd = np.sqrt(weights / 10 * (1 - weights / 10) / 40000)  # binomial sd of each frequency
    assert np.all(np.abs(freq - weights / 10) < 5 * sd)
    again = mv.multinomial(mv.tensor(weights), 40000, replacement=True,
                           generator=mv.Generator().manual_seed(2147483647)).numpy()
    np.testing.assert_array_equal(draws, again)  # same seed, same draws


@ENGINES
def test_multinomial_errors_like_pytorch(mt):
    for bad in ([0.5, 0.5], 3, False), ([-1.0, 2.0], 1, True), ([[[1.0]]], 1, True), ([0.0, 0.0], 1, True):
        data, n, repl = bad
        with pytest.raises(RuntimeError):
            torch.multinomial(torch.tensor(data), n, replacement=repl)
        with pytest.raises(RuntimeError, match="multinomial"):
            mt.multinomial(mt.tensor(data), n, replacement=repl)


@ENGINES
def test_randperm_with_generator(mt):
    a = mt.randperm(10, generator=mt.Generator().manual_seed(4))
    b = mt.randperm(10, generator=mt.Generator().manual_seed(4))
    assert sorted(a.tolist()) == list(range(10)) and a.tolist() == b.tolist()
    assert str(a.dtype) == str(torch.randperm(3).dtype).replace("torch.", "")


@ENGINES
def test_makemore_sampling_loop(mt):
    # makemore part 1: sample names from a bigram count table with a seeded Generator
    g = mt.Generator().manual_seed(2147483647)
    P = mt.rand(27, 27, generator=g) + 0.1
    P = P / P.sum(1, keepdims=True)
    ix, out = 0, []
    for _ in range(20):
        ix = mt.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
        out.append(ix)
    assert all(isinstance(i, int) and 0 <= i < 27 for i in out)
    g2 = mt.Generator().manual_seed(2147483647)
    P2 = mt.rand(27, 27, generator=g2) + 0.1
    P2 = P2 / P2.sum(1, keepdims=True)
    ix, again = 0, []
    for _ in range(20):
        ix = mt.multinomial(P2[ix], num_samples=1, replacement=True, generator=g2).item()
        again.append(ix)
    assert again == out
