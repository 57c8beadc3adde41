"""Datasets: Boston house prices (bundled), MNIST and Fashion-MNIST (downloaded), IDX files.

Example:
    >>> from mytorch.datasets import boston
    >>> x, y = boston()
    >>> x.shape, y.shape
    ((506, 13), (506,))
"""

from .boston import boston
from .idx import load_idx, save_idx
from .mnist import fashion_mnist, mnist

__all__ = ["boston", "mnist", "fashion_mnist", "load_idx", "save_idx"]
