"""Number formatting and colours shared by the micro and vector drawers.

Numbers are written with :func:`fmt`: four decimals (``2.0000``) for
magnitudes in [1e-3, 1e5) and for zero, otherwise scientific notation with
three decimals (``1.234e-07``), so that tiny and huge gradients stay legible.

``color_grads=True`` colours by gradient magnitude on a log scale spanning the
graph's own smallest and largest nonzero magnitude: blue (smallest) through
grey to red (largest); a gradient that is exactly zero or missing is drawn
light grey. The graph's caption gives the two ends of the scale.

Example:
    >>> fmt(2.0), fmt(-0.5), fmt(1e-7)
    ('2.0000', '-0.5000', '1.000e-07')
    >>> scale = GradScale([1e-6, 1e-2, 1e2])
    >>> scale.color(1e-6), scale.color(1e2)
    ('#3b4cc0', '#b40426')
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["fmt", "GradScale", "NO_GRAD_NODE", "NO_GRAD_EDGE", "ZERO_GRAD_COLOR", "GRAD_PLACEHOLDER"]

# Tensors, detach() points and no_grad results: where the graph is cut.
NO_GRAD_NODE = {"shape": "box", "style": "dashed,rounded", "color": "grey55", "fontcolor": "grey40"}
NO_GRAD_EDGE = {"style": "dashed", "color": "grey55", "arrowhead": "odot"}
ZERO_GRAD_COLOR = "#dddddd"
#: the gradient line of a node the replay page has not reached yet (it writes the number there)
GRAD_PLACEHOLDER = "grad \u2014"

_LOW = (0x3B, 0x4C, 0xC0)  # blue: the smallest gradient magnitude in the graph
_MID = (0xDD, 0xDD, 0xDD)
_HIGH = (0xB4, 0x04, 0x26)  # red: the largest


def fmt(x: float) -> str:
    """Format one number for a label (see the module docstring for the rule)."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0.0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.4f}"
    return f"{x:.3e}"


class GradScale:
    """Maps gradient magnitudes to colours on a log scale fitted to ``magnitudes``."""

    def __init__(self, magnitudes: Iterable[float]) -> None:
        logs = [math.log10(m) for m in magnitudes if m > 0 and math.isfinite(m)]
        self.lo = min(logs) if logs else 0.0
        self.hi = max(logs) if logs else 0.0

    def position(self, magnitude: float | None) -> float | None:
        """Where ``magnitude`` sits between the smallest (0) and largest (1); None for 0."""
        if magnitude is None or not magnitude > 0:
            return None
        if not math.isfinite(magnitude):
            return 1.0
        if self.hi == self.lo:
            return 0.5
        return min(1.0, max(0.0, (math.log10(magnitude) - self.lo) / (self.hi - self.lo)))

    def color(self, magnitude: float | None) -> str:
        """``#rrggbb`` for ``magnitude``: blue (small), grey, red (large); light grey for 0."""
        t = self.position(magnitude)
        if t is None:
            return ZERO_GRAD_COLOR
        a, b, u = (_LOW, _MID, t * 2) if t < 0.5 else (_MID, _HIGH, t * 2 - 1)
        return "#" + "".join(f"{round(x + (y - x) * u):02x}" for x, y in zip(a, b))

    def fill(self, magnitude: float | None) -> dict[str, str]:
        """Node attributes filling with :meth:`color`, with white text on dark colours."""
        color = self.color(magnitude)
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        dark = 0.299 * r + 0.587 * g + 0.114 * b < 140
        return {"fillcolor": color, "fontcolor": "white"} if dark else {"fillcolor": color}

    def caption(self) -> str:
        """Legend text for the graph label."""
        return (
            f"gradient magnitude (log scale): blue {fmt(10**self.lo)} ... red {fmt(10**self.hi)}; "
            "light grey = zero / no gradient"
        )
