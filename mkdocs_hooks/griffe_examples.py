"""Griffe extension: read MyTorch's docstrings as Google style.

MyTorch's docstrings say ``Example:`` (singular), which Google style does not
know, and use a few Sphinx roles (``:func:`draw```). This turns the former
into an ``Examples:`` section (so doctests render as code) and the latter into
plain code spans, without touching the sources.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|obj|exc|ref):`~?([^`]+)`")
_EXAMPLE = re.compile(r"^(\s*)Example:[ \t]*$", re.MULTILINE)


class ExampleSections(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is None:
            return
        text = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
        obj.docstring.value = _ROLE.sub(r"`\1`", text)
