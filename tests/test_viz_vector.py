"""Drawing the vector engine's graph: rendered with `dot`, read back from the SVG."""

from __future__ import annotations

import re
import time
from collections import Counter

import numpy as np
import pytest
from test_viz_svg import needs_dot, svg_graph

import mytorch.vector as mt
import mytorch.viz as viz
from mytorch.vector.node import Node
from mytorch.viz import _render

pytestmark = needs_dot


def render(root, **kw) -> bytes:
    return _render.render_bytes(viz.to_dot(root, **kw), "svg")


def walk(root):
    """Independent count of what should be drawn: ops, leaves, cut tensor inputs, edges."""
    start = root.grad_fn
    ops, leaves, cuts, edges = [], [], 0, 0
    seen, stack = set(), [start]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if not isinstance(n, Node):
            leaves.append(n)
            continue
        ops.append(n)
        for parent in n.next:
            if parent is not None:
                edges += 1
                stack.append(parent)
        cuts += len(n.cuts)  # the tensor inputs that need no gradient
        edges += len(n.cuts)
    return ops, leaves, cuts, edges


def model(seed=0, backward=True):
    """5x3 batch -> Linear(3, 4) -> ReLU -> Linear(4, 1), plus a detached branch; MSE loss."""
    rng = np.random.default_rng(seed)
    x = mt.tensor(rng.normal(size=(5, 3)))
    y = mt.tensor(rng.normal(size=(5, 1)))
    p = {
        "W1": mt.tensor(rng.normal(size=(3, 4)), requires_grad=True),
        "b1": mt.tensor(rng.normal(size=(4,)), requires_grad=True),
        "W2": mt.tensor(rng.normal(size=(4, 1)), requires_grad=True),
    }
    h = (x @ p["W1"] + p["b1"]).relu()
    side = (h.detach() * 3).sum(dim=1, keepdim=True)  # cut from the graph
    out = h @ p["W2"] + side
    loss = ((out - y) ** 2).mean()
    if backward:
        loss.backward()
    return loss, p


def test_node_and_edge_counts_match_the_graph():
    loss, p = model()
    ops, leaves, cuts, edges = walk(loss)
    assert len(leaves) == 3 and cuts == 3  # W1 b1 W2; x, y and the detached branch
    g = svg_graph(render(loss, params=p))
    assert len(g.nodes) == len(ops) + len(leaves) + cuts
    assert len(g.edges) == edges
    assert viz.count_nodes(loss) == len(g.nodes)
    op_names = Counter(line[0] for line in g.nodes.values() if re.search(r"Backward\d*$", line[0]))
    assert op_names == Counter(n.name() for n in ops)


def test_leaves_are_named_with_shape_dtype_and_gradient_norm():
    loss, p = model()
    g = svg_graph(render(loss, params=p))
    for name, t in p.items():
        (node,) = g.find(name)
        norm = float(np.sqrt((t.grad.numpy() ** 2).sum()))
        assert 1e-3 <= norm < 1e5  # so the label uses four decimals
        shape = "(" + ", ".join(map(str, t.shape)) + ("," if t.ndim == 1 else "") + ")"
        assert g.nodes[node] == [name, f"{shape} float64", f"grad norm {norm:.4f}"]
    (root,) = g.find("MeanBackward") or g.find("DivBackward", "()")
    assert f"data {loss.item():.4f}" in g.nodes[root]
    assert g.find("ReluBackward", "(5, 4) float64")


def test_labels_follow_show_data_and_show_grad():
    loss, p = model()
    g = svg_graph(render(loss, params=p, show_data=False, show_grad=False))
    text = " ".join(" ".join(lines) for lines in g.nodes.values())
    assert "grad" not in text.replace("no grad", "") and "data" not in text
    (w1,) = g.find("W1")
    assert g.nodes[w1] == ["W1", "(3, 4) float64"]


def test_without_params_leaves_show_shape_only():
    loss, p = model()
    g = svg_graph(render(loss))
    assert not g.find("W1")
    assert len(g.find("(3, 4) float64", "grad norm")) == 1


def test_detached_branch_constants_and_no_grad_results_are_drawn_as_cuts():
    loss, _ = model()
    g = svg_graph(render(loss))
    cut_nodes = g.find("no grad")
    assert sorted(g.nodes[n][1] for n in cut_nodes) == ["(5, 1) float64", "(5, 1) float64", "(5, 3) float64"]
    for n in cut_nodes:
        assert g.dashed(g.node_elems[n])
        (edge,) = [e for (a, b), e in zip(g.edges, g.edge_elems) if a == n]
        assert g.dashed(edge)
    solid = [e for (a, b), e in zip(g.edges, g.edge_elems) if a not in cut_nodes]
    assert solid and not any(g.dashed(e) for e in solid)
    # The detached branch enters the Add that joins it to h @ W2.
    (add,) = g.find("AddBackward", "(5, 1)")
    assert sum(a in cut_nodes for a, b in g.edges if b == add) == 1


