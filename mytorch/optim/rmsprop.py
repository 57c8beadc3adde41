"""``RMSprop``: divide the gradient by a running root-mean-square of recent gradients.

The update, step for step as in PyTorch::

    g = -g if maximize
    g = g + weight_decay * p
    v = alpha * v + (1 - alpha) * g * g
    avg = sqrt(v - m * m) + eps,  m = m + (1 - alpha) * (g - m)   (centered)
    avg = sqrt(v) + eps                                          (otherwise)
    b = momentum * b + g / avg;  p = p - lr * b                   (momentum > 0)
    p = p - lr * g / avg                                         (otherwise)

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0], requires_grad=True)
    >>> opt = RMSprop([w], lr=0.01, alpha=0.75)
    >>> (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 6)  # v = 0.25 * 4 = 1, so the step is lr * 2 / (1 + eps)
    0.98
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._math import lerp_
from ._validate import check_non_negative
from .optimizer import Optimizer, ParamsT, write_back

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton), optionally centered and with momentum.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the squared-gradient average (default 0.99).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by an estimate of the gradient's variance instead
            of its second moment (default False).
        maximize: maximize the objective instead of minimizing.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("alpha value", alpha)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RMSprop update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps, weight_decay, momentum = self._hyper(
                group, "lr", "alpha", "eps", "weight_decay", "momentum"
            )
            for p in group["params"]:
                if p.grad is None:
                    continue
                d = p._data
                g = p.grad._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(d)
                    if momentum > 0:
                        state["momentum_buffer"] = np.zeros_like(d)
                    if group["centered"]:
                        state["grad_avg"] = np.zeros_like(d)
                state["step"] += 1

                if group["maximize"]:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * d

                square_avg = state["square_avg"]
                square_avg *= alpha
                square_avg += (1 - alpha) * g * g
                if group["centered"]:
                    grad_avg = lerp_(state["grad_avg"], g, 1 - alpha)
                    avg = square_avg - grad_avg * grad_avg
                    np.sqrt(avg, out=avg)
                else:
                    avg = np.sqrt(square_avg)
                avg += eps

                if momentum > 0:
                    buf = state["momentum_buffer"]
                    buf *= momentum
                    buf += g / avg
                    d -= lr * buf
                else:
                    d += -lr * g / avg
                write_back(p, d)
        return loss
