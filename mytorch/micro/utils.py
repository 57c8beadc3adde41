"""``mytorch.micro.utils``: the one ``mytorch.utils``, its DataLoader homed on the micro device.

A namespace module, not engine code (see ``mytorch.micro.nn``): batches and
``default_collate`` results are micro Tensors.
"""

import sys

import mytorch.utils
import mytorch.utils.data

from .. import _device, _namespace

_source = mytorch.utils.data
_data = _namespace.homed_namespace(_source, _device.MICRO, f"{__name__}.data", homed={
    "DataLoader": _namespace.homed_class(_source.DataLoader, _device.MICRO, f"{__name__}.data"),
    "default_collate": _namespace.homed_function(_source.default_collate, _device.MICRO),
})
sys.modules[__name__] = _namespace.homed_namespace(
    mytorch.utils, _device.MICRO, __name__, homed={"data": _data}
)
