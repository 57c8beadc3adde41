"""One epoch of the benchmark CNN on full Fashion-MNIST with MyTorch: wall time and test accuracy.

The model of ``bench_cnn.py`` (conv 1->8, ReLU, maxpool, conv 8->16, ReLU,
maxpool, linear 784->10), cross-entropy, SGD(lr 0.02, momentum 0.9), batch 64,
the 60,000 training images scaled to [0, 1] and shuffled by a seeded
DataLoader; then accuracy on the 10,000 test images. Expected on the 2-core
development machine: well under 30 s, at least 85% test accuracy.

Run: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/fashion_cnn_epoch.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from _common import FASHION_ROOT, fashion_mnist, pin_threads
from bench_cnn import BATCH, LR, MOMENTUM, initial_weights, mytorch_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=LR)
    args = parser.parse_args(argv)
    pin_threads()
    import mytorch.nn.functional as F
    import mytorch.vector as mt
    from mytorch.utils.data import DataLoader, TensorDataset

    x, y, source = fashion_mnist("train")
    xt, yt, _ = fashion_mnist("test")
    if not source.startswith("Fashion-MNIST"):
        print(f"Fashion-MNIST not found under {FASHION_ROOT}: the accuracy below means nothing",
              file=sys.stderr)
    mt.manual_seed(args.seed)
    net = mytorch_model(initial_weights(args.seed))
    opt = mt.optim.SGD(net.parameters(), lr=args.lr, momentum=MOMENTUM)
    loader = DataLoader(TensorDataset(mt.tensor(x.reshape(-1, 1, 28, 28)), mt.tensor(y)),
                        batch_size=BATCH, shuffle=True)

    start = time.perf_counter()
    net.train()
    for images, labels in loader:
        loss = F.cross_entropy(net(images), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    train_seconds = time.perf_counter() - start

    net.eval()
    correct = 0
    with mt.no_grad():
        for i in range(0, len(xt), 1000):
            logits = net(mt.tensor(xt[i : i + 1000].reshape(-1, 1, 28, 28)))
            correct += int((logits.numpy().argmax(axis=1) == yt[i : i + 1000]).sum())
    result = {
        "data": source,
        "steps": len(loader),
        "train_seconds": round(train_seconds, 2),
        "last_batch_loss": round(loss.item(), 4),
        "test_accuracy": correct / len(xt),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
