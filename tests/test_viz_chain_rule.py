"""``draw(..., chain_rule=True)``: the chain rule, checked on the SVG that ``dot`` rendered.

The numbers are read back from the ids of the SVG's ``<g>`` elements. For every micro edge,
``contribution == local * upstream`` and ``upstream`` is the grad of the node it enters; for
every node, ``grad == sum of its incoming contributions`` (those grads come from the engine's
backward, the contributions from the stored local derivatives, so the check is the chain rule
itself). For the vector engine each node's gradient is the sum of the gradient tensors on its
outgoing edges, and the leaves' sums equal the ``.grad`` the engine's real backward gave and
PyTorch's gradients.
"""

from __future__ import annotations

import math
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import mytorch.viz as viz
from mytorch.viz import _render

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
SVG = "{http://www.w3.org/2000/svg}"


def _fields(text: str) -> dict[str, str]:
    parts = text.split(";")
    return dict(p.split("=", 1) for p in parts[1:])


def read_meta(svg: bytes) -> tuple[dict[str, dict], list[dict]]:
    """(nodes by name, edges) from the ``mt;...`` ids of a rendered SVG."""
    nodes, edges = {}, []
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        gid = g.attrib.get("id", "")
        if not gid.startswith("mt;"):
            continue
        f = _fields(gid)
        if f["kind"] in ("value", "vnode"):
            nodes[f["name"]] = f
        else:
            edges.append(f)
    return nodes, edges


def floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",")] if text else []


def _model(engine: str, kind: str):
    mt = __import__(f"mytorch.{engine}", fromlist=["nn"])
    mt.manual_seed(3)
    nn = mt.nn
    if kind == "mlp":
        net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
        x = mt.tensor(np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]))
        y = mt.tensor(np.array([[1.0, 0.0], [0.0, 1.0]]))
        loss = nn.functional.mse_loss(net(x), y)
    else:
        net = nn.Sequential(nn.Conv2d(1, 2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(18, 2)).double()
        image = mt.tensor(np.random.default_rng(0).standard_normal((1, 1, 4, 4)))
        loss = nn.functional.cross_entropy(net(image), mt.tensor([1]))
    return mt, net, loss


def _render_svg(loss, net, **kw) -> bytes:
    return _render.render_bytes(viz.to_dot(loss, chain_rule=True, params=dict(net.named_parameters()), **kw),
                                "svg")


@needs_dot
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("collapse", [None, "cluster"])
def test_micro_svg_edges_are_local_times_upstream_and_nodes_sum_their_contributions(kind, collapse):
    _, net, loss = _model("micro", kind)
    loss.backward()
    nodes, edges = read_meta(_render_svg(loss, net, collapse=collapse))
    assert len(edges) > 20 and len(nodes) > 20
    incoming: dict[str, list[float]] = {}
    for e in edges:
        local, up, contrib = float(e["local"]), float(e["up"]), float(e["contrib"])
        assert contrib == local * up, e
        assert up == float(nodes[e["head"]]["grad"]), e  # upstream = the consumer's gradient
        incoming.setdefault(e["tail"], []).append(contrib)
    reused = 0
    for name, n in nodes.items():
        grad = float(n["grad"])
        if n["root"] == "1":
            assert grad == 1.0
            continue
        terms = incoming[name]
        reused += len(terms) > 1
        assert math.isclose(grad, math.fsum(terms), rel_tol=1e-12, abs_tol=1e-15), (name, grad, terms)
        assert sorted(floats(n["terms"])) == sorted(terms)
    assert reused > 5  # weights and inputs feed several products: their grads are sums


@needs_dot
def test_micro_parameter_nodes_carry_the_gradients_pytorch_computes():
    torch = pytest.importorskip("torch")
    _, net, loss = _model("micro", "mlp")
    loss.backward()
    nodes, _ = read_meta(_render_svg(loss, net))
    by_param = {n["param"]: float(n["grad"]) for n in nodes.values() if "param" in n}
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    with torch.no_grad():
        for p, tp in zip(net.parameters(), tnet.parameters()):
            tp.copy_(torch.tensor(p.data.numpy()))
    x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], dtype=torch.float64)
    y = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    torch.nn.functional.mse_loss(tnet(x), y).backward()
    for name, tp in zip(dict(net.named_parameters()), tnet.parameters()):
        for idx in np.ndindex(tuple(tp.shape)):
            key = f"{name}[{', '.join(map(str, idx))}]"
            assert math.isclose(by_param[key], tp.grad[idx].item(), rel_tol=1e-10, abs_tol=1e-14), key


