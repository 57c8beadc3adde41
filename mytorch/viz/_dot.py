r"""A tiny DOT writer: nodes, edges and clusters to Graphviz text, no ``dot`` needed.

The drawers fill a :class:`DotGraph`; ``lines()`` gives the body lines (the
same lines the ``graphviz`` package's ``Digraph(body=...)`` takes) and
``source()`` the whole DOT text. Node ids are chosen by the drawers from the
topological position, so the text is a pure function of the graph.

Example:
    >>> g = DotGraph(rankdir="LR")
    >>> g.node("n0", label="x"); g.node("n1", label="y"); g.edge("n0", "n1")
    >>> print(g.source().replace("\t", "  "))
    digraph {
      graph [rankdir=LR]
      n0 [label=x]
      n1 [label=y]
      n0 -> n1
    }
    <BLANKLINE>
"""

from __future__ import annotations

import re

__all__ = ["DotGraph", "quote", "record_escape"]

_PLAIN_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$|^-?(\.[0-9]+|[0-9]+(\.[0-9]*)?)$")
_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


def quote(value: str) -> str:
    r"""Quote ``value`` as a DOT id unless it is a plain identifier or number.

    Backslashes are kept as they are, so label escapes such as ``\n`` or
    ``\l`` still work; double quotes are escaped.

    Example:
        >>> quote("LR"), quote("data 1.0")
        ('LR', '"data 1.0"')
    """
    if _PLAIN_ID.match(value) and value.lower() not in _KEYWORDS:
        return value
    return '"' + value.replace('"', '\\"') + '"'


def text_escape(text: str) -> str:
    r"""Make user text safe inside a label: backslashes doubled (newlines become ``\n``)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def record_escape(text: str) -> str:
    r"""Escape the characters that structure a record label: ``{ } | < >`` (and backslash).

    Example:
        >>> record_escape("a|b")
        'a\\|b'
    """
    text = text_escape(text)
    for ch in "{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text


def _attrs(attrs: dict[str, str]) -> str:
    return " ".join(f"{k}={quote(str(v))}" for k, v in attrs.items() if v is not None)


class DotGraph:
    """Collects DOT statements in order; clusters are emitted where they were opened."""

    def __init__(self, **graph_attrs: str) -> None:
        self._lines: list[str] = []
        self.num_nodes = 0
        self.num_edges = 0
        self.num_clusters = 0
        if graph_attrs:
            self._lines.append(f"\tgraph [{_attrs(graph_attrs)}]\n")

    def defaults(self, kind: str, **attrs: str) -> None:
        """Default attributes for every later ``node`` or ``edge`` (``kind``)."""
        self._lines.append(f"\t{kind} [{_attrs(attrs)}]\n")

    def node(self, node_id: str, indent: int = 1, /, **attrs: str) -> None:
        """Add a node; ``attrs`` are DOT attributes (``label``, ``shape``, ``style``...)."""
        self.num_nodes += 1
        tabs = "\t" * indent
        extra = f" [{_attrs(attrs)}]" if attrs else ""
        self._lines.append(f"{tabs}{quote(node_id)}{extra}\n")

    def edge(self, tail: str, head: str, **attrs: str) -> None:
        """Add an edge ``tail -> head``."""
        self.num_edges += 1
        extra = f" [{_attrs(attrs)}]" if attrs else ""
        self._lines.append(f"\t{quote(tail)} -> {quote(head)}{extra}\n")

    def open_cluster(self, cluster_id: str, **attrs: str) -> None:
        """Start ``subgraph cluster_<id>``; nodes added until ``close_cluster`` belong to it."""
        self.num_clusters += 1
        self._lines.append(f"\tsubgraph {quote('cluster_' + cluster_id)} {{\n")
        for k, v in attrs.items():
            self._lines.append(f"\t\t{k}={quote(str(v))}\n")

    def close_cluster(self) -> None:
        self._lines.append("\t}\n")

    def lines(self) -> list[str]:
        """Body lines, each starting with a tab and ending with a newline."""
        return list(self._lines)

    def source(self) -> str:
        """The whole DOT text (identical to ``graphviz.Digraph(body=lines()).source``)."""
        return "digraph {\n" + "".join(self._lines) + "}\n"
