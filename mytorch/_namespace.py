"""``mytorch.micro.nn`` and ``mytorch.micro.utils``: the one ``nn`` and ``utils``, homed on micro.

``nn`` is written once and imported once. A layer makes its Parameters on the
device given by ``device=``, else the default device, else its *home* device.
``mytorch.micro.nn`` holds the same functions and classes as ``mytorch.nn``,
except that each class that takes ``device=`` (the layers that make
Parameters or buffers, PyTorch's factory kwargs) is a subclass whose
constructor runs with micro as home: ``mytorch.micro.nn.Linear(2, 3)`` is
``mytorch.nn.Linear(2, 3, device="micro")``, and ``"cpu"`` there means micro,
so existing micro programs (and PyTorch's ``device = "cpu"`` preamble) keep
working. ``DataLoader`` is homed the same way in ``mytorch.micro.utils.data``.

Example:
    >>> import mytorch.micro as mm, mytorch.nn as nn
    >>> issubclass(mm.nn.Linear, nn.Linear), mm.nn.Module is nn.Module, mm.nn.ReLU is nn.ReLU
    (True, True, True)
    >>> mm.nn.Linear(2, 3).weight.device
    device(type='micro')
"""

from __future__ import annotations

import functools
import inspect
import sys
from types import ModuleType
from typing import Any

from . import _device


def _takes_device(cls: type[Any]) -> bool:
    try:
        return "device" in inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return False


def homed_class(cls: type[Any], home: _device.device, module: str) -> type:
    """A subclass of ``cls`` whose constructor makes its tensors on ``home`` by default."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        with _device.home_device(home):
            cls.__init__(self, *args, **kwargs)

    __init__.__signature__ = inspect.signature(cls.__init__)  # type: ignore[attr-defined]
    return type(cls.__name__, (cls,), {
        "__init__": __init__, "__module__": module, "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
    })


def homed_function(function: Any, home: _device.device) -> Any:
    """``function`` run with ``home`` as the home device (for functions that make tensors)."""

    @functools.wraps(function)
    def homed(*args: Any, **kwargs: Any) -> Any:
        with _device.home_device(home):
            return function(*args, **kwargs)

    return homed


def homed_namespace(package: ModuleType, home: _device.device, name: str,
                    homed: dict[str, Any] | None = None) -> ModuleType:
    """A module ``name`` with ``package``'s names, the device-taking classes homed on ``home``.

    ``homed`` gives replacements by name (e.g. a homed ``data`` submodule). Submodules are
    registered under ``name`` too (``mytorch.micro.nn.functional`` is ``mytorch.nn.functional``).
    """
    namespace = ModuleType(name, package.__doc__)
    namespace.__dict__["__file__"] = getattr(package, "__file__", None)
    for attr, value in vars(package).items():
        if attr.startswith("__"):
            continue
        if homed and attr in homed:
            value = homed[attr]
        elif isinstance(value, type) and value.__module__.startswith("mytorch.") and _takes_device(value):
            value = homed_class(value, home, name)
        elif isinstance(value, ModuleType) and value.__name__.startswith(package.__name__ + "."):
            sys.modules.setdefault(f"{name}.{attr}", value)
        namespace.__dict__[attr] = value
    sys.modules[name] = namespace
    return namespace
