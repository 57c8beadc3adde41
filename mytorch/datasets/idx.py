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
from typing import BinaryIO, cast

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


#: The IDX header stores the rank in one byte; more than this many dimensions is not an IDX file
#: any real program writes, and the format's readers (including this one) refuse it.
MAX_RANK = 32

#: Deflate never expands data more than ~1032:1, so a gzip file of n bytes holds at most this many
#: times n bytes: a header claiming more is refused before anything is allocated.
_MAX_DEFLATE_RATIO = 1100
_CHUNK = 1 << 20  # payload bytes read per call: the most a refused file ever costs


def _open_stream(path: PathLike) -> tuple[BinaryIO, BinaryIO]:
    """``(raw file, stream of IDX bytes)``: the stream decompresses gzip lazily, as it is read."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    if raw.read(2) == _GZIP_MAGIC:
        raw.seek(0)
        return raw, cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb"))  # reads as a binary file does
    raw.seek(0)
    return raw, raw


def _read_exactly(stream: BinaryIO, size: int, name: str, what: str) -> bytes:
    """Read ``size`` bytes (fewer only at the end of the data) from ``stream``."""
    try:
        return stream.read(size)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise ValueError(f"{name}: truncated or corrupt gzip data while reading the {what}: {exc}") from exc


def load_idx(path: PathLike) -> np.ndarray:
    """Read an IDX file (raw or gzip) into a native-endian numpy array.

    Every dtype code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64) and ranks up to ``MAX_RANK`` are supported.
    The header is read first; then exactly the bytes it promises are read,
    in chunks, into the result (gzip is decompressed as it streams), so a
    file that claims more or holds more than its header says is refused
    without reading it whole. Problems raise ValueError naming the file and
    what was expected vs found.

    Example:
        >>> images = load_idx("t10k-images-idx3-ubyte.gz")  # doctest: +SKIP
        >>> images.shape, images.dtype                         # doctest: +SKIP
        ((10000, 28, 28), dtype('uint8'))
    """
    name = os.fspath(path)
    raw, stream = _open_stream(path)
    with raw, stream:
        magic = _read_exactly(stream, 4, name, "header")
        if len(magic) < 4:
            raise ValueError(
                f"{name}: too short for an IDX header: expected at least 4 bytes, found {len(magic)}"
            )
        if magic[0] != 0 or magic[1] != 0:
            raise ValueError(
                f"{name}: not an IDX file: expected magic bytes 00 00, found {magic[:2].hex(' ')}"
            )
        code, rank = magic[2], magic[3]
        if code not in IDX_DTYPES:
            raise ValueError(f"{name}: unknown IDX dtype code 0x{code:02X}; expected one of {_codes()}")
        if rank > MAX_RANK:
            raise ValueError(f"{name}: IDX rank {rank} is above the supported maximum of {MAX_RANK}")
        header = 4 + 4 * rank
        dim_bytes = _read_exactly(stream, 4 * rank, name, "header")
        if len(dim_bytes) < 4 * rank:
            raise ValueError(
                f"{name}: truncated header: rank {rank} needs {header} header bytes, "
                f"found {4 + len(dim_bytes)}"
            )
        dims = struct.unpack(f">{rank}I", dim_bytes)
        dtype = IDX_DTYPES[code]
        expected = math.prod(dims) * dtype.itemsize
        _check_file_can_hold(raw, stream, name, dims, dtype, header, expected)
        array = np.empty(dims, dtype=dtype)
        buffer = array.reshape(-1).view(np.uint8).data  # a memoryview of the result's bytes
        found = 0
        while found < expected:
            chunk = _read_exactly(stream, min(_CHUNK, expected - found), name, "payload")
            if not chunk:
                break
            buffer[found : found + len(chunk)] = chunk
            found += len(chunk)
        if found == expected and _read_exactly(stream, 1, name, "payload"):
            raise ValueError(
                f"{name}: payload size mismatch: dims {dims} of {dtype.name} "
                f"({dtype.itemsize} bytes each) need {expected} bytes, found more (trailing data)"
            )
    if found != expected:
        raise ValueError(
            f"{name}: payload size mismatch: dims {dims} of {dtype.name} "
            f"({dtype.itemsize} bytes each) need {expected} bytes, found {found}"
        )
    return array.astype(dtype.newbyteorder("="), copy=False)


def _check_file_can_hold(
    raw: BinaryIO, stream: BinaryIO, name: str, dims: tuple, dtype: np.dtype, header: int, expected: int
) -> None:
    """Refuse, before allocating, a raw file whose size on disk differs from what its header claims."""
    size = os.fstat(raw.fileno()).st_size
    if stream is not raw:  # gzip: the exact size is known only by reading; the read loop checks it
        most = _MAX_DEFLATE_RATIO * size + 1024
        if header + expected > most:
            raise ValueError(
                f"{name}: header claims dims {dims} of {dtype.name} ({expected} bytes), more than "
                f"{size} bytes of gzip data can hold (at most {most} bytes)"
            )
        return
    found = size - header
    if found != expected:
        more = " (trailing data)" if found > expected else ""
        raise ValueError(
            f"{name}: payload size mismatch: dims {dims} of {dtype.name} "
            f"({dtype.itemsize} bytes each) need {expected} bytes, found {found}{more}"
        )


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
