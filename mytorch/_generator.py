"""``Generator`` objects, as ``torch.Generator``: a private random stream passed as ``generator=``.

makemore seeds one with ``g = torch.Generator().manual_seed(2147483647)`` and
passes it to ``randn``, ``randint`` and ``multinomial``, so that its numbers do
not depend on anything else drawing from the shared generator. The same seed
gives the same numbers here on both engines, but **not** the numbers PyTorch
draws for that seed: MyTorch samples with numpy's PCG64, PyTorch with its
Mersenne Twister and its own sampling algorithms.

Example:
    >>> a = Generator().manual_seed(42).numpy_rng().random(3)
    >>> b = Generator().manual_seed(42).numpy_rng().random(3)
    >>> bool((a == b).all())
    True
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from . import _random

DEFAULT_SEED = 67280421310721  # PyTorch's default seed of a new Generator


class Generator:
    """A random number stream of its own: ``Generator().manual_seed(0)``.

    Example:
        >>> g = Generator().manual_seed(3)
        >>> g.initial_seed()
        3
    """

    def __init__(self, device: Any = "cpu") -> None:
        from ._device import resolve

        self.device = resolve(device, "Generator")
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Reseed and return this generator (so ``Generator().manual_seed(n)`` is the generator)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"Generator.manual_seed expects an int, got {type(seed).__name__} {seed!r}")
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed."""
        entropy = cast(int, np.random.SeedSequence().entropy)  # an int when no entropy is given
        new = int(entropy % (2**63))
        self.manual_seed(new)
        return new

    def get_state(self) -> dict[str, Any]:
        return dict(self._rng.bit_generator.state)  # the getter builds a fresh dict each call

    def set_state(self, state: dict) -> Generator:
        self._rng.bit_generator.state = state
        return self

    def numpy_rng(self) -> np.random.Generator:
        """The numpy generator doing the drawing."""
        return self._rng

    def __repr__(self) -> str:
        return f"<mytorch.Generator seed={self._seed}>"


def rng(generator: Any, op: str) -> np.random.Generator:
    """The numpy generator to draw from: ``generator``'s, or the shared one for None.

    A ``numpy.random.Generator`` is accepted as well (DataLoader and random_split take those).
    """
    if generator is None:
        return _random.generator()
    if isinstance(generator, Generator):
        return generator.numpy_rng()
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"{op}: generator must be a mytorch Generator, got {type(generator).__name__}")
