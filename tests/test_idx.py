"""IDX reader/writer: every dtype code and rank, raw and gzip, bad files, real MNIST files."""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from mytorch.datasets import load_idx, save_idx

#: Real MNIST files from the project workspace (not in a user's clone); MYTORCH_TEST_DATA points elsewhere.
WORKSPACE_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SHARED_MNIST = Path(os.environ.get("MYTORCH_TEST_DATA", WORKSPACE_DATA)) / "mnist"

DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.int16,
    0x0C: np.int32,
    0x0D: np.float32,
    0x0E: np.float64,
}
SHAPES = {1: (7,), 2: (3, 5), 3: (2, 3, 4), 4: (2, 1, 3, 2)}


def _sample(dtype: type, shape: tuple[int, ...]) -> np.ndarray:
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    rng = np.random.default_rng(0)
    if info is not None:  # include the extremes so byte order mistakes show
        flat = rng.integers(info.min, info.max, size=int(np.prod(shape)), endpoint=True)
        flat[:2] = [info.min, info.max]
        return flat.astype(dtype).reshape(shape)
    return rng.normal(0, 1e3, size=shape).astype(dtype)


def _manual_idx(code: int, array: np.ndarray) -> bytes:
    """IDX bytes built by hand (not by save_idx): magic, big-endian dims, big-endian values."""
    big = array.astype(array.dtype.newbyteorder(">"))
    return (
        bytes([0, 0, code, array.ndim])
        + struct.pack(f">{array.ndim}I", *array.shape)
        + big.tobytes()
    )


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("code", sorted(DTYPES), ids=[f"0x{c:02X}" for c in sorted(DTYPES)])
def test_round_trip_every_dtype_and_rank(tmp_path, code, gz):
    for rank, shape in SHAPES.items():
        array = _sample(DTYPES[code], shape)
        # a file written by hand reads back exactly, native-endian and writable
        hand = tmp_path / f"hand-{rank}.idx"
        raw = _manual_idx(code, array)
        hand.write_bytes(gzip.compress(raw) if gz else raw)
        loaded = load_idx(hand)
        assert loaded.shape == shape
        assert loaded.dtype == np.dtype(DTYPES[code])
        assert loaded.dtype.isnative and loaded.flags.writeable
        np.testing.assert_array_equal(loaded, array)
        # save_idx writes those same bytes, and reads back
        written = tmp_path / (f"saved-{rank}.idx" + (".gz" if gz else ""))
        save_idx(written, array)
        data = written.read_bytes()
        assert (data[:2] == b"\x1f\x8b") == gz
        assert (gzip.decompress(data) if gz else data) == raw
        np.testing.assert_array_equal(load_idx(written), array)


def test_gzip_detected_by_magic_not_name(tmp_path):
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    path = tmp_path / "no-suffix"
    save_idx(path, array, compress=True)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(load_idx(path), array)
    plain = tmp_path / "plain.gz"  # .gz name, raw content
    save_idx(plain, array, compress=False)
    np.testing.assert_array_equal(load_idx(str(plain)), array)


def test_save_idx_gzip_is_deterministic(tmp_path):
    a, b = tmp_path / "a.gz", tmp_path / "b.gz"
    save_idx(a, np.arange(5, dtype=np.int16))
    save_idx(b, np.arange(5, dtype=np.int16))
    assert a.read_bytes() == b.read_bytes()


def test_save_idx_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(TypeError, match="uint16"):
        save_idx(tmp_path / "x", np.zeros(3, dtype=np.uint16))


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


GOOD = _manual_idx(0x0C, np.arange(6, dtype=np.int32).reshape(2, 3))  # payload 24 bytes


@pytest.mark.parametrize(
    "name, data, pattern",
    [
        ("badmagic.idx", b"\x01\x00" + GOOD[2:], r"expected magic bytes 00 00, found 01 00"),
        ("badcode.idx", GOOD[:2] + b"\x0a" + GOOD[3:], r"unknown IDX dtype code 0x0A.*0x08"),
        ("short-payload.idx", GOOD[:-1], r"need 24 bytes, found 23"),
        ("extra-bytes.idx", GOOD + b"\x00\x00", r"need 24 bytes, found 26"),
        ("short-header.idx", GOOD[:9], r"rank 2 needs 12 header bytes, found 9"),
        ("tiny.idx", b"\x00\x00", r"expected at least 4 bytes, found 2"),
        ("truncated.gz", gzip.compress(GOOD * 50)[:-30], r"truncated or corrupt gzip"),
        ("garbage.gz", b"\x1f\x8b" + b"garbage" * 5, r"truncated or corrupt gzip"),
        ("magic-only.gz", b"\x1f\x8b", r"truncated or corrupt gzip"),
    ],
)
def test_bad_files_raise_naming_the_file(tmp_path, name, data, pattern):
    path = _write(tmp_path, name, data)
    with pytest.raises(ValueError, match=pattern) as info:
        load_idx(path)
    assert str(path) in str(info.value)


def test_gzip_of_bad_payload_names_file(tmp_path):
    path = _write(tmp_path, "short.gz", gzip.compress(GOOD[:-4]))
    with pytest.raises(ValueError, match="need 24 bytes, found 20") as info:
        load_idx(path)
    assert str(path) in str(info.value)


# --- real MNIST files ---------------------------------------------------------------------

PUBLISHED_MD5 = {
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
}
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def _real(name: str) -> Path:
    path = SHARED_MNIST / name
    if not path.is_file():
        pytest.skip(f"real MNIST file {name} not found at {path}: set MYTORCH_TEST_DATA to a folder "
                    "holding mnist/ with the four IDX .gz files to test the reader on them")
    return path


@pytest.mark.parametrize("name", sorted(PUBLISHED_MD5))
def test_real_mnist_md5(name):
    path = _real(name)
    assert hashlib.md5(path.read_bytes()).hexdigest() == PUBLISHED_MD5[name]


def test_real_mnist_test_set():
    images = load_idx(_real("t10k-images-idx3-ubyte.gz"))
    labels = load_idx(_real("t10k-labels-idx1-ubyte.gz"))
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert labels.min() == 0 and labels.max() == 9
    assert np.bincount(labels).tolist() == TEST_COUNTS
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert images.max() == 255 and images.min() == 0


def test_real_mnist_train_labels():
    labels = load_idx(_real("train-labels-idx1-ubyte.gz"))
    assert labels.shape == (60000,) and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == TRAIN_COUNTS
    assert labels[:5].tolist() == [5, 0, 4, 1, 9]
