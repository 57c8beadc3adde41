"""``nn.functional``: stateless ops with ``torch.nn.functional``'s names and arguments.

Everything is written with Tensor ops, so it runs on both engines. Where the
engine has a fused kernel (``mytorch.vector.fused``: conv, pooling,
cross-entropy, linear) it is used after the arguments are checked;
``composite_only()`` disables those fast paths (the ``_..._composite``
functions stay importable for comparisons).

Example:
    >>> import mytorch.vector as mt
    >>> import mytorch.nn.functional as F
    >>> F.softmax(mt.tensor([0.0, 0.0]), dim=0).tolist()
    [0.5, 0.5]
"""

from ..._erf import erf
from ._activation import (
    _linear_composite,
    gelu,
    leaky_relu,
    linear,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from ._activation_more import (
    celu,
    elu,
    hardsigmoid,
    hardswish,
    hardtanh,
    logsigmoid,
    mish,
    normalize,
    relu6,
    selu,
    softsign,
    tanhshrink,
)
from ._attention import scaled_dot_product_attention
from ._conv import _conv1d_composite, _conv2d_composite, conv1d, conv2d
from ._conv_transpose import conv_transpose1d, conv_transpose2d
from ._dispatch import composite_only, fast_paths_enabled
from ._dropout import dropout
from ._interpolate import interpolate
from ._loss import (
    _cross_entropy_composite,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from ._loss_extra import (
    cosine_embedding_loss,
    cosine_similarity,
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    margin_ranking_loss,
    pairwise_distance,
    poisson_nll_loss,
    smooth_l1_loss,
    triplet_margin_loss,
)
from ._normalization import batch_norm, layer_norm
from ._padding import pad
from ._pooling import _avg_pool2d_composite, _max_pool2d_composite, avg_pool2d, max_pool2d
from ._sparse import embedding, one_hot

__all__ = [
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "silu",
    "gelu",
    "softplus",
    "softmax",
    "log_softmax",
    "linear",
    "elu",
    "selu",
    "celu",
    "hardtanh",
    "relu6",
    "hardsigmoid",
    "hardswish",
    "mish",
    "softsign",
    "logsigmoid",
    "tanhshrink",
    "normalize",
    "scaled_dot_product_attention",
    "interpolate",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv1d",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "dropout",
    "batch_norm",
    "layer_norm",
    "embedding",
    "one_hot",
    "pad",
    "mse_loss",
    "l1_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "triplet_margin_loss",
    "cosine_similarity",
    "pairwise_distance",
    "erf",
    "composite_only",
    "fast_paths_enabled",
    "_linear_composite",
    "_conv1d_composite",
    "_conv2d_composite",
    "_max_pool2d_composite",
    "_avg_pool2d_composite",
    "_cross_entropy_composite",
]
