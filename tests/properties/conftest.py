"""Hypothesis profiles for the property tests (issue #12).

``default`` and ``ci`` run a few tens of examples per property, derandomized so
that every run (and CI) tries the same examples; ``thorough`` runs hundreds
with fresh randomness. Choose with ``HYPOTHESIS_PROFILE=thorough python -m pytest tests/properties``.
"""

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("default", max_examples=30, derandomize=True, **_COMMON)
settings.register_profile("ci", max_examples=30, derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("thorough", max_examples=400, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
