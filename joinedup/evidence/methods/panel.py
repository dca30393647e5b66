"""The panel every comparison reads: one row per child per term, in long form.

Columns (the caller names the covariates):
- `child`: the child's id (any hashable value).
- `period`: the term as an integer; consecutive terms are consecutive integers.
- `outcome`: a float, e.g. attendance in percentage points; NaN when the child was not on roll.
- `first_helped`: the period help (a team around the child, early help) started, the same on every
  row of the child; NaN or None when the child was not helped within the data.
- covariates such as `age_band`, `sex`, `key_group`, `school`, `referrals_before`: read in the
  term that starts each comparison's window, before any run-up to help. They are matched exactly,
  as categories; a numeric column with more than `MAX_CATEGORIES` values is cut into
  `NUMERIC_BANDS` bands of equal size first (so `age` or a count of referrals can be given as is).

`to_wide` turns it into children × terms arrays, so that every method is a few numpy operations
whatever the number of children.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

REQUIRED_COLUMNS = ("child", "period", "outcome", "first_helped")
# Above this many distinct values a numeric covariate is a measurement, not a category: band it so
# that exact matching still finds comparison children in each cell.
MAX_CATEGORIES = 10
NEVER = np.iinfo(np.int64).max
NUMERIC_BANDS = 5


@dataclass(frozen=True)
class WidePanel:
    """Children × terms: `outcome[i, t]` is child i's outcome in term `first_period + t`."""

    children: np.ndarray
    first_period: int
    outcome: np.ndarray
    # Relative to first_period; NEVER for children not helped within the data, so that "not helped
    # by term t" is simply first_helped > t.
    first_helped: np.ndarray
    # covariate name -> children × terms integer codes (one code stands for a missing value)
    covariates: dict[str, np.ndarray]
    covariate_levels: dict[str, list[str]]

    @property
    def terms(self) -> int:
        return self.outcome.shape[1]


def to_wide(*, panel: pd.DataFrame | WidePanel, covariates: Sequence[str] = ()) -> WidePanel:
    """The panel as children × terms arrays; a panel already wide is returned as it is, so that
    several methods can read one panel without reshaping it again."""
    if isinstance(panel, WidePanel):
        if missing := [name for name in covariates if name not in panel.covariates]:
            raise ValueError(f"The panel has no column {', '.join(missing)} (see joinedup.evidence.methods.panel).")
        return panel
    missing = [column for column in (*REQUIRED_COLUMNS, *covariates) if column not in panel.columns]
    if missing:
        raise ValueError(f"The panel has no column {', '.join(missing)} (see joinedup.evidence.methods.panel).")
    child_codes, children = pd.factorize(panel["child"], sort=False)
    periods = panel["period"].to_numpy(dtype=np.int64)
    first_period = int(periods.min())
    term = periods - first_period
    shape = (len(children), int(term.max()) + 1)
    if np.bincount(child_codes * shape[1] + term, minlength=shape[0] * shape[1]).max(initial=0) > 1:
        raise ValueError("The panel has more than one row for a child in a term.")

    outcome = np.full(shape, np.nan)
    outcome[child_codes, term] = panel["outcome"].to_numpy(dtype=float)

    first_helped_by_child = np.full(len(children), np.nan)
    started = pd.to_numeric(panel["first_helped"], errors="coerce").to_numpy(dtype=float)
    known = ~np.isnan(started)
    first_helped_by_child[child_codes[known]] = started[known] - first_period
    first_helped = np.full(len(children), NEVER, dtype=np.int64)
    helped = ~np.isnan(first_helped_by_child)
    first_helped[helped] = first_helped_by_child[helped].astype(np.int64)

    codes, levels = {}, {}
    for name in covariates:
        values = _as_categories(panel[name])
        column_codes, names = pd.factorize(values, sort=True, use_na_sentinel=True)
        missing_code = len(names)
        wide = np.full(shape, missing_code, dtype=np.int64)
        wide[child_codes, term] = np.where(column_codes < 0, missing_code, column_codes)
        codes[name] = wide
        levels[name] = [str(level) for level in names] + ["not recorded"]
    return WidePanel(
        children=np.asarray(children),
        first_period=first_period,
        outcome=outcome,
        first_helped=first_helped,
        covariates=codes,
        covariate_levels=levels,
    )


def _as_categories(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and values.nunique() > MAX_CATEGORIES:
        banded = pd.qcut(values, NUMERIC_BANDS, duplicates="drop")
        return banded.astype(str).where(banded.notna())
    return values


def mean_of_observed(values: np.ndarray) -> np.ndarray:
    """Each row's mean over its observed (not NaN) terms; NaN for a row with none."""
    counts = np.count_nonzero(~np.isnan(values), axis=1)
    totals = np.nansum(values, axis=1)
    return np.divide(totals, counts, out=np.full(len(values), np.nan), where=counts > 0)
