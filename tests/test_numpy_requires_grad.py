"""``Tensor.numpy()`` follows PyTorch: refused on a tensor that requires grad, on both engines.

The oracle is PyTorch's own behaviour and message (hand-copied from torch 2.x:
``Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.``).
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch.micro as micro
import mytorch.vector as vector

ENGINES = [pytest.param(micro, id="micro"), pytest.param(vector, id="vector")]
MESSAGE = r"Can't call numpy\(\) on Tensor that requires grad\. Use tensor\.detach\(\)\.numpy\(\) instead\."


@pytest.mark.parametrize("mt", ENGINES)
def test_leaf_that_requires_grad_is_refused(mt):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=MESSAGE):
        x.numpy()


@pytest.mark.parametrize("mt", ENGINES)
def test_result_of_an_op_on_it_is_refused(mt):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=MESSAGE):
        (x * 3).numpy()


@pytest.mark.parametrize("mt", ENGINES)
def test_parameter_is_refused(mt):
    layer = mt.nn.Linear(2, 1)
    with pytest.raises(RuntimeError, match=MESSAGE):
        layer.weight.numpy()


@pytest.mark.parametrize("mt", ENGINES)
def test_detach_numpy_and_no_grad_and_plain_tensors_work(mt):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    np.testing.assert_array_equal((x * 3).detach().numpy(), [3.0, 6.0])
    with mt.no_grad():
        np.testing.assert_array_equal((x * 3).numpy(), [3.0, 6.0])
    np.testing.assert_array_equal(mt.tensor([4.0]).numpy(), [4.0])
    assert mt.tensor([1, 2]).numpy().tolist() == [1, 2]


@pytest.mark.parametrize("mt", ENGINES)
def test_item_tolist_and_grad_still_work_on_tensors_that_require_grad(mt):
    # PyTorch allows .item() and .tolist() on such tensors; only .numpy() is refused.
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    assert y.item() == 5.0 and x.tolist() == [1.0, 2.0]
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


@pytest.mark.parametrize("mt", ENGINES)
def test_model_state_dict_can_still_be_saved(mt, tmp_path):
    import mytorch

    layer = mt.nn.Linear(2, 1)
    mytorch.save(layer.state_dict(), tmp_path / "m.npz")
    loaded = mytorch.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded["weight"].detach().numpy(), layer.weight.detach().numpy())


def test_matches_pytorch_when_installed():
    torch = pytest.importorskip("torch", reason="PyTorch (the optional test oracle) not installed")
    t = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as want:
        t.numpy()
    with pytest.raises(RuntimeError) as got:
        vector.ones(2, requires_grad=True).numpy()
    assert str(got.value) == str(want.value)
