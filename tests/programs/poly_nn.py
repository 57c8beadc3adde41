"""Learning PyTorch with Examples: the cubic fit with nn.Sequential, MSELoss and an optimizer.

``main`` runs the tutorial's ``nn`` version (manual SGD through ``model.parameters()``),
then the ``optim`` versions with SGD and RMSprop, each from the same fixed initial weights.
"""

import math

WEIGHT = [[0.2, -0.1, 0.05]]
BIAS = [0.01]


def _model(torch):
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(WEIGHT, dtype=torch.float64))
        model[0].bias.copy_(torch.tensor(BIAS, dtype=torch.float64))
    return model


def _data(torch):
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    return xx, y


def _fit(torch, make_optimizer, steps):
    xx, y = _data(torch)
    model = _model(torch)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = make_optimizer(model) if make_optimizer is not None else None
    losses = []
    for t in range(steps):
        loss = loss_fn(model(xx), y)
        if t % 100 == 99:
            losses.append(loss.item())
        if optimizer is None:
            model.zero_grad()
            loss.backward()
            with torch.no_grad():
                for param in model.parameters():
                    param -= 1e-6 * param.grad
        else:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    linear = model[0]
    return losses + [linear.bias.item()] + linear.weight[:, 0].tolist() + linear.weight[:, 2].tolist()


def main(torch):
    return {
        "nn": _fit(torch, None, 1000),
        "sgd": _fit(torch, lambda m: torch.optim.SGD(m.parameters(), lr=1e-6, momentum=0.9), 1000),
        # 500 steps: later RMSprop hovers at the optimum with steps of about lr whatever the
        # gradient's size, so rounding differences (1e-16) grow there (to 1e-5 by step 700)
        "rmsprop": _fit(torch, lambda m: torch.optim.RMSprop(m.parameters(), lr=1e-3), 500),
    }
