"""MkDocs hook: run the pages that draw figures and publish what they write.

A page whose front matter lists ``figures: [name.svg, ...]`` is run (its
python blocks, in a fresh process, in an empty folder) at build time, and the
files it wrote are added to the site next to the page, so every picture in
the docs is what the page's own code draws today. When a block that draws a
figure needs something this machine lacks (``<!-- needs: dot -->``), the
figure becomes a small placeholder SVG that says what to install, and the
build goes on.
"""

from __future__ import annotations

import html
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mkdocs_hooks import pages  # noqa: E402

log = logging.getLogger("mkdocs.hooks.figures")

PLACEHOLDER = """<svg xmlns="http://www.w3.org/2000/svg" width="900" height="60" viewBox="0 0 900 60">
<rect width="900" height="60" fill="#f6f6f6" stroke="#999"/>
<text x="12" y="35" font-family="sans-serif" font-size="14">
figure not built on this machine: needs {needs}</text>
</svg>
"""


def _run_page(path: Path, out: Path) -> list[str]:
    """Run the page in ``out``; return the lines saying which blocks were skipped and why."""
    path_entries = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(path_entries))
    done = subprocess.run([sys.executable, "-m", "mkdocs_hooks.run_page", str(path)], cwd=out, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{path}: running the page to draw its figures failed:\n"
                           f"{done.stdout}{done.stderr}")
    return [line for line in done.stderr.splitlines() if line.startswith("SKIPPED-BLOCK")]


def on_files(files: Files, config) -> Files:
    for file in list(files.documentation_pages()):
        figures = pages.read(file.abs_src_path).meta.get("figures") or []
        if not figures:
            continue
        folder = Path(file.src_uri).parent
        with tempfile.TemporaryDirectory(prefix="mytorch-docs-") as tmp:
            start = time.perf_counter()
            skipped = _run_page(Path(file.abs_src_path), Path(tmp))
            log.info("%s: ran in %.1f s%s", file.src_uri, time.perf_counter() - start,
                     "".join(f"; {line}" for line in skipped))
            for name in figures:
                made = Path(tmp) / name
                if made.is_file():
                    content = made.read_bytes()
                elif skipped:
                    needs = sorted({line.split(": needs ", 1)[1] for line in skipped})
                    content = PLACEHOLDER.format(needs=html.escape("; ".join(needs))).encode()
                else:
                    raise RuntimeError(f"{file.src_uri}: front matter lists figure {name!r}, "
                                       f"but running the page did not write it")
                files.append(File.generated(config, (folder / name).as_posix(), content=content))
    return files
