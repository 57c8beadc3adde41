"""A dependency-free progress bar for training loops (tqdm-like, one line).

Example:
    >>> bar = Progress(total=3, desc="epoch 1", enabled=False)
    >>> for _ in range(3):
    ...     bar.update(1, loss=0.5)
    >>> bar.close()
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Shows ``desc  12/468 [###   ] loss 0.4312  2,345 samples/s`` on one line."""

    def __init__(self, total: int, desc: str = "", enabled: bool | None = None,
                 stream: TextIO | None = None, unit: str = "samples") -> None:
        self.total, self.desc, self.unit = total, desc, unit
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.count = 0
        self.samples = 0
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.metrics: dict[str, float] = {}

    @property
    def rate(self) -> float:
        """Samples per second so far."""
        return self.samples / max(time.perf_counter() - self.start, 1e-9)

    def update(self, steps: int = 1, samples: int = 0, **metrics: float) -> None:
        self.count += steps
        self.samples += samples
        self.metrics.update(metrics)
        now = time.perf_counter()
        if self.enabled and (now - self.last_draw > 0.1 or self.count >= self.total):
            self.last_draw = now
            self._draw()

    def _draw(self) -> None:
        width = 24
        filled = int(width * self.count / max(self.total, 1))
        shown = "  ".join(f"{k} {v:.4f}" for k, v in self.metrics.items())
        self.stream.write(
            f"\r{self.desc} {self.count}/{self.total} [{'#' * filled}{' ' * (width - filled)}] "
            f"{shown}  {self.rate:,.0f} {self.unit}/s"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
