"""The same model on both engines from the same seed: how far apart are the gradients?

The micro engine computes every element as its own Value (the chain rule
spelled out); the vector engine does the same maths with numpy arrays. With
float64 on both, every gradient should agree to rounding (~1e-15).

Run: python examples/scalar_vs_vector.py
"""

import numpy as np

import mytorch.micro as mm
import mytorch.vector as mv

mv.set_default_dtype(mv.float64)  # the micro engine always computes in float64; match it


def build(engine):
    engine.manual_seed(0)  # same seed, same creation calls -> same weights on both engines
    return engine.nn.Sequential(engine.nn.Linear(4, 8), engine.nn.Tanh(), engine.nn.Linear(8, 3))


rng = np.random.default_rng(0)
x = rng.standard_normal((5, 4))
target = rng.integers(0, 3, 5)

grads = {}
for name, engine in (("micro", mm), ("vector", mv)):
    model = build(engine)
    loss = engine.nn.functional.cross_entropy(
        model(engine.tensor(x, dtype=engine.float64)), engine.tensor(target)
    )
    loss.backward()
    print(f"{name:>6}: loss {loss.item():.15f}")
    grads[name] = {n: p.grad.numpy() for n, p in model.named_parameters()}

print("largest |micro - vector| per gradient:")
for n in grads["vector"]:
    diff = np.abs(grads["micro"][n] - grads["vector"][n]).max()
    print(f"  {n:<10} {diff:.3e}")
