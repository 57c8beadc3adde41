"""Machine-readable numbers on drawn nodes and edges: the DOT ``id`` attribute.

Graphviz copies a node's or edge's ``id`` to the ``id`` of its ``<g>`` element
in the SVG, so the numbers a chain-rule drawing shows can be read back
exactly (``repr`` of each float) by tests and tools::

    mt;kind=edge;tail=v1;head=v3;local=0.5;up=1.0;contrib=0.5

Fields are ``key=value`` pairs joined by ``;``; lists of numbers are joined by ``,``.

Example:
    >>> meta_id("edge", tail="v1", local=0.5, values=[1.0, 2.0])
    'mt;kind=edge;tail=v1;local=0.5;values=1.0,2.0'
    >>> parse_meta_id('mt;kind=edge;tail=v1;local=0.5')
    {'kind': 'edge', 'tail': 'v1', 'local': '0.5'}
"""

from __future__ import annotations

from typing import Any

__all__ = ["meta_id", "parse_meta_id"]


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(_text(x) for x in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def meta_id(kind: str, **fields: Any) -> str:
    """The ``id`` text for one drawn element of ``kind`` with ``fields`` (None values left out)."""
    parts = ["mt", f"kind={kind}"]
    parts += [f"{k}={_text(v)}" for k, v in fields.items() if v is not None]
    return ";".join(parts)


def parse_meta_id(text: str) -> dict[str, str] | None:
    """The fields of an id made by :func:`meta_id` (as strings), or None for another id."""
    parts = text.split(";")
    if parts[0] != "mt":
        return None
    return dict(p.split("=", 1) for p in parts[1:])
