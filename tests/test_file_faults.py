"""Hostile and damaged files, and processes killed mid-write (issue #12, points 11-13).

Each refused file must be refused with a ValueError naming the file (and the
member, for checkpoints), with what was expected and found, before anything
the size of the file's claims is allocated. A process killed at any moment
during ``save`` or a download must leave the previous file intact and no
temporary file after the next write into the same folder.
"""

from __future__ import annotations

import gzip
import http.server
import io
import os
import random
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import mytorch
import mytorch.vector as mt
from mytorch.datasets._download import download
from mytorch.datasets.idx import load_idx

ROOT = Path(__file__).resolve().parents[1]
MIB = 1 << 20


def _peak_bytes(fn) -> tuple[int, BaseException | None]:
    """Peak traced allocation while ``fn`` runs (numpy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    error = None
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001 - returned to the test
        error = exc
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, error


# ------------------------------------------------------------------ IDX (point 11)
def _write_gzip_stream(path: Path, header: bytes, zeros: int) -> None:
    """A gzip file of ``header`` followed by ``zeros`` zero bytes, compressed as it is written."""
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(header)
        block = bytes(MIB)
        for _ in range(zeros // MIB):
            gz.write(block)


def test_gzip_bomb_is_refused_without_inflating_it(tmp_path):
    path = tmp_path / "bomb-idx1-ubyte.gz"
    _write_gzip_stream(path, bytes([0, 0, 0x08, 1]) + struct.pack(">I", 1), 256 * MIB)
    assert path.stat().st_size < MIB  # 256 MiB of payload in a few hundred KiB
    peak, error = _peak_bytes(lambda: load_idx(path))
    assert isinstance(error, ValueError)
    assert str(path) in str(error) and "trailing data" in str(error) and "need 1 bytes" in str(error)
    assert peak < 4 * MIB, f"refusing the bomb allocated {peak / MIB:.1f} MiB"


def test_gzip_header_claiming_more_than_deflate_can_hold(tmp_path):
    path = tmp_path / "claims-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 60000, 28000, 28000)))
    peak, error = _peak_bytes(lambda: load_idx(path))
    assert isinstance(error, ValueError)
    assert str(path) in str(error) and "(60000, 28000, 28000)" in str(error)
    assert peak < 4 * MIB


def test_huge_raw_file_claiming_one_byte_is_refused_unread(tmp_path):
    path = tmp_path / "big-idx1-ubyte"
    with open(path, "wb") as f:
        f.write(bytes([0, 0, 0x08, 1]) + struct.pack(">I", 1) + b"\x07")
        f.truncate(1 << 30)  # sparse: 1 GiB on paper, nothing on disk
    peak, error = _peak_bytes(lambda: load_idx(path))
    assert isinstance(error, ValueError)
    message = str(error)
    assert str(path) in message and "need 1 bytes" in message and f"found {(1 << 30) - 8}" in message
    assert peak < MIB


@pytest.mark.parametrize("compress", [False, True])
def test_missing_payload_bytes_named(tmp_path, compress):
    payload = bytes([0, 0, 0x08, 2]) + struct.pack(">2I", 3, 4) + bytes(10)  # 12 needed
    path = tmp_path / ("short-idx2-ubyte" + (".gz" if compress else ""))
    path.write_bytes(gzip.compress(payload) if compress else payload)
    with pytest.raises(ValueError, match=r"need 12 bytes, found 10") as info:
        load_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("compress", [False, True])
def test_trailing_bytes_refused(tmp_path, compress):
    payload = bytes([0, 0, 0x08, 1]) + struct.pack(">I", 2) + b"\x01\x02\x03"
    path = tmp_path / ("long-idx1-ubyte" + (".gz" if compress else ""))
    path.write_bytes(gzip.compress(payload) if compress else payload)
    with pytest.raises(ValueError, match="trailing data") as info:
        load_idx(path)
    assert str(path) in str(info.value)


def test_rank_above_the_format_limit_is_named(tmp_path):
    path = tmp_path / "rank-idx"
    path.write_bytes(bytes([0, 0, 0x08, 200]) + bytes(4 * 200))
    with pytest.raises(ValueError, match=r"rank 200 is above the supported maximum of 32") as info:
        load_idx(path)
    assert str(path) in str(info.value)


def test_valid_files_still_round_trip_in_chunks(tmp_path):
    from mytorch.datasets.idx import save_idx

    array = np.arange(3 * MIB // 4, dtype=">i4").astype(np.int32).reshape(-1, 3)  # > one read chunk
    for name in ("a-idx2-int", "a-idx2-int.gz"):
        save_idx(tmp_path / name, array)
        loaded = load_idx(tmp_path / name)
        assert loaded.dtype == np.int32 and np.array_equal(loaded, array)


# ------------------------------------------------------------------ load (point 12)
def _write_checkpoint(path: Path, tree_json: str, **arrays: np.ndarray) -> None:
    meta = '{"format": "mytorch.save/1", "tree": ' + tree_json + "}"
    np.savez(path, __mytorch__=np.array(meta), **arrays)


def _npy_bytes(header: dict, payload: bytes) -> bytes:
    """An npy member whose header says ``header`` whatever ``payload`` holds."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + payload


