"""Notebook display of drawings: the graph inline, or MyTorch's install message without ``dot``.

:func:`mytorch.viz.draw` returns a :class:`Drawing`, a ``graphviz.Digraph``
whose notebook representation (``_repr_mimebundle_``, rendered once) is the
SVG; when Graphviz's ``dot`` program is
missing it is MyTorch's install message (as text and HTML) instead of a raw
``ExecutableNotFound`` traceback. The replay page
(:class:`mytorch.viz.replay.ReplayPage`) and explanations
(:class:`mytorch.Explanation`) show inline as HTML.

Example:
    >>> d = make_drawing(["\\ta -> b\\n"])
    >>> "a -> b" in d.source
    True
    >>> sorted(d._repr_mimebundle_())       # doctest: +SKIP
    ['image/svg+xml', 'text/plain']
"""

from __future__ import annotations

import html
from typing import Any

from ._render import INSTALL_HINT

__all__ = ["make_drawing", "missing_dot_bundle"]

_CLASS: Any = None


def missing_dot_bundle() -> dict[str, str]:
    """What a notebook shows for a drawing when ``dot`` is not installed."""
    return {"text/plain": INSTALL_HINT,
            "text/html": f'<pre style="color:#a00">{html.escape(INSTALL_HINT)}</pre>'}


def _drawing_class() -> Any:
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    import graphviz

    class Drawing(graphviz.Digraph):
        """A ``graphviz.Digraph`` that shows inline in notebooks, or says how to install ``dot``."""

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
            try:
                bundle = super()._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
            except graphviz.ExecutableNotFound:
                return missing_dot_bundle()
            bundle.setdefault("text/plain", f"<MyTorch graph: {self.source.count(' -> ')} edges>")
            return bundle

    _CLASS = Drawing
    return Drawing


def make_drawing(lines: list[str]) -> Any:
    """A :class:`Drawing` with the DOT body ``lines`` (needs the ``graphviz`` package)."""
    return _drawing_class()(body=lines)
