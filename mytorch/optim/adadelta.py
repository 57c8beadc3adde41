"""``Adadelta``: per-coordinate steps from running averages of squared gradients and squared updates.

The update, step for step as in PyTorch::

    g = -g if maximize
    g = g + weight_decay * p
    v = rho * v + (1 - rho) * g * g                  (square_avg)
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u = rho * u + (1 - rho) * delta * delta          (acc_delta)
    p = p - lr * delta

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0], requires_grad=True)
    >>> opt = Adadelta([w], lr=1.0, rho=0.0, eps=1.0)
    >>> (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 6)  # v = 4, delta = sqrt(1) / sqrt(5) * 2
    0.105573
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._validate import check_non_negative
from .optimizer import Optimizer, ParamsT, write_back

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012).

    Args:
        params: tensors or parameter groups to optimize.
        lr: scale of the computed delta (default 1.0).
        rho: decay rate of the running averages, in [0, 1] (default 0.9).
        eps: added inside the square roots (default 1e-6).
        weight_decay: L2 penalty added to the gradient (default 0).
        maximize: maximize the objective instead of minimizing.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative("epsilon value", eps)
        check_non_negative("weight_decay value", weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adadelta update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, rho, eps, weight_decay = self._hyper(group, "lr", "rho", "eps", "weight_decay")
            for p in group["params"]:
                if p.grad is None:
                    continue
                d, g = p._data, p.grad._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(d)
                    state["acc_delta"] = np.zeros_like(d)
                state["step"] += 1
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                if group["maximize"]:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * d
                square_avg *= rho
                square_avg += (1 - rho) * g * g
                delta = np.sqrt(acc_delta + eps)
                delta /= np.sqrt(square_avg + eps)
                delta *= g
                acc_delta *= rho
                acc_delta += (1 - rho) * delta * delta
                d -= lr * delta
                write_back(p, d)
        return loss
