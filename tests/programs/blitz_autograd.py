"""The 60-minute blitz, "Autograd": gradients of a small expression, and a walk over ``grad_fn``.

Returns the numbers the tutorial prints and the node names it shows, the latter with
PyTorch's trailing version digit removed (``MulBackward0`` -> ``MulBackward``).
"""


def _name(node):
    return type(node).__name__ if not hasattr(node, "name") else node.name().rstrip("0123456789")


def main(torch):
    x = torch.ones(2, 2, dtype=torch.float64, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    printed = {"z": z.detach().numpy().ravel().tolist(), "out": [out.item()],
               "x.grad": x.grad.numpy().ravel().tolist()}
    names = [_name(y.grad_fn), _name(z.grad_fn), _name(out.grad_fn)]

    # the walk back from a loss: MSELoss -> Linear -> ReLU, as in the blitz's neural-network page
    lin = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[0.5, -0.25, 0.1], [0.3, 0.2, -0.4]], dtype=torch.float64))
        lin.bias.copy_(torch.tensor([0.05, -0.05], dtype=torch.float64))
    inp = torch.tensor([[1.0, -2.0, 3.0]], dtype=torch.float64, requires_grad=True)
    loss = torch.nn.MSELoss()(lin(torch.relu(inp)), torch.tensor([[0.5, 1.5]], dtype=torch.float64))
    node = loss.grad_fn
    names.append(_name(node))
    walk = node.next_functions[0][0]
    names.append(_name(walk))
    loss.backward()
    printed["loss"] = [loss.item()]
    printed["inp.grad"] = inp.grad.numpy().ravel().tolist()
    printed["lin.weight.grad"] = lin.weight.grad.numpy().ravel().tolist()
    printed["names"] = names
    return printed
