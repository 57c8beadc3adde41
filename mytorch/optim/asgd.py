"""``ASGD``: averaged stochastic gradient descent (Polyak & Juditsky), with a decaying step size.

The update, step for step as in PyTorch (``t`` counts this parameter's steps)::

    g = -g if maximize
    g = g + weight_decay * p
    p = p * (1 - lambd * eta) - eta * g
    ax = p  if mu == 1  else  ax + mu * (p - ax)       (the running average of the iterates)
    eta = lr / (1 + lambd * lr * t) ** alpha;  mu = 1 / max(1, t - t0)

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0], requires_grad=True)
    >>> opt = ASGD([w], lr=0.1, lambd=0.0)
    >>> (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 6)  # the first step is plain SGD: 1 - 0.1 * 2
    0.8
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._validate import check_non_negative
from .optimizer import Optimizer, ParamsT, write_back

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD; the average of the iterates is ``optimizer.state[p]["ax"]``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the step-size decay (default 0.75).
        t0: the step at which averaging starts (default 1e6).
        weight_decay: L2 penalty added to the gradient (default 0).
        maximize: maximize the objective instead of minimizing.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("weight_decay value", weight_decay)
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One ASGD update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0, weight_decay = self._hyper(
                group, "lr", "lambd", "alpha", "t0", "weight_decay"
            )
            for p in group["params"]:
                if p.grad is None:
                    continue
                d, g = p._data, p.grad._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["eta"] = lr
                    state["mu"] = 1.0
                    state["ax"] = np.zeros_like(d)
                state["step"] += 1
                t = state["step"]
                if group["maximize"]:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * d
                eta, mu, ax = float(state["eta"]), float(state["mu"]), state["ax"]
                d *= 1 - lambd * eta
                d -= eta * g
                if mu != 1:
                    ax += (d - ax) * mu
                else:
                    ax[...] = d
                state["eta"] = lr / ((1 + lambd * lr * t) ** alpha)
                state["mu"] = 1 / max(1, t - t0)
                write_back(p, d)
        return loss
