"""Drawing the micro engine's graph (Values): rendered with `dot`, read back from the SVG."""

from __future__ import annotations

import random
import time
from collections import Counter

import pytest
from test_viz_svg import needs_dot, svg_graph

import mytorch.viz as viz
from mytorch.micro.value import Value, total
from mytorch.viz import _render

pytestmark = needs_dot


def render(root, **kw) -> bytes:
    return _render.render_bytes(viz.to_dot(root, **kw), "svg")


def walk(roots):
    """Independent count: every Value reached, the op nodes and the edges that should be drawn."""
    seen, stack, values = set(), list(roots), []
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        values.append(v)
        stack.extend(v._prev)
    ops = [v for v in values if v._prev]
    return values, ops, sum(len(v._prev) for v in values) + len(ops)


def mlp_2_4_1(seed=0):
    """micrograd's picture: a 2-4-1 ReLU MLP on one sample, squared error, after backward."""
    rng = random.Random(seed)
    w1 = [[Value(rng.choice([-1, 1]) * rng.uniform(0.2, 0.9)) for _ in range(2)] for _ in range(4)]
    b1 = [Value(rng.uniform(0.1, 0.5)) for _ in range(4)]
    w2 = [Value(rng.choice([-1, 1]) * rng.uniform(0.2, 0.9)) for _ in range(4)]
    b2 = Value(0.25)
    x = [Value(0.5), Value(-1.5)]
    h = [(w[0] * x[0] + w[1] * x[1] + b).relu() for w, b in zip(w1, b1)]
    out = sum((wi * hi for wi, hi in zip(w2, h)), b2)
    loss = (out - 1.0) ** 2
    loss.backward()
    params = {f"w1[{i}, {j}]": w1[i][j] for i in range(4) for j in range(2)}
    params.update({f"b1[{i}]": b for i, b in enumerate(b1)})
    params.update({f"w2[{i}]": w for i, w in enumerate(w2)} | {"b2": b2})
    return loss, params


def test_value_and_op_counts_match_the_graph():
    loss, _ = mlp_2_4_1()
    values, ops, edges = walk([loss])
    g = svg_graph(render(loss))
    assert len(g.nodes) == len(values) + len(ops)
    assert len(g.edges) == edges
    assert viz.count_nodes(loss) == len(g.nodes)
    data_nodes = [lines for lines in g.nodes.values() if lines[0].startswith("data ")]
    assert len(data_nodes) == len(values)
    op_labels = Counter(lines[0] for lines in g.nodes.values() if not lines[0].startswith("data "))
    assert op_labels == Counter(v._op for v in ops)


def test_records_carry_data_and_grad_of_every_value():
    loss, _ = mlp_2_4_1()
    values, _, _ = walk([loss])
    # chosen so that every number sits in the four-decimal range (or is 0)
    assert all(v.data == 0 or 1e-3 <= abs(v.data) < 1e5 for v in values)
    assert all(v.grad == 0 or 1e-3 <= abs(v.grad) < 1e5 for v in values)
    g = svg_graph(render(loss))
    drawn = Counter(tuple(lines) for lines in g.nodes.values() if lines[0].startswith("data "))
    assert drawn == Counter((f"data {v.data:.4f}", f"grad {v.grad:.4f}") for v in values)
    assert drawn[(f"data {loss.data:.4f}", "grad 1.0000")] >= 1


def test_params_name_the_leaves():
    loss, params = mlp_2_4_1()
    g = svg_graph(render(loss, params=params))
    for name, v in params.items():
        (node,) = g.first_line(name)
        assert g.nodes[node] == [name, f"data {v.data:.4f}", f"grad {v.grad:.4f}"]
    g = svg_graph(render(loss, params=params, show_data=False, show_grad=False))
    (b2,) = g.first_line("b2")
    assert g.nodes[b2] == ["b2"]


def test_small_and_large_numbers_switch_to_scientific_notation():
    a, b = Value(1e-7), Value(2.5e6)
    c = a * b
    c.backward()
    g = svg_graph(render(c))
    labels = {tuple(lines) for lines in g.nodes.values()}
    assert ("data 1.000e-07", "grad 2.500e+06") in labels
    assert ("data 2.500e+06", "grad 1.000e-07") in labels
    assert ("data 0.2500", "grad 1.0000") in labels


def test_a_value_used_twice_gets_two_edges():
    x = Value(3.0)
    y = x * x
    y.backward()
    g = svg_graph(render(y))
    (op,) = [n for n, lines in g.nodes.items() if lines == ["*"]]
    (xn,) = [n for n, lines in g.nodes.items() if lines == ["data 3.0000", "grad 6.0000"]]
    assert g.edges.count((xn, op)) == 2


def test_same_graph_renders_byte_identical():
    first, p1 = mlp_2_4_1(seed=5)
    second, p2 = mlp_2_4_1(seed=5)
    assert render(first, params=p1) == render(second, params=p2)
    assert render(first, color_grads=True) == render(second, color_grads=True)


