"""Load the engine-independent ``mytorch/nn`` package a second time for another engine.

``nn`` is written once against the Tensor API; its layers create parameters
with ``engine.zeros``/``engine.Tensor``. Loading the same source files under
the name ``mytorch.micro.nn`` gives classes bound to the micro engine, with
the same inheritance among themselves (``micro.nn.Linear`` subclasses
``micro.nn.Module``).

Example:
    >>> import mytorch.micro as mm
    >>> mm.nn.Linear.__module__
    'mytorch.micro.nn.linear'
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).parent


def load_nn_for(engine_package: str, package: str = "nn") -> ModuleType:
    """Import ``mytorch/<package>`` as ``<engine_package>.<package>`` (once; cached in sys.modules)."""
    name = f"{engine_package}.{package}"
    if name in sys.modules:
        return sys.modules[name]
    folder = HERE / package
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
