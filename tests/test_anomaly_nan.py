"""Anomaly mode's NaN check in backward, against PyTorch's ``torch.autograd.detect_anomaly``.

Both raise RuntimeError at the first backward node returning NaN, naming that node
(MyTorch's names lack PyTorch's trailing ``0``) and the output index; MyTorch puts the
forward traceback in the message (PyTorch prints it as a warning).
"""

import re
import warnings

import numpy as np
import pytest

import mytorch
import mytorch.vector as mt

torch = pytest.importorskip("torch")  # the oracle; these tests skip without it


def _sqrt_of_negative(lib):
    x = lib.tensor([-1.0, 4.0], dtype=lib.float64, requires_grad=True)
    y = x.sqrt()  # FORWARD-LINE
    (y * 2.0).sum().backward()
    return x


def _raised(lib, detect):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(invalid="ignore"), detect():
            with pytest.raises(RuntimeError) as info:
                _sqrt_of_negative(lib)
    return str(info.value)


def test_nan_in_backward_raises_naming_the_op_like_pytorch():
    theirs = _raised(torch, torch.autograd.detect_anomaly)
    ours = _raised(mt, mytorch.autograd.detect_anomaly)
    pattern = r"Function '(\w+?)0?' returned nan values in its (\d+)th output"
    their_name, their_index = re.search(pattern, theirs).groups()
    our_name, our_index = re.search(pattern, ours).groups()
    assert (our_name, our_index) == (their_name, their_index) == ("SqrtBackward", "0")


def test_message_shows_the_forward_call_that_made_the_node():
    message = _raised(mt, mytorch.autograd.detect_anomaly)
    assert "Traceback of forward call that caused the error" in message
    assert "y = x.sqrt()  # FORWARD-LINE" in message
    assert __file__ in message
    forward_part = message.split("caused the error:")[1]
    assert "mytorch" + "/vector" not in forward_part  # the engine's own frames are trimmed


def test_set_detect_anomaly_flag_form_and_off_again():
    mytorch.autograd.set_detect_anomaly(True)
    try:
        with np.errstate(invalid="ignore"), pytest.raises(RuntimeError, match="SqrtBackward"):
            _sqrt_of_negative(mt)
    finally:
        mytorch.autograd.set_detect_anomaly(False)
    with np.errstate(invalid="ignore"):
        x = _sqrt_of_negative(mt)  # off: no check, the NaN reaches the leaf as in PyTorch
    tx = _sqrt_of_negative(torch)
    np.testing.assert_array_equal(np.isnan(x.grad.numpy()), np.isnan(tx.grad.numpy()))
    assert not mytorch.autograd.is_anomaly_enabled()


def test_first_nan_node_is_named_not_a_later_one():
    # log(x * 0) * 0: the last Mul passes gradient 0 back; LogBackward then divides 0 by 0 (NaN),
    # and the NaN would flow on into the first Mul: the error must name LogBackward, the first.
    def run(lib, detect):
        x = lib.tensor([0.0, 1.0], dtype=lib.float64, requires_grad=True)
        with np.errstate(all="ignore"), warnings.catch_warnings(), detect():
            warnings.simplefilter("ignore")
            y = (x * 0.0).log() * 0.0
            with pytest.raises(RuntimeError) as info:
                y.sum().backward()
        return re.search(r"Function '(\w+?)0?' returned nan", str(info.value)).group(1)

    ours = run(mt, mytorch.autograd.detect_anomaly)
    assert ours == run(torch, torch.autograd.detect_anomaly) == "LogBackward"


def test_inf_alone_does_not_raise_as_in_pytorch():
    def run(lib, detect):
        x = lib.tensor([0.0, 4.0], dtype=lib.float64, requires_grad=True)
        with np.errstate(all="ignore"), detect():
            x.sqrt().sum().backward()  # 1/(2 sqrt(0)) = inf: not NaN
        return x.grad.numpy()

    np.testing.assert_array_equal(run(mt, mytorch.autograd.detect_anomaly),
                                  run(torch, torch.autograd.detect_anomaly))


def test_check_nan_false_turns_the_check_off():
    with np.errstate(invalid="ignore"), mytorch.autograd.detect_anomaly(check_nan=False):
        x = _sqrt_of_negative(mt)
    assert np.isnan(x.grad.numpy()[0])
    with warnings.catch_warnings(), torch.autograd.detect_anomaly(check_nan=False):
        warnings.simplefilter("ignore")
        assert np.isnan(_sqrt_of_negative(torch).grad.numpy()[0])


def test_nodes_recorded_before_anomaly_mode_still_checked():
    x = mt.tensor([-1.0], dtype=mt.float64, requires_grad=True)
    with np.errstate(invalid="ignore"):
        y = x.sqrt()
    with np.errstate(invalid="ignore"), mytorch.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="recorded before anomaly mode"):
            y.sum().backward()


def test_recording_is_untouched_when_anomaly_mode_is_off():
    import itertools

    from mytorch.vector import node

    with mytorch.autograd.detect_anomaly():
        assert not isinstance(node._sequence, itertools.count)  # on: the counter records stacks
        a = mt.tensor([1.0], requires_grad=True) * 2.0
    assert isinstance(node._sequence, itertools.count)  # off: the plain counter, no per-node work
    b = mt.tensor([1.0], requires_grad=True) * 2.0
    assert b.grad_fn._seq > a.grad_fn._seq  # numbering continues across the switch
