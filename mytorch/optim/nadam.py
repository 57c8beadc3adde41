"""``NAdam``: Adam with Nesterov momentum and a momentum schedule (Dozat, 2016).

The update, step for step as in PyTorch (``t`` counts this parameter's steps)::

    g = -g if maximize
    p = p * (1 - lr * weight_decay)                   (decoupled_weight_decay)
    g = g + weight_decay * p                          (otherwise)
    mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay));  prod = prod * mu_t
    m = m + (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g * g
    denom = sqrt(v / (1 - beta2**t)) + eps
    p = p - lr * (1 - mu_t) / (1 - prod) * g / denom
          - lr * mu_{t+1} / (1 - prod * mu_{t+1}) * m / denom

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0], requires_grad=True)
    >>> opt = NAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 6)  # a bit more than lr: the Nesterov look-ahead adds mu_2's share
    0.894355
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._math import lerp_
from ._validate import check_betas, check_non_negative
from .optimizer import Optimizer, ParamsT, write_back

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam: Nesterov-accelerated Adam.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 2e-3).
        betas: decay rates of the first and second moment averages (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0), decoupled as in AdamW when
            ``decoupled_weight_decay=True``.
        momentum_decay: the momentum schedule's decay (default 4e-3).
        decoupled_weight_decay: apply the weight decay to the parameter (default False).
        maximize: maximize the objective instead of minimizing.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_betas(betas)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("momentum_decay value", momentum_decay)
        defaults = {
            "lr": lr,
            "betas": (float(betas[0]), float(betas[1])),
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One NAdam update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, eps, weight_decay, momentum_decay = self._hyper(
                group, "lr", "eps", "weight_decay", "momentum_decay"
            )
            beta1, beta2 = (float(b) for b in group["betas"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                d, g = p._data, p.grad._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["mu_product"] = 1.0
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
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
                mu_product = state["mu_product"] = float(state["mu_product"]) * mu
                lerp_(exp_avg, g, 1 - beta1)
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * g * g
                denom = np.sqrt(exp_avg_sq / (1 - beta2**t))
                denom += eps
                d += (-lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
                d += (-lr * mu_next / (1.0 - mu_product * mu_next)) * (exp_avg / denom)
                write_back(p, d)
        return loss
