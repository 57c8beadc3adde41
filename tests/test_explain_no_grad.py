"""Where the gradient stopped: ``mytorch.explain`` on a tensor that got no gradient says why.

Each kind of cut (no path, ``detach()``, ``no_grad()``, ``requires_grad=False``, an integer/boolean
op, a non-differentiable op) on both engines; with anomaly mode on, the file and line of the cut
(this file's own line numbers are the oracle).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import mytorch

ENGINES = ["micro", "vector"]


@pytest.fixture
def anomaly():
    mytorch.autograd.set_detect_anomaly(True)
    yield
    mytorch.autograd.set_detect_anomaly(False)


def _here() -> str:
    frame = inspect.currentframe().f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _setup(engine):
    mt = __import__(f"mytorch.{engine}", fromlist=["nn"])
    x = mt.tensor(np.array([[1.0, -2.0]]))
    w = mt.tensor(np.array([[0.5], [0.25]]), requires_grad=True)
    v = mt.tensor(np.array([[3.0]]), requires_grad=True)
    return mt, x, w, v


def _explain_w(w, loss):
    if hasattr(loss, "backward"):
        loss.backward(retain_graph=True)
    e = mytorch.explain(w, (0, 0), root=loss, params={"w": w})
    assert e.value == 0.0 and e.terms == [] and e.reason is not None
    return e


@pytest.mark.parametrize("engine", ENGINES)
def test_no_path_when_the_tensor_is_not_used(engine):
    mt, x, w, v = _setup(engine)
    loss = (v * 2.0).sum()
    e = _explain_w(w, loss)
    assert "no path from the root to w" in e.reason
    assert "not used to compute the root at all" in e.reason


@pytest.mark.parametrize("engine", ENGINES)
def test_detach_without_anomaly_mode_lists_the_cuts_and_says_how_to_find_the_line(engine):
    mt, x, w, v = _setup(engine)
    h = (x @ w).detach()
    loss = (h * v).sum()
    e = _explain_w(w, loss)
    assert "no path from the root to w" in e.reason
    assert "MulBackward0 input 0" in e.reason  # h entered the product as a tensor that needs no gradient
    assert "set_detect_anomaly(True)" in e.reason


@pytest.mark.parametrize("engine", ENGINES)
def test_detach_with_anomaly_mode_gives_file_and_line(engine, anomaly):
    mt, x, w, v = _setup(engine)
    h = (x @ w).detach(); where = _here()  # noqa: E702  (the detach and its line on one line)
    loss = (h * v).sum()
    e = _explain_w(w, loss)
    assert f"cut by detach() at {where}" in e.reason, e.reason


@pytest.mark.parametrize("engine", ENGINES)
def test_no_grad_with_anomaly_mode_gives_file_and_line(engine, anomaly):
    mt, x, w, v = _setup(engine)
    with mt.no_grad():
        h = (x @ w) * 2.0; where = _here()  # noqa: E702
    loss = (h * v).sum()
    e = _explain_w(w, loss)
    assert "cut by no_grad()" in e.reason and where in e.reason, e.reason


@pytest.mark.parametrize("engine", ENGINES)
def test_requires_grad_false_input(engine):
    mt, x, w, v = _setup(engine)
    loss = (x @ w).sum()
    loss.backward()
    e = mytorch.explain(x, (0, 1), root=loss, params={"x": x})
    assert "x has requires_grad=False" in e.reason


@pytest.mark.parametrize("engine", ENGINES)
def test_integer_boolean_op_with_anomaly_mode(engine, anomaly):
    mt, x, w, v = _setup(engine)
    mask = (x @ w) > 0; where = _here()  # noqa: E702
    loss = (v * mask.double()).sum()
    e = _explain_w(w, loss)
    assert "comparison (greater" in e.reason and where in e.reason, e.reason
    e_mask = mytorch.explain(mask, (0, 0), root=loss)
    assert "integer/boolean tensor (bool)" in e_mask.reason


def test_vector_integer_op_without_anomaly_mode_is_named_from_the_graph():
    mt, x, w, v = _setup("vector")
    mask = (x @ w) > 0
    loss = (v * mask).sum()
    e = _explain_w(w, loss)
    assert "shape (1, 1) bool (an integer/boolean tensor" in e.reason, e.reason


@pytest.mark.parametrize("engine", ENGINES)
def test_non_differentiable_op_with_anomaly_mode(engine, anomaly):
    mt, x, w, v = _setup(engine)
    pick = (x.T * w).argmax(); where = _here()  # noqa: E702
    loss = (v * pick.double()).sum()
    e = _explain_w(w, loss)
    assert "argmax() (not differentiable" in e.reason and where in e.reason, e.reason


def test_anomaly_mode_off_records_nothing():
    import mytorch._anomaly as anomaly_state
    import mytorch.vector as mt

    mytorch.autograd.set_detect_anomaly(False)
    w = mt.tensor([1.0], requires_grad=True)
    w.detach()
    with mt.no_grad():
        _ = w * 2
    assert anomaly_state.cuts() == []