def _write_members(path: Path, tree_json: str, **members: bytes) -> None:
    """A checkpoint with hand-made npy members (each named once)."""
    meta = io.BytesIO()
    np.save(meta, np.array('{"format": "mytorch.save/1", "tree": ' + tree_json + "}"))
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("__mytorch__.npy", meta.getvalue())
        for name, data in members.items():
            z.writestr(name + ".npy", data)


def test_deeply_nested_structure_is_a_value_error(tmp_path):
    path = tmp_path / "deep.npz"
    tree = '{"type": "list", "items": [' * 3000 + '{"type": "value", "value": 1}' + "]}" * 3000
    _write_checkpoint(path, tree)
    with pytest.raises(ValueError, match=r"nested 6002 levels deep \(at most 100 allowed\)") as info:
        mytorch.load(path)
    assert str(path) in str(info.value) and "__mytorch__" in str(info.value)


def test_nesting_a_real_optimizer_state_needs_still_loads(tmp_path):
    net = mt.nn.Linear(2, 2)
    opt = mt.optim.Adam(net.parameters())
    net(mt.ones(1, 2)).sum().backward()
    opt.step()
    mytorch.save({"model": net.state_dict(), "optim": opt.state_dict()}, tmp_path / "ok.npz")
    loaded = mytorch.load(tmp_path / "ok.npz")
    assert loaded["optim"]["state"][0]["step"] == opt.state_dict()["state"][0]["step"]


def test_requires_grad_on_an_integer_member(tmp_path):
    path = tmp_path / "int.npz"
    _write_checkpoint(path, '{"type": "tensor", "array": "a0", "requires_grad": true}', a0=np.arange(3))
    with pytest.raises(ValueError, match=r"member 'a0' of dtype int64 is marked requires_grad") as info:
        mytorch.load(path)
    assert str(path) in str(info.value)


def test_member_header_claiming_8_tib_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.npz"
    header = {"descr": "<f8", "fortran_order": False, "shape": (1 << 40,)}
    _write_members(path, '{"type": "tensor", "array": "a0"}', a0=_npy_bytes(header, bytes(32)))
    peak, error = _peak_bytes(lambda: mytorch.load(path))
    assert isinstance(error, ValueError), repr(error)
    assert str(path) in str(error) and "member 'a0'" in str(error) and "8796093022208 bytes" in str(error)
    assert peak < 4 * MIB


def test_object_member_and_entry_that_is_not_an_object(tmp_path):
    path = tmp_path / "obj.npz"
    header = {"descr": "|O", "fortran_order": False, "shape": (2,)}
    _write_members(path, '{"type": "ndarray", "array": "a0"}', a0=_npy_bytes(header, bytes(16)))
    with pytest.raises(ValueError, match=r"member 'a0' holds Python objects"):
        mytorch.load(path)
    path2 = tmp_path / "list.npz"
    _write_checkpoint(path2, '{"type": "list", "items": [3]}')
    with pytest.raises(ValueError, match=r"expected an entry object") as info:
        mytorch.load(path2)
    assert str(path2) in str(info.value)


