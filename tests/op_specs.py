"""The op spec table: one lambda per op, run on micro, vector and PyTorch.

Each lambda takes the library module ``m`` (``mytorch.vector``,
``mytorch.micro`` or ``torch``) and input tensors, and uses only names the
three share, so the same line checks all of them (early tinygrad's
``helper_test_op`` idea, driven by a table as in minitorch).

``inputs`` are shapes; ``positive=True`` draws inputs from [0.5, 2) (for log,
sqrt, fractional powers), otherwise from a standard normal, which has no
ties and keeps clear of the kinks of relu/abs/max at finite-difference scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class OpSpec:
    name: str
    fn: Callable[..., Any]
    inputs: tuple[tuple[int, ...], ...]
    positive: bool = False
    grad: bool = True  # whether the output is differentiable (comparisons are not)
    tags: frozenset[str] = field(default_factory=frozenset)

    def arrays(self, seed: int = 0) -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        if self.positive:
            return [rng.uniform(0.5, 2.0, s) for s in self.inputs]
        return [rng.standard_normal(s) for s in self.inputs]


def _spec(name: str, fn: Callable[..., Any], *inputs: tuple[int, ...], **kw: Any) -> OpSpec:
    return OpSpec(name, fn, tuple(inputs), **kw)


OP_SPECS: list[OpSpec] = [
    # arithmetic, with broadcasting between different ranks
    _spec("add", lambda m, a, b: a + b, (3, 4), (3, 4)),
    _spec("add_broadcast_rank", lambda m, a, b: a + b, (2, 3, 4), (4,)),
    _spec("add_broadcast_ones", lambda m, a, b: a + b, (3, 1), (1, 4)),
    _spec("add_scalar", lambda m, a: a + 0.5, (3,)),
    _spec("radd_scalar", lambda m, a: 2.0 + a, (3,)),
    _spec("sub_broadcast", lambda m, a, b: a - b, (2, 1, 4), (3, 1)),
    _spec("rsub_scalar", lambda m, a: 1.0 - a, (2, 3)),
    _spec("mul", lambda m, a, b: a * b, (3, 4), (3, 4)),
    _spec("mul_broadcast", lambda m, a, b: a * b, (5, 1, 3), (4, 3)),
    _spec("rmul_scalar", lambda m, a: 3.0 * a, (4,)),
    _spec("div", lambda m, a, b: a / b, (3, 4), (3, 4), positive=True),
    _spec("div_broadcast", lambda m, a, b: a / b, (2, 3), (3,), positive=True),
    _spec("rdiv_scalar", lambda m, a: 2.0 / a, (3,), positive=True),
    _spec("neg", lambda m, a: -a, (3, 2)),
    _spec("pow_int", lambda m, a: a**2, (3, 4)),
    _spec("pow_int3_negative_base", lambda m, a: a**3, (5,)),
    _spec("pow_float", lambda m, a: a**1.5, (3, 4), positive=True),
    _spec("pow_tensor", lambda m, a, b: a**b, (3,), (3,), positive=True),
    _spec("rpow", lambda m, a: 2.0**a, (4,)),
    _spec("diamond", lambda m, a: (a * 2) * (a + 1) + a.exp() * a, (3,)),
    # elementwise math
    _spec("exp", lambda m, a: a.exp(), (3, 4)),
    _spec("log", lambda m, a: a.log(), (3, 4), positive=True),
    _spec("sqrt", lambda m, a: a.sqrt(), (3, 4), positive=True),
    _spec("abs", lambda m, a: a.abs(), (3, 4)),
    _spec("builtin_abs", lambda m, a: abs(a), (5,)),
    _spec("sin", lambda m, a: a.sin(), (4,)),
    _spec("cos", lambda m, a: a.cos(), (4,)),
    _spec("tanh", lambda m, a: a.tanh(), (3, 4)),
    _spec("sigmoid", lambda m, a: a.sigmoid(), (3, 4)),
    _spec("relu", lambda m, a: a.relu(), (3, 4)),
    _spec("clamp", lambda m, a: a.clamp(-0.5, 0.5), (4, 5)),
    _spec("clamp_min", lambda m, a: a.clamp(min=0.1), (6,)),
    _spec("clamp_tensor_bounds", lambda m, a, lo, hi: a.clamp(lo, hi + 1.0), (3, 4), (3, 4), (4,)),
    _spec("clamp_tensor_min_only", lambda m, a, lo: a.clamp(min=lo), (2, 5), (5,)),
    _spec("maximum", lambda m, a, b: m.maximum(a, b), (3, 4), (3, 4)),
    _spec("minimum", lambda m, a, b: m.minimum(a, b), (3, 4), (3, 4)),
    _spec("where", lambda m, a, b: m.where(a > 0, a, b), (3, 4), (3, 4)),
    _spec("module_exp", lambda m, a: m.exp(a) + m.tanh(a), (3,)),
    # reductions
    _spec("sum_all", lambda m, a: a.sum(), (3, 4)),
    _spec("sum_dim", lambda m, a: a.sum(dim=1), (3, 4)),
    _spec("sum_dims_keepdim", lambda m, a: a.sum(dim=(0, 2), keepdim=True), (2, 3, 4)),
    _spec("sum_negative_dim", lambda m, a: a.sum(dim=-1), (2, 3)),
    _spec("mean_all", lambda m, a: a.mean(), (3, 4)),
    _spec("mean_dim", lambda m, a: a.mean(dim=0, keepdim=True), (3, 4)),
    _spec("var", lambda m, a: a.var(dim=1), (3, 5)),
    _spec("var_all", lambda m, a: a.var(), (3, 5)),
    _spec("std", lambda m, a: a.std(dim=0, keepdim=True), (4, 3)),
    _spec("max_all", lambda m, a: a.max(), (3, 4)),
    _spec("max_dim_values", lambda m, a: a.max(dim=1)[0], (3, 4)),
    _spec("max_dim_keepdim", lambda m, a: a.max(dim=0, keepdim=True).values, (3, 4)),
    _spec("min_dim", lambda m, a: a.min(dim=-1)[0], (3, 4)),
    _spec("min_all", lambda m, a: a.min(), (5,)),
    _spec("logsumexp", lambda m, a: a.logsumexp(dim=1), (3, 4)),
    _spec("logsumexp_dims_keepdim", lambda m, a: a.logsumexp(dim=(0, 2), keepdim=True), (2, 3, 4)),
    _spec("amax_dim", lambda m, a: a.amax(dim=1), (3, 4)),
    _spec("amax_dims_keepdim", lambda m, a: a.amax(dim=(0, -1), keepdim=True), (2, 3, 4)),
    _spec("amin_all", lambda m, a: a.amin(), (3, 4)),
    _spec("amin_dims", lambda m, a: a.amin(dim=(2, 0)), (2, 3, 4)),
    _spec("pow_zero", lambda m, a: a**0, (4,)),
    # 0-d tensors: dim 0 and -1 name the tensor itself, keepdim keeps the shape ()
    _spec("sum_0d_dim0", lambda m, a: a.sum(dim=0), ()),
    _spec("mean_0d_keepdim", lambda m, a: a.mean(dim=-1, keepdim=True), ()),
    _spec("std_0d_correction0", lambda m, a: a.std(dim=0, correction=0), ()),
    _spec("max_0d_dim", lambda m, a: a.max(dim=0, keepdim=True).values * 2, ()),
    _spec("min_0d_dim", lambda m, a: a.min(dim=-1)[0], ()),
    _spec("amax_0d", lambda m, a: a.amax(dim=-1) + a.amin(dim=0, keepdim=True), ()),
    _spec("logsumexp_0d", lambda m, a: a.logsumexp(dim=0), ()),
    _spec("softmax_0d", lambda m, a: a.softmax(dim=0) * a, ()),
    _spec("log_softmax_0d", lambda m, a: a.log_softmax(dim=-1) + a, ()),
    # reductions over no elements
    _spec("sum_empty", lambda m, a: a.sum(dim=0), (0, 3)),
    _spec("mean_empty", lambda m, a: a.mean(dim=0), (0, 3)),
    _spec("logsumexp_empty", lambda m, a: a.logsumexp(dim=1), (3, 0)),
    # shape
    _spec("reshape", lambda m, a: a.reshape(4, 3).sum(dim=1) * a.reshape(12)[:4], (3, 4)),
    _spec("reshape_minus1", lambda m, a: a.reshape(-1), (2, 3, 2)),
    _spec("view", lambda m, a: a.view(6, 2).sum(dim=0), (3, 4)),
    _spec("transpose", lambda m, a: a.transpose(0, 1) @ a, (3, 4)),
    _spec("permute", lambda m, a, b: a.permute(2, 0, 1) * b, (2, 3, 4), (4, 2, 3)),
    _spec("T", lambda m, a, b: a.T * b, (3, 4), (4, 3)),
    _spec("squeeze", lambda m, a: a.squeeze(1) * 2, (3, 1, 4)),
    _spec("squeeze_all", lambda m, a: a.squeeze(), (1, 3, 1)),
    _spec("unsqueeze", lambda m, a, b: a.unsqueeze(1) * b, (3, 4), (3, 2, 4)),
    _spec("flatten", lambda m, a: a.flatten(1), (2, 3, 4)),
    _spec("expand", lambda m, a: a.expand(3, 4) * 2, (3, 1)),
    _spec("expand_new_dim", lambda m, a: a.expand(2, 3, 4), (3, 4)),
    _spec("cat", lambda m, a, b: m.cat([a, b, a], dim=1), (2, 3), (2, 1)),
    _spec("stack", lambda m, a, b: m.stack([a, b], dim=1), (2, 3), (2, 3)),
    # indexing
    _spec("getitem_int", lambda m, a: a[1], (3, 4)),
    _spec("getitem_slice", lambda m, a: a[1:, ::2], (3, 4)),
    _spec("getitem_negative_step_free", lambda m, a: a[-2:], (5,)),
    _spec("getitem_ellipsis_none", lambda m, a: a[..., None, 1], (2, 3, 4)),
    _spec("getitem_fancy_repeated", lambda m, a: a[[0, 2, 0, 0]], (3, 4)),
    _spec("getitem_fancy_2d", lambda m, a: a[[0, 1, 1], [2, 0, 2]], (3, 4)),
    _spec("getitem_bool_mask", lambda m, a: a[a > 0], (4, 5)),
    _spec("getitem_mixed", lambda m, a: a[1:, [0, 0, 2]], (3, 4)),
    # linear algebra
    _spec("matmul_2d", lambda m, a, b: a @ b, (3, 4), (4, 5)),
    _spec("matmul_vec_mat", lambda m, a, b: a @ b, (4,), (4, 5)),
    _spec("matmul_mat_vec", lambda m, a, b: a @ b, (3, 4), (4,)),
    _spec("matmul_vec_vec", lambda m, a, b: a @ b, (4,), (4,)),
    _spec("matmul_batched", lambda m, a, b: a @ b, (2, 3, 4), (2, 4, 5)),
    _spec("matmul_broadcast_batch", lambda m, a, b: a @ b, (2, 1, 3, 4), (3, 4, 2)),
    _spec("matmul_mixed_rank", lambda m, a, b: m.matmul(a, b), (2, 3, 4), (4, 2)),
    _spec("matmul_empty_inner", lambda m, a, b: a @ b, (2, 0), (0, 3)),
    _spec("matmul_empty_vectors", lambda m, a, b: a @ b, (0,), (0,)),
    # softmax family
    _spec("softmax", lambda m, a: a.softmax(dim=1), (3, 5)),
    _spec("softmax_dim0", lambda m, a: a.softmax(dim=0), (3, 5)),
    _spec("log_softmax", lambda m, a: a.log_softmax(dim=-1), (3, 5)),
    _spec("log_softmax_3d", lambda m, a: a.log_softmax(dim=1), (2, 3, 4)),
    # comparisons give tensors without gradient
    _spec("compare", lambda m, a, b: (a > b).float() + (a <= 0).float(), (3,), (3,), grad=False),
]


def by_name() -> dict[str, OpSpec]:
    return {s.name: s for s in OP_SPECS}