def test_result_of_a_no_grad_block_is_a_cut():
    w = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with mt.no_grad():
        scale = w.sum() * 2  # not recorded
    loss = (w * scale).sum()
    loss.backward()
    g = svg_graph(render(loss, params={"w": w}))
    assert len(g.nodes) == 4  # w, Mul, Sum and the cut
    (cut,) = g.find("no grad")
    assert g.nodes[cut][1] == "() float32"
    (mul,) = g.find("MulBackward")
    assert (cut, mul) in g.edges


def test_root_without_grad_and_leaf_root():
    g = svg_graph(render(mt.tensor([1.0, 2.0]) * 2))
    assert list(g.nodes.values()) == [["no grad", "(2,) float32"]] and not g.edges
    w = mt.tensor([1.0], requires_grad=True)
    g = svg_graph(render(w, params={"w": w}))
    assert list(g.nodes.values()) == [["w", "(1,) float32", "data 1.0000", "grad None"]]


def test_drawing_before_backward_shows_missing_gradients():
    loss, p = model(backward=False)
    g = svg_graph(render(loss, params=p))
    (w1,) = g.find("W1")
    assert g.nodes[w1][-1] == "grad None"


def test_retained_gradient_of_an_intermediate_is_shown():
    w = mt.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    h = (w * w).relu()
    h.retain_grad()
    (h * mt.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    g = svg_graph(render(h.sum()))  # draws the graph up to h, whose .grad was kept
    (relu,) = g.find("ReluBackward")
    assert g.nodes[relu][-1] == f"grad norm {np.sqrt(1 + 4 + 9 + 16):.4f}"


def test_same_graph_renders_byte_identical():
    first, p1 = model(seed=3)
    second, p2 = model(seed=3)  # built again: ids must not depend on id()
    assert viz.to_dot(first, params=p1) == viz.to_dot(second, params=p2)
    assert render(first, params=p1) == render(second, params=p2)
    assert render(first, params=p1, color_grads=True) == render(second, params=p2, color_grads=True)


def test_color_grads_spans_smallest_to_largest_gradient(tmp_path):
    loss, p = model()
    g = svg_graph(render(loss, params=p, color_grads=True))
    norms = {name: float(np.linalg.norm(t.grad.numpy())) for name, t in p.items()}
    small, large = min(norms, key=norms.get), max(norms, key=norms.get)
    assert g.fills(g.find(small)[0]) == {"#3b4cc0"}
    assert g.fills(g.find(large)[0]) == {"#b40426"}
    # edges leaving a leaf carry its colour
    (edge,) = [e for (a, b), e in zip(g.edges, g.edge_elems) if a == g.find(large)[0]]
    assert any(el.attrib.get("stroke") == "#b40426" for el in edge.iter())
    svg = render(loss, params=p, color_grads=True).decode()
    assert f"blue {min(norms.values()):.4f}" in svg and f"red {max(norms.values()):.4f}" in svg


def test_graph_can_be_drawn_after_backward_through_a_user_function():
    class Square(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = mt.tensor([3.0], requires_grad=True)
    loss = Square.apply(x).sum()
    before = svg_graph(render(loss))
    assert before.find("SquareBackward")
    loss.backward()  # frees the node's state; the drawing must still work
    assert len(svg_graph(render(loss)).nodes) == 3


def test_too_many_nodes_is_refused_quickly():
    w = mt.tensor([1.0], requires_grad=True)
    y = w
    for _ in range(3000):
        y = y * 1.0001
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"3001 nodes.*max_nodes=1000.*larger max_nodes"):
        viz.to_dot(y, max_nodes=1000)
    assert time.perf_counter() - start < 5
    assert viz.to_dot(y, max_nodes=3001).count("MulBackward") == 3000


def test_draw_returns_a_graphviz_digraph_with_the_same_source():
    graphviz = pytest.importorskip("graphviz")
    loss, p = model()
    d = viz.draw(loss, params=p, rankdir="TB")
    assert isinstance(d, graphviz.Digraph)
    assert d.source == viz.to_dot(loss, params=p, rankdir="TB")
    assert "rankdir=TB" in d.source


def test_bad_arguments_are_named():
    loss, _ = model()
    with pytest.raises(TypeError, match="got ndarray"):
        viz.to_dot(np.ones(3))
    with pytest.raises(ValueError, match="collapse='tensors'"):
        viz.to_dot(loss, collapse="tensors")
    with pytest.raises(ValueError, match="rankdir='XY'"):
        viz.to_dot(loss, rankdir="XY")


def test_two_roots_share_one_drawing():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    a, b = (w * 2).sum(), (w * 3).sum()
    g = svg_graph(render([a, b], params={"w": w}))
    assert len(g.first_line("w")) == 1 and len(g.find("SumBackward")) == 2
    assert len(g.nodes) == 5 and len(g.edges) == 4
