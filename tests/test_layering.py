"""The package's layers: ``_graph`` < engines < nn / optim / utils < viz / datasets < cli.

Checked on the source (every import statement, wherever it is), so a cycle cannot hide
behind a function-level import: layers never import an engine (they reach one through
their tensors, ``device=`` or the default device) and engines never import nn, optim or utils.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mytorch"
ENGINES = ("vector", "micro")
SHARED = ("nn", "optim", "utils")


def _imports(path: Path) -> set[str]:
    """Absolute names of the mytorch modules ``path`` imports (relative imports resolved)."""
    parts = ("mytorch",) + path.relative_to(PACKAGE).with_suffix("").parts
    package = ".".join(parts[:-1])  # the package a relative import starts from
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant):
                names.add(node.args[0].value)
    return {n for n in names if n == "mytorch" or n.startswith("mytorch.")}


def _within(name: str, package: str) -> bool:
    return name == f"mytorch.{package}" or name.startswith(f"mytorch.{package}.")


def _files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _files(*SHARED), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nn_optim_utils_never_import_an_engine(path):
    bad = {n for n in _imports(path) if any(_within(n, e) for e in ENGINES)}
    assert not bad, f"{path.relative_to(PACKAGE)} imports an engine: {sorted(bad)}"


@pytest.mark.parametrize("path", _files(*ENGINES), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_engines_never_import_nn_optim_utils(path):
    bad = {n for n in _imports(path) if any(_within(n, s) for s in SHARED)}
    source = path.read_text()
    if path.name in ("nn.py", "utils.py"):  # a namespace module (mytorch.micro.nn), not engine code
        assert "sys.modules[__name__] =" in source and len(source.splitlines()) < 30, path
        return
    if path.name == "__init__.py":  # the namespace's lazy ``nn``/``optim``/``utils`` attributes
        assert "def __getattr__" in source and not any(
            line.startswith(("from .. import nn", "from .. import optim", "import mytorch.nn"))
            for line in source.splitlines()
        ), f"{path.relative_to(PACKAGE)} imports nn at module level"
        bad -= {"mytorch.optim"}  # import_module("mytorch.optim") inside __getattr__
    assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_graph_core_imports_no_engine_and_no_layer():
    for name in ("_graph.py", "_device.py", "_tensor_base.py"):
        bad = {n for n in _imports(PACKAGE / name)
               if any(n.startswith(f"mytorch.{x}") for x in ENGINES + SHARED + ("viz", "datasets", "cli"))}
        assert not bad or name == "_device.py" and bad <= {"mytorch.micro", "mytorch.vector"}, (name, bad)


def test_the_engine_loader_is_gone():
    assert not (PACKAGE / "_engine_loader.py").exists() and not (PACKAGE / "nn" / "_engine.py").exists()
    for path in _files(*SHARED):
        assert "spec_from_file_location" not in path.read_text(), path
