"""The Boston house-price data, bundled with the package (no download needed)."""

from __future__ import annotations

import os
from importlib import resources

import numpy as np

__all__ = ["boston", "BOSTON_MD5"]

#: md5 of the bundled ``data/boston.txt`` (StatLib's table, one record a line).
BOSTON_MD5 = "0d632d6bd08a45055e6eececedadff13"

N_RECORDS = 506
N_COLUMNS = 14  # 13 features, then MEDV (the target)


def boston(path: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Load the Boston house-price data as ``(x, y)`` float64 arrays, shapes (506, 13), (506,).

    Source: Harrison, D. and Rubinfeld, D.L., "Hedonic prices and the demand
    for clean air", J. Environ. Economics & Management 5, 81-102 (1978), as
    distributed by StatLib (http://lib.stat.cmu.edu/datasets/boston). The 13
    columns of ``x`` are CRIM, ZN, INDUS, CHAS, NOX, RM, AGE, DIS, RAD, TAX,
    PTRATIO, B, LSTAT; ``y`` is MEDV, the median home value in $1000s.

    Ethical note: the ``B`` column, 1000(Bk - 0.63)^2 with Bk the proportion
    of Black residents by town, encodes a racial proportion and rests on the
    authors' assumption that racial self-segregation affects house prices.
    scikit-learn deprecated and then removed ``load_boston`` (1.2) for this
    reason. It is kept here because it is a small, classic regression
    benchmark; do not draw conclusions about people from it, and consider
    dropping column 11 (``x[:, 11]``) or using another dataset.

    With ``path=None`` the copy bundled inside the package is read (works
    offline). A ``path`` may hold the bundled layout (``#`` comment lines,
    one record a line) or StatLib's original one (22 header lines, each
    record wrapped as 11 numbers then 3); text lines before the data are
    skipped. A malformed file raises ValueError naming the file.

    Example:
        >>> x, y = boston()
        >>> x.shape, y.shape, float(y[0])
        ((506, 13), (506,), 24.0)
    """
    if path is None:
        source = resources.files("mytorch.datasets").joinpath("data").joinpath("boston.txt")
        name = "mytorch/datasets/data/boston.txt (bundled)"
        text = source.read_text(encoding="ascii")
    else:
        name = os.fspath(path)
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    table = _parse(text, name)
    return np.ascontiguousarray(table[:, :13]), np.ascontiguousarray(table[:, 13])


def _parse(text: str, name: str) -> np.ndarray:
    """Group the numbers after the header into records of 14, line breaks only between records."""
    count = N_RECORDS * N_COLUMNS
    expected = f"expected {N_RECORDS} records of {N_COLUMNS} numbers ({count} in all)"
    records: list[list[float]] = []
    current: list[float] = []
    start = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens or tokens[0].startswith("#"):
            continue
        try:
            values = [float(t) for t in tokens]
        except ValueError:
            if records or current:
                raise ValueError(
                    f"{name}: line {lineno}: non-numeric text {line.strip()[:40]!r} "
                    f"inside the data; {expected}"
                ) from None
            continue  # header text before the first record
        if not current:
            start = lineno
        current.extend(values)
        if len(current) > N_COLUMNS:
            raise ValueError(
                f"{name}: record {len(records) + 1} (from line {start} to {lineno}) has "
                f"{len(current)} numbers, expected {N_COLUMNS}; {expected}"
            )
        if len(current) == N_COLUMNS:
            records.append(current)
            current = []
    if current:
        raise ValueError(
            f"{name}: last record (from line {start}) has only {len(current)} numbers; {expected}"
        )
    if len(records) != N_RECORDS:
        raise ValueError(f"{name}: found {len(records)} records; {expected}")
    return np.array(records, dtype=np.float64)
