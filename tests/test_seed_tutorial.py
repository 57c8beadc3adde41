"""The seed project's README tutorial (steps 2-5) runs on MyTorch with only the import lines changed.

The seed (../shared/seed/README.md) imports ``src as my`` and ``from dataset
import *``; here those two lines become ``import mytorch.vector as my`` and
``from mytorch.datasets import boston``. Everything else is the seed's code:
its Model class without ``super().__init__()``, ``my.Param``, ``my.layers``,
``my.optimizers.Adam``, 1000 steps, min-max normalisation, every fourth row as
the test set, and ``abs(...).mean()).data`` for the MAE. Its published result
is train MAE 1.57 / test MAE 2.32; the test asserts a comparable test MAE
(< 3.5: the run is deterministic, but the initial weights come from our own
generator, not the seed's).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_README = ROOT.parent / "shared" / "seed" / "README.md"

SEED_IMPORTS = """\
import numpy as np
import src as my
import matplotlib.pyplot as plt
from dataset import *
"""

OUR_IMPORTS = """\
import numpy as np
import mytorch.vector as my
import matplotlib.pyplot as plt
from mytorch.datasets import boston
"""

# Steps 3-5 of the seed's tutorial, verbatim.
SEED_STEPS = """\
x, y = boston()
print(x.shape, y.shape)

# Split
train_idx = []
test_idx =[]
for i in range(len(x)):
    if i%4!=0:
        train_idx.append(i)
    else:
        test_idx.append(i)

train_x = x[train_idx]
train_y = y[train_idx, np.newaxis]
test_x = x[test_idx]
test_y = y[test_idx, np.newaxis]

# Noramlize
min_val_x, max_val_x = train_x.min(0), train_x.max(0)
min_val_y, max_val_y = train_y.min(0), train_y.max(0)

train_x = (train_x-min_val_x)/(max_val_x-min_val_x)
test_x = (test_x-min_val_x)/(max_val_x-min_val_x)

train_y = (train_y-min_val_y)/(max_val_y-min_val_y)

# Wrap with Param object
train_x = my.Param(train_x)
train_y = my.Param(train_y)
test_x = my.Param(test_x)
test_y = my.Param(test_y)
train_x.shape, train_y.shape, test_x.shape, test_y.shape

class Model(my.layers.Module):
    def __init__(self):
        self.l1 = my.layers.Linear(13, 32)
        self.l2 = my.layers.Linear(32, 32)
        self.l3 = my.layers.Linear(32, 32)
        self.l4 = my.layers.Linear(32, 1)

        self.activation = my.layers.ReLU()

    def forward(self,x):
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

for i in range(1000):
    pred = model(train_x)
    loss = ((pred - train_y)**2).mean()
    loss.backward()
    optim.step()
    optim.zero_grad()
print(loss)

pred_y = model(train_x)
pred_y = pred_y*(max_val_y-min_val_y)+(min_val_y)
orig_train_y = train_y*(max_val_y-min_val_y)+(min_val_y)
train_mae = (abs(pred_y-orig_train_y).mean()).data
plt.figure(figsize=(15, 3))
plt.subplot(1, 2, 1)
plt.title(f"Boston Dataset (Train)\\nMAE: {train_mae}")
plt.plot(orig_train_y.data, label="True")
plt.plot(pred_y.data, label="Pred")
plt.legend()

pred_y = model(test_x)
pred_y = pred_y*(max_val_y-min_val_y)+(min_val_y)
test_mae = (abs(pred_y-test_y).mean()).data

plt.subplot(1, 2, 2)
plt.title(f"Boston Dataset (Test)\\nMAE: {test_mae}")
plt.plot(test_y.data, label="True")
plt.plot(pred_y.data, label="Pred")
plt.legend()
plt.show()
"""


def _python_blocks(markdown: str) -> list[str]:
    return [textwrap.dedent(block) for block in re.findall(r"```python\n(.*?)```", markdown, flags=re.S)]


def _normalise(code: str) -> list[str]:
    return [line.rstrip() for line in code.strip().splitlines() if line.strip()]


def test_embedded_tutorial_is_the_seed_readme_with_only_the_imports_changed():
    if not SEED_README.exists():
        pytest.skip(f"the seed project's README ({SEED_README}) is only in the project workspace; "
                    "the tutorial itself is embedded here and still runs")
    blocks = _python_blocks(SEED_README.read_text(encoding="utf-8"))
    assert len(blocks) == 4, "the seed README's steps 2-5 are four python blocks"
    assert _normalise(blocks[0]) == _normalise(SEED_IMPORTS)
    assert _normalise("\n".join(blocks[1:])) == _normalise(SEED_STEPS)
    changed = [(a, b) for a, b in zip(SEED_IMPORTS.splitlines(), OUR_IMPORTS.splitlines()) if a != b]
    assert changed == [
        ("import src as my", "import mytorch.vector as my"),
        ("from dataset import *", "from mytorch.datasets import boston"),
    ]


def test_seed_tutorial_trains_to_the_seeds_accuracy(tmp_path):
    pytest.importorskip("matplotlib")
    figure = tmp_path / "boston.png"
    epilogue = f"\nplt.savefig({str(figure)!r})\nprint('MAE', float(train_mae), float(test_mae))\n"
    script = tmp_path / "tutorial.py"
    script.write_text(OUR_IMPORTS + "\n" + SEED_STEPS + epilogue, encoding="utf-8")
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    run = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert lines[0] == "(506, 13) (506,)"
    assert lines[1].startswith("tensor(") and "grad_fn=" in lines[1]  # the seed's print(loss)
    train_mae, test_mae = (float(v) for v in lines[-1].split()[1:])
    print(
        f"seed tutorial on mytorch.vector: train MAE {train_mae:.3f}, test MAE {test_mae:.3f} "
        "(seed: 1.57 / 2.32)"
    )
    assert test_mae < 3.5, f"test MAE {test_mae:.3f} (seed's published: 2.32)"
    assert train_mae < 2.5, f"train MAE {train_mae:.3f} (seed's published: 1.57)"
    assert figure.stat().st_size > 10_000
