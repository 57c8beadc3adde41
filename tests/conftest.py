"""Shared pytest setup: tests import their helper modules (op_specs, oracle) by name."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
