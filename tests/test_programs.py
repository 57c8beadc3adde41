"""PyTorch tutorial programs (our own copies, in tests/programs/) run on MyTorch with only the
module changed, and print the same numbers as under PyTorch.

Each program is ``main(torch)``: it gets the library module, starts from the same fixed
weights, and returns what the tutorial prints. Everything is float64; the two libraries
sum and multiply in different orders (numpy's pairwise sums, PyTorch's vectorised kernels),
so the results differ by rounding, about 1e-16 relative per operation; the gradient
descents here are contracting, so over 1000-2000 steps that stays far below rtol 1e-8,
while any real difference in an op or its gradient shows at 1e-3 or more.
"""

import importlib.util
import pathlib

import numpy as np
import pytest

import mytorch.vector as mt

torch = pytest.importorskip("torch")  # the oracle; these tests skip without it

PROGRAMS = pathlib.Path(__file__).parent / "programs"
NAMES = ["poly_autograd", "poly_nn", "legendre_function", "dynamic_net", "blitz_autograd", "blitz_cnn"]


def _load(name):
    spec = importlib.util.spec_from_file_location(f"tutorial_program_{name}", PROGRAMS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", NAMES)
def test_program_prints_the_same_numbers_as_pytorch(name):
    program = _load(name)
    theirs = program.main(torch)
    ours = program.main(mt)
    assert theirs.keys() == ours.keys()
    for key in theirs:
        if key == "names":
            continue  # compared in test_blitz_grad_fn_names
        expected = np.asarray(theirs[key], dtype=np.float64)
        got = np.asarray(ours[key], dtype=np.float64)
        assert got.shape == expected.shape, key
        scale = max(np.abs(expected).max(), 1e-300)
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-13 * scale, err_msg=f"{name}: {key}")


def test_blitz_grad_fn_names():
    program = _load("blitz_autograd")
    assert program.main(mt)["names"] == program.main(torch)["names"]


def test_programs_folder_lists_every_program():
    assert sorted(p.stem for p in PROGRAMS.glob("*.py")) == sorted(NAMES)
