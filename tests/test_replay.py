"""The backward replay page, tested in a real headless browser (Debian's chromium via Playwright).

The oracle is a trace of the engine's own backward recorded here in Python: for micro, the
engine's ``_chain_rule`` is wrapped to run one node at a time and record the parents' gradients
after each node; for vector, the engine's heap pops are recorded. The page is opened from
``file://`` with every request other than the page itself aborted; the test asserts no request
was made and no console error occurred, presses Next step by step and compares the page's
state (highlighted node, shown gradients) with that trace, and checks the screenshot is not blank.
"""

from __future__ import annotations

import os
import shutil
import time
import zlib

import numpy as np
import pytest

import mytorch.viz as viz
from mytorch.viz import _micro, _vector
from mytorch.viz._style import fmt

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and os.path.exists(p)), None)
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if CHROMIUM is None:
        pytest.skip("no chromium browser installed (apt-get install chromium)")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


class Opened:
    """A page opened offline, with its requests and console errors."""

    def __init__(self, browser, path):
        self.context = browser.new_context(viewport={"width": 1300, "height": 700})
        self.url = path.resolve().as_uri()
        self.requests, self.errors = [], []

        def route(r):
            self.requests.append(r.request.url)
            if r.request.url == self.url:
                r.continue_()
            else:
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(self.url)

    def state(self):
        return self.page.evaluate("window.mtReplay.state()")

    def close(self):
        assert self.requests == [self.url], f"the page made requests: {self.requests}"
        assert self.errors == [], self.errors
        self.context.close()


def _png_is_not_blank(png: bytes) -> bool:
    """Decode the PNG's pixel rows (zlib) and check they are not all one colour."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    i, idat = 8, b""
    while i < len(png):
        n = int.from_bytes(png[i:i + 4], "big")
        if png[i + 4:i + 8] == b"IDAT":
            idat += png[i + 8:i + 8 + n]
        i += 12 + n
    raw = zlib.decompress(idat)
    return len(set(raw)) > 16  # a blank (one-colour) image filters to a handful of byte values


# ---------------------------------------------------------------- the engines' own traces
def _record_micro_backward(monkeypatch, loss):
    """Run ``loss.backward()`` with the engine's chain rule applied one node at a time, recorded."""
    from mytorch.micro import value as V

    original = V._chain_rule
    steps = []

    def one_node_at_a_time(order):
        for node in reversed(order):
            original([node])
            if node._op == "sink":
                steps.append(("seed", {id(p): p.grad for p in V._parents(node)}))
            elif V._parents(node):
                steps.append((node, {id(p): p.grad for p in V._parents(node)}))

    monkeypatch.setattr(V, "_chain_rule", one_node_at_a_time)
    loss.backward()
    monkeypatch.setattr(V, "_chain_rule", original)
    return steps


def _micro_mlp():
    import mytorch.micro as mm

    mm.manual_seed(0)
    net = mm.nn.Sequential(mm.nn.Linear(2, 3), mm.nn.Tanh(), mm.nn.Linear(3, 1))
    loss = mm.nn.functional.mse_loss(net(mm.tensor([[0.5, -1.5]])), mm.tensor([[1.0]]))
    return loss, dict(net.named_parameters())


@needs_dot
def test_micro_replay_matches_the_engines_backward_step_by_step(browser, tmp_path, monkeypatch):
    loss, params = _micro_mlp()
    recorded = _record_micro_backward(monkeypatch, loss)
    path = viz.html(loss, tmp_path / "micro.html", params=params)
    roots = _micro.tensor_values(loss)
    plan = _micro.Plan(roots, [loss], params)
    pos = {k: f"v{i}" for k, i in plan.pos.items()}
    needs = {id(v) for v in plan.order if plan.needs_grad(v)}

    # the engine's running gradients after each of its steps
    running = {}
    expected = []
    seed = recorded[0]
    assert seed[0] == "seed"
    for node, after in recorded[1:]:
        if not expected:
            running.update(seed[1])
        running.update(after)
        shown = {pos[k]: f"grad {fmt(g)}" for k, g in running.items() if k in needs}
        expected.append((pos[id(node)], shown))

    page = Opened(browser, path)
    assert page.state() == {"step": -1, "current": None, "shown": {}}
    assert page.page.evaluate("window.mtReplay.numSteps") == len(expected)
    for n, (node, shown) in enumerate(expected):
        page.page.click("#mt-next") if n % 2 else page.page.keyboard.press("ArrowRight")
        state = page.state()
        assert state["step"] == n
        assert state["current"] == node, f"step {n}"
        assert state["shown"] == shown, f"step {n}"
    for _ in range(3):
        page.page.click("#mt-prev")
    assert page.state()["shown"] == expected[-4][1]
    page.page.click(f"#mt-graph g.node:has(title:text-is('{pos[id(roots[0])]}'))")
    assert "the root" in page.page.inner_text("#mt-explain")
    assert _png_is_not_blank(page.page.screenshot())
    page.close()


