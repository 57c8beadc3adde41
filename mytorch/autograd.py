"""``mytorch.autograd``: engine-independent autograd switches (PyTorch's names).

Example:
    >>> import mytorch
    >>> mytorch.autograd.set_detect_anomaly(True)
    >>> mytorch.autograd.is_anomaly_enabled()
    True
    >>> mytorch.autograd.set_detect_anomaly(False)
"""

from . import _autograd_functional as functional  # noqa: F401 - autograd.functional.jacobian, ...
from ._anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly

__all__ = ["set_detect_anomaly", "is_anomaly_enabled", "detect_anomaly"]
