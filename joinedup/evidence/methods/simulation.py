"""Synthetic children followed over terms, some helped from a known term with a known effect, so
the comparison methods can be checked against the truth (benchmarks/impact_methods.py and the
tests). Attendance in percentage points; no real child's data."""

from __future__ import annotations

import numpy as np
import pandas as pd

AGE_BANDS = ("5-10", "11-13", "14-16")
# Attendance falls term by term as children get older (a key stage 3 and 4 pattern): help goes more
# to older children, so a comparison that ignores age mistakes this for an effect.
AGE_TREND_PER_TERM = (0.0, -0.3, -0.6)
KEY_GROUPS = ("none", "autism", "looked after")
SCHOOLS = 8
LASTING_SHARE = 0.3
# Terms between the drop and the start of help: the longer a child's drop has lasted, the later the
# help, so children still waiting sit in the comparison pool with their drop.
WAIT_TERMS = (1, 2, 3)
WAIT_SHARES = (0.5, 0.3, 0.2)


def simulate_panel(
    *,
    children: int = 3000,
    terms: int = 10,
    effect: float = 3.0,
    seed: int = 0,
    dip: float = 0.0,
    diverging_trend: float = 0.0,
    first_start: int = 3,
    missing_share: float = 0.02,
) -> pd.DataFrame:
    """A long panel (see joinedup.evidence.methods.panel) in which help, from `first_helped` on,
    adds `effect` points. Who is helped depends only on stable characteristics (age, key group,
    referrals, school and the child's usual attendance) unless:
    - `dip`: helped children are referred after a drop of this many points (9 in the issue's
      simulation) that lasts one to three terms
      before help starts; once help starts 30% of it lasts and the rest recovers on its own.
      Children whose help starts after the data ends have theirs too.
    - `diverging_trend`: helped children's outcomes drift by this much per term, before and after.
    """
    rng = np.random.default_rng(seed)
    age = rng.choice(len(AGE_BANDS), size=children, p=[0.45, 0.3, 0.25])
    sex = rng.choice(np.array(["F", "M"]), size=children)
    key_group = rng.choice(len(KEY_GROUPS), size=children, p=[0.9, 0.06, 0.04])
    school = rng.integers(SCHOOLS, size=children)
    referrals_before = np.minimum(rng.poisson(0.3, size=children), 3)
    usual = (
        rng.normal(0, 5, size=children)
        + rng.normal(0, 1.5, size=SCHOOLS)[school]
        - 2.0 * (key_group > 0)
        - 1.5 * referrals_before
    )

    propensity = -2.2 + 0.8 * (age > 0) + 1.0 * (key_group > 0) + 0.5 * referrals_before - 0.08 * usual
    helped_at_some_time = rng.random(children) < 1 / (1 + np.exp(-propensity))
    # Some help starts after the data ends: those children are "not yet helped" throughout.
    start = np.where(helped_at_some_time, rng.integers(first_start, terms + 3, size=children), -1)

    term = np.arange(terms)
    season = np.array([0.0, -1.0, -2.0])[term % 3]
    noise = _autocorrelated_noise(rng=rng, children=children, terms=terms, sd=4.0, correlation=0.4)
    outcome = (
        92.0 + usual[:, None] + season[None, :] + np.asarray(AGE_TREND_PER_TERM)[age][:, None] * term[None, :] + noise
    )
    since_help = term[None, :] - start[:, None]
    helped = helped_at_some_time[:, None]
    outcome += np.where(helped & (since_help >= 0), effect, 0.0)
    outcome += np.where(helped, diverging_trend * since_help, 0.0)
    if dip:
        wait = rng.choice(np.array(WAIT_TERMS), size=children, p=WAIT_SHARES)
        outcome += np.where(helped, _dip(size=dip, since_help=since_help, wait=wait[:, None]), 0.0)
    outcome[rng.random(outcome.shape) < missing_share] = np.nan

    first_helped = np.where(helped_at_some_time & (start < terms), start, np.nan)
    return pd.DataFrame(
        {
            "child": np.repeat(np.arange(children), terms),
            "period": np.tile(term, children),
            "outcome": outcome.ravel(),
            "first_helped": np.repeat(first_helped, terms),
            "age_band": np.repeat(np.asarray(AGE_BANDS)[age], terms),
            "sex": np.repeat(sex, terms),
            "key_group": np.repeat(np.asarray(KEY_GROUPS)[key_group], terms),
            "school": np.repeat(np.char.add("school ", (school + 1).astype(str)), terms),
            "referrals_before": np.repeat(referrals_before, terms),
        }
    )


def _dip(*, size: float, since_help: np.ndarray, wait: np.ndarray) -> np.ndarray:
    """A drop from `wait` terms before help until help starts; after that, 70% of it recovers on
    its own (half of what is left each term) and 30% lasts."""
    after = -size * (LASTING_SHARE + (1 - LASTING_SHARE) * 0.5 ** (np.maximum(since_help, 0) + 1))
    return np.select([since_help >= 0, since_help >= -wait], [after, -size], 0.0)


def _autocorrelated_noise(
    *, rng: np.random.Generator, children: int, terms: int, sd: float, correlation: float
) -> np.ndarray:
    noise = np.empty((children, terms))
    noise[:, 0] = rng.normal(0, sd, size=children)
    innovation_sd = sd * np.sqrt(1 - correlation**2)
    for term in range(1, terms):
        noise[:, term] = correlation * noise[:, term - 1] + rng.normal(0, innovation_sd, size=children)
    return noise
