"""Bad input to layers and functions: the errors name the layer, what it expected and what it got."""

from __future__ import annotations

import re

import numpy as np
import pytest

import mytorch.nn.functional as F
import mytorch.vector as mt
from mytorch import nn


def test_conv2d_wrong_channels_names_layer_expected_and_received():
    conv = nn.Conv2d(3, 8, 3)
    expected = (
        "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1)): expected input with 3 channels "
        "(shape (N, 3, H, W)), got shape (2, 1, 28, 28)"
    )
    with pytest.raises(ValueError, match=re.escape(expected)):
        conv(mt.zeros(2, 1, 28, 28))


def test_conv2d_wrong_rank_and_too_small_input():
    with pytest.raises(ValueError, match=r"expected a 4D input \(N, C, H, W\).*got shape \(28, 28\)"):
        nn.Conv2d(1, 2, 3)(mt.zeros(28, 28))
    with pytest.raises(
        ValueError, match=r"padded input size \(2, 2\).*smaller than the dilated kernel size \(3, 3\)"
    ):
        F.conv2d(mt.zeros(1, 1, 2, 2), mt.zeros(1, 1, 3, 3))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(1, 2, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="groups=2 must divide in_channels=3"):
        nn.Conv2d(3, 4, 3, groups=2)


def test_conv1d_wrong_channels():
    with pytest.raises(
        ValueError, match=re.escape("expected input with 4 channels (shape (N, 4, L)), got shape (2, 3, 9)")
    ):
        nn.Conv1d(4, 2, 3)(mt.zeros(2, 3, 9))


def test_linear_wrong_feature_count():
    layer = nn.Linear(13, 32)
    expected = (
        "Linear(in_features=13, out_features=32, bias=True): expected input with 13 features in the last "
        "dim (shape (*, 13)), got shape (4, 12)"
    )
    with pytest.raises(ValueError, match=re.escape(expected)):
        layer(mt.zeros(4, 12))
    with pytest.raises(ValueError, match=r"linear\(\): input has 12 features.*weight \(32, 13\) expects 13"):
        F.linear(mt.zeros(4, 12), layer.weight)


def test_batchnorm_and_layernorm_wrong_shapes():
    with pytest.raises(
        ValueError,
        match=re.escape("expected input with 8 channels (shape (N, 8, H, W)), got shape (2, 3, 4, 4)"),
    ):
        nn.BatchNorm2d(8)(mt.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4.*expected input of shape \(N, C\) or \(N, C, L\)"):
        nn.BatchNorm1d(4)(mt.zeros(2, 4, 3, 3))
    with pytest.raises(ValueError, match=re.escape("expected input with shape (*, 5), got shape (2, 4)")):
        nn.LayerNorm(5)(mt.zeros(2, 4))


def test_pooling_errors():
    with pytest.raises(ValueError, match="padding .* must be at most half"):
        F.max_pool2d(mt.zeros(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(ValueError, match=r"too small for kernel_size=\(5, 5\)"):
        nn.MaxPool2d(5)(mt.zeros(1, 1, 3, 3))


def test_cross_entropy_module_errors_name_value_and_classes():
    with pytest.raises(IndexError, match="target 10 is out of bounds for 10 classes"):
        nn.CrossEntropyLoss()(mt.zeros(3, 10), mt.tensor([1, 10, 2]))
    with pytest.raises(ValueError, match=r"expected class indices of shape \(3,\)"):
        nn.CrossEntropyLoss()(mt.zeros(3, 10), mt.tensor([1, 2]))
    with pytest.raises(TypeError, match="int64 class indices or floating probabilities"):
        nn.CrossEntropyLoss()(mt.zeros(2, 3), mt.tensor([True, False]))


def test_mse_loss_module_target_shape():
    with pytest.raises(ValueError, match=r"target shape \(8,\) does not match input shape \(8, 1\)"):
        nn.MSELoss()(mt.zeros(8, 1), mt.zeros(8))


def test_load_state_dict_wrong_shape_gives_both_shapes():
    with pytest.raises(
        RuntimeError,
        match=re.escape(
            "size mismatch for weight: copying a param with shape (2, 2) "
            "from checkpoint, the shape in current model is (3, 2)"
        ),
    ):
        nn.Linear(2, 3).load_state_dict({"weight": np.zeros((2, 2)), "bias": np.zeros(3)})


def test_mixing_engines_or_passing_arrays_is_a_type_error():
    with pytest.raises(TypeError, match="must be a Tensor, not ndarray"):
        nn.Linear(2, 2)(np.zeros((1, 2)))
    with pytest.raises(TypeError, match="Sequential is not a|is not a mytorch.nn.Module"):
        nn.Sequential(object())


def test_init_errors():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(mt.zeros(3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        nn.init.calculate_gain("swish")
    with pytest.raises(ValueError, match="Mode 'fan' not supported"):
        nn.init.kaiming_normal_(mt.zeros(2, 2), mode="fan")
