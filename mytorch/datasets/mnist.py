"""MNIST and Fashion-MNIST: download with checksums, cache, or read from a local folder.

Where the files live (``root``): the ``root`` argument if given, else
``$MYTORCH_DATA/<name>`` if that variable is set, else
``($XDG_CACHE_HOME or ~/.cache)/mytorch/<name>``, with ``<name>`` ``mnist`` or
``fashion-mnist``. For ``fashion_mnist`` with ``root=None``, when that cache
folder lacks a file and ``/usr/share/datasets/fashion-mnist`` (Debian's
``dataset-fashion-mnist`` package) holds all four, that folder is used.

Every file is checked against the md5 table before it is read. A file that
is present but fails the check is an error naming it, with ``download=True``
too: it is never deleted or overwritten (it may be data you want to keep);
delete it yourself to download it again. Missing files are downloaded (see
``_download``: verified temp file, atomic rename, no partial files).

The mirror lists and md5 tables are module constants read at call time, so
they can be patched (``mirrors=`` overrides the list for one call). Note that
``mytorch.datasets.mnist`` is the function; the module itself is
``importlib.import_module("mytorch.datasets.mnist")``.

Example:
    >>> from mytorch.datasets import mnist
    >>> train_x, train_y, test_x, test_y = mnist()  # doctest: +SKIP
    >>> train_x.shape, train_y[:5]                  # doctest: +SKIP
    ((60000, 28, 28), array([5, 0, 4, 1, 9], dtype=uint8))
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ._download import default_root, download, md5_file
from .idx import load_idx

__all__ = [
    "mnist",
    "fashion_mnist",
    "FILES",
    "MNIST_MIRRORS",
    "MNIST_MD5",
    "FASHION_MNIST_MIRRORS",
    "FASHION_MNIST_MD5",
    "FASHION_MNIST_SYSTEM_DIRS",
]

#: The four files, in the order of the returned arrays.
FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

MNIST_MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]

#: file name -> accepted md5 (a string, or a tuple of accepted strings).
MNIST_MD5: dict[str, str | tuple[str, ...]] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

FASHION_MNIST_MIRRORS = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]

#: Published md5 (Zalando's README), then the md5 of Debian's package, which
#: recompresses the same IDX payload (its gzip headers differ, so do the md5s).
FASHION_MNIST_MD5: dict[str, str | tuple[str, ...]] = {
    "train-images-idx3-ubyte.gz": (
        "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "cf8536b0aa1a6ac5fa3f23001093305c",
    ),
    "train-labels-idx1-ubyte.gz": (
        "25c81989df183df01b3e8a0aad5dffbe",
        "10bea18fdb374794d4bb42e356e600c9",
    ),
    "t10k-images-idx3-ubyte.gz": (
        "bef4ecab320f06d8554ea6380940ec79",
        "f78720b4224f21cce2f2ccf2d7a94c9a",
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "bb300cfdad3c16e7a12a480ee83cd310",
        "0d30e22e447f3c33dab9ed536400ac01",
    ),
}

#: Folders checked by ``fashion_mnist(root=None)`` before downloading.
FASHION_MNIST_SYSTEM_DIRS = ["/usr/share/datasets/fashion-mnist"]

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def mnist(
    root: str | os.PathLike | None = None,
    download: bool = True,
    *,
    mirrors: Sequence[str] | None = None,
    progress: bool = True,
) -> Arrays:
    """MNIST digits as ``(train_x, train_y, test_x, test_y)`` uint8 arrays.

    Shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,). Files are
    taken from ``root`` (see the module docstring for the default), verified
    by md5, and downloaded from ``mirrors`` (default ``MNIST_MIRRORS``) when
    missing and ``download`` is true. ``progress=False`` silences the
    progress bar (it is shown only on a terminal anyway).

    Example:
        >>> train_x, train_y, test_x, test_y = mnist(download=False)  # doctest: +SKIP
    """
    return _load(
        "mnist",
        root,
        download,
        MNIST_MIRRORS if mirrors is None else mirrors,
        MNIST_MD5,
        progress,
        system_dirs=(),
    )


def fashion_mnist(
    root: str | os.PathLike | None = None,
    download: bool = True,
    *,
    mirrors: Sequence[str] | None = None,
    progress: bool = True,
) -> Arrays:
    """Fashion-MNIST (Zalando) as ``(train_x, train_y, test_x, test_y)`` uint8 arrays.

    Same shapes, file names and options as :func:`mnist`; with ``root=None``
    an installed Debian ``dataset-fashion-mnist`` package is used when the
    cache folder lacks the files.

    Example:
        >>> train_x, train_y, test_x, test_y = fashion_mnist()  # doctest: +SKIP
    """
    return _load(
        "fashion-mnist",
        root,
        download,
        FASHION_MNIST_MIRRORS if mirrors is None else mirrors,
        FASHION_MNIST_MD5,
        progress,
        system_dirs=FASHION_MNIST_SYSTEM_DIRS,
    )


def _accepted(md5: str | Sequence[str]) -> tuple[str, ...]:
    return (md5,) if isinstance(md5, str) else tuple(md5)


def _pick_root(name: str, root: str | os.PathLike | None, system_dirs: Sequence[str]) -> Path:
    if root is not None:
        return Path(root).expanduser()
    cache = default_root(name)
    if all((cache / f).is_file() for f in FILES):
        return cache
    for folder in system_dirs:
        if all((Path(folder) / f).is_file() for f in FILES):
            return Path(folder)
    return cache


def _load(
    name: str,
    root: str | os.PathLike | None,
    allow_download: bool,
    mirrors: Sequence[str],
    md5_table: Mapping[str, str | tuple[str, ...]],
    progress: bool,
    system_dirs: Sequence[str],
) -> Arrays:
    folder = _pick_root(name, root, system_dirs)
    missing = [f for f in FILES if not (folder / f).is_file()]
    if missing and not allow_download:
        raise FileNotFoundError(
            f"{name}: missing {', '.join(missing)} in {folder}. Pass download=True, or copy "
            f"the four files ({', '.join(FILES)}) from one of {', '.join(mirrors)} into {folder}"
        )
    for f in FILES:  # verify what is there before touching the network
        if f not in missing:
            found, accepted = md5_file(folder / f), _accepted(md5_table[f])
            if found not in accepted:
                raise ValueError(
                    f"{folder / f}: md5 {found} does not match the expected "
                    f"{' or '.join(accepted)}; the file is corrupt or not the published one. "
                    "It was left untouched: delete it to download it again."
                )
    for f in missing:
        download(f, folder, mirrors, _accepted(md5_table[f]), progress)
    arrays = [load_idx(folder / f) for f in FILES]
    for i in (0, 2):
        _check_pair(folder / FILES[i], arrays[i], folder / FILES[i + 1], arrays[i + 1])
    return arrays[0], arrays[1], arrays[2], arrays[3]


def _check_pair(image_path: Path, images: np.ndarray, label_path: Path, labels: np.ndarray) -> None:
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{image_path}: expected uint8 images of shape (N, rows, cols), "
            f"found {images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(
            f"{label_path}: expected uint8 labels of shape (N,), "
            f"found {labels.dtype} {labels.shape}"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{image_path} holds {len(images)} images but {label_path} holds "
            f"{len(labels)} labels; expected equal counts"
        )
