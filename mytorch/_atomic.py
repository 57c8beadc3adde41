"""Write a file atomically: a temporary file next to it, fsync, then ``os.replace``.

A process killed at any moment leaves either the old file or the new one, never
a mix. What it can leave is its temporary file; the name of every temporary file
carries the writer's process id (``<prefix><pid>-<random><suffix>``), so the next
writer into the same folder removes those whose process is gone
(:func:`remove_stale_temporaries`) and never touches a live writer's file.

Example:
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with atomic_write(os.path.join(folder, "a.txt"), ".tmp-", ".txt") as f:
    ...     _ = f.write(b"hello")
    >>> sorted(os.listdir(folder))
    ['a.txt']
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ["atomic_write", "create_temporary", "remove_stale_temporaries"]

#: Temporary files written by versions that did not record a process id count as stale after this.
LEGACY_AGE_S = 3600.0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    except OSError:
        return True
    return True


def remove_stale_temporaries(folder: str | os.PathLike, prefix: str, suffix: str) -> list[str]:
    """Remove ``<prefix><pid>-<random><suffix>`` files in ``folder`` whose writer process has exited.

    Files named ``<prefix><8 random characters><suffix>`` (what ``tempfile.mkstemp`` gave
    earlier versions) are removed once older than ``LEGACY_AGE_S``. Returns the removed paths.
    """
    ours = re.compile(re.escape(prefix) + r"(\d+)-[0-9a-f]+" + re.escape(suffix) + "$")
    legacy = re.compile(re.escape(prefix) + r"[A-Za-z0-9_]{8}" + re.escape(suffix) + "$")
    removed: list[str] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    now = time.time()
    for name in names:
        match = ours.match(name)
        path = os.path.join(folder, name)
        try:
            if match:
                pid = int(match.group(1))
                if pid == os.getpid() or _pid_alive(pid):
                    continue
            elif not (legacy.match(name) and now - os.stat(path).st_mtime > LEGACY_AGE_S):
                continue
            os.remove(path)
            removed.append(path)
        except FileNotFoundError:  # another process cleaned it first
            continue
    return removed


def create_temporary(folder: str | os.PathLike, prefix: str, suffix: str) -> tuple[int, str]:
    """Create a new temporary file named for this process; ``(fd, path)``, mode 0666 less the umask."""
    while True:
        path = os.path.join(folder, f"{prefix}{os.getpid()}-{secrets.token_hex(4)}{suffix}")
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), path
        except FileExistsError:
            continue


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, prefix: str, suffix: str) -> Iterator[BinaryIO]:
    """Write ``path`` through a temporary file in its folder: renamed over ``path`` only on success.

    Stale temporaries of dead writers with the same ``prefix``/``suffix`` are removed first.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    remove_stale_temporaries(folder, prefix, suffix)
    tmp: str | None
    fd, tmp = create_temporary(folder, prefix, suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(tmp)
