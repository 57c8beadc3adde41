"""Hyper-parameter checks shared by the optimizers, with PyTorch's messages.

Example:
    >>> check_non_negative("learning rate", -1.0)
    Traceback (most recent call last):
    ...
    ValueError: Invalid learning rate: -1.0
"""

from __future__ import annotations

from typing import Any


def check_non_negative(what: str, value: Any) -> None:
    """Raise ``ValueError("Invalid <what>: <value>")`` unless ``0 <= value``."""
    if not _is_number(value) or not 0.0 <= value:
        raise ValueError(f"Invalid {what}: {value}")


def check_beta(index: int, value: Any) -> None:
    """A beta must lie in [0, 1)."""
    if not _is_number(value) or not 0.0 <= value < 1.0:
        raise ValueError(f"Invalid beta parameter at index {index}: {value}")


def check_betas(betas: Any) -> None:
    """A pair of betas, each in [0, 1)."""
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    check_beta(0, betas[0])
    check_beta(1, betas[1])


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, (str, bytes))
