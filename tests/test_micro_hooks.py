"""Hooks on the micro engine at parity with the vector engine, checked against PyTorch.

Non-leaf ``register_hook`` whose return value replaces the gradient flowing on,
``retain_grad`` after hooks, removal handles, hooks under ``create_graph`` and
``autograd.grad``, and Module full backward (pre) hooks.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")

LIBS = pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])
X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
W = [[1.0, -2.0, 0.5], [0.25, 3.0, -1.5]]


def leaf(lib, data=X):
    return lib.tensor(data, dtype=lib.float64, requires_grad=True)


def tolist(t):
    return None if t is None else t.tolist()


def close(ours, theirs):
    ours, theirs = np.array(ours, dtype=float), np.array(theirs, dtype=float)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def hooks_on_a_chain(lib):
    """Hooks on two non-leaf tensors of one chain, the first used twice: each replaces its gradient."""
    x = leaf(lib)
    seen = []
    y = x * x
    y.register_hook(lambda g: seen.append(("y", g.tolist())) or g * 0.5)
    y.retain_grad()
    z = y.sin() + y * lib.tensor(W, dtype=lib.float64)
    z.register_hook(lambda g: seen.append(("z", g.tolist())) or g + 1.0)
    z.retain_grad()
    (z * z).sum().backward()
    return x.grad.tolist(), y.grad.tolist(), z.grad.tolist(), seen


@LIBS
def test_non_leaf_hooks_replace_the_gradient_that_flows_on(mt):
    ours, theirs = hooks_on_a_chain(mt), hooks_on_a_chain(torch)
    for a, b in zip(ours[:3], theirs[:3]):
        close(a, b)
    assert [name for name, _ in ours[3]] == [name for name, _ in theirs[3]] == ["z", "y"]
    for (_, a), (_, b) in zip(ours[3], theirs[3]):
        close(a, b)


@LIBS
def test_hooks_on_a_tensor_and_its_view_run_downstream_first(mt):
    def run(lib):
        x = leaf(lib)
        y = x * x
        z = y.reshape(-1)
        seen = []
        y.register_hook(lambda g: seen.append(("y", g.tolist())))
        z.register_hook(lambda g: seen.append(("z", g.tolist())) or g * 2)
        (z * lib.arange(6, dtype=lib.float64)).sum().backward()
        return x.grad.tolist(), seen

    ours, theirs = run(mt), run(torch)
    close(ours[0], theirs[0])
    assert ours[1] == theirs[1]


@LIBS
def test_hook_on_the_root_and_several_hooks_in_order(mt):
    def run(lib):
        x = leaf(lib, [1.0, -2.0, 3.0])
        y = (x ** 3).sum()
        calls = []
        y.register_hook(lambda g: calls.append(g.item()) or g * 2)
        y.register_hook(lambda g: calls.append(g.item()) or g + 1)
        y.backward()
        return x.grad.tolist(), calls

    assert run(mt) == run(torch)


@LIBS
def test_removed_non_leaf_hook_does_not_run(mt):
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        y = x * 3
        first = y.register_hook(lambda g: g * 100)
        y.register_hook(lambda g: g + 1)
        first.remove()
        (y * y).sum().backward()
        return x.grad.tolist()

    assert run(mt) == run(torch)


@LIBS
def test_non_leaf_hook_returning_a_wrong_shape_is_refused(mt):
    x = leaf(mt, [1.0, 2.0])
    y = x * 3
    y.register_hook(lambda g: mt.ones(3))
    with pytest.raises(RuntimeError, match="shape"):
        (y * y).sum().backward()


@LIBS
def test_non_leaf_hook_under_create_graph_is_differentiable(mt):
    def run(lib):
        x = leaf(lib, [1.0, -2.0, 0.5])
        y = x ** 2
        y.register_hook(lambda g: g * y)  # the replacement depends on x: d/dx must see it
        (gx,) = lib.autograd.grad((y ** 2).sum(), [x], create_graph=True)
        (ggx,) = lib.autograd.grad(gx.sum(), [x])
        return gx.tolist(), ggx.tolist()

    ours, theirs = run(mt), run(torch)
    close(ours[0], theirs[0])
    close(ours[1], theirs[1])


@LIBS
def test_hooks_run_under_autograd_grad(mt):
    def run(lib):
        x = leaf(lib)
        y = x.exp()
        y.register_hook(lambda g: g * -3)
        return lib.autograd.grad((y * y).sum(), [x])[0].tolist()

    close(run(mt), run(torch))


@LIBS
def test_retain_grad_on_micro_non_leaves_matches_pytorch(mt):
    def run(lib):
        x = leaf(lib)
        h = x.tanh()
        h.retain_grad()
        out = (h @ lib.tensor(W, dtype=lib.float64).T).relu()
        out.retain_grad()
        out.sum().backward()
        return h.grad.tolist(), out.grad.tolist(), x.grad.tolist(), h.is_leaf, h.retains_grad

    ours, theirs = run(mt), run(torch)
    for a, b in zip(ours[:3], theirs[:3]):
        close(a, b)
    assert ours[3:] == theirs[3:]


def twin_mlp(lib):
    torch.manual_seed(1)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    ours = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2)).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@LIBS
def test_full_backward_hooks_on_every_layer_and_a_replacement(mt):
    records = []
    for lib, model in zip((mt, torch), twin_mlp(mt)):
        seen = []
        for i, layer in enumerate(model):
            def hook(module, grad_input, grad_output, i=i, seen=seen):
                seen.append((i, [tolist(g) for g in grad_input], [tolist(g) for g in grad_output]))
                if i == 1:
                    return (grad_input[0] * -2,)
                return None

            layer.register_full_backward_hook(hook)
        x = leaf(lib)
        (model(x) ** 2).sum().backward()
        records.append((seen, x.grad.tolist(), model[0].weight.grad.tolist()))
    (ours_seen, ours_xg, ours_wg), (their_seen, their_xg, their_wg) = records
    assert [s[0] for s in ours_seen] == [s[0] for s in their_seen] == [2, 1, 0]
    for (_, gi, go), (_, tgi, tgo) in zip(ours_seen, their_seen):
        close(gi, tgi)
        close(go, tgo)
    close(ours_xg, their_xg)
    close(ours_wg, their_wg)


@LIBS
def test_full_backward_pre_hook_replaces_grad_output(mt):
    records = []
    for lib, model in zip((mt, torch), twin_mlp(mt)):
        seen = []
        model[2].register_full_backward_pre_hook(
            lambda m, grad_output, seen=seen: seen.append(tolist(grad_output[0])) or (grad_output[0] * 10,)
        )
        model[2].register_full_backward_hook(lambda m, gi, go, seen=seen: seen.append(tolist(go[0])))
        x = leaf(lib)
        (model(x) ** 2).sum().backward()
        records.append((seen, x.grad.tolist(), model[2].weight.grad.tolist()))
    for a, b in zip(records[0][0], records[1][0]):
        close(a, b)
    close(records[0][1], records[1][1])
    close(records[0][2], records[1][2])


@LIBS
def test_full_backward_hook_with_two_inputs_and_removal(mt):
    class Mix(mt.nn.Module):
        def forward(self, a, b):
            return a * b.exp()

    class TorchMix(torch.nn.Module):
        def forward(self, a, b):
            return a * b.exp()

    results = []
    for lib, module in ((mt, Mix()), (torch, TorchMix())):
        seen = []
        handle = module.register_full_backward_hook(
            lambda m, gi, go, seen=seen: seen.append([tolist(g) for g in gi]) or (gi[0] + 1, None)
        )
        a, b = leaf(lib), leaf(lib, W)
        module(a, b).sum().backward()
        first = (seen, a.grad.tolist(), b.grad)
        handle.remove()
        a2, b2 = leaf(lib), leaf(lib, W)
        module(a2, b2).sum().backward()
        results.append((first, a2.grad.tolist(), b2.grad.tolist()))
    (ours_first, ours_a2, ours_b2), (their_first, their_a2, their_b2) = results
    close(ours_first[0], their_first[0])
    close(ours_first[1], their_first[1])
    assert their_first[2] is None  # the hook's None replaced b's gradient: no gradient reaches b
    if mt is mv:
        assert ours_first[2] is None
    else:  # micro: every leaf a backward reaches gets a .grad; a gradient of None arrives as zeros
        assert ours_first[2].tolist() == [[0.0] * 3] * 2
    close(ours_a2, their_a2)
    close(ours_b2, their_b2)


@LIBS
def test_backward_hook_on_a_module_whose_input_needs_no_grad_must_not_replace(mt):
    lin = mt.nn.Linear(3, 2)
    lin.register_full_backward_hook(lambda m, gi, go: (mt.ones(2, 3),))
    with pytest.raises(RuntimeError, match="no input requires gradient"):
        lin(mt.tensor(X)).sum().backward()


@LIBS
def test_hook_on_a_partly_reached_tensor_sees_zeros_on_a_second_backward(mt):
    def run(lib):
        x = leaf(lib, [1.0, 2.0, 3.0])
        y = x * 2
        seen = []
        y.register_hook(lambda g: seen.append(g.tolist()))
        (y * y).sum().backward(retain_graph=True)
        y[0].backward()  # reaches y[0] only: the rest of y's gradient is 0, not the last one
        return seen, x.grad.tolist()

    assert run(mt) == run(torch)


@LIBS
def test_full_backward_hook_under_create_graph_gives_second_derivatives(mt):
    results = []
    for lib in (mt, torch):
        torch.manual_seed(0)
        theirs = torch.nn.Linear(2, 2).double()
        module = theirs
        if lib is not torch:
            module = lib.nn.Linear(2, 2).double()
            module.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        module.register_full_backward_hook(lambda m, gi, go: (gi[0] * 2,))
        x = leaf(lib, [[1.0, -0.5]])
        (g,) = lib.autograd.grad((module(x) ** 3).sum(), [x], create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), [x])
        results.append((g.tolist(), gg.tolist()))
    close(results[0][0], results[1][0])
    close(results[0][1], results[1][1])
