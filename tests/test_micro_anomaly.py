"""Anomaly mode's NaN check on the micro engine, against ``torch.autograd.detect_anomaly``.

Op names are compared without PyTorch's trailing ``0`` (and, for a name MyTorch spells its
own way, against the op's own ``grad_fn.name()``).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import mytorch
import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")

LIBS = pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])
PATTERN = r"Function '(\w+?)0?' returned nan values in its (\d+)th output"


def raised(lib, program, detect=None):
    """The message of the RuntimeError that ``program(lib)`` raises in backward under anomaly mode."""
    detect = detect or (torch.autograd.detect_anomaly if lib is torch else mytorch.autograd.detect_anomaly)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        with detect(), pytest.raises(RuntimeError) as info:
            program(lib)
    return str(info.value)


def name_and_index(message):
    found = re.search(PATTERN, message)
    assert found, message
    return found.groups()


def sqrt_of_negative(lib):
    x = lib.tensor([-1.0, 4.0], dtype=lib.float64, requires_grad=True)
    y = x.sqrt()  # MICRO-FORWARD-LINE
    (y * 2.0).sum().backward()


def nan_into_the_second_input(lib):
    w = lib.tensor([2.0, 3.0], dtype=lib.float64, requires_grad=True)
    x = lib.tensor([-1.0, 4.0], dtype=lib.float64, requires_grad=True)
    (x.sqrt() * w).sum().backward()  # MulBackward's grad for w is sqrt(x): NaN, its 1st output


def first_nan_is_named(lib):
    x = lib.tensor([0.0, 1.0], dtype=lib.float64, requires_grad=True)
    ((x * 0.0).log() * 0.0).sum().backward()


def matmul_of_nan(lib):
    a = lib.tensor([[1.0, float("nan")], [0.5, 2.0]], dtype=lib.float64)
    w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True)
    (a @ w).sum().backward()


@LIBS
@pytest.mark.parametrize("program", [sqrt_of_negative, nan_into_the_second_input, first_nan_is_named])
def test_names_the_op_and_output_as_pytorch(mt, program):
    assert name_and_index(raised(mt, program)) == name_and_index(raised(torch, program))


@LIBS
def test_matmul_names_its_own_node(mt):
    ours_name, ours_index = name_and_index(raised(mt, matmul_of_nan))
    _, their_index = name_and_index(raised(torch, matmul_of_nan))  # torch: MmBackward0
    a = mt.tensor([[1.0]], requires_grad=True)
    assert ours_name == re.sub(r"0$", "", (a @ a).grad_fn.name())
    assert ours_index == their_index == "1"


@LIBS
def test_message_shows_the_forward_line(mt):
    message = raised(mt, sqrt_of_negative)
    assert "Traceback of forward call that caused the error" in message
    forward_part = message.split("caused the error:")[1]
    assert "y = x.sqrt()  # MICRO-FORWARD-LINE" in forward_part
    assert __file__ in forward_part
    assert "mytorch" + "/micro" not in forward_part and "mytorch" + "/vector" not in forward_part


def test_micro_flag_form_off_again_and_nan_reaches_the_leaf():
    mytorch.autograd.set_detect_anomaly(True)
    try:
        with np.errstate(invalid="ignore"), pytest.raises(RuntimeError, match="Sqrt"):
            sqrt_of_negative(mm)
    finally:
        mytorch.autograd.set_detect_anomaly(False)
    x = mm.tensor([-1.0, 4.0], dtype=mm.float64, requires_grad=True)
    tx = torch.tensor([-1.0, 4.0], dtype=torch.float64, requires_grad=True)
    with np.errstate(invalid="ignore"):
        x.sqrt().sum().backward()
    tx.sqrt().sum().backward()
    np.testing.assert_array_equal(np.isnan(x.grad.numpy()), np.isnan(tx.grad.numpy()))


def test_micro_inf_alone_and_check_nan_false_do_not_raise():
    def run(lib, detect, data, **kw):
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings(), np.errstate(all="ignore"), detect(**kw):
            warnings.simplefilter("ignore")
            x.sqrt().sum().backward()
        return x.grad.numpy()

    for data, kw in (([0.0, 4.0], {}), ([-1.0, 4.0], {"check_nan": False})):
        np.testing.assert_array_equal(run(mm, mytorch.autograd.detect_anomaly, data, **kw),
                                      run(torch, torch.autograd.detect_anomaly, data, **kw))


def test_micro_nan_in_a_constant_gradient_is_not_checked():
    # y * c with a NaN in y: d/dc is NaN but c needs no gradient (PyTorch never computes it)
    def run(lib, detect):
        x = lib.tensor([-1.0, 4.0], dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings(), np.errstate(all="ignore"), detect():
            warnings.simplefilter("ignore")
            y = x.log() * lib.tensor([0.0, 1.0], dtype=lib.float64)
            y.sum().backward()
        return x.grad.numpy()

    np.testing.assert_array_equal(run(mm, mytorch.autograd.detect_anomaly),
                                  run(torch, torch.autograd.detect_anomaly))


def test_micro_custom_function_is_named():
    class Bad(mm.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    class TorchBad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    def program(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        (Bad if lib is mm else TorchBad).apply(x).sum().backward()

    ours, _ = name_and_index(raised(mm, program))
    theirs, _ = name_and_index(raised(torch, program))
    assert ours.startswith("Bad") and theirs.startswith("TorchBad")


def test_micro_anomaly_under_create_graph():
    def program(lib):
        x = lib.tensor([-1.0, 4.0], dtype=lib.float64, requires_grad=True)
        lib.autograd.grad((x.sqrt() * 3.0).sum(), [x], create_graph=True)

    assert name_and_index(raised(mm, program)) == name_and_index(raised(torch, program))


def test_micro_without_anomaly_mode_gradients_are_unchanged():
    x = mm.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=mm.float64, requires_grad=True)
    y = (x.tanh() @ x).exp().sum()
    y.backward()
    plain = x.grad.tolist()
    x.grad = None
    with mytorch.autograd.detect_anomaly():
        y = (x.tanh() @ x).exp().sum()
        y.backward()
    np.testing.assert_allclose(x.grad.tolist(), plain, rtol=1e-15)
