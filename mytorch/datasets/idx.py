"""Read and write IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number ``00 00 <dtype code> <rank>``, then
``rank`` big-endian uint32 dimensions, then the values in C order, big-endian.
Files are often gzip-compressed; :func:`load_idx` detects that from the gzip
magic bytes (``1f 8b``), not from the file name.

Example:
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a-idx2-ubyte.gz")
    >>> save_idx(path, np.arange(6, dtype=np.uint8).reshape(2, 3))
    >>> load_idx(path).tolist()
    [[0, 1, 2], [3, 4, 5]]
"""

from __future__ import annotations

import gzip
import io
import math
import os
import struct
import zlib

import numpy as np

__all__ = ["load_idx", "save_idx", "IDX_DTYPES"]

PathLike = str | os.PathLike

#: IDX dtype code -> numpy dtype as stored in the file (big-endian).
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"


def _codes() -> str:
    return ", ".join(f"0x{code:02X} ({dt.name})" for code, dt in IDX_DTYPES.items())


def _read_bytes(path: PathLike) -> bytes:
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] != _GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise ValueError(
            f"{os.fspath(path)}: truncated or corrupt gzip data "
            f"({len(data)} compressed bytes): {exc}"
        ) from exc


def load_idx(path: PathLike) -> np.ndarray:
    """Read an IDX file (raw or gzip) into a native-endian numpy array.

    Every dtype code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64) and every rank are supported. The magic
    number, dtype code, dimensions and payload size are checked; a problem
    raises ValueError naming the file and what was expected vs found.

    Example:
        >>> images = load_idx("t10k-images-idx3-ubyte.gz")  # doctest: +SKIP
        >>> images.shape, images.dtype                         # doctest: +SKIP
        ((10000, 28, 28), dtype('uint8'))
    """
    name = os.fspath(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(
            f"{name}: too short for an IDX header: expected at least 4 bytes, found {len(data)}"
        )
    if data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"{name}: not an IDX file: expected magic bytes 00 00, found {data[:2].hex(' ')}"
        )
    code, rank = data[2], data[3]
    if code not in IDX_DTYPES:
        raise ValueError(f"{name}: unknown IDX dtype code 0x{code:02X}; expected one of {_codes()}")
    header = 4 + 4 * rank
    if len(data) < header:
        raise ValueError(
            f"{name}: truncated header: rank {rank} needs {header} header bytes, found {len(data)}"
        )
    dims = struct.unpack(f">{rank}I", data[4:header])
    dtype = IDX_DTYPES[code]
    expected = math.prod(dims) * dtype.itemsize
    found = len(data) - header
    if found != expected:
        raise ValueError(
            f"{name}: payload size mismatch: dims {dims} of {dtype.name} "
            f"({dtype.itemsize} bytes each) need {expected} bytes, found {found}"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return array.astype(dtype.newbyteorder("="), copy=True)


def _code_for(dtype: np.dtype) -> int:
    for code, idx_dtype in IDX_DTYPES.items():
        if dtype.kind == idx_dtype.kind and dtype.itemsize == idx_dtype.itemsize:
            return code
    supported = ", ".join(dt.name for dt in IDX_DTYPES.values())
    raise TypeError(f"save_idx: IDX cannot store dtype {dtype}; supported: {supported}")


def save_idx(path: PathLike, array: np.ndarray, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file; gzip it when ``compress`` (default: name ends in .gz).

    The gzip header carries no timestamp, so equal arrays give equal bytes.

    Example:
        >>> save_idx("labels-idx1-ubyte", np.array([7, 2, 1], dtype=np.uint8))  # doctest: +SKIP
    """
    array = np.asarray(array)
    code = _code_for(array.dtype)
    if array.ndim > 255:
        raise ValueError(f"save_idx: IDX supports at most 255 dimensions, got {array.ndim}")
    if any(d >= 2**32 for d in array.shape):
        raise ValueError(f"save_idx: IDX dimensions must be < 2**32, got shape {array.shape}")
    payload = b"".join(
        [
            bytes([0, 0, code, array.ndim]),
            struct.pack(f">{array.ndim}I", *array.shape),
            np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes(),
        ]
    )
    if compress is None:
        compress = os.fspath(path).endswith(".gz")
    if compress:
        buffer = io.BytesIO()
        with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz:
            gz.write(payload)
        payload = buffer.getvalue()
    with open(path, "wb") as f:
        f.write(payload)
