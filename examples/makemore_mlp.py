"""Character-level MLP language model on a list of names (makemore part 2/3 style), vector engine.

An embedding table C, Linear -> BatchNorm1d -> tanh -> Linear, F.cross_entropy, weights drawn
from a seeded ``torch.Generator`` and names sampled with ``torch.multinomial``.

Run:
    python examples/makemore_mlp.py                  # 2000 steps on examples/data/names.txt
    python examples/makemore_mlp.py --steps 500 --seed 1

With the defaults (seed 42, 2000 steps) this prints train loss 1.99, val loss 2.19 in about a second
(measured; the uniform baseline is ln(27) = 3.30).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import mytorch.vector as torch

nn = torch.nn
F = torch.nn.functional
NAMES = Path(__file__).resolve().parent / "data" / "names.txt"


def load_words(path: Path = NAMES) -> list[str]:
    """The words of ``path``, one a line, lower case."""
    return [line.strip().lower() for line in path.read_text().splitlines() if line.strip()]


def build_vocab(words: list[str]) -> tuple[dict[str, int], dict[int, str]]:
    """``stoi``/``itos`` with '.' (index 0) marking both the start and the end of a word."""
    chars = sorted(set("".join(words)))
    stoi = {ch: i + 1 for i, ch in enumerate(chars)}
    stoi["."] = 0
    return stoi, {i: ch for ch, i in stoi.items()}


def build_dataset(words: list[str], stoi: dict[str, int], block_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (previous ``block_size`` characters, next character) pair, as int64 arrays."""
    xs, ys = [], []
    for word in words:
        context = [0] * block_size
        for ch in word + ".":
            xs.append(context)
            ys.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return np.array(xs, dtype=np.int64), np.array(ys, dtype=np.int64)


def build_model(vocab_size: int, block_size: int = 3, n_embd: int = 10, n_hidden: int = 100,
                generator: torch.Generator | None = None) -> nn.Sequential:
    """C (Embedding) -> flatten -> Linear (no bias) -> BatchNorm1d -> tanh -> Linear.

    Init as in makemore part 3: Kaiming-style 5/3/sqrt(fan_in) gain for the tanh layer, a small
    output layer so the first loss is close to ln(vocab_size).

    >>> model = build_model(27, generator=torch.Generator().manual_seed(0))
    >>> model(torch.zeros(4, 3, dtype=torch.int64)).shape
    (4, 27)
    """
    model = nn.Sequential(
        nn.Embedding(vocab_size, n_embd),                     # 0: the table C
        nn.Flatten(),                                         # 1
        nn.Linear(block_size * n_embd, n_hidden, bias=False),  # 2
        nn.BatchNorm1d(n_hidden),                             # 3
        nn.Tanh(),                                            # 4
        nn.Linear(n_hidden, vocab_size),                      # 5
    )
    gain = {"0.weight": 1.0, "2.weight": (5 / 3) / (block_size * n_embd) ** 0.5,
            "5.weight": 0.1 / n_hidden ** 0.5}
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name in gain:
                p.copy_(torch.randn(*p.shape, generator=generator) * gain[name])
            elif name == "5.bias":
                p.zero_()
    return model


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, xb, yb) -> float:
    """One SGD step on a batch; returns the batch loss."""
    loss = F.cross_entropy(model(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy over a whole split, BatchNorm in eval mode."""
    model.eval()
    with torch.no_grad():
        loss = F.cross_entropy(model(torch.tensor(x)), torch.tensor(y)).item()
    model.train()
    return loss


def sample(model: nn.Module, itos: dict[int, str], block_size: int, generator: torch.Generator,
           max_len: int = 20) -> str:
    """One name drawn character by character with ``torch.multinomial``."""
    model.eval()
    out, context = [], [0] * block_size
    with torch.no_grad():
        for _ in range(max_len):
            probs = F.softmax(model(torch.tensor([context])), dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=generator).item()
            if ix == 0:
                break
            out.append(itos[ix])
            context = context[1:] + [ix]
    model.train()
    return "".join(out)


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--block-size", type=int, default=3)
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args(argv)

    words = load_words()
    stoi, itos = build_vocab(words)
    order = np.random.default_rng(args.seed).permutation(len(words))
    n_train = int(0.9 * len(words))
    x_train, y_train = build_dataset([words[i] for i in order[:n_train]], stoi, args.block_size)
    x_val, y_val = build_dataset([words[i] for i in order[n_train:]], stoi, args.block_size)

    g = torch.Generator().manual_seed(args.seed)
    model = build_model(len(stoi), args.block_size, generator=g)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    print(f"{len(words)} words, vocab {len(stoi)}, {x_train.shape[0]} train / {x_val.shape[0]} val examples, "
          f"{sum(p.numel() for p in model.parameters())} parameters")

    start = time.perf_counter()
    for step in range(args.steps):
        ix = torch.randint(0, x_train.shape[0], (args.batch_size,), generator=g).numpy()
        if step == int(0.75 * args.steps):
            for group in optimizer.param_groups:
                group["lr"] = args.lr / 10
        loss = train_step(model, optimizer, torch.tensor(x_train[ix]), torch.tensor(y_train[ix]))
        if step % max(1, args.steps // 5) == 0:
            print(f"step {step:5d}: batch loss {loss:.4f}")
    train_loss, val_loss = evaluate(model, x_train, y_train), evaluate(model, x_val, y_val)
    print(f"train loss {train_loss:.4f}")
    print(f"val loss {val_loss:.4f}")
    print(f"{args.steps} steps in {time.perf_counter() - start:.1f} s")
    for _ in range(args.samples):
        print("sample:", sample(model, itos, args.block_size, g))
    return val_loss


if __name__ == "__main__":
    main()
