"""``save`` / ``load``: state dicts (and nested dicts of them) in an npz file, without pickle.

Tensors and arrays become npz members; the structure around them (dicts,
lists, tuples, numbers, strings, None) is one JSON document stored as a
member too, so ``load`` reads with ``np.load(..., allow_pickle=False)`` and
never runs code from the file. ``save`` writes a temporary file in the same
directory and renames it over ``path``, so a crash never leaves a half-written
checkpoint and never destroys the previous one; a temporary left by a killed
process is removed by the next ``save`` into that folder.

Tensors load as ``mytorch.vector`` tensors unless ``engine=mytorch.micro`` (or
``map_location="micro"``) is given; a state dict saved from either engine loads into the other.

Example:
    >>> import mytorch, mytorch.vector as mt, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
    >>> mytorch.save({"w": mt.ones(2), "epoch": 3}, path)
    >>> ckpt = mytorch.load(path)
    >>> ckpt["w"].tolist(), ckpt["epoch"]
    ([1.0, 1.0], 3)
"""

from __future__ import annotations

import importlib
import json
import math
import os
import zipfile
from collections import OrderedDict
from types import ModuleType
from typing import Any, cast

import numpy as np

from ._atomic import atomic_write
from ._safetensors_io import load_safetensors, save_safetensors
from ._tensor_base import TensorBase

__all__ = ["save", "load"]

_META = "__mytorch__"
_FORMAT = "mytorch.save/1"
_TEMP_PREFIX = ".tmp-"  # temporaries: .tmp-<pid>-<random>.npz next to the checkpoint


class _Encoder:
    """Turns a Python object into a JSON-able tree plus a dict of arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, value: np.ndarray, where: str) -> str:
        if value.dtype == object or value.dtype.kind not in "biufc":
            raise TypeError(
                f"save: the array at {where} has dtype {value.dtype}; only numeric and bool "
                "arrays can be saved"
            )
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.asarray(value, order="C")
        return key

    def encode(self, value: Any, where: str) -> Any:
        if isinstance(value, TensorBase):
            array = self.array(np.asarray(value.detach().numpy()), where)
            node: dict[str, Any] = {"type": "tensor", "array": array}
            if value.requires_grad:
                node["requires_grad"] = True
            return node
        if isinstance(value, np.ndarray):
            return {"type": "ndarray", "array": self.array(value, where)}
        if isinstance(value, np.generic):
            return {"type": "npscalar", "array": self.array(np.asarray(value), where)}
        if value is None or isinstance(value, (bool, int, float, str)):
            return {"type": "value", "value": value}
        if isinstance(value, dict):
            items = [[self.key(k, where), self.encode(v, f"{where}[{k!r}]")] for k, v in value.items()]
            return {"type": "odict" if isinstance(value, OrderedDict) else "dict", "items": items}
        if isinstance(value, (list, tuple)):
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return {"type": "tuple" if isinstance(value, tuple) else "list", "items": items}
        raise TypeError(
            f"save: cannot store a {type(value).__name__} at {where}; only tensors, numpy arrays, numbers, "
            "strings, None and dicts/lists/tuples of them can be saved (no pickled objects)"
        )

    def key(self, key: Any, where: str) -> Any:
        if key is None or isinstance(key, (bool, int, float, str)):
            return {"type": "value", "value": key}
        if isinstance(key, np.integer):
            return {"type": "value", "value": int(key)}
        if isinstance(key, tuple):
            return {"type": "tuple", "items": [self.key(k, where) for k in key]}
        raise TypeError(f"save: dict key {key!r} at {where} must be a str, number, None or tuple of them")


def _file_format(f: Any, format: str | None, op: str) -> str:
    """``"npz"`` or ``"safetensors"``: ``format`` if given, else from a path's suffix (npz by default)."""
    if format is None:
        path = "" if hasattr(f, "write") or hasattr(f, "read") else os.fspath(f)
        return "safetensors" if str(path).endswith(".safetensors") else "npz"
    if format not in ("npz", "safetensors"):
        raise ValueError(f"{op}: format must be 'npz' or 'safetensors', got {format!r}")
    return format


def save(obj: Any, f: str | os.PathLike | Any, format: str | None = None) -> None:
    """Write ``obj`` (a state dict, or nested dicts/lists of tensors, arrays and numbers) to ``f``.

    ``f`` is a path (written atomically: temp file + rename) or a binary file object.
    A path ending in ``.safetensors`` (or ``format="safetensors"``) writes a safetensors
    file, which holds only a flat dict of tensors (needs ``pip install safetensors``).
    """
    if _file_format(f, format, "save") == "safetensors":
        save_safetensors(obj, f)
        return
    encoder = _Encoder()
    tree = encoder.encode(obj, "obj")
    meta = json.dumps({"format": _FORMAT, "tree": tree})
    members: dict[str, Any] = {_META: np.array(meta)}  # Any: savez's **kwds also name its options
    members.update(encoder.arrays)
    if hasattr(f, "write"):
        np.savez(f, **members)
        return
    with atomic_write(f, _TEMP_PREFIX, ".npz") as out:
        np.savez(out, **members)


def _engine_module(engine: Any) -> ModuleType:
    if engine is None:
        return importlib.import_module("mytorch.vector")
    if isinstance(engine, str):
        if engine not in ("vector", "micro"):
            raise ValueError(f"load: engine must be 'vector', 'micro' or an engine module, got {engine!r}")
        return importlib.import_module(f"mytorch.{engine}")
    if isinstance(engine, ModuleType) and hasattr(engine, "Tensor"):
        return engine
    raise TypeError(f"load: engine must be mytorch.vector, mytorch.micro or their names, got {engine!r}")