def test_color_grads_marks_the_smallest_and_largest_gradient():
    a, b, c = Value(1e-4), Value(10.0), Value(0.0)
    out = a * b + c * 0.0  # a.grad = 10, b.grad = 1e-4, c.grad = 0
    out.backward()
    g = svg_graph(render(out, params={"a": a, "b": b, "c": c}, color_grads=True))
    assert g.fills(g.first_line("a")[0]) == {"#b40426"}  # largest |grad|
    assert g.fills(g.first_line("b")[0]) == {"#3b4cc0"}  # smallest nonzero
    assert g.fills(g.first_line("c")[0]) == {"#dddddd"}  # exactly zero


def test_large_graph_is_refused_quickly_with_a_hint():
    root = total([Value(float(i)) * Value(0.5) for i in range(33_334)])  # 133,337 Values + op nodes
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r'more than max_nodes=5000.*collapse="tensor"'):
        viz.to_dot(root)
    assert time.perf_counter() - start < 20  # one linear walk, no DOT built


# ---------------------------------------------------------------- micro Tensors
import numpy as np  # noqa: E402

import mytorch.micro as mm  # noqa: E402


def tensor_mlp(seed=0):
    """The 2-4-1 MLP with mytorch.micro.nn on one sample, MSE loss, after backward."""
    mm.manual_seed(seed)
    net = mm.nn.Sequential(mm.nn.Linear(2, 4), mm.nn.ReLU(), mm.nn.Linear(4, 1))
    loss = mm.nn.functional.mse_loss(net(mm.tensor([[0.5, -1.5]])), mm.tensor([[1.0]]))
    loss.backward()
    return loss, dict(net.named_parameters())


def param_value_ids(params):
    return {id(v) for p in params.values() for v in p._values.flat}


def test_tensor_graph_counts_and_cuts():
    loss, params = tensor_mlp()
    values, ops, edges = walk(list(loss._values.flat))
    g = svg_graph(render(loss, params=params))
    assert len(g.nodes) == len(values) + len(ops) and len(g.edges) == edges
    # Leaves outside the parameters (input, target, constants made by ops) need no gradient.
    grad_leaves = param_value_ids(params)
    constants = [v for v in values if not v._prev and id(v) not in grad_leaves]
    assert len(constants) >= 3  # x (2 values), y, and the divisor of mean
    dashed = [n for n, e in g.node_elems.items() if g.dashed(e)]
    assert len(dashed) == len(constants)
    assert Counter(tuple(g.nodes[n]) for n in dashed) == Counter(
        (f"data {v.data:.4f}", "no grad") for v in constants
    )
    dashed_edges = [edge for edge, e in zip(g.edges, g.edge_elems) if g.dashed(e)]
    assert len(dashed_edges) == sum(1 for v in values for p in v._prev if p in constants)
    assert all(a in dashed for a, b in dashed_edges)


def test_tensor_graph_names_every_parameter_element():
    loss, params = tensor_mlp()
    g = svg_graph(render(loss, params=params))
    for name, p in params.items():
        data, grad = p.data, p.grad.numpy()
        for idx in np.ndindex(p.shape):
            label = f"{name}[{', '.join(map(str, idx))}]"
            (node,) = g.first_line(label)
            assert g.nodes[node] == [label, f"data {data[idx]:.4f}", f"grad {grad[idx]:.4f}"]


def test_detach_and_no_grad_cut_the_value_graph():
    mm.manual_seed(1)
    w = mm.randn(3, requires_grad=True)
    h = (w * w).tanh()
    side = (h.detach() * 3).sum()  # new Values, no parents
    with mm.no_grad():
        scale = w.sum() * 2  # computed without recording
    loss = (h * scale).sum() + side
    loss.backward()
    g = svg_graph(render(loss, params={"w": w}))
    values, ops, edges = walk(list(loss._values.flat))
    assert len(g.nodes) == len(values) + len(ops)
    (side_node,) = [n for n, lines in g.nodes.items() if lines == [f"data {side.item():.4f}", "no grad"]]
    (scale_node,) = [n for n, lines in g.nodes.items() if lines == [f"data {scale.item():.4f}", "no grad"]]
    for n in (side_node, scale_node):
        assert g.dashed(g.node_elems[n])
        out = [e for (a, b), e in zip(g.edges, g.edge_elems) if a == n]
        assert out and all(g.dashed(e) for e in out)
    assert len(g.find("tanh")) == 3  # the detached branch adds no second tanh


