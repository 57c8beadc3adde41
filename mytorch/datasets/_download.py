"""Checksummed downloads into a cache folder, never leaving a partial file behind.

A file is streamed into a temporary file in the destination folder while its
md5 is computed; only a file whose md5 is one of the accepted values is moved
into place (``os.replace``, atomic). On any error the temporary file is
deleted and the next mirror is tried; a ``.part`` file left by a killed process
is removed by the next download into that folder.

Example:
    >>> path = download("t10k-labels-idx1-ubyte.gz", "/tmp/mnist",
    ...                 ["https://ossci-datasets.s3.amazonaws.com/mnist/"],
    ...                 ("ec29112dd5afa0611ce80d1b7f02629c",))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from .._atomic import create_temporary, remove_stale_temporaries

__all__ = ["md5_file", "default_root", "download", "TIMEOUT"]

#: Seconds to wait for a mirror to connect or send data.
TIMEOUT = 60.0
_CHUNK = 1 << 16


def md5_file(path: str | os.PathLike) -> str:
    """The md5 hex digest of a file, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_root(name: str) -> Path:
    """``$MYTORCH_DATA/<name>`` if set, else ``($XDG_CACHE_HOME or ~/.cache)/mytorch/<name>``."""
    data = os.environ.get("MYTORCH_DATA")
    if data:
        return Path(data).expanduser() / name
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "mytorch" / name


class _Progress:
    """tqdm when importable, else one self-overwriting stderr line; silent unless a TTY."""

    def __init__(self, label: str, total: int | None, enabled: bool, stream: IO[str] | None = None):
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self.label, self.total, self.done, self.last = label, total, 0, 0.0
        self.bar = None
        if self.enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(
                    total=total, desc=label, unit="B", unit_scale=True, file=self.stream
                )

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.enabled and time.monotonic() - self.last >= 0.1:
            self.last = time.monotonic()
            self._line()

    def _line(self) -> None:
        size = f"{self.done / 1e6:.1f} MB"
        if self.total:
            size += f" / {self.total / 1e6:.1f} MB ({100 * self.done // self.total}%)"
        self.stream.write(f"\r{self.label}: {size}")
        self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            self._line()
            self.stream.write("\n")
            self.stream.flush()


def _fetch(url: str, target: Path, md5s: Sequence[str], progress: bool) -> None:
    """Download ``url`` to ``target`` via a verified temporary file in the same folder."""
    prefix = f".{target.name}."
    remove_stale_temporaries(target.parent, prefix, ".part")  # left by a killed download
    tmp: str | None
    fd, tmp = create_temporary(target.parent, prefix, ".part")
    try:
        digest = hashlib.md5(usedforsecurity=False)
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            bar = _Progress(target.name, total, progress)
            try:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
            finally:
                bar.close()
            out.flush()
            os.fsync(out.fileno())
        found = digest.hexdigest()
        if found not in md5s:
            raise ValueError(f"md5 mismatch: expected {' or '.join(md5s)}, got {found}")
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def download(
    filename: str,
    root: str | os.PathLike,
    mirrors: Iterable[str],
    md5s: Sequence[str],
    progress: bool = True,
) -> Path:
    """Fetch ``filename`` from the first mirror that serves it with an accepted md5.

    Returns the path of the verified file in ``root``. If every mirror fails,
    raises RuntimeError listing each URL and its error; nothing is left behind.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    target = root / filename
    errors = []
    for mirror in mirrors:
        url = mirror if mirror.endswith("/") else mirror + "/"
        url += filename
        try:
            _fetch(url, target, md5s, progress)
        except Exception as exc:
            errors.append(f"{url}: {type(exc).__name__}: {exc}")
        else:
            return target
    if not errors:
        raise RuntimeError(f"cannot download {filename} into {root}: the mirror list is empty")
    raise RuntimeError(
        f"cannot download {filename} into {root}; every mirror failed:\n  " + "\n  ".join(errors)
    )
