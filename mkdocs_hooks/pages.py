"""Read a docs page: its front matter and its python code blocks, in order.

A page's python blocks are the fenced blocks whose info string is ``python``
(or ``py``). A block directly preceded by the line ``<!-- no-test -->`` is
shown but never run (by the tests or by the build). The front matter (YAML
between ``---`` lines at the top) may say:

* ``figures: [a.svg, b.png]``: files the page's code writes into its working
  folder; the build runs the page and publishes them next to the page;
* ``requires: [dot, matplotlib, fashion-mnist]``: what the page's code needs;
  the tests skip the page, and the build draws a placeholder, when one is missing.

Example:
    >>> page = parse("---\\nfigures: [a.svg]\\n---\\n```python\\nx = 1\\n```\\n")
    >>> page.meta["figures"], [b.code for b in page.blocks]
    (['a.svg'], ['x = 1\\n'])
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

NO_TEST = "<!-- no-test -->"
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_PYTHON = {"python", "py", "pycon"}



@dataclass
class Block:
    """One fenced python block: its source, the line it starts on, and whether it is marked no-test."""

    code: str
    line: int
    skip: bool


@dataclass
class Page:
    meta: dict
    blocks: list[Block] = field(default_factory=list)

    @property
    def runnable(self) -> list[Block]:
        return [b for b in self.blocks if not b.skip]


def _front_matter(text: str) -> tuple[dict, str, int]:
    if not text.startswith("---\n"):
        return {}, text, 0
    end = text.find("\n---\n", 4)
    if end < 0:
        return {}, text, 0
    meta = yaml.safe_load(text[4:end]) or {}
    if not isinstance(meta, dict):
        raise ValueError(f"front matter must be a mapping, got {type(meta).__name__}")
    head = text[: end + 5]
    return meta, text[end + 5:], head.count("\n")


def parse(text: str) -> Page:
    """Split a markdown page into its front matter and its python blocks."""
    meta, body, offset = _front_matter(text)
    lines = body.split("\n")
    page = Page(meta=meta)
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent = m["fence"], m["indent"]
        lang = (m["info"].split() or [""])[0].strip("{}.").lower()
        start = i
        i += 1
        body_lines = []
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body_lines.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1  # the closing fence
        if lang in _PYTHON:
            previous = next((ln.strip() for ln in reversed(lines[:start]) if ln.strip()), "")
            code = "\n".join(body_lines) + "\n"
            page.blocks.append(Block(code=code, line=offset + start + 2, skip=previous == NO_TEST))
    return page


def read(path: str | os.PathLike) -> Page:
    return parse(Path(path).read_text(encoding="utf-8"))


def missing_requirements(meta: dict) -> list[str]:
    """The page's ``requires`` that this machine lacks, each with how to get it."""
    missing = []
    for need in meta.get("requires", []) or []:
        if need == "dot" and shutil.which("dot") is None:
            missing.append("Graphviz's `dot` program (apt-get install graphviz)")
        elif need in ("matplotlib", "graphviz") and importlib.util.find_spec(need) is None:
            missing.append(f"the {need} package (pip install {need})")
        elif need == "fashion-mnist" and not _fashion_mnist_available():
            missing.append("Fashion-MNIST's IDX files (`mytorch train fashion-mnist` downloads them, "
                           "or apt-get install dataset-fashion-mnist)")
    return missing


def _fashion_mnist_available() -> bool:
    """Whether ``fashion_mnist(download=False)`` would find its four files (cache or Debian's package)."""
    import importlib

    m = importlib.import_module("mytorch.datasets.mnist")

    folder = m._pick_root("fashion-mnist", None, m.FASHION_MNIST_SYSTEM_DIRS)
    return all((folder / f).is_file() for f in m.FILES)


def run(page: Page, name: str, namespace: dict | None = None) -> dict:
    """Execute the page's runnable blocks in order in one namespace (in the current folder)."""
    namespace = {"__name__": "__docs__"} if namespace is None else namespace
    for block in page.runnable:
        code = compile("\n" * (block.line - 1) + block.code, name, "exec")
        exec(code, namespace)  # noqa: S102 - running the docs is the point
    return namespace
