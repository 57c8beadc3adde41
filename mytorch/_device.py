"""Devices, as PyTorch's device-selection preamble expects them: MyTorch computes on the CPU.

``device("cpu")`` is the one device tensors live on; ``device("cuda")`` can be
*named* (tutorials build it before asking whether it exists) but not used:
moving a tensor or module there, or creating one with ``device="cuda"``, raises
a RuntimeError. ``cuda.is_available()`` and ``accelerator.is_available()``
answer False, ``accelerator.current_accelerator()`` answers None, so the
usual preamble picks the CPU.

Example:
    >>> import mytorch.vector as torch
    >>> dev = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"
    >>> d = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    >>> d, str(d), torch.zeros(2, device=d).device == d
    (device(type='cpu'), 'cpu', True)
"""

from __future__ import annotations

import builtins
from typing import Any

#: Device types PyTorch knows; all can be named, only "cpu" can hold tensors here.
KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "mtia", "hpu", "privateuseone")


class device:  # noqa: N801 - torch.device
    """A device: ``device("cpu")``, ``device("cuda:1")``, ``device("cuda", 1)``, ``device(other)``.

    Example:
        >>> device("cpu:0").index, device("cuda", 1)
        (0, device(type='cuda', index=1))
    """

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            if index is not None:
                raise TypeError(f"device(): cannot give an index with a device object {type!r}")
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError(f"device() expects a str or a device, got {builtins.type(type).__name__}")
        name, _, number = type.partition(":")
        if name not in KNOWN_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(KNOWN_TYPES)} device type at start of device string: {type}"
            )
        if number:
            if index is not None:
                raise RuntimeError(f"device(): index given twice, in {type!r} and as index={index}")
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: {type!r} (the index must be a non-negative int)")
            index = int(number)
        if index is not None and (not isinstance(index, int) or isinstance(index, bool) or index < 0):
            raise RuntimeError(f"Device index must not be negative (or a non-int), got {index!r}")
        self.type, self.index = name, index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"


CPU = device("cpu")


def resolve(where: Any, op: str) -> device:
    """The device ``where`` names (None means the CPU); RuntimeError unless it is the CPU.

    Example:
        >>> resolve("cpu", "zeros"), resolve(None, "zeros")
        (device(type='cpu'), device(type='cpu'))
    """
    if where is None:
        return CPU
    d = where if isinstance(where, device) else device(where)
    if d.type != "cpu":
        raise RuntimeError(
            f"{op}: device {str(d)!r} is not available: MyTorch computes on the CPU only "
            "(cuda.is_available() and accelerator.is_available() are False); use device='cpu'"
        )
    return d


def is_device(x: Any) -> bool:
    """True for a device object or a string naming a device type (``"cpu"``, ``"cuda:0"``)."""
    return isinstance(x, device) or (isinstance(x, str) and x.partition(":")[0] in KNOWN_TYPES)


def parse_to(args: tuple, kwargs: dict, op: str) -> Any:
    """The dtype asked for by ``to(...)``'s arguments (None: keep it), checking any device.

    Accepts PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
    ``to(other_tensor)``, ``to(device=..., dtype=..., non_blocking=..., copy=...)``.

    Example:
        >>> parse_to(("cpu", "float64"), {}, "to"), parse_to((), {"device": device("cpu")}, "to")
        ('float64', None)
    """
    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype", None)
    resolve(kwargs.pop("device", None), op)
    kwargs.pop("non_blocking", None)
    kwargs.pop("copy", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"{op}() got unexpected keyword arguments {sorted(kwargs)}")
    for arg in args:
        if is_device(arg):
            resolve(arg, op)
        elif hasattr(arg, "grad_fn") and hasattr(arg, "dtype"):  # a tensor: take its dtype
            dtype = arg.dtype
        elif isinstance(arg, bool):  # non_blocking / copy given positionally
            continue
        elif arg is not None:
            dtype = arg
    return dtype


class _Cuda:
    """``torch.cuda`` on a CPU-only framework: no device is available."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0

    @staticmethod
    def manual_seed(seed: int) -> None:
        """A no-op, as in PyTorch without CUDA (seeding is lazy there)."""

    manual_seed_all = manual_seed


class _Accelerator:
    """``torch.accelerator``: none here."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def current_accelerator(check_available: bool = False) -> device | None:
        return None

    @staticmethod
    def device_count() -> int:
        return 0


class _Mps:
    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def is_built() -> bool:
        return False


class _Backends:
    """``torch.backends.mps.is_available()`` (another common preamble): False."""

    mps = _Mps()


cuda = _Cuda()
accelerator = _Accelerator()
backends = _Backends()
