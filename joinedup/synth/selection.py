"""Choosing which children belong to a key group: exact national rates, the national age mix, and
siblings who come to notice together (a family's troubles rarely touch only one child)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .population import completed_years

AGE_BANDS = ("under 1", "1-4", "5-9", "10-15", "16+")


def ages(children: pd.DataFrame, on: date) -> np.ndarray:
    """Completed years of age on a date."""
    return completed_years(children["date_of_birth"].to_numpy(), on)


def age_bands(years: np.ndarray) -> np.ndarray:
    return np.digitize(years, [1, 5, 10, 16])


def band_weights(years: np.ndarray, target: dict[str, float], eligible: np.ndarray) -> np.ndarray:
    """Per-child weights that make a weighted draw follow `target` shares by age band."""
    bands = age_bands(years)
    present = np.bincount(bands[eligible], minlength=len(AGE_BANDS)).astype(float)
    wanted = np.array([target[b] for b in AGE_BANDS])
    per_child = np.divide(wanted, present, out=np.zeros_like(wanted), where=present > 0)
    return per_child[bands]


def clustered_sample(
    rng: np.random.Generator,
    *,
    weights: np.ndarray,
    family: np.ndarray,
    count: int,
    sibling_joins: float,
    eligible: np.ndarray,
) -> np.ndarray:
    """Exactly `count` eligible children (a boolean mask), drawn in proportion to weight, where an
    eligible sibling of a drawn child comes along with probability `sibling_joins`."""
    weights = np.where(eligible, weights, 0.0)
    keys = np.full(len(weights), -np.inf)
    positive = weights > 0
    keys[positive] = np.log(rng.random(int(positive.sum()))) / weights[positive]
    best_in_family = np.full(family.max() + 1 if len(family) else 0, -np.inf)
    np.maximum.at(best_in_family, family, keys)
    joins = positive & (rng.random(len(weights)) < sibling_joins)
    effective = np.where(joins, best_in_family[family], keys)
    count = min(count, int(positive.sum()))
    chosen = np.zeros(len(weights), dtype=bool)
    if count > 0:
        # Ties (siblings sharing a key) break by position, so the result is deterministic.
        order = np.lexsort((np.arange(len(weights)), -effective))
        chosen[order[:count]] = True
    return chosen
