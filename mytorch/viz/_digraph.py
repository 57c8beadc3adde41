"""``draw``'s result: a ``graphviz.Digraph`` that reports a missing ``dot`` with MyTorch's message.

graphviz raises its raw ``ExecutableNotFound`` when rendering (``.render``, ``.pipe``, or
Jupyter showing the graph) without Graphviz installed; this subclass raises
:class:`GraphvizNotFoundError` with the install instructions instead.

Example:
    >>> import graphviz
    >>> g = digraph_class(graphviz)(name="demo", body=["\\ta -> b\\n"])
    >>> g.source.splitlines()[0]
    'digraph demo {'
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

from ._render import INSTALL_HINT, GraphvizNotFoundError


@functools.cache
def digraph_class(graphviz: ModuleType) -> type:
    """A ``graphviz.Digraph`` subclass whose ``pipe`` and ``render`` say how to install Graphviz."""

    class Digraph(graphviz.Digraph):
        def pipe(self, *args: Any, **kwargs: Any) -> Any:  # Jupyter's display goes through pipe
            try:
                return super().pipe(*args, **kwargs)
            except graphviz.ExecutableNotFound:
                raise GraphvizNotFoundError(INSTALL_HINT) from None

        def render(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().render(*args, **kwargs)
            except graphviz.ExecutableNotFound:
                raise GraphvizNotFoundError(INSTALL_HINT) from None

    return Digraph
