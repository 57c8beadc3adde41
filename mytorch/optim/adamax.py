"""``Adamax``: Adam with the infinity norm in place of the second moment.

The update, step for step as in PyTorch (``t`` counts this parameter's steps)::

    g = -g if maximize
    g = g + weight_decay * p
    m = m + (1 - beta1) * (g - m)
    u = max(beta2 * u, |g| + eps)                    (exp_inf)
    p = p - lr / (1 - beta1**t) * m / u

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = Adamax([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> [round(x, 6) for x in w.tolist()]  # the first step moves each weight by ~lr
    [0.9, -0.9]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._math import lerp_
from ._validate import check_betas, check_non_negative
from .optimizer import Optimizer, ParamsT, write_back

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, section 7).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 2e-3).
        betas: decay rates of the first moment and of the infinity norm (default (0.9, 0.999)).
        eps: added to the infinity norm for numerical stability (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0).
        maximize: maximize the objective instead of minimizing.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
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
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adamax update of every parameter that has a gradient; returns the closure's loss."""
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
                    state["exp_inf"] = np.zeros_like(d)
                state["step"] += 1
                exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
                if group["maximize"]:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * d
                lerp_(exp_avg, g, 1 - beta1)
                exp_inf *= beta2
                np.maximum(exp_inf, np.abs(g) + eps, out=exp_inf)
                clr = lr / (1 - beta1 ** state["step"])
                d += -clr * (exp_avg / exp_inf)
                write_back(p, d)
        return loss

