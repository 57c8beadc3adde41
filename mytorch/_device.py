"""Devices: MyTorch's two engines are its devices, both on the host CPU.

* ``device("micro")``: the scalar engine (``mytorch.micro``).
* ``device("vector")``: the numpy engine (``mytorch.vector``). Its tensors report
  ``device(type='cpu')``, as a PyTorch CPU tensor does, and ``device("vector") ==
  device("cpu")``.
* ``"cpu"`` *asked for* means "the host engine at hand": in ``mytorch.micro.zeros(2,
  device="cpu")`` or ``micro_tensor.to("cpu")`` that is the micro engine, so a PyTorch
  tutorial's ``device = "cpu"`` preamble never moves a tensor off its engine; at the top
  level (``mytorch.zeros``, ``nn`` layers) it is the vector engine.

``device("cuda")`` can be *named* (tutorials build it before asking whether it
exists) but not used: creating or moving a tensor there raises a RuntimeError.
``cuda.is_available()`` and ``accelerator.is_available()`` answer False, so the
usual preamble picks the CPU.

Where a tensor is made without ``device=``: on the default device if one was set
(``set_default_device("micro")`` or ``with device("micro"):``), else on the engine of
the namespace called (``mytorch.micro.zeros``), else on the vector engine.

Example:
    >>> import mytorch.vector as torch
    >>> dev = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"
    >>> d = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    >>> d, str(d), torch.zeros(2, device=d).device == d
    (device(type='cpu'), 'cpu', True)
"""

from __future__ import annotations

import builtins
import contextvars
from types import ModuleType
from typing import Any

#: The device types that hold tensors here: the engines ("cpu" is the vector engine's name).
ENGINE_TYPES = ("cpu", "vector", "micro")
#: Device types PyTorch knows; all can be named, only ENGINE_TYPES can hold tensors.
KNOWN_TYPES = ENGINE_TYPES + ("cuda", "mps", "xpu", "meta", "hip", "xla", "mtia", "hpu", "privateuseone")


class device:  # noqa: N801 - torch.device
    """A device: ``device("cpu")``, ``device("cuda:1")``, ``device("cuda", 1)``, ``device(other)``.

    Example:
        >>> device("cpu:0").index, device("cuda", 1)
        (0, device(type='cuda', index=1))
    """

    __slots__ = ("type", "index", "_tokens", "_exact")
    type: str
    index: int | None
    _tokens: list[contextvars.Token[device | None]]  # one per ``with device(...)`` entered
    _exact: bool

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            if index is not None:
                raise TypeError(f"device(): cannot give an index with a device object {type!r}")
            self.type, self.index, self._tokens, self._exact = type.type, type.index, [], False
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
        self.type, self.index, self._tokens, self._exact = name, index, [], False

    def _where(self) -> tuple[str, int | None]:  # "vector" and "cpu" name the same engine
        return ("cpu" if self.type == "vector" else self.type), self.index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and self._where() == other._where()

    def __hash__(self) -> int:
        return hash(self._where())

    def __enter__(self) -> device:
        """``with device("micro"):`` makes it the default device inside the block."""
        resolve(self, "with device(...)")
        self._tokens.append(_default.set(self))
        return self

    def __exit__(self, *exc: Any) -> None:
        _default.reset(self._tokens.pop())

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"


CPU = device("cpu")
CPU._exact = True  # the vector engine's location (a tensor's .device): never "the engine at hand"
MICRO = device("micro")

#: The default device set by ``set_default_device`` / ``with device(...)`` (None: not set).
_default: contextvars.ContextVar[device | None] = contextvars.ContextVar("default_device", default=None)
#: The engine "cpu" means where no namespace says (the micro namespace's layers set it to micro).
_home: contextvars.ContextVar[device] = contextvars.ContextVar("home_device", default=CPU)


def resolve(where: Any, op: str, home: device | None = None) -> device:
    """The engine a tensor is made on: ``where``, else the default device, else ``home``.

    ``home`` is the engine at hand (a namespace's, a tensor's own); "cpu" resolves to it.
    RuntimeError for a device that holds no tensors here (cuda, mps, ...).

    Example:
        >>> resolve("cpu", "zeros"), resolve(None, "zeros", home=MICRO), resolve("cpu", "to", MICRO)
        (device(type='cpu'), device(type='micro'), device(type='micro'))
    """
    home = _home.get() if home is None else home
    if where is None:
        where = _default.get()
        if where is None:
            return home
    d = where if isinstance(where, device) else device(where)
    if d.type not in ENGINE_TYPES:
        raise RuntimeError(
            f"{op}: device {str(d)!r} is not available: MyTorch computes on the CPU, with two "
            "engines as devices, 'cpu' (= 'vector') and 'micro' (cuda.is_available() and "
            "accelerator.is_available() are False); use device='cpu'"
        )
    if d.type == "cpu" and not d._exact:
        return home
    return CPU if d.type in ("cpu", "vector") else MICRO


