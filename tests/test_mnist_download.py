"""mnist / fashion_mnist: download from a local HTTP server, checksums, cache, fallbacks."""

from __future__ import annotations

import hashlib
import http.server
import importlib
import io
import socket
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from mytorch.datasets import fashion_mnist, mnist, save_idx

mnist_module = importlib.import_module("mytorch.datasets.mnist")
download_module = importlib.import_module("mytorch.datasets._download")

FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


class Server:
    """An HTTP server on 127.0.0.1 serving ``routes`` (URL path -> bytes), 404 otherwise."""

    def __init__(self, routes: dict[str, bytes]):
        self.routes, self.requests = routes, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                server.requests.append(self.path)
                body = server.routes.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _make_files(folder: Path, n_train: int = 5, n_test: int = 3, n_train_labels: int | None = None):
    """Small gzip IDX files with the standard names; returns (arrays, {name: bytes})."""
    rng = np.random.default_rng(0)
    arrays = (
        rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        rng.integers(
            0, 10, size=n_train if n_train_labels is None else n_train_labels, dtype=np.uint8
        ),
        rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, size=n_test, dtype=np.uint8),
    )
    folder.mkdir(parents=True, exist_ok=True)
    blobs = {}
    for name, array in zip(FILES, arrays):
        save_idx(folder / name, array)
        blobs[name] = (folder / name).read_bytes()
    return arrays, blobs


