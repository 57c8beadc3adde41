"""``autograd.Function`` in both of PyTorch's styles, on both engines, checked against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")

LIBS = pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])
X = [0.3, -1.2, 2.0]
Y = [1.5, 0.5, -0.7]


def legendre(lib, style):
    """``LegendrePolynomial3`` of PyTorch's 'learning PyTorch with examples', in either style."""
    if style == "ctx":
        class P3(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return 0.5 * (5 * x ** 3 - 3 * x)

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                return grad_output * 1.5 * (5 * x ** 2 - 1)
    else:
        class P3(lib.autograd.Function):
            @staticmethod
            def forward(x):
                return 0.5 * (5 * x ** 3 - 3 * x)

            @staticmethod
            def setup_context(ctx, inputs, output):
                (x,) = inputs
                ctx.save_for_backward(x)

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                return grad_output * 1.5 * (5 * x ** 2 - 1)
    return P3


@LIBS
@pytest.mark.parametrize("style", ["ctx", "setup_context"])
def test_both_styles_match_pytorch(mt, style):
    x, tx = mt.tensor(X, requires_grad=True), torch.tensor(X, dtype=torch.float64, requires_grad=True)
    y = legendre(mt, style).apply(x)
    ty = legendre(torch, style).apply(tx)
    (y * mt.tensor(Y)).sum().backward()
    (ty * torch.tensor(Y, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)  # float32 on vector


def needs(lib):
    class Scale(lib.autograd.Function):
        seen = None

        @staticmethod
        def forward(ctx, x, y, k):
            Scale.seen = ctx.needs_input_grad
            ctx.k = k
            return x * y * k

        @staticmethod
        def backward(ctx, g):
            # gradients only for what needs one (None for the rest), as the docs recommend
            gx = g * ctx.k if ctx.needs_input_grad[0] else None
            gy = g * ctx.k if ctx.needs_input_grad[1] else None
            return gx, gy, None
    return Scale


@LIBS
def test_needs_input_grad_matches_pytorch(mt):
    Ours, Theirs = needs(mt), needs(torch)
    x, tx = mt.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    out = Ours.apply(x, mt.tensor(Y), 2.0)
    tout = Theirs.apply(tx, torch.tensor(Y), 2.0)
    assert Ours.seen == Theirs.seen == (True, False, False)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def sort_like(lib, materialize=True):
    class TwoOutputs(lib.autograd.Function):
        grads_seen = None

        @staticmethod
        def forward(ctx, x, y):
            ctx.set_materialize_grads(materialize)
            ctx.save_for_backward(x, y)
            mask = (x > 0).to(x.dtype)
            ctx.mark_non_differentiable(mask)
            return x * y, x + y, mask

        @staticmethod
        def backward(ctx, g_prod, g_sum, g_mask):
            TwoOutputs.grads_seen = tuple(None if g is None else g.tolist() for g in (g_prod, g_sum, g_mask))
            x, y = ctx.saved_tensors
            gp = 0 if g_prod is None else g_prod
            gs = 0 if g_sum is None else g_sum
            return gp * y + gs, gp * x + gs

    return TwoOutputs


@LIBS
@pytest.mark.parametrize("use", ["both", "first"])
def test_several_outputs_and_mark_non_differentiable(mt, use):
    Ours, Theirs = sort_like(mt), sort_like(torch)
    x, y = mt.tensor(X, requires_grad=True), mt.tensor(Y, requires_grad=True)
    tx = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(Y, dtype=torch.float64, requires_grad=True)
    p, s, m = Ours.apply(x, y)
    tp, ts, tm = Theirs.apply(tx, ty)
    assert (p.requires_grad, s.requires_grad, m.requires_grad) == (tp.requires_grad, ts.requires_grad,
                                                                   tm.requires_grad) == (True, True, False)
    loss = (p * 3 + s ** 2).sum() if use == "both" else (p * 3).sum()
    tloss = (tp * 3 + ts ** 2).sum() if use == "both" else (tp * 3).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-6)
    if mt is mv:  # micro calls backward once per output element (one-hot grads): only vector sees them whole
        seen, expected = np.array(Ours.grads_seen, dtype=float), np.array(Theirs.grads_seen, dtype=float)
        np.testing.assert_allclose(seen, expected, rtol=1e-6)


def test_set_materialize_grads_false_gives_none_for_unused_outputs():
    Ours, Theirs = sort_like(mv, materialize=False), sort_like(torch, materialize=False)
    x, y = mv.tensor(X, requires_grad=True), mv.tensor(Y, requires_grad=True)
    tx, ty = torch.tensor(X, requires_grad=True), torch.tensor(Y, requires_grad=True)
    (Ours.apply(x, y)[0] * 3).sum().backward()
    (Theirs.apply(tx, ty)[0] * 3).sum().backward()
    assert Ours.grads_seen[1] is None and Theirs.grads_seen[1] is None
    assert Ours.grads_seen[0] == Theirs.grads_seen[0] == [3.0, 3.0, 3.0]
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


@LIBS
def test_once_differentiable_runs_backward_without_a_graph(mt):
    def make(lib, decorator):
        class Cube(lib.autograd.Function):
            mode = None

            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            @decorator
            def backward(ctx, g):
                Cube.mode = lib.is_grad_enabled()
                (x,) = ctx.saved_tensors
                return 3 * x ** 2 * g
        return Cube

    from torch.autograd.function import once_differentiable as torch_once

    Ours, Theirs = make(mt, mt.autograd.once_differentiable), make(torch, torch_once)
    x, tx = mt.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    Ours.apply(x).sum().backward()
    Theirs.apply(tx).sum().backward()
    assert Ours.mode is Theirs.mode is False
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


@LIBS
def test_wrong_number_of_gradients_names_the_function(mt):
    class Bad(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    x = mt.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="Bad.backward returned 1 gradients, expected 2"):
        Bad.apply(x, mt.tensor(Y)).sum().backward()
