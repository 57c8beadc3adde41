"""Train a small CNN on MNIST or Fashion-MNIST with the vector engine.

Run:
    python examples/mnist_cnn.py --fashion            # Debian's dataset-fashion-mnist or a download
    python examples/mnist_cnn.py --root ~/data/mnist  # a folder holding the four MNIST .gz files
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
parser.add_argument("--epochs", type=int, default=8)
parser.add_argument("--batch-size", type=int, default=128)
parser.add_argument("--lr", type=float, default=1e-3)
args = parser.parse_args()

load = datasets.fashion_mnist if args.fashion else datasets.mnist
train_x, train_y, test_x, test_y = load(root=args.root)
train_x = train_x[:, None].astype(np.float32) / 255  # (N, 1, 28, 28)
test_x = test_x[:, None].astype(np.float32) / 255

nn = mt.nn
mt.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16 x 14 x 14
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 7 x 7
    nn.Flatten(),
    nn.Linear(32 * 7 * 7, 128), nn.ReLU(),
    nn.Linear(128, 10),
)
print(model)
optimizer = mt.optim.Adam(model.parameters(), lr=args.lr)
loader = DataLoader(TensorDataset(train_x, train_y.astype(np.int64)), batch_size=args.batch_size,
                    shuffle=True, seed=0)

for epoch in range(1, args.epochs + 1):
    start = time.perf_counter()
    model.train()
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(mt.tensor(xb)), mt.tensor(yb))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with mt.no_grad():
        pred = np.concatenate([model(mt.tensor(test_x[i:i + 1000])).argmax(dim=1).numpy()
                               for i in range(0, len(test_x), 1000)])
    print(f"epoch {epoch}: last loss {loss.item():.4f}, test accuracy {(pred == test_y).mean():.2%}, "
          f"{time.perf_counter() - start:.1f} s")
