"""Every ``Example:`` in the package's docstrings runs and prints what it shows.

The docstrings are documentation users copy from; this keeps them true
(``python -m pytest --doctest-modules mytorch`` runs the same examples).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import mytorch
from mytorch import _dtype, _random

# ``mytorch.__main__`` is the command line itself: importing it runs the program.
MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(mytorch.__path__, "mytorch.")
    if info.name != "mytorch.__main__"
)


@pytest.fixture(autouse=True)
def _keep_global_state():
    """Examples reseed the shared generator and switch the default dtype: put both back."""
    rng, dtype = _random._generator, _dtype.get_default_dtype()
    state = rng.bit_generator.state
    yield
    rng.bit_generator.state = state
    _random._generator = rng
    _dtype.set_default_dtype(dtype)


def test_the_walk_finds_the_engines_and_nn():
    assert {"mytorch.vector.node", "mytorch.micro.value", "mytorch.nn.module", "mytorch.viz"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for test in finder.find(module, name, globs=dict(vars(module))):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
