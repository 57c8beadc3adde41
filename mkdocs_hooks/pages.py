"""Read a docs page: its front matter and its python code blocks, in order.

A page's python blocks are the fenced blocks whose info string is ``python``
(or ``py``). A marker on the line just before a block (an HTML comment, so
the reader never sees it) changes how it runs:

* ``<!-- no-test -->``: shown, never run (by the tests or by the build);
* ``<!-- needs: dot -->`` (or ``matplotlib``, ``fashion-mnist``, several
  separated by commas): run only when this machine has it; otherwise skipped,
  and the tests report the page as skipped with the reason.

The front matter (YAML between ``---`` lines at the top) may say:

* ``figures: [a.svg, b.svg]``: files the page's code writes into its working
  folder; the build runs the page and publishes them next to the page (a
  placeholder SVG saying what to install when the block drawing one is skipped);
* ``requires: [...]``: needs of every block of the page.

Example:
    >>> text = "---\\nfigures: [a.svg]\\n---\\n```python\\nx = 1\\n```\\n"
    >>> page = parse(text + "<!-- needs: dot -->\\n```py\\ny\\n```\\n")
    >>> page.meta["figures"], [(b.code, b.needs) for b in page.blocks]
    (['a.svg'], [('x = 1\\n', ()), ('y\\n', ('dot',))])
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

NO_TEST = "<!-- no-test -->"
_NEEDS = re.compile(r"^<!--\s*needs:\s*(?P<needs>[\w\-, ]+?)\s*-->$")
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_PYTHON = {"python", "py", "pycon"}
KNOWN_NEEDS = ("dot", "matplotlib", "graphviz", "fashion-mnist")


@dataclass
class Block:
    """One fenced python block: its source, the line it starts on, no-test, and what it needs."""

    code: str
    line: int
    skip: bool
    needs: tuple[str, ...] = ()


@dataclass
class Page:
    meta: dict
    blocks: list[Block] = field(default_factory=list)

    @property
    def runnable(self) -> list[Block]:
        """The blocks that are not marked no-test."""
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
    return meta, text[end + 5:], text[: end + 5].count("\n")


def parse(text: str) -> Page:
    """Split a markdown page into its front matter and its python blocks."""
    meta, body, offset = _front_matter(text)
    page_needs = tuple(meta.get("requires") or ())
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
            needs = _NEEDS.match(previous)
            block_needs = tuple(n.strip() for n in needs["needs"].split(",")) if needs else ()
            unknown = [n for n in page_needs + block_needs if n not in KNOWN_NEEDS]
            if unknown:
                raise ValueError(f"line {offset + start + 1}: unknown need {unknown[0]!r}; "
                                 f"known: {', '.join(KNOWN_NEEDS)}")
            page.blocks.append(Block(code="\n".join(body_lines) + "\n", line=offset + start + 2,
                                     skip=previous == NO_TEST, needs=page_needs + block_needs))
    return page


def read(path: str | Path) -> Page:
    return parse(Path(path).read_text(encoding="utf-8"))


def missing(needs: Iterable[str]) -> list[str]:
    """Those of ``needs`` that this machine lacks, each said with how to get it."""
    out = []
    for need in dict.fromkeys(needs):
        if need == "dot" and shutil.which("dot") is None:
            out.append("Graphviz's `dot` program (apt-get install graphviz)")
        elif need in ("matplotlib", "graphviz") and importlib.util.find_spec(need) is None:
            out.append(f"the {need} package (pip install {need})")
        elif need == "fashion-mnist" and not _fashion_mnist_available():
            out.append("Fashion-MNIST's IDX files (`mytorch train fashion-mnist` downloads them, "
                       "or apt-get install dataset-fashion-mnist)")
    return out


def _fashion_mnist_available() -> bool:
    """Whether ``fashion_mnist(download=False)`` would find its four files (cache or Debian's package)."""
    m = importlib.import_module("mytorch.datasets.mnist")
    folder = m._pick_root("fashion-mnist", None, m.FASHION_MNIST_SYSTEM_DIRS)
    return all((folder / f).is_file() for f in m.FILES)


def run(page: Page, name: str, namespace: dict | None = None) -> list[tuple[Block, list[str]]]:
    """Execute the page's runnable blocks in order in one namespace (in the current folder).

    A block whose needs are missing is skipped; returns those, each with what it lacked.
    """
    namespace = {"__name__": "__docs__"} if namespace is None else namespace
    skipped = []
    for block in page.runnable:
        lacking = missing(block.needs)
        if lacking:
            skipped.append((block, lacking))
            continue
        code = compile("\n" * (block.line - 1) + block.code, name, "exec")
        exec(code, namespace)  # noqa: S102 - running the docs is the point
    return skipped


def report_skipped(skipped: list[tuple[Block, list[str]]]) -> None:
    """One line per skipped block on stderr: ``SKIPPED-BLOCK line N: needs ...``."""
    for block, lacking in skipped:
        print(f"SKIPPED-BLOCK line {block.line}: needs {'; '.join(lacking)}", file=sys.stderr)
