"""``mytorch.micro.nn``: the one ``mytorch.nn``, its layers homed on the micro device.

A namespace module, not engine code: importing it makes (once) the module of
``mytorch._namespace.homed_namespace`` and puts it in its place, so
``mytorch.micro.nn.Linear(2, 3)`` holds micro Parameters. It also holds micrograd's
``Neuron``, ``Layer`` and ``MLP`` (``micrograd_nn.py``).
"""

import sys

import mytorch.nn

from .. import _device, _namespace
from . import micrograd_nn

_namespace_module = _namespace.homed_namespace(mytorch.nn, _device.MICRO, __name__)
for _name in ("Neuron", "Layer", "MLP"):  # micrograd's own nn, on Values (micrograd_nn.py)
    setattr(_namespace_module, _name, getattr(micrograd_nn, _name))
sys.modules[__name__] = _namespace_module
