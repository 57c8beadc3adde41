"""Tiny GPT training steps: ``examples/tiny_gpt.py``'s model at its defaults, MyTorch vector vs PyTorch.

The model (token + position embeddings, 2 pre-LayerNorm blocks of 4-head causal
self-attention and a GELU MLP, 32 wide, 43 characters) and its ``train_step``
(cross-entropy, ``zero_grad``, ``backward``, AdamW(lr 3e-3)) are the example's own
code, run twice:

* ``mytorch``: ``examples/tiny_gpt.py`` as shipped (``import mytorch.vector as torch``);
* ``torch``: the same source with only that import switched to real PyTorch (the way
  ``tests/test_examples_lm.py`` checks the example step by step), when installed.

Both start from the same weights (MyTorch's seeded initialisation, copied through
``state_dict``) and see the same batches (16 windows of 32 characters of the example's
text), float32. There is no numpy floor: a hand-written transformer backward is not worth
its maintenance; PyTorch is the reference. Their step-0 losses must agree (rtol 1e-5).
Reported: seconds per 100 steps, median of interleaved rounds (chunks of 10 steps
alternate between the two), ratio within each round.

Run: ``python benchmarks/bench_tiny_gpt.py [--rounds 6] [--steps 100]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import ROOT, as_float, interleave_chunks, pin_threads, summarize, try_torch

EXAMPLE = ROOT / "examples" / "tiny_gpt.py"
MYTORCH_IMPORT = "\nimport mytorch.vector as torch\n"
BATCH, BLOCK, LR, STEPS = 16, 32, 3e-3, 100


def load_example(engine: str) -> types.ModuleType:
    """``examples/tiny_gpt.py`` as a module, as shipped (``"mytorch"``) or on real PyTorch (``"torch"``)."""
    source = EXAMPLE.read_text()
    if engine == "torch":
        if MYTORCH_IMPORT not in source:
            raise RuntimeError(f"{EXAMPLE} no longer imports the vector engine as torch")
        source = source.replace(MYTORCH_IMPORT, "\nimport torch\n")
    module = types.ModuleType(f"tiny_gpt_{engine}")
    module.__file__ = str(EXAMPLE)
    sys.modules[module.__name__] = module  # annotations and dataclasses look the module up
    exec(compile(source, str(EXAMPLE), "exec"), module.__dict__)
    return module


def make_batches(steps: int, seed: int = 0) -> tuple[list[tuple[np.ndarray, np.ndarray]], int]:
    """``steps`` (inputs, targets) int64 batches of (BATCH, BLOCK) windows of the text, and the vocab size."""
    data, chars = load_example("mytorch").encode_text()
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        starts = rng.integers(0, len(data) - BLOCK - 1, BATCH)
        x = np.stack([data[s : s + BLOCK] for s in starts])
        y = np.stack([data[s + 1 : s + 1 + BLOCK] for s in starts])
        out.append((x, y))
    return out, len(chars)


def initial_state(vocab: int) -> dict[str, np.ndarray]:
    """The example's seeded initial weights (``build_model(seed=0)``), float32 arrays by state_dict key."""
    model = load_example("mytorch").build_model(vocab, BLOCK, seed=0)
    return {k: np.array(v.numpy(), dtype=np.float32) for k, v in model.state_dict().items()}


def mytorch_step(example: types.ModuleType, state: dict[str, np.ndarray],
                 vocab: int) -> Callable[[np.ndarray, np.ndarray], float]:
    torch = example.torch  # mytorch.vector
    model = example.build_model(vocab, BLOCK, seed=0)
    model.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    opt = torch.optim.AdamW(model.parameters(), lr=LR)
    return lambda x, y: example.train_step(model, opt, torch.from_numpy(x), torch.from_numpy(y))


def torch_step(example: types.ModuleType, state: dict[str, np.ndarray],
               vocab: int) -> Callable[[np.ndarray, np.ndarray], float]:
    torch = example.torch
    model = example.build_model(vocab, BLOCK, seed=0)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()})
    opt = torch.optim.AdamW(model.parameters(), lr=LR)
    return lambda x, y: example.train_step(model, opt, torch.from_numpy(x), torch.from_numpy(y))


def run(rounds: int = 6, steps: int = STEPS) -> dict[str, Any]:
    """Seconds per ``steps`` training steps of each implementation (interleaved rounds)."""
    pin_threads()
    torch = try_torch()
    batches, vocab = make_batches(steps)
    state = initial_state(vocab)
    examples = {"mytorch": load_example("mytorch")}
    makers: dict[str, Callable[[], Callable]] = {
        "mytorch": lambda: mytorch_step(examples["mytorch"], state, vocab)}
    if torch is not None:
        examples["torch"] = load_example("torch")
        makers["torch"] = lambda: torch_step(examples["torch"], state, vocab)
    x0, y0 = batches[0]
    losses = {name: as_float(make()(x0, y0)) for name, make in makers.items()}
    if "torch" in losses and not np.isclose(losses["mytorch"], losses["torch"], rtol=1e-5, atol=0):
        raise AssertionError(f"step-0 losses disagree: {losses}")
    chunk = 10  # chunks of 10 steps alternate between the implementations

    def run_chunk(step: Callable, c: int) -> None:
        for x, y in batches[c * chunk : (c + 1) * chunk]:
            step(x, y)

    results = interleave_chunks(makers, run_chunk, -(-len(batches) // chunk), rounds)
    n_params = sum(v.size for v in state.values())
    return {
        "workload": f"tiny GPT (examples/tiny_gpt.py defaults: 2 layers, 4 heads, width 32, vocab {vocab}, "
                    f"{n_params} parameters), batch {BATCH} x {BLOCK} characters, cross-entropy, "
                    f"AdamW(lr {LR}), float32, {steps} steps",
        "steps": steps,
        "rounds": rounds,
        "step0_losses": losses,
        "seconds": summarize(results, "mytorch", "torch"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=STEPS)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.rounds, args.steps), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
