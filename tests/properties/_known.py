"""Regions the properties skip because of bugs not fixed yet; each entry names its issue.

Empty means every property runs everywhere. An entry is removed when its fix lands.
"""

KNOWN_OPEN: dict[str, str] = {}


def known(feature: str) -> bool:
    return feature in KNOWN_OPEN
