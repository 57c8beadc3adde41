"""``Adagrad``: per-coordinate learning rates from the sum of all past squared gradients.

The update, step for step as in PyTorch (``t`` counts this parameter's steps)::

    g = -g if maximize
    g = g + weight_decay * p
    clr = lr / (1 + (t - 1) * lr_decay)
    s = s + g * g
    p = p - clr * g / (sqrt(s) + eps)

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0, -3.0], requires_grad=True)
    >>> opt = Adagrad([w], lr=0.5)
    >>> (w * w).sum().backward(); opt.step()
    >>> [round(x, 6) for x in w.tolist()]  # the first step is lr * sign(g)
    [0.5, -2.5]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._validate import check_non_negative
from .optimizer import Optimizer, ParamsT, write_back

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        initial_accumulator_value: starting value of the squared-gradient sum (default 0).
        eps: added to the denominator for numerical stability (default 1e-10).
        maximize: maximize the objective instead of minimizing.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("lr_decay value", lr_decay)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("initial_accumulator_value value", initial_accumulator_value)
        check_non_negative("epsilon value", eps)
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:  # PyTorch creates Adagrad's state up front
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Any, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = 0
            state["sum"] = np.full_like(p._data, float(group["initial_accumulator_value"]))
        return state

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adagrad update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, lr_decay, eps, weight_decay = self._hyper(group, "lr", "lr_decay", "eps", "weight_decay")
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self._init_state(p, group)
                d = p._data
                g = p.grad._data
                state["step"] += 1
                if group["maximize"]:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * d
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                state_sum = state["sum"]
                state_sum += g * g
                std = np.sqrt(state_sum)
                std += eps
                d += -clr * g / std
                write_back(p, d)
        return loss
