"""``SGD``: stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

The update, step for step as in PyTorch (``g`` the gradient, ``b`` the
momentum buffer, ``mu`` the momentum, ``tau`` the dampening)::

    g = -g if maximize
    g = g + weight_decay * p
    b = g (first step)   or   b = mu * b + (1 - tau) * g
    g = g + mu * b (nesterov)   or   g = b
    p = p - lr * g

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([1.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 6)  # 1 - 0.2 = 0.8, then 0.8 - 0.1 * (0.9 * 2 + 1.6)
    0.46
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._validate import check_non_negative
from .optimizer import Optimizer, ParamsT, write_back

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening for momentum (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximize the objective instead of minimizing.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening, got "
                f"momentum={momentum}, dampening={dampening}"
            )
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One SGD update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, momentum, dampening, weight_decay = self._hyper(
                group, "lr", "momentum", "dampening", "weight_decay"
            )
            maximize, nesterov = group["maximize"], group["nesterov"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                d = p._data
                g = grad._data
                if maximize:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * d
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = g.copy()
                    else:
                        buf *= momentum
                        buf += g if dampening == 0 else (1 - dampening) * g  # no temp when 0
                    g = g + momentum * buf if nesterov else buf
                d -= lr * g
                write_back(p, d)
        return loss
