"""A tiny character-level GPT trained on a bundled public-domain text, vector engine.

Token + position embeddings, pre-LayerNorm blocks of causal self-attention
(F.scaled_dot_product_attention(is_causal=True)) and a GELU MLP, AdamW.
The text (examples/data/tiny_text.txt) is the Gettysburg Address and Genesis 1:1-23 (King James
Version), both public domain.

Run:
    python examples/tiny_gpt.py                  # 300 steps
    python examples/tiny_gpt.py --steps 1000 --sample 200

With the defaults (seed 0, 300 steps, batch 16 x 32 characters, 29k parameters) this prints
train loss 1.83 and val loss 1.98 (measured; the uniform baseline is ln(43) = 3.76), about 5 ms
a step (1.1x PyTorch; BENCHMARKS.md, tiny_gpt).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import mytorch.vector as torch

nn = torch.nn
F = torch.nn.functional
TEXT = Path(__file__).resolve().parent / "data" / "tiny_text.txt"


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t only sees positions <= t."""

    def __init__(self, n_embd: int, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    """x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, n_embd: int, n_head: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class TinyGPT(nn.Module):
    """Next-character logits of shape (B, T, vocab_size) for indices of shape (B, T).

    >>> model = TinyGPT(vocab_size=10, block_size=8, n_embd=16, n_head=2, n_layer=1)
    >>> model(torch.zeros(2, 5, dtype=torch.int64)).shape
    (2, 5, 10)
    """

    def __init__(self, vocab_size: int, block_size: int, n_embd: int, n_head: int, n_layer: int) -> None:
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(T))
        return self.lm_head(self.ln_f(self.blocks(x)))


def build_model(vocab_size: int, block_size: int = 32, n_embd: int = 32, n_head: int = 4,
                n_layer: int = 2, seed: int = 0) -> TinyGPT:
    """A seeded TinyGPT (the defaults are those of ``main``)."""
    torch.manual_seed(seed)
    return TinyGPT(vocab_size, block_size, n_embd, n_head, n_layer)


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, xb, yb) -> float:
    """One optimizer step on a (B, T) batch of inputs and next-character targets; returns the loss."""
    logits = model(xb)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def get_batch(data: np.ndarray, block_size: int, batch_size: int,
              generator: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``batch_size`` random windows of ``data`` and the same windows shifted by one."""
    starts = torch.randint(0, len(data) - block_size, (batch_size,), generator=generator).numpy()
    x = np.stack([data[s:s + block_size] for s in starts])
    y = np.stack([data[s + 1:s + 1 + block_size] for s in starts])
    return x, y


def encode_text(path: Path = TEXT) -> tuple[np.ndarray, list[str]]:
    """The text as int64 character indices, and the sorted character list."""
    text = path.read_text()
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    return np.array([stoi[ch] for ch in text], dtype=np.int64), chars


def generate(model: TinyGPT, idx, n_new: int, generator: torch.Generator):
    """Extend (1, T) indices by ``n_new`` characters sampled with ``torch.multinomial``."""
    model.eval()
    with torch.no_grad():
        for _ in range(n_new):
            logits = model(idx[:, -model.block_size:])[:, -1, :]
            nxt = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1, generator=generator)
            idx = torch.cat([idx, nxt], dim=1)
    model.train()
    return idx


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--block-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--sample", type=int, default=0, help="characters to generate at the end")
    args = parser.parse_args(argv)

    data, chars = encode_text()
    n_train = int(0.9 * len(data))
    train, val = data[:n_train], data[n_train:]
    model = build_model(len(chars), args.block_size, seed=args.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    g = torch.Generator().manual_seed(args.seed)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{len(data)} characters, vocab {len(chars)}, {n_params} parameters")

    start = time.perf_counter()
    for step in range(args.steps):
        xb, yb = get_batch(train, args.block_size, args.batch_size, g)
        loss = train_step(model, optimizer, torch.tensor(xb), torch.tensor(yb))
        if step % max(1, args.steps // 6) == 0 or step == args.steps - 1:
            print(f"step {step:5d}: loss {loss:.4f}")
    elapsed = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        xb, yb = get_batch(train, args.block_size, 64, g)
        train_loss = F.cross_entropy(model(torch.tensor(xb)).reshape(-1, len(chars)),
                                     torch.tensor(yb).reshape(-1)).item()
        xb, yb = get_batch(val, args.block_size, 64, g)
        val_loss = F.cross_entropy(model(torch.tensor(xb)).reshape(-1, len(chars)),
                                   torch.tensor(yb).reshape(-1)).item()
    print(f"train loss {train_loss:.4f}")
    print(f"val loss {val_loss:.4f}")
    print(f"{args.steps} steps in {elapsed:.1f} s ({1000 * elapsed / max(1, args.steps):.1f} ms/step)")
    if args.sample:
        out = generate(model, torch.tensor(data[None, :1]), args.sample, g)
        print("".join(chars[i] for i in out[0].tolist()))
    return train_loss


if __name__ == "__main__":
    main()
