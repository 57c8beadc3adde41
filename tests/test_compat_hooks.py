"""Tensor and Module hooks and the grad-mode switches, checked against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")

LIBS = pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])
X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]


def twin_linear(mt):
    torch.manual_seed(0)
    theirs = torch.nn.Linear(3, 2).double()
    ours = mt.nn.Linear(3, 2).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def run_tensor_hooks(lib, leaf_scale, mid_scale):
    x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
    seen = []
    x.register_hook(lambda g: g * leaf_scale)
    y = x * x
    y.register_hook(lambda g: seen.append(g.tolist()))
    if mid_scale is not None:
        y.register_hook(lambda g: g * mid_scale)
    (y * 3).sum().backward()
    return x.grad.tolist(), seen


@LIBS
def test_tensor_register_hook_on_a_leaf_and_observing_a_non_leaf(mt):
    assert run_tensor_hooks(mt, 10.0, None) == run_tensor_hooks(torch, 10.0, None)


@LIBS
def test_tensor_hook_replacing_a_non_leaf_grad(mt):
    assert run_tensor_hooks(mt, 1.0, 0.5) == run_tensor_hooks(torch, 1.0, 0.5)


@LIBS
def test_hook_handle_remove_and_errors(mt):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 100)
    handle.remove()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError):
        torch.tensor([1.0]).register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        mt.tensor([1.0]).register_hook(lambda g: g)
    x.register_hook(lambda g: mt.ones(3))
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).sum().backward()


@LIBS
def test_forward_pre_hook_and_forward_hook_match_pytorch(mt):
    ours, theirs = twin_linear(mt)
    results = []
    for lib, lin in ((mt, ours), (torch, theirs)):
        calls = []
        pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        def after(m, args, out, calls=calls):
            calls.append(type(m).__name__)
            return out + 1

        post = lin.register_forward_hook(after)
        x = lib.tensor(X, dtype=lib.float64)
        first = lin(x).tolist()
        pre.remove()
        post.remove()
        results.append((first, lin(x).tolist(), calls))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)
    assert results[0][2] == results[1][2] == ["Linear"]


@LIBS
@pytest.mark.parametrize("input_grad", [True, False])
@pytest.mark.parametrize("replace", [False, True])
def test_full_backward_hook_matches_pytorch(mt, input_grad, replace):
    ours, theirs = twin_linear(mt)
    records = []
    for lib, lin in ((mt, ours), (torch, theirs)):
        seen = []

        def hook(module, grad_input, grad_output, seen=seen):
            inputs = [None if g is None else g.tolist() for g in grad_input]
            seen.append((inputs, [g.tolist() for g in grad_output]))
            if replace and grad_input[0] is not None:
                return (grad_input[0] * 3,)
            return None

        lin.register_full_backward_hook(hook)
        x = lib.tensor(X, dtype=lib.float64, requires_grad=input_grad)
        out = lin(x)
        (out * lib.tensor([[1.0, -2.0], [0.5, 4.0]], dtype=lib.float64)).sum().backward()
        records.append((seen, None if x.grad is None else x.grad.tolist(), lin.weight.grad.tolist()))
    (ours_seen, ours_xg, ours_wg), (their_seen, their_xg, their_wg) = records
    assert len(ours_seen) == len(their_seen) == 1
    np.testing.assert_allclose(np.array(ours_seen[0][1]), np.array(their_seen[0][1]), rtol=1e-12)
    if input_grad:
        np.testing.assert_allclose(ours_seen[0][0], their_seen[0][0], rtol=1e-12)
        np.testing.assert_allclose(ours_xg, their_xg, rtol=1e-12)
    else:
        assert ours_seen[0][0] == their_seen[0][0] == [None]
        assert ours_xg is their_xg is None
    np.testing.assert_allclose(ours_wg, their_wg, rtol=1e-12)


@LIBS
def test_grad_mode_switches_match_pytorch(mt):
    def modes(lib):
        out = []

        @lib.no_grad
        def bare():
            return lib.is_grad_enabled()

        @lib.no_grad()
        def called():
            return lib.is_grad_enabled()

        @lib.inference_mode()
        def infer():
            return lib.is_grad_enabled(), lib.is_inference_mode_enabled()

        out += [bare(), called(), infer(), lib.is_grad_enabled()]
        with lib.inference_mode():
            out.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))
            with lib.inference_mode(False):
                out.append(lib.is_inference_mode_enabled())
        lib.set_grad_enabled(False)  # as a function
        out.append(lib.is_grad_enabled())
        lib.set_grad_enabled(True)
        with lib.set_grad_enabled(False):  # as a context manager
            out.append(lib.is_grad_enabled())
        x = lib.ones(2).requires_grad_()
        y = x * 2
        with lib.no_grad():
            z = x * 2
        out += [x.requires_grad, y.requires_grad, z.requires_grad, lib.is_grad_enabled()]
        return out

    assert modes(mt) == modes(torch)
