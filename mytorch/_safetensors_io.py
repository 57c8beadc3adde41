"""The safetensors side of ``mytorch.save`` / ``mytorch.load`` (a flat dict of named tensors).

safetensors files are what PyTorch, Hugging Face and others share weights in:
an 8-byte header length, a JSON header (name -> dtype, shape, byte range), then
the raw bytes. They hold only tensors, so only a flat ``{str: tensor}`` dict
(a state dict) can be written; epochs, optimizer states and nested dicts need
the npz format. Needs the ``safetensors`` package (``pip install safetensors``).

Example:
    >>> import mytorch, mytorch.vector as mt, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> mytorch.save({"w": mt.ones(2), "n": mt.tensor(3)}, path)
    >>> sd = mytorch.load(path)
    >>> sd["w"].tolist(), sd["n"].dtype
    ([1.0, 1.0], dtype('int64'))
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from types import ModuleType
from typing import Any

import numpy as np

from ._atomic import atomic_write
from ._tensor_base import TensorBase

__all__ = ["save_safetensors", "load_safetensors"]

_TEMP_PREFIX = ".tmp-"
_HEADER_LIMIT = 100_000_000  # safetensors' own limit on the JSON header (bytes)
_ORDER_KEY = "mytorch.order"  # metadata entry: the dict's key order (safetensors sorts the tensors)


def _numpy_backend() -> ModuleType:
    try:
        import safetensors.numpy as st_numpy
    except ImportError:
        raise ImportError(
            "mytorch.save/load: the safetensors format needs the safetensors package; "
            "install it with `pip install safetensors` (or `pip install mytorch[safetensors]`)"
        ) from None
    return st_numpy


def _arrays(obj: Any) -> dict[str, np.ndarray]:
    if not isinstance(obj, dict):
        raise TypeError(
            f"save: a safetensors file holds only tensors: expected a dict of name -> tensor "
            f"(a state_dict), got a {type(obj).__name__}; use the npz format (a .npz path) for other objects"
        )
    arrays: dict[str, np.ndarray] = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"save: safetensors tensor names must be str, got {key!r} ({type(key).__name__})")
        if isinstance(value, TensorBase):
            array = np.asarray(value.detach().numpy())
        elif isinstance(value, np.ndarray):
            array = value
        else:
            raise TypeError(
                f"save: a safetensors file holds only tensors, but {key!r} is a {type(value).__name__}; "
                "save it in the npz format (a .npz path) or keep it out of the dict"
            )
        if array.dtype.kind not in "biuf":
            raise TypeError(f"save: {key!r} has dtype {array.dtype}, which safetensors cannot store")
        arrays[key] = np.asarray(array, order="C")  # (ascontiguousarray makes 0-d arrays 1-d)
    return arrays


def save_safetensors(obj: dict[str, Any], f: str | os.PathLike | Any) -> None:
    """Write a flat ``{name: tensor}`` dict to ``f`` (a path, written atomically, or a binary file)."""
    arrays = _arrays(obj)
    data = _numpy_backend().save(arrays, metadata={_ORDER_KEY: json.dumps(list(arrays))})
    if hasattr(f, "write"):
        f.write(data)
        return
    with atomic_write(f, _TEMP_PREFIX, ".safetensors") as out:
        out.write(data)


def _read_header(data: bytes, name: str) -> dict[str, Any]:
    """Refuse files whose 8-byte header length does not fit the file, before safetensors parses them."""
    if len(data) < 8:
        raise ValueError(
            f"load: {name} is not a safetensors file: {len(data)} bytes, shorter than its header"
        )
    length = int.from_bytes(data[:8], "little")
    if length > _HEADER_LIMIT or 8 + length > len(data):
        raise ValueError(
            f"load: {name} is not a readable safetensors file: its header claims {length} bytes "
            f"but the file has {len(data)} bytes"
        )
    try:
        header = json.loads(data[8 : 8 + length])
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise ValueError(f"load: {name} is not a safetensors file: its header is not a JSON object")
    return header


def load_safetensors(f: str | os.PathLike | Any, module: ModuleType) -> OrderedDict[str, Any]:
    """Read a safetensors file into an ordered dict of ``module`` tensors (names in file order)."""
    backend = _numpy_backend()
    name = repr(os.fspath(f)) if not hasattr(f, "read") else "the file object"
    if hasattr(f, "read"):
        data = f.read()
    else:
        with open(f, "rb") as file:
            data = file.read()
    header = _read_header(data, name)
    try:
        arrays = backend.load(data)
    except Exception as exc:  # safetensors raises its own SafetensorError (and others) for bad files
        raise ValueError(
            f"load: {name} is not a readable safetensors file ({type(exc).__name__}: {exc})"
        ) from None
    order = _saved_order(header, arrays)
    return OrderedDict((key, module.tensor(arrays[key], dtype=arrays[key].dtype)) for key in order)


def _saved_order(header: dict[str, Any], arrays: dict[str, np.ndarray]) -> list[str]:
    """The key order ``save`` recorded, if it matches the tensors found; else the file's order."""
    metadata: Any = header.get("__metadata__")  # a dict of str, or absent (None: the TypeError below)
    try:
        order = json.loads(metadata[_ORDER_KEY])
    except (TypeError, KeyError, ValueError):
        return list(arrays)
    return order if isinstance(order, list) and sorted(order) == sorted(arrays) else list(arrays)
