"""What every comparison of supported children returns: the estimate with its child-clustered
interval, the event study behind it, the checks that say whether to believe it, and the method in
plain English. A comparison that cannot be made says why instead of raising."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95
Z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
# Below these numbers a child-clustered interval is not to be trusted (it leans on the number of
# children, and with fewer than about 30 it is too narrow), and small numbers risk disclosure.
MIN_HELPED = 30
MIN_COMPARISON = 30

EVENT_STUDY_COLUMNS = ["relative_period", "estimate", "low", "high", "n_helped"]
BALANCE_COLUMNS = [
    "covariate",
    "helped_mean",
    "comparison_mean_before",
    "helped_mean_matched",
    "comparison_mean_after",
    "standardised_difference_before",
    "standardised_difference_after",
]


@dataclass(frozen=True)
class Check:
    """One check of a comparison's assumptions: did it pass, and what a reader should take from it."""

    name: str
    estimate: float
    low: float
    high: float
    statistic: float
    p_value: float
    passed: bool
    verdict: str


@dataclass(frozen=True)
class Comparison:
    method: str
    estimate: float
    low: float
    high: float
    standard_error: float
    n_helped: int
    n_comparison: int
    n_observations: int
    event_study: pd.DataFrame
    balance: pd.DataFrame
    reliable: bool
    method_text: str
    pre_trend: Check | None = None
    placebo: Check | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    cannot_compare: str | None = None

    @property
    def interval_excludes_zero(self) -> bool:
        return bool(self.low > 0 or self.high < 0)


def cannot_compare(
    *, method: str, method_text: str, reason: str, n_helped: int = 0, n_comparison: int = 0
) -> Comparison:
    return Comparison(
        method=method,
        estimate=np.nan,
        low=np.nan,
        high=np.nan,
        standard_error=np.nan,
        n_helped=n_helped,
        n_comparison=n_comparison,
        n_observations=0,
        event_study=pd.DataFrame(columns=EVENT_STUDY_COLUMNS),
        balance=pd.DataFrame(columns=BALANCE_COLUMNS),
        reliable=False,
        method_text=method_text,
        warnings=(f"This comparison cannot be made: {reason}",),
        cannot_compare=reason,
    )


def clustered_covariance(influence: np.ndarray) -> np.ndarray:
    """Covariance of estimates from their influence, one row per child (so per cluster), with the
    usual G/(G-1) small-sample correction."""
    clusters = int(np.count_nonzero(np.any(influence != 0, axis=1)))
    correction = clusters / max(clusters - 1, 1)
    return correction * (influence.T @ influence)


def two_sided_p(*, estimate: float, standard_error: float) -> float:
    if not standard_error > 0:
        return np.nan
    return float(2 * stats.norm.sf(abs(estimate) / standard_error))
