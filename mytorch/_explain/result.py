"""What :func:`mytorch.explain` returns: the derivation as text, and its terms as numbers.

Example:
    >>> e = Explanation("w[0]", 6.0, [Term("via *", 3.0, 2.0, 6.0)], ["d(root)/d(w[0]) = 6"])
    >>> e.value, sum(t.value for t in e.terms)
    (6.0, 6.0)
    >>> print(e)
    d(root)/d(w[0]) = 6
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

__all__ = ["Term", "Explanation"]


@dataclass
class Term:
    """One term of a gradient's sum: what ``source`` (a consumer) sent back.

    micro: ``value == local * upstream``; vector: ``local`` is None, ``upstream`` is the
    consumer's gradient at this element when it has the same shape (else None) and ``value``
    the element of the gradient tensor the consumer's backward rule (``rule``) produced.
    """

    source: str
    local: float | None
    upstream: float | None
    value: float
    rule: str = ""


@dataclass
class Explanation:
    """The derivation of one gradient element.

    Attributes:
        target: the element's name (``0.weight[1, 0]``).
        value: the gradient (the sum of all ``terms``; 0.0 when no gradient reached it).
        terms: every term of that sum (the printed text may show fewer: ``omitted``).
        lines: the printed text, line by line.
        omitted: how much the depth/width limits left out (``{"terms": n, "nodes": m}``).
        reason: when no gradient reached the element, why (else None).
    """

    target: str
    value: float
    terms: list[Term]
    lines: list[str]
    omitted: dict[str, int] = field(default_factory=dict)
    reason: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.text)}</pre>"