@needs_dot
def test_vector_replay_matches_the_order_the_engine_ran_and_its_gradients(browser, tmp_path, monkeypatch):
    import heapq
    import types

    import mytorch.vector as mt
    from mytorch.vector import node as N

    mt.manual_seed(0)
    net = mt.nn.Sequential(mt.nn.Conv2d(1, 2, 2), mt.nn.ReLU(), mt.nn.Flatten(), mt.nn.Linear(18, 3))
    loss = mt.nn.functional.cross_entropy(net(mt.randn(2, 1, 4, 4)), mt.tensor([0, 2]))
    params = dict(net.named_parameters())
    path = viz.html(loss, tmp_path / "vector.html", params=params)  # replayed before backward
    ids = {id(n): f"n{i}" for i, n in enumerate(_vector._order([loss]))}

    popped = []

    def heappop(heap):
        item = heapq.heappop(heap)
        popped.append(ids[id(item[1])])
        return item

    monkeypatch.setattr(N, "heapq", types.SimpleNamespace(heappush=heapq.heappush, heappop=heappop))
    loss.backward()
    monkeypatch.undo()

    page = Opened(browser, path)
    seen = []
    for _ in popped:
        page.page.keyboard.press("ArrowRight")
        seen.append(page.state()["current"])
    assert seen == popped
    shown = page.state()["shown"]
    for name, p in params.items():
        leaf = ids[id(p)]
        assert shown[leaf] == f"grad {_vector.summary(p.grad.numpy())}", name
    assert _png_is_not_blank(page.page.screenshot())
    page.close()


def _big_micro(batch=22):
    import mytorch.micro as mm

    mm.manual_seed(0)
    net = mm.nn.Sequential(mm.nn.Linear(13, 32), mm.nn.ReLU(), mm.nn.Linear(32, 1))
    x = mm.tensor(np.random.default_rng(0).standard_normal((batch, 13)))
    loss = mm.nn.functional.mse_loss(net(x), mm.tensor(np.zeros((batch, 1))))
    loss.backward()
    return loss, dict(net.named_parameters())


@needs_dot
def test_a_5000_node_micro_page_is_written_in_under_5_s_and_steps_in_under_100_ms(browser, tmp_path):
    loss, params = _big_micro()
    assert viz.count_nodes(loss) >= 5000
    start = time.perf_counter()
    path = viz.html(loss, tmp_path / "big.html", params=params)
    assert time.perf_counter() - start < 5.0
    page = Opened(browser, path)
    steps = page.page.evaluate("window.mtReplay.numSteps")
    for _ in range(steps):
        page.page.keyboard.press("ArrowRight")
    page.page.keyboard.press("ArrowLeft")
    page.page.keyboard.press("Home")
    page.page.keyboard.press("End")
    assert page.page.evaluate("window.mtReplay.maxStepMs") < 100
    page.page.click("#mt-graph g.node:has(title:text-is('u0'))")  # open one op's scalar subgraph
    assert "Values (its scalar subgraph)" in page.page.inner_text("#mt-explain")
    page.close()


@needs_dot
def test_an_uncollapsed_page_of_600_values_steps_in_under_100_ms(browser, tmp_path):
    loss, params = _big_micro(batch=3)
    path = viz.html(loss, tmp_path / "mid.html", params=params, collapse=None, max_nodes=2000)
    page = Opened(browser, path)
    steps = page.page.evaluate("window.mtReplay.numSteps")
    assert steps > 100
    for _ in range(100):
        page.page.keyboard.press("ArrowRight")
    page.page.evaluate(f"window.mtReplay.go({steps - 1})")
    page.page.evaluate("window.mtReplay.go(-1)")
    assert page.page.evaluate("window.mtReplay.maxStepMs") < 100
    page.close()


def test_too_large_a_graph_is_a_clear_error_and_nothing_is_written(tmp_path):
    loss, params = _big_micro(batch=3)
    n = viz.count_nodes(loss)
    target = tmp_path / "x.html"
    with pytest.raises(ValueError, match=rf'the graph has {n} nodes.*max_nodes=500.*collapse="tensor"'):
        viz.html(loss, target, collapse=None, max_nodes=500)
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_vector_replay_after_a_freeing_backward_says_retain_graph(tmp_path):
    import mytorch.vector as mt

    w = mt.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        viz.html(loss, tmp_path / "x.html")
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_page_is_self_contained(tmp_path):
    loss, params = _micro_mlp()
    loss.backward()
    text = viz.replay(loss, params=params).html
    assert "<svg" in text and "window.mtReplay" in text
    for needle in ("http://cdn", "https://", "<link", "src=\"http"):
        assert needle not in text.replace("http://www.w3.org", "")


@needs_dot
@pytest.mark.parametrize("engine", ["micro", "vector"])
def test_the_graph_command_writes_the_replay_page_and_the_chain_rule(tmp_path, capsys, engine):
    import argparse

    from mytorch.viz import command

    parser = argparse.ArgumentParser(prog="mytorch")
    command.add_parser(parser.add_subparsers(dest="command"))
    out = tmp_path / "g.html"
    args = parser.parse_args(["graph", "--model", "cnn", "--engine", engine, "--html", "--out", str(out)])
    assert command.run(args) == 0, capsys.readouterr().err
    assert "window.mtReplay" in out.read_text()
    svg = tmp_path / "g.svg"
    args = parser.parse_args(["graph", "--model", "mlp", "--engine", engine, "--chain-rule",
                              "--out", str(svg)])
    assert command.run(args) == 0, capsys.readouterr().err
    assert "kind=edge" in svg.read_text() or "kind=vedge" in svg.read_text()
