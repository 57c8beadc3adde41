"""Helpers shared by the MkDocs build hook and the docs tests (not part of the package)."""
