"""Run Graphviz's ``dot`` on DOT text and write the picture atomically.

Only the ``dot`` program is needed here (not the ``graphviz`` Python
package). When it is missing, :class:`GraphvizNotFoundError` says how to
install it.

Example:
    >>> svg = render_bytes("digraph { a -> b }", "svg")   # doctest: +SKIP
    >>> svg[:5]                                             # doctest: +SKIP
    b'<?xml'
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

__all__ = [
    "FORMATS",
    "SAVE_FORMATS",
    "GraphvizNotFoundError",
    "find_dot",
    "format_for",
    "render_bytes",
    "write_atomic",
]

FORMATS = ("svg", "png", "pdf")  # rendered by ``dot``
SAVE_FORMATS = FORMATS + ("dot",)  # "dot" (suffix .dot or .gv): the DOT text itself

INSTALL_HINT = (
    "Graphviz's `dot` program is needed to render graphs but was not found on PATH. "
    "Install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS), "
    "`conda install -c conda-forge graphviz` (conda), or see https://graphviz.org/download/ . "
    "mytorch.viz.to_dot() gives the DOT text without it."
)


class GraphvizNotFoundError(RuntimeError):
    """Raised when rendering needs Graphviz's ``dot`` program and it is not installed."""


def find_dot() -> str:
    """The path of the ``dot`` executable, or GraphvizNotFoundError with install instructions."""
    path = shutil.which("dot")
    if path is None:
        raise GraphvizNotFoundError(INSTALL_HINT)
    return path


def format_for(path: str | os.PathLike, format: str | None = None) -> str:  # noqa: A002
    """The output format: ``format`` if given, else the file's suffix (svg, png, pdf or dot/gv)."""
    fmt = (format or Path(path).suffix.lstrip(".")).lower()
    fmt = "dot" if fmt == "gv" else fmt
    if fmt not in SAVE_FORMATS:
        given = f"format={format!r}" if format else f"the suffix of {str(path)!r}"
        raise ValueError(f"cannot save with {given}: expected one of {', '.join(SAVE_FORMATS)}")
    return fmt


def render_bytes(source: str, fmt: str, timeout: float | None = 600) -> bytes:
    """Run ``dot -T<fmt>`` on ``source`` and return the output bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    dot = find_dot()
    try:
        done = subprocess.run(
            [dot, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=timeout
        )
    except FileNotFoundError:  # removed between which() and run()
        raise GraphvizNotFoundError(INSTALL_HINT) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"`dot -T{fmt}` failed with exit status {done.returncode}: {message}")
    return done.stdout


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder, then rename.

    A failure leaves no partial file and the old file (if any) untouched.
    """
    path = Path(path)
    # open(..., "xb") rather than mkstemp: the file gets the usual permissions (umask), not 0600.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
