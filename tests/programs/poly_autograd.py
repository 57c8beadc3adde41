"""Learning PyTorch with Examples: fit sin(x) with a cubic, tensors and autograd, manual updates.

The four coefficients start at fixed values (not from an RNG, whose streams differ between
libraries); the update is the tutorial's ``w -= lr * w.grad`` under ``no_grad()``.
"""

import math

INITIAL = (0.1, -0.2, 0.05, 0.03)  # a, b, c, d


def main(torch):
    dtype = torch.float64
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in INITIAL)

    learning_rate = 1e-6
    printed = {"loss": []}
    for t in range(2000):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            printed["loss"].append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    printed["result"] = [a.item(), b.item(), c.item(), d.item()]
    return printed
