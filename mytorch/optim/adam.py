"""``Adam`` and ``AdamW``: adaptive moment estimation, with coupled or decoupled weight decay.

The update, step for step as in PyTorch (``t`` counts this parameter's steps)::

    g = -g if maximize
    p = p * (1 - lr * weight_decay)          (AdamW: decoupled)
    g = g + weight_decay * p                 (Adam: L2 in the gradient)
    m = m + (1 - beta1) * (g - m)
    v = beta2 * v + (1 - beta2) * g * g
    v_max = max(v_max, v)                    (amsgrad; then used instead of v)
    p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> [round(x, 6) for x in w.tolist()]  # the first Adam step moves each weight by ~lr
    [0.9, -0.9]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._math import lerp_
from ._validate import check_beta, check_non_negative
from .optimizer import Optimizer, ParamsT, write_back

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba), with the AMSGrad variant and optional decoupled weight decay.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: decay rates of the first and second moment averages (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0); decoupled from the gradient when
            ``decoupled_weight_decay=True`` (that is ``AdamW``).
        amsgrad: use the running maximum of the second moment (default False).
        maximize: maximize the objective instead of minimizing.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        check_beta(0, betas[0])
        check_beta(1, betas[1])
        check_non_negative("weight_decay value", weight_decay)
        defaults = {
            "lr": lr,
            "betas": (float(betas[0]), float(betas[1])),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adam update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = self._hyper(group, "lr", "eps", "weight_decay")
            beta1, beta2 = (float(b) for b in group["betas"])
            amsgrad = group["amsgrad"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                d = p._data
                g = p.grad._data
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

                step_size = lr / (1 - beta1**t)
                bias_correction2_sqrt = (1 - beta2**t) ** 0.5
                if amsgrad:
                    if "max_exp_avg_sq" not in state:  # first amsgrad step
                        state["max_exp_avg_sq"] = np.zeros_like(d)
                    second = state["max_exp_avg_sq"]
                    np.maximum(second, exp_avg_sq, out=second)
                else:
                    second = exp_avg_sq
                denom = np.sqrt(second)
                denom /= bias_correction2_sqrt
                denom += eps
                d += -step_size * exp_avg / denom
                write_back(p, d)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p *= 1 - lr * weight_decay`` each step.

    Same arguments as ``Adam``; ``weight_decay`` defaults to 1e-2.

    Example:
        >>> import mytorch.vector as mt
        >>> w = mt.tensor([1.0], requires_grad=True)
        >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = mt.tensor([0.0]); opt.step(); round(w.item(), 6)  # zero gradient: only the decay
        0.95
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
