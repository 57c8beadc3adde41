"""The 60-minute blitz, "Neural Networks": a LeNet-like net, backward from a random gradient,
then an MSE loss and one SGD step.

The weights and the "random" input and gradients come from a seeded numpy generator and are
copied into both libraries' parameters.
"""

import numpy as np


def _values():
    rng = np.random.default_rng(0)
    shapes = {
        "conv1.weight": (6, 1, 5, 5), "conv1.bias": (6,), "conv2.weight": (16, 6, 5, 5), "conv2.bias": (16,),
        "fc1.weight": (120, 400), "fc1.bias": (120,), "fc2.weight": (84, 120), "fc2.bias": (84,),
        "fc3.weight": (10, 84), "fc3.bias": (10,),
    }
    weights = {k: rng.uniform(-0.2, 0.2, s) for k, s in shapes.items()}
    return weights, rng.standard_normal((1, 1, 32, 32)), rng.standard_normal((1, 10)), rng.standard_normal(10)


def main(torch):
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    weights, image, out_grad, target = _values()
    net = Net().double()
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(torch.tensor(weights[name], dtype=torch.float64))
    printed = {"n_params": [len(list(net.parameters()))]}

    x = torch.tensor(image, dtype=torch.float64)
    out = net(x)
    printed["out"] = out.detach().numpy().ravel().tolist()
    net.zero_grad()
    out.backward(torch.tensor(out_grad, dtype=torch.float64))
    printed["conv1.bias.grad (random out grad)"] = net.conv1.bias.grad.numpy().tolist()

    criterion = nn.MSELoss()
    target_t = torch.tensor(target, dtype=torch.float64).view(1, -1)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    optimizer.zero_grad()
    loss = criterion(net(x), target_t)
    loss.backward()
    printed["loss"] = [loss.item()]
    printed["conv1.bias.grad (loss)"] = net.conv1.bias.grad.numpy().tolist()
    optimizer.step()
    printed["loss after step"] = [criterion(net(x), target_t).item()]
    return printed