class DeviceMismatchError(RuntimeError, TypeError):
    """Tensors of two engines in one op (RuntimeError, as PyTorch raises; TypeError, as MyTorch did)."""


def mismatch(op: str, a: Any, b: Any) -> DeviceMismatchError:
    """The error for ``op`` given tensors ``a`` and ``b`` on different devices (engines).

    Example:
        >>> import mytorch
        >>> message = str(mismatch("add", mytorch.ones(1), mytorch.ones(1, device="micro")))
        >>> message[:97]
        'add: expected all tensors to be on the same device, but found at least two devices, cpu and micro'
        >>> message[97:]
        " (a vector Tensor and a micro Tensor); move one with .to(...), e.g. .to('micro')"
    """
    names = {"cpu": "vector", "micro": "micro"}
    da, db = a.device, b.device
    return DeviceMismatchError(
        f"{op}: expected all tensors to be on the same device, but found at least two devices, {da} and "
        f"{db} (a {names[da.type]} Tensor and a {names[db.type]} Tensor); move one with .to(...), "
        f"e.g. .to({str(db)!r})"
    )


def check_same(op: str, tensors: Any) -> None:
    """Raise ``mismatch`` unless every tensor in ``tensors`` is on the same engine."""
    first = None
    for t in tensors:
        if first is None:
            first = t
        elif type(t)._location is not type(first)._location:
            raise mismatch(op, first, t)


def engine(where: device) -> ModuleType:
    """The engine module of a resolved device: ``mytorch.micro`` or ``mytorch.vector``."""
    if where.type == "micro":
        from . import micro

        return micro
    from . import vector

    return vector


def set_default_device(where: Any) -> None:
    """Make ``where`` the device tensors and layers are created on (None: unset it).

    Example:
        >>> import mytorch
        >>> mytorch.set_default_device("micro"); mytorch.zeros(2).device
        device(type='micro')
        >>> mytorch.set_default_device(None); mytorch.zeros(2).device
        device(type='cpu')
    """
    if where is not None:
        where = device(where) if not isinstance(where, device) else where
        resolve(where, "set_default_device")
    _default.set(where)


def get_default_device() -> device:
    """The device a tensor made without ``device=`` goes to at the top level."""
    return resolve(None, "get_default_device")


class home_device:
    """Context manager: inside it, "cpu" and "no device given" mean ``where`` (used by the
    micro namespace's ``nn`` layers, so ``mytorch.micro.nn.Linear(2, 3)`` holds micro Parameters).
    """

    def __init__(self, where: device) -> None:
        self.where = where
        self.token: contextvars.Token[device] | None = None

    def __enter__(self) -> None:
        self.token = _home.set(self.where)

    def __exit__(self, *exc: Any) -> None:
        if self.token is not None:
            _home.reset(self.token)


def is_device(x: Any) -> bool:
    """True for a device object or a string naming a device type (``"cpu"``, ``"cuda:0"``)."""
    return isinstance(x, device) or (isinstance(x, str) and x.partition(":")[0] in KNOWN_TYPES)


def parse_to(args: tuple, kwargs: dict, op: str, home: device | None = None) -> tuple[device | None, Any]:
    """The device and dtype asked for by ``to(...)``'s arguments (None: keep it).

    Accepts PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
    ``to(other_tensor)``, ``to(device=..., dtype=..., non_blocking=..., copy=...)``.

    ``home`` is the engine of the tensor or module being moved: ``"cpu"`` resolves to it.

    Example:
        >>> parse_to(("cpu", "float64"), {}, "to"), parse_to((), {"device": "micro"}, "to")
        ((device(type='cpu'), 'float64'), (device(type='micro'), None))
    """
    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype", None)
    where = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("copy", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"{op}() got unexpected keyword arguments {sorted(kwargs)}")
    for arg in args:
        if is_device(arg):
            where = arg
        elif hasattr(arg, "grad_fn") and hasattr(arg, "dtype"):  # a tensor: take its device and dtype
            where, dtype = arg.device, arg.dtype
        elif isinstance(arg, bool):  # non_blocking / copy given positionally
            continue
        elif arg is not None:
            dtype = arg
    return (None if where is None else resolve(where, op, home)), dtype


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
