"""micrograd's ``nn`` (``Neuron``, ``Layer``, ``MLP``) on MyTorch's ``Value``, with micrograd's signatures.

So micrograd's demo runs with only its imports changed::

    from mytorch.micro import Value          # was: from micrograd.engine import Value
    from mytorch.micro.nn import Neuron, Layer, MLP   # was: from micrograd.nn import ...

These work on lists of numbers or Values, one scalar at a time, as
micrograd's do; the Tensor layers (``Linear``, ...) are the rest of ``nn``.
Weights come from Python's ``random`` (seed it with ``random.seed``), as in micrograd.

Example:
    >>> import random
    >>> random.seed(1337)
    >>> model = MLP(2, [4, 1])
    >>> len(model.parameters()), model.layers[1]
    (17, Layer of [LinearNeuron(4)])
    >>> out = model([1.0, -2.0]); out.backward(); model.zero_grad(); model.parameters()[0].grad
    0
"""

from __future__ import annotations

import random
from typing import Any

from .value import Value


class Module:
    """micrograd's base: ``parameters()`` (a list of Values) and ``zero_grad()``."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    """``relu(w . x + b)`` (or without the ReLU when ``nonlin=False``); w ~ U(-1, 1), b = 0."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x: Any) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons on the same inputs; one output is returned as a Value, several as a list."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Any) -> Any:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nin -> nouts[0] -> ... -> nouts[-1]``, ReLU on all but the last."""

    def __init__(self, nin: int, nouts: list[int]) -> None:
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
