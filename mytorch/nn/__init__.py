"""``nn``: modules, layers, losses, init and functional, written once for both engines."""

from ._engine import engine  # noqa: F401