#: Deepest nesting of dicts/lists a checkpoint may have (a state dict of an optimizer is ~6 deep):
#: deeper structures are refused before they are parsed, so no file can exhaust the recursion limit.
MAX_NESTING = 100


def _check_nesting(text: str, name: str) -> None:
    """Refuse a JSON document nested deeper than ``MAX_NESTING`` (brackets inside strings ignored)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    if deepest > MAX_NESTING:
        raise ValueError(
            f"load: {name} is damaged: its {_META!r} member is nested {deepest} levels deep "
            f"(at most {MAX_NESTING} allowed)"
        )


def _check_member_header(archive: zipfile.ZipFile, key: str, name: str) -> None:
    """Check member ``key``'s npy header against the member's size before anything is allocated."""
    member = key + ".npy"
    try:
        info = archive.getinfo(member)
        with archive.open(member) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif version in ((2, 0), (3, 0)):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"unsupported npy format version {version}")
            header = f.tell()
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"load: {name} is damaged: member {key!r} has no readable npy header ({exc})"
        ) from None
    if dtype.hasobject:
        raise ValueError(f"load: {name} is damaged: member {key!r} holds Python objects (dtype {dtype})")
    claimed = math.prod(shape) * dtype.itemsize
    found = info.file_size - header
    if claimed != found:
        raise ValueError(
            f"load: {name} is damaged: member {key!r} claims shape {shape} of {dtype} "
            f"({claimed} bytes) but holds {found} bytes"
        )


class _Decoder:
    def __init__(self, arrays: Any, engine: ModuleType, name: str) -> None:
        self.arrays = arrays
        self.engine = engine
        self.name = name

    def array(self, key: Any) -> np.ndarray:
        if not isinstance(key, str) or key not in self.arrays.files:
            raise ValueError(f"load: {self.name} is damaged: member {key!r} is missing")
        _check_member_header(self.arrays.zip, key, self.name)
        try:
            return self.arrays[key]
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"load: {self.name} is damaged: member {key!r} cannot be read ({exc})") from None

    def decode(self, node: Any) -> Any:
        if not isinstance(node, dict):
            raise ValueError(f"load: {self.name} is damaged: expected an entry object, found {node!r:.60}")
        kind = node.get("type")
        if kind == "tensor":
            array = self.array(node["array"])
            t = self.engine.tensor(array, dtype=array.dtype)
            if node.get("requires_grad"):
                if array.dtype.kind not in "fc":
                    raise ValueError(
                        f"load: {self.name} is damaged: member {node['array']!r} of dtype {array.dtype} "
                        "is marked requires_grad, which only floating point tensors can be"
                    )
                t.requires_grad_(True)
            return t
        if kind == "ndarray":
            return self.array(node["array"])
        if kind == "npscalar":
            return self.array(node["array"])[()]
        if kind == "value":
            return node["value"]
        if kind in ("dict", "odict"):
            pairs = [(self.decode(k), self.decode(v)) for k, v in node["items"]]
            return OrderedDict(pairs) if kind == "odict" else dict(pairs)
        if kind == "list":
            return [self.decode(v) for v in node["items"]]
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        raise ValueError(f"load: {self.name} is damaged: unknown entry type {kind!r}")


def load(
    f: str | os.PathLike | Any,
    engine: Any = None,
    map_location: Any = None,
    weights_only: bool = True,
    format: str | None = None,
) -> Any:
    """Read what ``save`` wrote; tensors become ``engine`` tensors (``mytorch.vector`` by default).

    ``map_location`` may name a device (``"micro"``, ``"cpu"``): the engine to load onto;
    ``weights_only`` is accepted for PyTorch compatibility (only data is ever loaded). A path ending in
    ``.safetensors`` (or ``format="safetensors"``) is read as a safetensors file.
    """
    from . import _device

    if engine is None and isinstance(map_location, (str, _device.device)):  # "micro": that engine
        engine = _device.engine(_device.resolve(map_location, "load"))
    module = _engine_module(engine)
    if _file_format(f, format, "load") == "safetensors":
        return load_safetensors(f, module)
    name = repr(os.fspath(f)) if not hasattr(f, "read") else "the file object"
    try:
        data = np.load(f, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ValueError(
            f"load: {name} is not a readable mytorch.save file ({type(exc).__name__}: {exc})"
        ) from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {name} holds a single .npy array, not a mytorch.save file")
    with data:
        if _META not in data.files:
            raise ValueError(
                f"load: {name} is an npz file but was not written by mytorch.save (no {_META!r} member)"
            )
        try:
            _check_member_header(cast(zipfile.ZipFile, data.zip), _META, name)  # open: inside ``with``
            text = str(data[_META][()])
            _check_nesting(text, name)
            meta = json.loads(text)
        except (ValueError, zipfile.BadZipFile, OSError, EOFError) as exc:
            if str(exc).startswith("load: "):
                raise

            raise ValueError(
                f"load: {name} is damaged: its {_META!r} member cannot be read ({exc})"
            ) from None
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
            found = meta.get("format") if isinstance(meta, dict) else None
            raise ValueError(f"load: {name} has format {found!r}; expected {_FORMAT!r}")
        try:
            return _Decoder(data, module, name).decode(meta["tree"])
        except (KeyError, TypeError, AttributeError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ValueError(f"load: {name} is damaged ({type(exc).__name__}: {exc})") from None
