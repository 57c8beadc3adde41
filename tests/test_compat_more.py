"""The last PyTorch names real programs use: Size/nelement, out=, autograd.functional, linalg,
and micrograd's own nn on the micro engine. Oracles: PyTorch and micrograd (when installed)."""

from __future__ import annotations

import random

import numpy as np
import pytest

import mytorch
import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")
ENGINES = [mv, mm]
IDS = ["vector", "micro"]


@pytest.mark.parametrize("mt", ENGINES, ids=IDS)
def test_size_and_nelement_as_pytorch(mt):
    x, tx = mt.zeros(3, 4, 2), torch.zeros(3, 4, 2)
    s, ts = x.size(), tx.size()
    assert repr(s) == repr(ts).replace("torch.", "mytorch.") and s == ts == (3, 4, 2)
    assert s.numel() == ts.numel() and x.nelement() == tx.nelement() == x.numel()
    assert repr(s[1:]) == repr(ts[1:]).replace("torch.", "mytorch.") and s[0] == ts[0]
    assert isinstance(s + (5,), mytorch.Size) and x.size(-1) == tx.size(-1) == 2
    assert repr(x.shape) == repr(tx.shape).replace("torch.", "mytorch.") and x.shape == (3, 4, 2)


CASES = {
    "add": (lambda m, a, b, **k: m.add(a, b, **k), 2),
    "mul": (lambda m, a, b, **k: m.mul(a, b, **k), 2),
    "matmul": (lambda m, a, b, **k: m.matmul(a, b.T if hasattr(b, "T") else b, **k), 2),
    "exp": (lambda m, a, b, **k: m.exp(a, **k), 1),
    "cat": (lambda m, a, b, **k: m.cat([a, b], **k), 2),
    "sum": (lambda m, a, b, **k: m.sum(a, 1, **k), 1),
}


@pytest.mark.parametrize("mt", ENGINES, ids=IDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_out_writes_the_result_into_out_as_pytorch(mt, name):
    fn, _ = CASES[name]
    a, b = np.random.default_rng(0).standard_normal((2, 3, 3))
    expected = fn(torch, torch.tensor(a), torch.tensor(b))
    for shape in (tuple(expected.shape), (1,)):  # the right shape (written in place), a wrong one (resized)
        out = mt.zeros(*shape, dtype=mt.float64)
        got = fn(mt, mt.tensor(a), mt.tensor(b), out=out)
        assert got is out and tuple(out.shape) == tuple(expected.shape)
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)


def test_out_refuses_autograd_and_lossy_casts_as_pytorch():
    for lib in (torch, mv):
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.add(lib.ones(2, requires_grad=True), 1.0, out=lib.zeros(2))
        with pytest.raises(RuntimeError, match="can't be cast"):
            lib.add(lib.ones(2), 1.5, out=lib.zeros(2, dtype=lib.int64))
    with pytest.raises(RuntimeError, match="same device"):
        mv.add(mv.ones(2), 1.0, out=mm.zeros(2))
    view_base = mv.zeros(4)
    mv.add(mv.ones(2), 1.0, out=view_base[1:3])  # the right shape: written through the view
    assert view_base.tolist() == [0.0, 2.0, 2.0, 0.0]


def _fns():
    return {
        "square": (lambda a: a * a, (3,)),
        "matrix": (lambda a: (a @ a).tanh(), (2, 2)),
        "tuple_out": (lambda a: (a.sin(), (a * a).sum()), (3,)),
    }


@pytest.mark.parametrize("mt", ENGINES, ids=IDS)
@pytest.mark.parametrize("case", ["square", "matrix", "tuple_out"])
def test_jacobian_matches_pytorch(mt, case):
    fn, shape = _fns()[case]
    x = np.random.default_rng(1).standard_normal(shape)
    ours = mt.autograd.functional.jacobian(fn, mt.tensor(x))
    theirs = torch.autograd.functional.jacobian(fn, torch.tensor(x))
    ours, theirs = (r if isinstance(r, tuple) else (r,) for r in (ours, theirs))
    for o, t in zip(ours, theirs, strict=True):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mt", ENGINES, ids=IDS)
def test_hessian_vjp_hvp_match_pytorch(mt):
    x, v = np.random.default_rng(2).standard_normal((2, 3))

    def f(lib):
        return lambda a: (a.exp() * a.sin()).sum() + (a * a).prod()

    h = mt.autograd.functional.hessian(f(mt), mt.tensor(x))
    th = torch.autograd.functional.hessian(f(torch), torch.tensor(x))
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-10, atol=1e-12)
    ours_vjp = mt.autograd.functional.vjp(lambda a: a.tanh(), mt.tensor(x), mt.tensor(v))
    theirs_vjp = torch.autograd.functional.vjp(lambda a: a.tanh(), torch.tensor(x), torch.tensor(v))
    ours_hvp = mt.autograd.functional.hvp(f(mt), mt.tensor(x), mt.tensor(v))
    theirs_hvp = torch.autograd.functional.hvp(f(torch), torch.tensor(x), torch.tensor(v))
    for ours, theirs in ((ours_vjp, theirs_vjp), (ours_hvp, theirs_hvp)):
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)
    assert mytorch.autograd.functional.jacobian is mt.autograd.functional.jacobian


@pytest.mark.parametrize("mt", ENGINES, ids=IDS)
@pytest.mark.parametrize("call", [
    lambda l, x: l.linalg.norm(x), lambda l, x: l.linalg.norm(x, dim=1), lambda l, x: l.linalg.norm(x, ord=1),
    lambda l, x: l.linalg.norm(x, ord=float("inf")), lambda l, x: l.linalg.vector_norm(x, ord=3, dim=0),
    lambda l, x: l.linalg.vector_norm(x, ord=float("-inf")), lambda l, x: l.linalg.matrix_norm(x),
    lambda l, x: l.linalg.matrix_norm(x, ord=-1), lambda l, x: l.linalg.matrix_norm(x, ord=float("inf")),
    lambda l, x: l.linalg.norm(x, ord="fro", dim=(0, 1), keepdim=True),
])
def test_linalg_norms_and_their_gradients_match_pytorch(mt, call):
    x = np.random.default_rng(3).standard_normal((3, 4))
    ours, theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    a, b = call(mt, ours), call(torch, theirs)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_micrograd_nn_runs_micrograds_demo_loop_with_the_same_numbers():
    micrograd = pytest.importorskip("micrograd.nn")
    from mytorch.micro.nn import MLP  # micrograd's signature: MLP(nin, nouts)

    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for build in (micrograd.MLP, MLP):
        random.seed(1337)
        model = build(3, [4, 4, 1])
        run = []
        for _ in range(5):  # micrograd's README loop: MSE, zero_grad, backward, SGD by hand
            pred = [model(x) for x in xs]
            loss = sum((yp - y) ** 2 for y, yp in zip(ys, pred))
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data += -0.05 * p.grad
            run.append(loss.data)
        losses.append((run, repr(model), len(model.parameters())))
    # micrograd's topological order follows set iteration (object ids), so the order its gradients
    # accumulate in, and their last bits, vary from run to run: equal to float64 rounding
    (ref, ref_repr, ref_n), (ours, ours_repr, ours_n) = losses
    assert (ref_repr, ref_n) == (ours_repr, ours_n)
    np.testing.assert_allclose(ours, ref, rtol=1e-12)
    assert ours[-1] < ours[0]
