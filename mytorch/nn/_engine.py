"""Which engine this copy of ``nn`` builds on.

``mytorch/nn`` is written once and loaded once per engine: as ``mytorch.nn``
(= ``mytorch.vector.nn``, the vector engine) and as ``mytorch.micro.nn``
(see ``mytorch._engine_loader``). The package name tells the engine, so
``Linear`` in ``mytorch.micro.nn`` makes micro Parameters.

Example:
    >>> engine.__name__
    'mytorch.vector'
"""

from __future__ import annotations

import importlib

_package = __name__.rsplit(".", 2)[0]  # "mytorch" or "mytorch.micro"
engine = importlib.import_module("mytorch.vector" if _package == "mytorch" else _package)