@needs_dot
def test_micro_labels_show_the_chain_rule_and_reused_sums():
    from mytorch.micro.value import Value

    a = Value(3.0)
    b = a * a + a  # a is used three times: grad = 1 (from +, reached first) + 3 + 3
    b.backward()
    svg = _render.render_bytes(viz.to_dot(b, chain_rule=True), "svg").decode()
    assert "grad += 1.0000 + 3.0000 + 3.0000 = 7.0000" in svg
    assert "local 3.0000" in svg and "3.0000 x 1.0000" in svg
    values_only = viz.to_dot(b, chain_rule=True, show_grad=False)
    labels = re.findall(r'label="([^"]*)"', values_only)
    assert "local 3.0000" in values_only and "x 1.0000" not in values_only
    assert not any("grad" in label for label in labels)


def test_micro_chain_rule_refuses_the_tensor_summary():
    _, net, loss = _model("micro", "mlp")
    loss.backward()
    with pytest.raises(ValueError, match='collapse="tensor"'):
        viz.to_dot(loss, chain_rule=True, collapse="tensor")


@needs_dot
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_vector_svg_node_gradient_is_the_sum_of_the_tensors_on_its_edges(kind):
    mt, net, loss = _model("vector", kind)
    svg = _render_svg(loss, net)  # drawn before backward: a replay
    loss.backward()
    nodes, edges = read_meta(svg)
    assert edges
    outgoing: dict[str, list[dict]] = {}
    for e in edges:
        outgoing.setdefault(e["tail"], []).append(e)
        assert math.isclose(float(e["norm"]), float(np.linalg.norm(floats(e.get("values", "")))),
                            rel_tol=1e-9) or "values" not in e
    params = dict(net.named_parameters())
    checked = 0
    for name, n in nodes.items():
        if n["root"] == "1":
            assert floats(n["values"]) == [1.0]
            continue
        outs = outgoing[name]
        assert math.isclose(float(n["sum"]), math.fsum(float(e["sum"]) for e in outs),
                            rel_tol=1e-9, abs_tol=1e-12)
        if "values" in n and all("values" in e for e in outs):
            total = np.sum([floats(e["values"]) for e in outs], axis=0)
            np.testing.assert_allclose(floats(n["values"]), total, rtol=1e-9, atol=1e-12)
        if "param" in n:  # the engine's own backward is the oracle for the leaves
            grad = params[n["param"]].grad.numpy().ravel()
            np.testing.assert_allclose(floats(n["values"]), grad, rtol=1e-6, atol=1e-9)
            checked += 1
    assert checked == len(params)


@needs_dot
def test_vector_op_nodes_show_their_backward_rule():
    _, net, loss = _model("vector", "mlp")
    svg = _render_svg(loss, net).decode()
    assert "grad_x = grad @ W" in svg  # Linear's fused AddmmBackward


def test_vector_matmul_edge_is_grad_at_b_transposed():
    import mytorch.vector as mt

    a = mt.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = mt.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    c = (a @ b).tanh().sum()
    dot = viz.to_dot(c, chain_rule=True)
    assert "grad_a = grad @ b.T" in dot
    a_, b_ = a.detach().numpy(), b.detach().numpy()
    upstream = 1 - np.tanh(a_ @ b_) ** 2  # the gradient reaching MatMul (hand derived)
    edges = [_fields(m) for m in re.findall(r'id="(mt;kind=vedge[^"]*)"', dot)]
    to_a = [e for e in edges if e["head"] != e["tail"] and e["slot"] == "0" and e["shape"] == "2x3"]
    np.testing.assert_allclose(floats(to_a[0]["values"]), (upstream @ b_.T).ravel(), rtol=1e-12)


def test_vector_chain_rule_after_a_freeing_backward_says_what_to_do():
    _, net, loss = _model("vector", "mlp")
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        viz.to_dot(loss, chain_rule=True)
