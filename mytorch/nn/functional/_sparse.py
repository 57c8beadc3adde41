"""``embedding`` (a row lookup whose gradient accumulates per index) and ``one_hot``.

Example:
    >>> import mytorch.vector as mt
    >>> w = mt.tensor([[0.0, 0.0], [1.0, 2.0]])
    >>> embedding(mt.tensor([1, 1]), w).tolist()
    [[1.0, 2.0], [1.0, 2.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

import mytorch

from ._checks import check_tensor, shape_str


def _indices(name: str, input: Any, size: int, what: str) -> np.ndarray:
    index = np.asarray(input._data)
    if not np.issubdtype(index.dtype, np.integer):
        raise TypeError(f"{name}(): indices must be an integer tensor (int64), got dtype {index.dtype}")
    bad = index[(index < 0) | (index >= size)]
    if bad.size:
        raise IndexError(
            f"{name}(): index {int(bad.flat[0])} is out of range for {size} {what} (0..{size - 1})"
        )
    return index


def embedding(
    input: Any,
    weight: Any,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Any:
    """Rows of ``weight`` picked by the integer ``input``: output shape ``input.shape + (dim,)``.

    The row ``padding_idx`` gets no gradient; ``max_norm`` renormalises the
    looked-up rows of ``weight`` in place, as PyTorch does.
    """
    check_tensor("embedding", "input", input)
    check_tensor("embedding", "weight", weight)
    if weight.ndim != 2:
        raise ValueError(
            f"embedding(): weight must be 2D (num_embeddings, embedding_dim), got {shape_str(weight)}"
        )
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding(): scale_grad_by_freq and sparse are not supported")
    num = weight.shape[0]
    index = _indices("embedding", input, num, "embeddings")
    if max_norm is not None:
        _renorm_rows(weight, np.unique(index), max_norm, norm_type)
    if padding_idx is not None and not -num <= padding_idx < num:
        raise ValueError(f"embedding(): padding_idx {padding_idx} is out of range for {num} embeddings")

    def rows(w: Any) -> Any:  # one node, as PyTorch's EmbeddingBackward0
        out = w[index]
        if padding_idx is None:
            return out
        keep = (index != padding_idx % num)[..., None]
        return mytorch.where(np.broadcast_to(keep, out.shape), out, w.detach()[index])

    return weight._composite("EmbeddingBackward0", rows, weight)


def _renorm_rows(weight: Any, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    data = np.asarray(weight._data)[rows]
    norms = np.linalg.norm(data, ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    new = np.asarray(weight._data).copy()
    new[rows] = data * scale[:, None]
    with mytorch.no_grad():
        weight.copy_(new.astype(weight.dtype))


def one_hot(tensor: Any, num_classes: int = -1) -> Any:
    """int64 one-hot encoding: shape ``tensor.shape + (num_classes,)``."""
    check_tensor("one_hot", "tensor", tensor)
    index = np.asarray(tensor._data)
    if num_classes == -1:
        num_classes = int(index.max()) + 1 if index.size else 0
    index = _indices("one_hot", tensor, num_classes, "classes")
    return mytorch.tensor(np.eye(num_classes, dtype=np.int64)[index], device=tensor.device)
