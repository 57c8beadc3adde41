"""The seed project's Boston tutorial, unchanged except for the import lines.

Run: python examples/boston.py [--out boston.png]
(steps 2-5 of the seed README: min-max scaling, every fourth row held out,
a 13-32-32-32-1 ReLU MLP, 1000 Adam steps, MAE in $1000s, the two-panel plot)
"""

import argparse

import matplotlib

matplotlib.use("Agg")  # write a file instead of opening a window

# 2. imports (the seed: `import src as my` and `from dataset import *`)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import mytorch.vector as my  # noqa: E402
from mytorch.datasets import boston  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--out", default="boston.png", help="where to write the figure")
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
my.manual_seed(args.seed)

# 3. data
x, y = boston()
print(x.shape, y.shape)

train_idx = []
test_idx = []
for i in range(len(x)):
    if i % 4 != 0:
        train_idx.append(i)
    else:
        test_idx.append(i)

train_x = x[train_idx]
train_y = y[train_idx, np.newaxis]
test_x = x[test_idx]
test_y = y[test_idx, np.newaxis]

min_val_x, max_val_x = train_x.min(0), train_x.max(0)
min_val_y, max_val_y = train_y.min(0), train_y.max(0)

train_x = (train_x - min_val_x) / (max_val_x - min_val_x)
test_x = (test_x - min_val_x) / (max_val_x - min_val_x)

train_y = (train_y - min_val_y) / (max_val_y - min_val_y)

train_x = my.Param(train_x)
train_y = my.Param(train_y)
test_x = my.Param(test_x)
test_y = my.Param(test_y)
print(train_x.shape, train_y.shape, test_x.shape, test_y.shape)


# 4. model and training loop (PyTorch-like)
class Model(my.layers.Module):
    def __init__(self):
        self.l1 = my.layers.Linear(13, 32)
        self.l2 = my.layers.Linear(32, 32)
        self.l3 = my.layers.Linear(32, 32)
        self.l4 = my.layers.Linear(32, 1)

        self.activation = my.layers.ReLU()

    def forward(self, x):
        out = self.l1(x)
        out = self.activation(out)
        out = self.l2(out)
        out = self.activation(out)
        out = self.l3(out)
        out = self.activation(out)
        out = self.l4(out)
        return out


model = Model()
optim = my.optimizers.Adam(model.parameters(), lr=1e-3)

for i in range(1000):  # noqa: B007 - the seed tutorial's loop, unchanged
    pred = model(train_x)
    loss = ((pred - train_y) ** 2).mean()
    loss.backward()
    optim.step()
    optim.zero_grad()
print(loss)

# 5. evaluation and plot
pred_y = model(train_x)
pred_y = pred_y * (max_val_y - min_val_y) + (min_val_y)
orig_train_y = train_y * (max_val_y - min_val_y) + (min_val_y)
train_mae = (abs(pred_y - orig_train_y).mean()).data
plt.figure(figsize=(15, 3))
plt.subplot(1, 2, 1)
plt.title(f"Boston Dataset (Train)\nMAE: {train_mae}")
plt.plot(orig_train_y.data, label="True")
plt.plot(pred_y.data, label="Pred")
plt.legend()

pred_y = model(test_x)
pred_y = pred_y * (max_val_y - min_val_y) + (min_val_y)
test_mae = (abs(pred_y - test_y).mean()).data

plt.subplot(1, 2, 2)
plt.title(f"Boston Dataset (Test)\nMAE: {test_mae}")
plt.plot(test_y.data, label="True")
plt.plot(pred_y.data, label="Pred")
plt.legend()
plt.savefig(args.out, bbox_inches="tight")
print(f"train MAE {float(train_mae):.3f}, test MAE {float(test_mae):.3f}; figure: {args.out}")
