"""``optim``: optimizers and learning-rate schedulers, engine-agnostic.

The same classes update ``mytorch.vector`` and ``mytorch.micro`` tensors
(they work on the numpy arrays ``p._data`` / ``p.grad._data``), with PyTorch's
names, defaults and update rules, step for step.

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([3.0], requires_grad=True)
    >>> opt = mt.optim.SGD([w], lr=0.25)
    >>> for _ in range(3):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> w.item()  # each step halves w
    0.375
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "ASGD",
    "LBFGS",
    "lr_scheduler",
]
