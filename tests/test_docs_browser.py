"""The built docs site in a real headless Chromium: every page loads cleanly.

The site is built with ``mkdocs build --strict`` into a temporary folder,
served from there on 127.0.0.1 (so the search index and assets load as they
would from any web server), and every page is opened in Debian's Chromium
through Playwright. Each page must load with no console error, no uncaught
exception, no failed request, every image decoded, and every internal link
pointing at a built file (and at an existing anchor, for ``#...`` links).
One screenshot per tutorial chapter is checked to be non-blank (pixel
variance), and kept in ``$MYTORCH_DOCS_SCREENSHOTS`` when that is set.

Skips with the reason when mkdocs, Playwright or Chromium is missing.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def _chromium() -> str | None:
    found = [p for p in CHROMIUM_CANDIDATES if os.access(p, os.X_OK)]
    return found[0] if found else shutil.which("chromium")


def _missing() -> str | None:
    for module, package in (("mkdocs", "mkdocs"), ("material", "mkdocs-material"),
                            ("mkdocstrings", "mkdocstrings[python]"), ("playwright", "playwright"),
                            ("PIL", "pillow")):
        if importlib.util.find_spec(module) is None:
            return f"the docs browser check needs {package}: pip install -e '.[docs]'"
    if _chromium() is None:
        return "the docs browser check needs Chromium: apt-get install chromium"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    print(f"mkdocs build --strict: {time.perf_counter() - start:.1f} s")
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def server(site: Path):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        b = p.chromium.launch(executable_path=_chromium(), headless=True, args=args)
        yield b
        b.close()


_IDS = re.compile(r"""\sid=["']([^"']+)["']""")


@functools.cache
def _anchors(path: Path) -> frozenset[str]:
    return frozenset(_IDS.findall(path.read_text(encoding="utf-8", errors="replace")))


def _pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name != "404.html")


def _check_links(site: Path, base: str, page_url: str, hrefs: list[str]) -> list[str]:
    broken = []
    for href in hrefs:
        url = urljoin(page_url, href)
        if not url.startswith(base):
            continue  # external links are not fetched (no network in CI)
        target, fragment = urldefrag(url)
        rel = unquote(urlparse(target).path)[len(urlparse(base).path):]
        path = site / rel
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            broken.append(f"{href} -> missing file {rel}")
        elif fragment and path.suffix == ".html" and unquote(fragment) not in _anchors(path):
            broken.append(f"{href} -> no anchor #{fragment} in {rel}")
    return broken


def _non_blank(png: bytes) -> tuple[float, float]:
    """(standard deviation of the grey levels, fraction of pixels that are not background)."""
    from PIL import Image

    grey = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)
    background = np.median(grey)
    return float(grey.std()), float((np.abs(grey - background) > 32).mean())


def check_page(context, site: Path, base: str, rel: str) -> tuple[list[str], list[str], bytes]:
    """Open ``base + rel``: (problems found, image sources, a viewport screenshot)."""
    page = context.new_page()
    issues: list[str] = []
    page.on("console", lambda m: issues.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: issues.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: issues.append(f"request failed: {r.url}"))
    page.on("response", lambda r: issues.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    url = base + rel
    response = page.goto(url, wait_until="load")
    if response is None or not response.ok:
        issues.append(f"page itself: HTTP {response and response.status}")
    page.wait_for_load_state("networkidle")
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.getAttribute('src'), e.complete && e.naturalWidth > 0])")
    issues += [f"broken image {src}" for src, ok in images if not ok]
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    issues += [f"broken link {b}" for b in _check_links(site, base, url, hrefs)]
    png = page.screenshot()
    page.close()
    return issues, [src for src, _ in images], png


def test_every_page_loads_cleanly_in_chromium(site: Path, server: str, browser) -> None:
    from mkdocs_hooks import pages as docs_pages

    start = time.perf_counter()
    pages = _pages(site)
    chapters = [p for p in pages if re.match(r"tutorial/\d\d-", p)]
    assert len(chapters) == 11 and "index.html" in pages and "tutorial/index.html" in pages
    keep = os.environ.get("MYTORCH_DOCS_SCREENSHOTS")
    problems: dict[str, list[str]] = {}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    for rel in pages:
        issues, images, png = check_page(context, site, server, rel)
        if rel in chapters:
            meta = docs_pages.read(ROOT / "docs" / rel.replace(".html", ".md")).meta
            issues += [f"figure {f} not shown" for f in meta.get("figures") or [] if f not in images]
            spread, ink = _non_blank(png)
            if spread < 10 or ink < 0.01:
                issues.append(f"screenshot looks blank: grey std {spread:.1f}, {ink:.1%} non-background")
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                (Path(keep) / (Path(rel).stem + ".png")).write_bytes(png)
        if issues:
            problems[rel] = issues
    context.close()
    print(f"{len(pages)} pages checked in Chromium in {time.perf_counter() - start:.1f} s")
    assert not problems, problems


def test_the_page_check_catches_errors_images_and_links(tmp_path: Path, browser) -> None:
    (tmp_path / "bad.html").write_text(
        "<html><body><h1 id='top'>bad</h1><img src='missing.png'>"
        "<a href='nope.html'>x</a><a href='bad.html#top'>ok</a>"
        "<script>console.error('boom'); undefinedFunction();</script></body></html>")
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        context = browser.new_context()
        issues, images, _ = check_page(context, tmp_path, f"http://127.0.0.1:{httpd.server_address[1]}/",
                                       "bad.html")
        context.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    text = "\n".join(issues)
    assert "console error: boom" in text
    assert "uncaught: " in text and "undefinedFunction" in text
    assert "broken image missing.png" in text and "HTTP 404" in text
    assert "broken link nope.html -> missing file nope.html" in text
    assert "#top" not in text and images == ["missing.png"]


def test_the_link_checker_finds_a_broken_link(site: Path) -> None:
    base = "http://127.0.0.1:1/"
    page = base + "tutorial/01-chain-rule.html"
    assert _check_links(site, base, page, ["02-reused-node.html", "https://example.org/x",
                                           "#the-picture"]) == []
    assert _check_links(site, base, page, ["02-missing.html"]) == ["02-missing.html -> missing file "
                                                                   "tutorial/02-missing.html"]
    assert _check_links(site, base, page, ["02-reused-node.html#no-such-anchor"]) == [
        "02-reused-node.html#no-such-anchor -> no anchor #no-such-anchor in tutorial/02-reused-node.html"]


def test_the_blank_check_tells_blank_from_drawn() -> None:
    from PIL import Image, ImageDraw

    def png(draw: bool) -> bytes:
        image = Image.new("RGB", (200, 100), "white")
        if draw:
            ImageDraw.Draw(image).rectangle([20, 20, 120, 80], fill="black")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()

    assert _non_blank(png(False)) == (0.0, 0.0)
    spread, ink = _non_blank(png(True))
    assert spread > 10 and ink > 0.2
