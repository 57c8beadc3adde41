"""MkDocs hook: run the pages that draw figures and publish what they write.

A page whose front matter lists ``figures: [name.svg, ...]`` is run (its
python blocks, in a fresh process, in an empty folder) at build time, and the
files it wrote are added to the site next to the page, so every picture in
the docs is what the page's own code draws today. When the page ``requires``
something this machine lacks (e.g. Graphviz's ``dot``), each figure becomes a
small placeholder SVG that says what to install, and the build goes on.
"""

from __future__ import annotations

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

PLACEHOLDER = """<svg xmlns="http://www.w3.org/2000/svg" width="640" height="60" viewBox="0 0 640 60">
<rect width="640" height="60" fill="#f6f6f6" stroke="#999"/>
<text x="12" y="35" font-family="sans-serif" font-size="14">
figure not built on this machine: needs {needs}</text>
</svg>
"""


def _run_page(path: Path, out: Path) -> None:
    path_entries = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(path_entries))
    done = subprocess.run([sys.executable, "-m", "mkdocs_hooks.run_page", str(path)], cwd=out, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{path}: running the page to draw its figures failed:\n"
                           f"{done.stdout}{done.stderr}")


def on_files(files: Files, config) -> Files:
    for file in list(files.documentation_pages()):
        page = pages.read(file.abs_src_path)
        figures = page.meta.get("figures") or []
        if not figures:
            continue
        folder = Path(file.src_uri).parent
        missing = pages.missing_requirements(page.meta)
        with tempfile.TemporaryDirectory(prefix="mytorch-docs-") as tmp:
            if missing:
                log.info("%s: placeholders instead of figures (missing %s)", file.src_uri, "; ".join(missing))
            else:
                start = time.perf_counter()
                _run_page(Path(file.abs_src_path), Path(tmp))
                seconds = time.perf_counter() - start
                log.info("%s: drew %s in %.1f s", file.src_uri, ", ".join(figures), seconds)
            for name in figures:
                made = Path(tmp) / name
                if missing:
                    content = PLACEHOLDER.format(needs=", ".join(missing)).encode()
                elif made.is_file():
                    content = made.read_bytes()
                else:
                    raise RuntimeError(f"{file.src_uri}: front matter lists figure {name!r}, "
                                       f"but running the page did not write it")
                files.append(File.generated(config, (folder / name).as_posix(), content=content))
    return files
