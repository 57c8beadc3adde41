"""``repr(tensor)`` as PyTorch prints it, on both engines (PyTorch's repr is the oracle).

The expected string is ``repr`` of the same tensor in PyTorch with ``torch.`` read as
``mytorch.`` in dtype names. The micro engine holds every float as float64 and names
no floating dtype, so cases with an explicit float64 are checked on the vector engine.
"""

import numpy as np
import pytest

import mytorch
import mytorch.micro as mm
import mytorch.vector as mv

torch = pytest.importorskip("torch")  # the oracle; these tests skip without it

_RNG = np.random.default_rng(0)
_BIG = _RNG.standard_normal((40, 40)).astype(np.float32)
_SMALL = (_RNG.standard_normal((3, 4)) * 10).astype(np.float32)

CASES = {
    "0-d": lambda t: t.tensor(0.2918),
    "0-d int": lambda t: t.tensor(3),
    "0-d integer float": lambda t: t.tensor(2.0),
    "halves": lambda t: t.tensor([0.5, 1.0]),
    "integer floats": lambda t: t.tensor([1.0, -20.0, 3.0]),
    "ints": lambda t: t.tensor([1, 2, 300]),
    "negative ints": lambda t: t.tensor([[-1, 20], [3, -400]]),
    "bools": lambda t: t.tensor([True, False]),
    "int32": lambda t: t.tensor([1, 2], dtype=t.int32),
    "requires grad": lambda t: t.tensor([1.0, 2.0], requires_grad=True),
    "sci: tiny": lambda t: t.tensor([1e-5, 1.0]),
    "sci: huge": lambda t: t.tensor([1e9, 1.0]),
    "sci: wide range": lambda t: t.tensor([1.0, 2000.5]),
    "sci: integers": lambda t: t.tensor([1.0, 1e10]),
    "nan and inf": lambda t: t.tensor([float("nan"), float("inf"), -float("inf"), 1.5]),
    "nan with integers": lambda t: t.tensor([float("nan"), 2.0]),
    "zeros": lambda t: t.zeros(2, 3),
    "negative zero": lambda t: t.tensor([-0.0, 1.5]),
    "empty": lambda t: t.zeros(0),
    "empty 2-d": lambda t: t.zeros(0, 3),
    "empty int": lambda t: t.tensor([], dtype=t.int64),
    "3-d": lambda t: t.tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7),
    "wraps at 80 columns": lambda t: t.tensor(np.linspace(-3, 3, 30, dtype=np.float32)),
    "random 2-d": lambda t: t.tensor(_SMALL),
    "summarised": lambda t: t.tensor(_BIG),
    "summarised ints": lambda t: t.arange(2000),
    "summarised 3-d": lambda t: t.tensor(np.arange(2400, dtype=np.float32).reshape(2, 30, 40)),
    "mixed signs": lambda t: t.tensor([[-0.5, 0.25], [10.0, -100.0]]),
    "mse loss": lambda t: t.nn.functional.mse_loss(t.tensor([1.0, 2.0], requires_grad=True),
                                                  t.tensor([1.5, 1.25])),
    "grad_fn on a wrapped row": lambda t: t.tensor(np.linspace(0, 1, 19, dtype=np.float32),
                                                   requires_grad=True) + 1,
}
FLOAT64 = {
    "float64": lambda t: t.tensor([1.5, 2.25], dtype=t.float64),
    "float64 2-d": lambda t: t.tensor([[1.5, 2.25], [3.0, -4.125]], dtype=t.float64),
    "float64 wrapped": lambda t: t.tensor(np.linspace(0, 1, 12), dtype=t.float64),
    "float64 with grad_fn": lambda t: t.tensor([1.0, 2.0], dtype=t.float64, requires_grad=True) * 3,
    "float16": lambda t: t.tensor([1.5, 2.0], dtype=t.float16),
}


def _theirs(case):
    return repr(case(torch)).replace("torch.", "mytorch.")


@pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_repr_is_pytorchs(mt, name):
    assert repr(CASES[name](mt)) == _theirs(CASES[name])


@pytest.mark.parametrize("name", sorted(FLOAT64))
def test_repr_names_a_non_default_dtype_as_pytorch(name):
    assert repr(FLOAT64[name](mv)) == _theirs(FLOAT64[name])


@pytest.mark.parametrize("mt", [mv, mm], ids=["vector", "micro"])
@pytest.mark.parametrize("options", [dict(precision=2), dict(precision=6), dict(threshold=5),
                                     dict(edgeitems=1, threshold=10), dict(linewidth=40),
                                     dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"),
                                     dict(profile="full")])
def test_set_printoptions_as_pytorchs(mt, options):
    samples = ["halves", "random 2-d", "summarised", "summarised ints", "sci: tiny", "wraps at 80 columns"]
    try:
        torch.set_printoptions(**options)
        expected = [_theirs(CASES[s]) for s in samples]
    finally:
        torch.set_printoptions(profile="default")
    try:
        mt.set_printoptions(**options)
        got = [repr(CASES[s](mt)) for s in samples]
    finally:
        mt.set_printoptions(profile="default")
    assert got == expected


def test_printoptions_is_a_context_and_get_printoptions_reads_them():
    with mytorch.printoptions(precision=1), torch._tensor_str.printoptions(precision=1):
        assert repr(mv.tensor([0.25, 1.0])) == "tensor([0.2, 1.0])" == repr(torch.tensor([0.25, 1.0]))
        assert mv.get_printoptions() == torch._tensor_str.get_printoptions()
    assert mv.get_printoptions() == torch._tensor_str.get_printoptions()


def test_bad_profile_is_named():
    with pytest.raises(ValueError, match="profile must be one of.*'wide'"):
        mv.set_printoptions(profile="wide")


def test_parameter_repr_as_pytorchs():
    ours = mv.nn.Parameter(mv.tensor([0.5, -1.0]))
    theirs = torch.nn.Parameter(torch.tensor([0.5, -1.0]))
    assert repr(ours) == repr(theirs)
