"""Both engines expose the same public API: names, kinds and signatures.

A public name (or a function/method signature) present on one of
``mytorch.vector`` / ``mytorch.micro`` and not the other fails here, for the
engine modules, their Tensor classes and their ``autograd`` modules.
Implementation submodules (``vector.ops``, ``micro.value``, ...) are not API.
"""

from __future__ import annotations

import inspect
import types

import numpy as np
import pytest

import mytorch.micro as mm
import mytorch.vector as mt

#: Names only one engine has, on purpose: the micro engine's scalar node.
ENGINE_ONLY = {"mytorch.micro": {"Value"}, "mytorch.vector": set()}
#: Module-valued names that are part of the API (the rest are implementation submodules).
API_MODULES = {"nn", "optim", "utils", "autograd", "layers", "optimizers"}


def _module_api(mod: types.ModuleType) -> dict[str, object]:
    names = {}
    for name in dir(mod):
        if name.startswith("_") or name in ENGINE_ONLY[mod.__name__]:
            continue
        obj = getattr(mod, name)
        if isinstance(obj, types.ModuleType) and name not in API_MODULES:
            continue
        names[name] = obj
    return names


def _class_api(cls: type) -> dict[str, object]:
    """Public attributes plus the dunders the class (or TensorBase) defines itself."""
    names = {}
    for name in dir(cls):
        raw = inspect.getattr_static(cls, name)
        if name.startswith("__") and name.endswith("__"):
            if name in ("__slots__", "__module__", "__doc__", "__weakref__", "__dict__", "__annotations__",
                        "__slotnames__"):  # copyreg caches __slotnames__ once an instance is copied
                continue
            if raw is inspect.getattr_static(object, name, None):
                continue
        elif name.startswith("_"):
            continue
        names[name] = raw
    return names


def _kind(obj: object) -> str:
    if isinstance(obj, (property, types.MemberDescriptorType, types.GetSetDescriptorType)):
        return "attribute"  # a property on one engine may be a __slots__ field on the other
    if isinstance(obj, (classmethod, staticmethod)):
        return type(obj).__name__
    if isinstance(obj, types.ModuleType):
        return "module"
    if isinstance(obj, type):
        return "class"
    if callable(obj):
        return "callable"
    return "data"


def _signature(obj: object) -> str | None:
    fn = obj.__func__ if isinstance(obj, (classmethod, staticmethod)) else obj
    if not callable(fn) or isinstance(fn, type):
        return None
    try:
        return str(inspect.signature(fn))
    except (TypeError, ValueError):  # builtins without text signatures
        return None


def _compare(micro: dict[str, object], vector: dict[str, object], where: str) -> None:
    only_micro = sorted(set(micro) - set(vector))
    only_vector = sorted(set(vector) - set(micro))
    assert not only_micro and not only_vector, (
        f"{where}: only on micro: {only_micro}; only on vector: {only_vector}"
    )
    for name in sorted(micro):
        a, b = micro[name], vector[name]
        assert _kind(a) == _kind(b), f"{where}.{name}: {_kind(a)} on micro, {_kind(b)} on vector"
        assert _signature(a) == _signature(b), (
            f"{where}.{name}: signature {_signature(a)} on micro, {_signature(b)} on vector"
        )


def test_engine_modules_have_the_same_names_and_signatures():
    _compare(_module_api(mm), _module_api(mt), "engine module")


def test_tensor_classes_have_the_same_methods_and_signatures():
    _compare(_class_api(mm.Tensor), _class_api(mt.Tensor), "Tensor")


@pytest.mark.parametrize("name", ["Function", "FunctionCtx"])
def test_autograd_classes_match(name):
    micro, vector = getattr(mm.autograd, name), getattr(mt.autograd, name)
    _compare(_class_api(micro), _class_api(vector), f"autograd.{name}")


def test_autograd_modules_match():
    assert sorted(mm.autograd.__all__) == sorted(mt.autograd.__all__)
    _compare({n: getattr(mm.autograd, n) for n in mm.autograd.__all__},
             {n: getattr(mt.autograd, n) for n in mt.autograd.__all__}, "autograd")


def test_the_shared_packages_are_bound_to_each_engine():
    assert mm.optim is mt.optim  # engine-agnostic, one copy
    assert mm.utils is not mt.utils  # utils.data collates into the engine's Tensors, as nn is bound
    assert mm.nn is not mt.nn and mm.layers is mm.nn and mm.optimizers is mm.optim
    assert mm.Tensor._engine is mm and mt.Tensor._engine is mt
    # the seed's Param converts floating data to the engine's float dtype (the seed fed float64 arrays)
    assert mt.Param(np.zeros(2)).dtype == mt.float32 and mm.Param(np.zeros(2)).dtype == mm.float64


def test_the_check_itself_notices_a_difference():
    class Fake:
        def extra(self, x, y=1):
            return x

        def shared(self, a):
            return a

    class Other:
        def shared(self, a, b=2):
            return a

    with pytest.raises(AssertionError, match=r"only on micro: \['extra'\]"):
        _compare(_class_api(Fake), _class_api(Other), "Fake")
    del Fake.extra
    with pytest.raises(AssertionError, match=r"shared: signature \(self, a\) on micro"):
        _compare(_class_api(Fake), _class_api(Other), "Fake")


def test_grad_of_a_parameter_is_a_plain_tensor_on_both_engines():
    import mytorch.micro as mm
    import mytorch.vector as mv

    for engine in (mm, mv):
        layer = engine.nn.Linear(2, 3)
        layer(engine.ones(1, 2)).sum().backward()
        assert type(layer.weight.grad) is engine.Tensor, engine.__name__
