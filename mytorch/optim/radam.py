"""``RAdam``: Adam with a rectified (variance-corrected) adaptive learning rate (Liu et al., 2019).

The update, step for step as in PyTorch (``t`` counts this parameter's steps)::

    g = -g if maximize
    p = p * (1 - lr * weight_decay)                   (decoupled_weight_decay)
    g = g + weight_decay * p                          (otherwise)
    m = m + (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g * g
    rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
    if rho_t > 5:  p = p - lr * m / (1 - beta1**t) * r_t * sqrt(1 - beta2**t) / (sqrt(v) + eps)
    else:          p = p - lr * m / (1 - beta1**t)          (plain momentum: the variance is untrusted)
    with r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0], requires_grad=True)
    >>> opt = RAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 6)  # first step: rho_t = 1 <= 5, so p - lr * g
    0.8
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._math import lerp_
from ._validate import check_betas, check_non_negative
from .optimizer import Optimizer, ParamsT, write_back

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam: rectified Adam.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: decay rates of the first and second moment averages (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0), decoupled as in AdamW when
            ``decoupled_weight_decay=True``.
        decoupled_weight_decay: apply the weight decay to the parameter (default False).
        maximize: maximize the objective instead of minimizing.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_betas(betas)
        check_non_negative("weight_decay value", weight_decay)
        defaults = {
            "lr": lr,
            "betas": (float(betas[0]), float(betas[1])),
            "eps": eps,
            "weight_decay": weight_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RAdam update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = self._hyper(group, "lr", "eps", "weight_decay")
            beta1, beta2 = (float(b) for b in group["betas"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                d, g = p._data, p.grad._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(d)
                    state["exp_avg_sq"] = np.zeros_like(d)
                state["step"] += 1
                t = state["step"]
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                if group["maximize"]:
                    g = -g
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        d *= 1 - lr * weight_decay
                    else:
                        g = g + weight_decay * d
                lerp_(exp_avg, g, 1 - beta1)
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * g * g
                bias_correction1 = 1 - beta1**t
                bias_correction2 = 1 - beta2**t
                corrected = exp_avg / bias_correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * t * (beta2**t) / bias_correction2
                if rho_t > 5.0:
                    rect = (
                        (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                    ) ** 0.5
                    adaptive = bias_correction2**0.5 / (np.sqrt(exp_avg_sq) + eps)
                    d -= corrected * lr * adaptive * rect
                else:
                    d -= corrected * lr
                write_back(p, d)
        return loss
