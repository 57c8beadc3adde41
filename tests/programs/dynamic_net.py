"""Learning PyTorch with Examples: a dynamic net whose depth is drawn at every forward.

The depth comes from a ``random.Random`` seeded the same way on both libraries, so both
build the same sequence of graphs; the five parameters start at fixed values.
"""

import math
import random

INITIAL = (0.1, 0.2, -0.1, -0.05, 0.01)


def main(torch):
    class DynamicNet(torch.nn.Module):
        def __init__(self, rng):
            super().__init__()
            self.rng = rng
            self.a, self.b, self.c, self.d, self.e = (
                torch.nn.Parameter(torch.tensor(v, dtype=torch.float64)) for v in INITIAL
            )

        def forward(self, x):
            y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
            for exp in range(4, self.rng.randint(4, 6)):
                y = y + self.e * x ** exp
            return y

    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
    y = torch.sin(x)
    model = DynamicNet(random.Random(0))
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    losses = []
    for t in range(600):
        loss = criterion(model(x), y)
        if t % 50 == 49:
            losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {"loss": losses, "result": [p.item() for p in model.parameters()]}
