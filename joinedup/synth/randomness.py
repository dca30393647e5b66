"""Named random streams. Each part of the authority draws from its own stream, so a change to one
part (say the health extract) leaves every other file byte for byte the same, and the same seed
always gives the same authority."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    # crc32, not hash(): Python salts str hashes per process, which would break determinism.
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))


def weighted_sample(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """k distinct positions, each drawn with probability proportional to its weight, in order.

    Efraimidis-Spirakis keys (log u / w) make this one vectorised pass, without replacement."""
    weights = np.asarray(weights, dtype=float)
    eligible = np.flatnonzero(weights > 0)
    k = min(int(k), eligible.size)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    keys = np.log(rng.random(eligible.size)) / weights[eligible]
    chosen = eligible[np.argpartition(-keys, k - 1)[:k]]
    return np.sort(chosen)


def draw(rng: np.random.Generator, shares: dict, size: int) -> np.ndarray:
    """`size` values drawn from {value: share}; shares need not sum to one."""
    values = list(shares)
    probabilities = np.array([shares[v] for v in values], dtype=float)
    picks = rng.choice(len(values), size=size, p=probabilities / probabilities.sum())
    return np.array(values, dtype=object)[picks] if size else np.array([], dtype=object)


def flags(rng: np.random.Generator, probability: float | np.ndarray, size: int) -> np.ndarray:
    return rng.random(size) < probability


def pick_from(rng: np.random.Generator, options: Sequence, size: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), size)]
