"""``einsum``: Einstein summation written with ``diagonal``, ``sum``, ``permute``, ``reshape`` and ``matmul``.

Operands are contracted left to right, two at a time: indices that no later
operand nor the output needs are summed first, then the pair becomes one batched
``matmul`` (batch = indices both keep, inner = indices both lose). Both engines
share it, with gradients.

Example:
    >>> import mytorch.vector as mt
    >>> a, b = mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([[1.0, 0.0], [0.0, 2.0]])
    >>> mt.einsum("ij,jk->ik", a, b).tolist(), mt.einsum("ii", a).item(), mt.einsum("ij->j", a).tolist()
    ([[1.0, 4.0], [3.0, 8.0]], 5.0, [4.0, 6.0])
"""

from __future__ import annotations

import math
import string
from typing import Any


def _parse(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Operand subscripts and output subscripts, ``...`` replaced by upper-case letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum(): the equation {equation!r} has {len(terms)} operand(s) but {len(shapes)} were given"
        )
    spare = [c for c in string.ascii_uppercase if c not in eq]
    n_ellipsis = max(
        (len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes) if "..." in t), default=0
    )
    ellipsis = "".join(spare[:n_ellipsis])
    parsed = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        if "..." in term:
            k = len(shape) - len(term.replace("...", ""))
            term = term.replace("...", ellipsis[n_ellipsis - k :] if k else "")
        if not all(c in string.ascii_letters for c in term):
            raise ValueError(
                f"einsum(): invalid subscript in {terms[i]!r} of {equation!r} (letters and ... only)"
            )
        if len(term) != len(shape):
            raise ValueError(
                f"einsum(): subscripts {terms[i]!r} of operand {i} name {len(term)} dims, but the operand "
                f"has shape {shape}"
            )
        parsed.append(term)
    if not arrow:
        counts = {c: sum(t.count(c) for t in parsed) for t in parsed for c in t}
        out = ellipsis + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ellipsis))
    else:
        out = out.replace("...", ellipsis)
        for c in out:
            if not any(c in t for t in parsed) or out.count(c) > 1:
                raise ValueError(
                    f"einsum(): output subscript {c!r} of {equation!r} must appear once, and in an operand"
                )
    return parsed, out


def _sizes(terms: list[str], operands: list[Any]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for i, (term, x) in enumerate(zip(terms, operands)):
        for c, n in zip(term, x.shape):
            if c in sizes and n != sizes[c] and 1 not in (n, sizes[c]):
                raise ValueError(
                    f"einsum(): subscript {c!r} has size {n} in operand {i} (shape {tuple(x.shape)}) but "
                    f"{sizes[c]} elsewhere"
                )
            sizes[c] = max(sizes.get(c, n), n)
    return sizes


def _diagonals(term: str, x: Any) -> tuple[str, Any]:
    """Take the diagonal of every repeated subscript (``ii`` -> ``i``)."""
    while len(set(term)) != len(term):
        c = next(c for c in term if term.count(c) > 1)
        a = term.index(c)
        b = term.index(c, a + 1)
        x = x.diagonal(0, a, b)
        term = "".join(t for k, t in enumerate(term) if k not in (a, b)) + c
    return term, x


def _sum_out(term: str, x: Any, keep: set[str]) -> tuple[str, Any]:
    """Sum over the subscripts no one else needs."""
    drop = [k for k, c in enumerate(term) if c not in keep]
    if drop:
        x = x.sum(dim=tuple(drop))
        term = "".join(c for c in term if c in keep)
    return term, x


def _expand_to(term: str, x: Any, sizes: dict[str, int]) -> Any:
    """Broadcast size-1 dims to the size their subscript has elsewhere."""
    target = tuple(sizes[c] for c in term)
    return x if tuple(x.shape) == target else x.expand(*target)


def _contract(ta: str, a: Any, tb: str, b: Any, keep: set[str], sizes: dict[str, int]) -> tuple[str, Any]:
    """The pair as one batched matmul: (batch, left, inner) @ (batch, inner, right)."""
    batch = [c for c in ta if c in tb and c in keep]
    inner = [c for c in ta if c in tb and c not in keep]
    left = [c for c in ta if c not in tb]
    right = [c for c in tb if c not in ta]
    a = _expand_to(ta, a, sizes).permute(*[ta.index(c) for c in batch + left + inner])
    b = _expand_to(tb, b, sizes).permute(*[tb.index(c) for c in batch + inner + right])
    nb = [sizes[c] for c in batch]
    n_left, n_inner, n_right = (math.prod(sizes[c] for c in part) for part in (left, inner, right))
    out = a.reshape(*nb, n_left, n_inner).matmul(b.reshape(*nb, n_inner, n_right))
    return "".join(batch + left + right), out.reshape(*nb, *[sizes[c] for c in left + right])


def einsum(equation: str, operands: list[Any]) -> Any:
    """``einsum(equation, *operands)`` on tensors of one engine (see the module docstring)."""
    terms, out = _parse(equation, [tuple(x.shape) for x in operands])
    sizes = _sizes(terms, operands)
    items = [_diagonals(t, x) for t, x in zip(terms, operands)]
    term, acc = items[0]
    for i in range(1, len(items)):
        rest = set(out).union(*(t for t, _ in items[i + 1 :]))  # what later operands and the output need
        other_term, other = _sum_out(*items[i], rest | set(term))
        term, acc = _sum_out(term, acc, rest | set(other_term))
        term, acc = _contract(term, acc, other_term, other, rest, sizes)
    term, acc = _sum_out(term, acc, set(out))
    acc = _expand_to(term, acc, sizes)
    return acc.permute(*[term.index(c) for c in out]) if len(out) > 1 else acc