def test_truncated_checkpoints_are_value_errors_naming_the_file(tmp_path):
    good = tmp_path / "good.npz"
    mytorch.save({"w": mt.arange(1000.0), "b": mt.ones(3)}, good)
    data = good.read_bytes()
    for cut in (10, len(data) // 3, len(data) // 2, len(data) - 30):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(ValueError) as info:
            mytorch.load(bad)
        assert str(bad) in str(info.value)


# ------------------------------------------------------------------ killed writers (point 13)
_SAVER = textwrap.dedent(
    """
    import sys, numpy as np, mytorch, mytorch.vector as mt
    path, = sys.argv[1:]
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        mytorch.save({"i": i, "w": mt.tensor(np.full(1 << 19, float(i)))}, path)
    """
)


def _temporaries(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith(".tmp-") or n.endswith(".part"))


def test_killed_saves_never_corrupt_and_leave_nothing_after_the_next_save(tmp_path):
    path = tmp_path / "ckpt.npz"
    mytorch.save({"i": 0, "w": mt.zeros(1 << 19, dtype=mt.float64)}, path)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    rng = random.Random(0)
    left_behind = 0
    for _ in range(8):
        proc = subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(path)], stdout=subprocess.PIPE, env=env, text=True
        )
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        left_behind += len(_temporaries(tmp_path))
        ckpt = mytorch.load(path)  # the old or a new checkpoint, whole
        assert np.all(ckpt["w"].numpy() == float(ckpt["i"]))
    mytorch.save({"i": -1, "w": mt.ones(2)}, path)
    assert _temporaries(tmp_path) == []
    assert mytorch.load(path)["i"] == -1
    print(f"temporaries found after the kills: {left_behind}")


def test_a_live_writers_temporary_is_kept(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = tmp_path / f".tmp-{sleeper.pid}-abcd1234.npz"
        live.write_bytes(b"in progress")
        dead_pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                                  capture_output=True, text=True, check=True).stdout.strip()
        dead = tmp_path / f".tmp-{dead_pid}-abcd1234.npz"
        dead.write_bytes(b"left by a killed save")
        mytorch.save({"x": 1}, tmp_path / "ckpt.npz")
        assert live.exists() and not dead.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_checkpoints_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        mytorch.save({"x": 1}, tmp_path / "ckpt.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "ckpt.npz").stat().st_mode & 0o777 == 0o644


def test_create_temporary_names_carry_the_pid(tmp_path):
    from mytorch._atomic import create_temporary, remove_stale_temporaries

    fd, path = create_temporary(tmp_path, ".x.", ".part")
    os.close(fd)
    assert os.path.basename(path).startswith(f".x.{os.getpid()}-")
    assert remove_stale_temporaries(tmp_path, ".x.", ".part") == []  # our own: kept
    assert os.path.exists(path)


class _SlowServer:
    """Serves one file of ``size`` bytes slowly on 127.0.0.1, so a download can be killed mid-way."""

    def __init__(self, body: bytes):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for start in range(0, len(body), 1 << 16):
                        self.wfile.write(body[start : start + (1 << 16)])
                        self.wfile.flush()
                        time.sleep(0.01)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_killed_download_leaves_no_part_file_after_the_next_download(tmp_path):
    import hashlib

    body = os.urandom(4 * MIB)
    md5 = hashlib.md5(body, usedforsecurity=False).hexdigest()
    server = _SlowServer(body)
    script = textwrap.dedent(
        f"""
        from mytorch.datasets._download import download
        download("blob.bin", {str(tmp_path)!r}, [{server.url!r}], ({md5!r},), progress=False)
        """
    )
    try:
        proc = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ, PYTHONPATH=str(ROOT)))
        deadline = time.monotonic() + 20
        while not any(n.endswith(".part") for n in os.listdir(tmp_path)) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert [n for n in os.listdir(tmp_path) if n.endswith(".part")], "the kill left no .part to clean"
        assert not (tmp_path / "blob.bin").exists()
        path = download("blob.bin", tmp_path, [server.url], (md5,), progress=False)
    finally:
        server.close()
    assert path.read_bytes() == body
    assert _temporaries(tmp_path) == []
