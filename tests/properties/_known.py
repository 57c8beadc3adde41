"""Regions the properties skip because of bugs not fixed yet; each entry names its issue.

Empty means every property runs everywhere. An entry is removed when its fix lands.
"""

KNOWN_OPEN: dict[str, str] = {
    # numpy's rule (advanced dims first when separated, ints counted as advanced) instead of PyTorch's
    "advanced-index-axis-order": "#12 point 4: a[0, :, [0, 1]] is (2, 3), PyTorch (3, 2)",
    # b[[0, 0]] = v: v.grad is [0, 1] on micro, [1, 1] on vector and PyTorch
    "repeated-index-setitem": "#12 point 6: micro and vector disagree on v.grad",
}


def known(feature: str) -> bool:
    return feature in KNOWN_OPEN
