"""Train a 784-256-128-10 MLP on MNIST or Fashion-MNIST with the vector engine.

Run:
    python examples/mnist_mlp.py --fashion            # Debian's dataset-fashion-mnist or a download
    python examples/mnist_mlp.py --root ~/data/mnist  # a folder holding the four MNIST .gz files
"""

import argparse
import time

import numpy as np

import mytorch.vector as mt
from mytorch import datasets
from mytorch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--fashion", action="store_true", help="Fashion-MNIST instead of MNIST")
parser.add_argument("--root", default=None)
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--batch-size", type=int, default=128)
parser.add_argument("--lr", type=float, default=1e-3)
args = parser.parse_args()

load = datasets.fashion_mnist if args.fashion else datasets.mnist
train_x, train_y, test_x, test_y = load(root=args.root)
train_x = train_x.reshape(-1, 784).astype(np.float32) / 255
test_x = test_x.reshape(-1, 784).astype(np.float32) / 255

mt.manual_seed(0)
model = mt.nn.Sequential(
    mt.nn.Linear(784, 256), mt.nn.ReLU(),
    mt.nn.Linear(256, 128), mt.nn.ReLU(),
    mt.nn.Linear(128, 10),
)
print(model)
optimizer = mt.optim.Adam(model.parameters(), lr=args.lr)
loader = DataLoader(TensorDataset(train_x, train_y.astype(np.int64)), batch_size=args.batch_size,
                    shuffle=True, seed=0)

for epoch in range(1, args.epochs + 1):
    start = time.perf_counter()
    for xb, yb in loader:
        loss = mt.nn.functional.cross_entropy(model(mt.tensor(xb)), mt.tensor(yb))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with mt.no_grad():
        pred = model(mt.tensor(test_x)).argmax(dim=1).numpy()
    print(f"epoch {epoch}: last loss {loss.item():.4f}, test accuracy {(pred == test_y).mean():.2%}, "
          f"{time.perf_counter() - start:.1f} s")