def test_collapse_tensor_draws_one_node_per_operation():
    loss, params = tensor_mlp()
    values, _, _ = walk(list(loss._values.flat))
    computed = [v for v in values if v._prev]
    members = Counter(v._group for v in computed)
    g = svg_graph(render(loss, params=params, collapse="tensor"))
    op_nodes = [n for n, lines in g.nodes.items() if lines[1].endswith(("value", "values"))
                and lines[0] != "no grad"]
    assert Counter((g.nodes[n][0], g.nodes[n][1]) for n in op_nodes) == Counter(
        (op, f"{n} value{'s' if n != 1 else ''}") for (_, op), n in members.items()
    )
    for name, p in params.items():
        (node,) = g.first_line(name)
        shape = "(" + ", ".join(map(str, p.shape)) + ("," if len(p.shape) == 1 else "") + ")"
        assert g.nodes[node][1] == shape
        assert g.nodes[node][-1] == f"grad norm {np.linalg.norm(p.grad.numpy()):.4f}"
    cuts = g.find("no grad")
    assert cuts and all(g.dashed(g.node_elems[n]) for n in cuts)
    assert len(g.nodes) == len(members) + len(params) + len(cuts)
    assert viz.count_nodes(loss, collapse="tensor", params=params) == len(g.nodes)
    # Element connections into each operation, summed over the labelled edges.
    links = Counter()
    for v in computed:
        for p in v._prev:
            if p._group != v._group or not p._prev:
                links[v._group] += 1
    node_of_group = {(g.nodes[n][0], g.nodes[n][1]): n for n in op_nodes}
    assert len(node_of_group) == len(op_nodes)  # (op, size) identifies each operation here
    for group, n in links.items():
        size = members[group]
        node = node_of_group[(group[1], f"{size} value{'s' if size != 1 else ''}")]
        drawn = 0
        for (_, b), e in zip(g.edges, g.edge_elems):
            if b == node:
                label = [t.text for t in e.iter("{http://www.w3.org/2000/svg}text")]
                drawn += int(label[0][1:]) if label else 1
        assert drawn == n


def test_collapse_cluster_keeps_every_value_in_boxes():
    loss, params = tensor_mlp()
    plain = svg_graph(render(loss, params=params))
    g = svg_graph(render(loss, params=params, collapse="cluster"))
    assert len(g.nodes) == len(plain.nodes) and len(g.edges) == len(plain.edges)
    values, _, _ = walk(list(loss._values.flat))
    groups = {v._group for v in values if v._prev}
    assert len(g.clusters) == len(groups) + len(params)
    assert sum(lines[0].startswith("0.weight (4, 2)") for lines in g.clusters.values()) == 1


def test_tensor_graph_renders_byte_identical():
    first, p1 = tensor_mlp(seed=7)
    second, p2 = tensor_mlp(seed=7)
    for kw in ({}, {"collapse": "tensor"}, {"collapse": "cluster", "color_grads": True}):
        assert render(first, params=p1, **kw) == render(second, params=p2, **kw)


def test_100k_node_graph_renders_collapsed_or_refuses_in_seconds():
    mm.manual_seed(0)
    x = mm.randn(200, 100, requires_grad=True)
    w = mm.randn(100, 100, requires_grad=True)
    loss = (x @ w).relu().sum()
    # Values: 20,000 + 10,000 leaves, 20,000 dot (100 + 100 parents each), 20,000 relu, 1 sum;
    # op nodes: 40,001. 110,002 nodes and 4 million edges.
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r'has 110002 nodes.*max_nodes=5000.*collapse="tensor"'):
        viz.to_dot(loss)
    refused = time.perf_counter() - start
    start = time.perf_counter()
    g = svg_graph(render(loss, params={"x": x, "w": w}, collapse="tensor"))
    collapsed = time.perf_counter() - start
    assert sorted(lines[0] for lines in g.nodes.values()) == ["matmul", "relu", "sum", "w", "x"]
    assert (g.first_line("x")[0], g.first_line("matmul")[0]) in g.edges
    assert refused < 20 and collapsed < 20, (refused, collapsed)


def test_before_backward_parameters_show_no_gradient_yet():
    mm.manual_seed(0)
    lin = mm.nn.Linear(2, 1)
    out = lin(mm.tensor([[1.0, 2.0]])).sum()
    params = dict(lin.named_parameters())
    g = svg_graph(render(out, params=params))
    assert g.nodes[g.first_line("weight[0, 1]")[0]][-1] == "grad None"
    g = svg_graph(render(out, params=params, collapse="tensor"))
    assert g.nodes[g.first_line("weight")[0]][-1] == "grad None"
    out.backward()
    g = svg_graph(render(out, params=params))
    assert g.nodes[g.first_line("weight[0, 1]")[0]][-1] == "grad 2.0000"  # d(w.x)/dw1 = x1


def test_draw_returns_a_digraph_for_micro_tensors_and_values():
    graphviz = pytest.importorskip("graphviz")
    loss, params = tensor_mlp()
    d = viz.draw(loss, params=params, collapse="tensor")
    assert isinstance(d, graphviz.Digraph)
    assert d.source == viz.to_dot(loss, params=params, collapse="tensor")
    value = loss._values.flat[0]
    bare, tensor = viz.draw(value).source, viz.to_dot(loss)  # a 1-element tensor's Value: same graph,
    assert bare.count(" -> ") == tensor.count(" -> ") and bare.count("[label") == tensor.count("[label")
    assert "no grad" in tensor and "no grad" not in bare  # but bare Values all count as needing grad
