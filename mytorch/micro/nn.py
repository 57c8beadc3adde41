"""``mytorch.micro.nn``: the one ``mytorch.nn``, its layers homed on the micro device.

A namespace module, not engine code: importing it makes (once) the module of
``mytorch._namespace.homed_namespace`` and puts it in its place, so
``mytorch.micro.nn.Linear(2, 3)`` holds micro Parameters.
"""

import sys

import mytorch.nn

from .. import _device, _namespace

sys.modules[__name__] = _namespace.homed_namespace(mytorch.nn, _device.MICRO, __name__)