@pytest.fixture
def data(tmp_path, monkeypatch):
    """Generated files served under /good/, corrupted under /bad/; md5 tables patched."""
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.delenv("MYTORCH_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # never the real user cache
    arrays, blobs = _make_files(tmp_path / "source")
    md5 = {name: hashlib.md5(blob).hexdigest() for name, blob in blobs.items()}
    monkeypatch.setattr(mnist_module, "MNIST_MD5", md5)
    monkeypatch.setattr(mnist_module, "FASHION_MNIST_MD5", dict(md5))
    monkeypatch.setattr(mnist_module, "MNIST_MIRRORS", [_closed_port_url()])  # no real network
    monkeypatch.setattr(mnist_module, "FASHION_MNIST_MIRRORS", [_closed_port_url()])
    monkeypatch.setattr(mnist_module, "FASHION_MNIST_SYSTEM_DIRS", [])
    routes = {f"/good/{n}": b for n, b in blobs.items()}
    routes.update({f"/bad/{n}": b[:-1] + bytes([b[-1] ^ 0xFF]) for n, b in blobs.items()})
    server = Server(routes)
    yield {"arrays": arrays, "md5": md5, "server": server, "blobs": blobs}
    server.close()


def _assert_arrays(result, arrays):
    assert len(result) == 4
    for got, want in zip(result, arrays):
        assert got.dtype == np.uint8 and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_published_md5_table_and_mirrors():
    assert mnist_module.MNIST_MD5 == {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    published = {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    for name, md5 in published.items():
        assert mnist_module.FASHION_MNIST_MD5[name][0] == md5
    assert mnist_module.MNIST_MIRRORS[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    assert len(mnist_module.MNIST_MIRRORS) == 3
    assert mnist_module.FASHION_MNIST_MIRRORS == [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    ]


def test_download_round_trip(data, tmp_path, capsys):
    root = tmp_path / "cache"
    result = mnist(root, mirrors=[data["server"].url + "/good/"])
    _assert_arrays(result, data["arrays"])
    assert sorted(p.name for p in root.iterdir()) == sorted(FILES)  # no temp files left
    for name in FILES:
        assert hashlib.md5((root / name).read_bytes()).hexdigest() == data["md5"][name]
    assert sorted(data["server"].requests) == sorted(f"/good/{n}" for n in FILES)
    assert capsys.readouterr().err == ""  # stderr is not a TTY: no progress output


def test_mirror_without_trailing_slash(data, tmp_path):
    result = mnist(tmp_path / "c", mirrors=[data["server"].url + "/good"], progress=False)
    _assert_arrays(result, data["arrays"])


def test_cache_reused_without_network(data, tmp_path):
    root = tmp_path / "cache"
    mnist(root, mirrors=[data["server"].url + "/good/"])
    data["server"].close()
    data["server"] = Server({})  # the fixture closes this one
    _assert_arrays(mnist(root), data["arrays"])  # mirrors: a closed port
    _assert_arrays(mnist(root, download=False), data["arrays"])
    _assert_arrays(mnist(root, mirrors=[data["server"].url + "/"]), data["arrays"])
    assert data["server"].requests == []


def test_fallback_to_later_mirror(data, tmp_path):
    url = data["server"].url
    mirrors = [_closed_port_url(), url + "/missing/", url + "/bad/", url + "/good/"]
    _assert_arrays(mnist(tmp_path / "c", mirrors=mirrors), data["arrays"])
    requests = data["server"].requests
    for name in FILES:
        assert requests.count(f"/missing/{name}") == 1  # 404
        assert requests.count(f"/bad/{name}") == 1  # md5 mismatch
        assert requests.count(f"/good/{name}") == 1
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == sorted(FILES)


def test_corrupted_download_leaves_nothing(data, tmp_path):
    root = tmp_path / "cache"
    bad, missing = data["server"].url + "/bad/", data["server"].url + "/missing/"
    with pytest.raises(RuntimeError) as info:
        mnist(root, mirrors=[bad, missing])
    message = str(info.value)
    assert f"{bad}train-images-idx3-ubyte.gz: ValueError: md5 mismatch" in message
    assert data["md5"]["train-images-idx3-ubyte.gz"] in message
    assert f"{missing}train-images-idx3-ubyte.gz: HTTPError" in message and "404" in message
    assert str(root) in message
    assert list(root.iterdir()) == []  # no partial, temp or unverified file


def test_all_mirrors_fail_lists_each(data, tmp_path):
    closed = _closed_port_url()
    with pytest.raises(RuntimeError, match="every mirror failed") as info:
        mnist(tmp_path / "c", mirrors=[closed, data["server"].url + "/missing/"])
    assert closed + "train-images-idx3-ubyte.gz: URLError" in str(info.value)
    assert "/missing/train-images-idx3-ubyte.gz: HTTPError" in str(info.value)
    assert list((tmp_path / "c").iterdir()) == []


def test_download_false_missing_files(data, tmp_path):
    root = tmp_path / "partial"
    root.mkdir()
    (root / FILES[1]).write_bytes(data["blobs"][FILES[1]])
    with pytest.raises(FileNotFoundError) as info:
        mnist(root, download=False)
    message = str(info.value)
    assert str(root) in message and "download=True" in message
    for name in (FILES[0], FILES[2], FILES[3]):
        assert name in message
    assert f"missing {FILES[0]}, {FILES[2]}, {FILES[3]} in" in message
    assert data["server"].requests == []


def test_present_file_with_bad_md5_is_error_and_kept(data, tmp_path):
    root = tmp_path / "cache"
    mnist(root, mirrors=[data["server"].url + "/good/"])
    target = root / FILES[2]
    target.write_bytes(b"not the published file")
    for download in (False, True):
        with pytest.raises(ValueError, match="does not match the expected") as info:
            mnist(root, download=download, mirrors=[data["server"].url + "/good/"])
        assert str(target) in str(info.value) and data["md5"][FILES[2]] in str(info.value)
        assert target.read_bytes() == b"not the published file"  # never overwritten


def test_partial_root_downloads_only_missing(data, tmp_path):
    root = tmp_path / "cache"
    _make_files(root)  # same seed: identical files
    (root / FILES[3]).unlink()
    _assert_arrays(mnist(root, mirrors=[data["server"].url + "/good/"]), data["arrays"])
    assert data["server"].requests == [f"/good/{FILES[3]}"]


def test_mytorch_data_env_var(data, tmp_path, monkeypatch):
    monkeypatch.setenv("MYTORCH_DATA", str(tmp_path / "env"))
    _assert_arrays(mnist(mirrors=[data["server"].url + "/good/"]), data["arrays"])
    assert sorted(p.name for p in (tmp_path / "env" / "mnist").iterdir()) == sorted(FILES)
    _assert_arrays(mnist(download=False), data["arrays"])
    assert not (tmp_path / "xdg").exists()


def test_xdg_cache_home_default(data, tmp_path):
    _assert_arrays(mnist(mirrors=[data["server"].url + "/good/"]), data["arrays"])
    assert sorted(p.name for p in (tmp_path / "xdg" / "mytorch" / "mnist").iterdir()) == sorted(
        FILES
    )


def test_home_cache_default(data, tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".cache" / "mytorch" / "mnist"
    assert download_module.default_root("mnist") == expected


def test_module_mirror_constant_is_used(data, tmp_path, monkeypatch):
    monkeypatch.setattr(mnist_module, "MNIST_MIRRORS", [data["server"].url + "/good/"])
    _assert_arrays(mnist(tmp_path / "c"), data["arrays"])


def test_fashion_mnist_download_and_cache_name(data, tmp_path, monkeypatch):
    monkeypatch.setattr(mnist_module, "FASHION_MNIST_MIRRORS", [data["server"].url + "/good/"])
    monkeypatch.setenv("MYTORCH_DATA", str(tmp_path / "env"))
    _assert_arrays(fashion_mnist(), data["arrays"])
    assert sorted(p.name for p in (tmp_path / "env" / "fashion-mnist").iterdir()) == sorted(FILES)


def test_fashion_mnist_system_dir_candidate(data, tmp_path, monkeypatch):
    system = tmp_path / "usr-share"
    arrays, _ = _make_files(system)
    candidates = [str(tmp_path / "nope"), str(system)]
    monkeypatch.setattr(mnist_module, "FASHION_MNIST_SYSTEM_DIRS", candidates)
    monkeypatch.setenv("MYTORCH_DATA", str(tmp_path / "env"))
    _assert_arrays(fashion_mnist(download=False), arrays)
    _assert_arrays(fashion_mnist(), arrays)  # used before any download
    assert data["server"].requests == [] and not (tmp_path / "env").exists()
    with pytest.raises(FileNotFoundError):  # an explicit root is not replaced by it
        fashion_mnist(tmp_path / "other", download=False)


def test_image_and_label_counts_must_match(data, tmp_path, monkeypatch):
    root = tmp_path / "odd"
    _, blobs = _make_files(root, n_train=5, n_train_labels=4)
    monkeypatch.setattr(
        mnist_module, "MNIST_MD5", {n: hashlib.md5(b).hexdigest() for n, b in blobs.items()}
    )
    with pytest.raises(ValueError, match="holds 5 images but .* holds 4 labels") as info:
        mnist(root, download=False)
    assert str(root / FILES[0]) in str(info.value) and str(root / FILES[1]) in str(info.value)


def test_progress_line_on_a_terminal(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setitem(sys.modules, "tqdm", None)  # force the plain fallback
    stream = Tty()
    bar = download_module._Progress("file.gz", 2_000_000, True, stream=stream)
    bar.update(1_000_000)
    bar.close()
    assert "file.gz: 1.0 MB / 2.0 MB (50%)" in stream.getvalue()
    assert stream.getvalue().endswith("\n")
    quiet = Tty()
    bar = download_module._Progress("file.gz", 10, False, stream=quiet)  # progress=False
    bar.update(10)
    bar.close()
    assert quiet.getvalue() == ""


def test_real_fashion_mnist_debian_package(tmp_path, monkeypatch):
    if not all((DEBIAN_FASHION / name).is_file() for name in FILES):
        pytest.skip(f"{DEBIAN_FASHION} absent (apt-get install dataset-fashion-mnist)")
    monkeypatch.setenv("MYTORCH_DATA", str(tmp_path / "env"))
    monkeypatch.setattr(mnist_module, "FASHION_MNIST_MIRRORS", [_closed_port_url()])
    train_x, train_y, test_x, test_y = fashion_mnist(download=False)
    assert train_x.shape == (60000, 28, 28) and train_x.dtype == np.uint8
    assert test_x.shape == (10000, 28, 28) and test_x.dtype == np.uint8
    assert np.bincount(train_y).tolist() == [6000] * 10
    assert np.bincount(test_y).tolist() == [1000] * 10
