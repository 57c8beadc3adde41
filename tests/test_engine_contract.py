"""Both engines supply the engine contract (``mytorch/_engine_contract.py``) with its signatures,
and the shared Tensor API needs no other engine-specific method."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import mytorch.micro as mm
import mytorch.vector as mv
from mytorch._engine_contract import OPTIONAL, PRIMITIVES, EngineTensor, missing
from mytorch._tensor_base import TensorBase

ENGINES = [mv, mm]


def _parameters(obj: object) -> list[object]:
    """The parameter kinds (the shared code calls primitives positionally; names may differ)."""
    fn = obj.__func__ if isinstance(obj, (classmethod, staticmethod)) else obj
    return [(p.kind, p.default is p.empty) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("engine", ENGINES, ids=["vector", "micro"])
def test_each_engine_supplies_every_primitive_with_its_signature(engine):
    assert missing(engine.Tensor) == []
    for name in PRIMITIVES:
        if name in ("_location", "_engine"):
            continue
        ours = inspect.getattr_static(engine.Tensor, name)
        contract = inspect.getattr_static(EngineTensor, name)
        assert type(ours) is type(contract) or not isinstance(contract, classmethod), name
        assert _parameters(ours) == _parameters(contract), (engine.__name__, name)
    assert isinstance(engine.ones(2), EngineTensor)


def test_the_shared_api_calls_no_engine_method_outside_the_contract():
    """Every ``self._x`` / ``cls._x`` the shared files call is the contract's or TensorBase's own."""
    shared = ["_tensor_base.py", "_ops_math.py", "_ops_shape.py", "_ops_index.py", "_ops_scan.py",
              "_ops_dtype.py"]
    package = Path(inspect.getfile(TensorBase)).parent
    called = set()
    for name in shared:
        called |= set(re.findall(r"\b(?:self|cls|type\(self\))\.(_[a-z]\w*)\(", (package / name).read_text()))
    outside = sorted(n for n in called if n not in PRIMITIVES + OPTIONAL and not hasattr(TensorBase, n))
    assert outside == [], f"shared code calls engine methods outside the contract: {outside}"
