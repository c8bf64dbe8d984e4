"""Seeds: one rule for turning a user's seed into independent random streams.

``SeedSequence.spawn`` advances the sequence it is called on, so spawning from a caller's object
would make a second call with the same object draw differently. :func:`fresh` copies it first.
"""
from __future__ import annotations

import numpy as np


def fresh(seed: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    """A new SeedSequence equal to ``seed`` as given (an int, or a copy of a SeedSequence)."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(entropy=seed.entropy, spawn_key=seed.spawn_key,
                                      pool_size=seed.pool_size)
    return np.random.SeedSequence(seed)
