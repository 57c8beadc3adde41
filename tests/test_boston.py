"""Boston house prices: the bundled copy, StatLib's wrapped layout, malformed files."""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from mytorch.datasets import boston

#: The project workspace's reference data (not in a user's clone); MYTORCH_TEST_DATA points elsewhere.
WORKSPACE_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SHARED_DATA = Path(os.environ.get("MYTORCH_TEST_DATA", WORKSPACE_DATA))
SHARED_BOSTON = SHARED_DATA / "boston" / "boston.txt"
BUNDLED_MD5 = "0d632d6bd08a45055e6eececedadff13"


def _bundled_bytes() -> bytes:
    return resources.files("mytorch.datasets").joinpath("data").joinpath("boston.txt").read_bytes()


def _bundled_lines() -> tuple[list[str], list[str]]:
    """(the 22 header lines, the 506 data lines) of the bundled file."""
    lines = _bundled_bytes().decode("ascii").split("\n")
    return lines[:22], lines[22:]


def _statlib_original(tmp_path: Path) -> Path:
    """StatLib's original layout: 22 plain-text header lines, each record as 11 + 3 numbers."""
    header, rows = _bundled_lines()
    out = [" " + line[2:] if line.startswith("# ") else line.lstrip("#") for line in header]
    for row in rows:
        tokens = row.split()
        out.append(" " + " ".join(f"{t:>7}" for t in tokens[:11]))
        out.append("         " + " ".join(f"{t:>7}" for t in tokens[11:]))
    path = tmp_path / "boston_statlib.txt"
    path.write_text("\n".join(out) + "\n")
    return path


def test_bundled_copy_md5_and_layout():
    data = _bundled_bytes()
    assert hashlib.md5(data).hexdigest() == BUNDLED_MD5
    lines = data.decode("ascii").split("\n")
    assert sum(line.startswith("#") for line in lines) == 20
    assert len(lines) == 20 + 2 + 506 and not data.endswith(b"\n")


def test_bundled_copy_equals_shared_copy():
    if not SHARED_BOSTON.is_file():
        pytest.skip(f"no reference copy of the Boston table at {SHARED_BOSTON}: set MYTORCH_TEST_DATA to a "
                    "folder holding boston/boston.txt to compare the bundled copy with it")
    assert SHARED_BOSTON.read_bytes() == _bundled_bytes()


def test_boston_shapes_and_known_values():
    x, y = boston()
    assert x.shape == (506, 13) and y.shape == (506,)
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x.flags.c_contiguous and y.flags.c_contiguous
    np.testing.assert_array_equal(
        x[0], [0.00632, 18.0, 2.31, 0, 0.538, 6.575, 65.2, 4.09, 1, 296.0, 15.3, 396.9, 4.98]
    )
    assert y[:3].tolist() == [24.0, 21.6, 34.7]
    assert y[-1] == 11.9 and x[-1, -1] == 7.88
    assert y.min() == 5.0 and y.max() == 50.0
    assert set(np.unique(x[:, 3])) == {0.0, 1.0}  # CHAS is a dummy variable
    assert abs(y.mean() - 22.532806) < 1e-6


def test_explicit_path_to_bundled_layout(tmp_path):
    path = tmp_path / "copy.txt"
    path.write_bytes(_bundled_bytes())
    x, y = boston(path)
    x0, y0 = boston()
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    x1, _ = boston(str(path))
    np.testing.assert_array_equal(x1, x0)


def test_statlib_original_wrapped_layout(tmp_path):
    path = _statlib_original(tmp_path)
    lines = path.read_text().splitlines()
    assert len(lines) == 22 + 2 * 506
    assert len(lines[22].split()) == 11 and len(lines[23].split()) == 3
    assert not lines[0].startswith("#")
    x, y = boston(path)
    x0, y0 = boston()
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


def test_crlf_line_endings(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(_bundled_bytes().replace(b"\n", b"\r\n"))
    np.testing.assert_array_equal(boston(path)[1], boston()[1])


def _malformed(tmp_path: Path, edit) -> Path:
    header, rows = _bundled_lines()
    path = tmp_path / "bad_boston.txt"
    path.write_text("\n".join(header + edit(list(rows))))
    return path


@pytest.mark.parametrize(
    "edit, pattern",
    [
        (lambda rows: rows[:-1], r"found 505 records; expected 506 records of 14 numbers \(7084"),
        (lambda rows: rows + rows[:1], r"found 507 records; expected 506"),
        (lambda rows: rows[:-1] + [rows[-1].rsplit(maxsplit=1)[0]], r"only 13 numbers; expected"),
        (lambda rows: [rows[0] + " 1.0"] + rows[1:], r"record 1 .* has 15 numbers, expected 14"),
        (lambda rows: rows[:5] + ["oops 1 2"] + rows[5:], r"line 28: non-numeric text 'oops"),
        (
            lambda rows: (
                [" ".join(rows[0].split()[:10]), " ".join(rows[0].split()[10:] + ["9"])] + rows[1:]
            ),
            r"record 1 \(from line 23 to 24\) has 15 numbers",
        ),
    ],
    ids=["missing-row", "extra-row", "short-last-row", "long-row", "text-in-data", "bad-wrap"],
)
def test_malformed_file_names_file_and_count(tmp_path, edit, pattern):
    path = _malformed(tmp_path, edit)
    with pytest.raises(ValueError, match=pattern) as info:
        boston(path)
    assert str(path) in str(info.value)
    assert "14" in str(info.value)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("")
    with pytest.raises(ValueError, match=r"found 0 records; expected 506 records") as info:
        boston(path)
    assert str(path) in str(info.value)


def test_docstring_cites_source_and_ethics():
    doc = boston.__doc__
    for needle in ["Harrison", "Rubinfeld", "1978", "StatLib", "scikit-learn", "Black", ">>>"]:
        assert needle in doc, needle
    assert "racial" in doc
