"""A figure on an evidence page is never a bare number: it carries how many children it is about
and a 95% interval, so a reader can tell a change from noise."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

Z95 = stats.norm.ppf(0.975)


@dataclass(frozen=True)
class Figure:
    value: float | None
    low: float | None
    high: float | None
    n: int
    unit: str  # "percent", "days", "score", "count"
    # For a share: how many of the n have the attribute, which a share and its N give back.
    count: int | None = None

    @property
    def shown(self) -> bool:
        return self.value is not None


def wilson(successes: np.ndarray, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share and Wilson score 95% interval, in percent, for many groups at once. Wilson's interval
    (Wilson 1927; Newcombe 1998) keeps its coverage for small groups and shares near 0 or 100%,
    where the textbook normal interval does not."""
    k, n = np.asarray(successes, dtype=float), np.asarray(totals, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
        half = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    return 100 * p, 100 * (centre - half), 100 * (centre + half)


def share(successes: int, total: int) -> Figure:
    if total <= 0:
        return Figure(None, None, None, 0, "percent")
    value, low, high = (float(x[0]) for x in wilson(np.array([successes]), np.array([total])))
    return Figure(value, low, high, int(total), "percent", count=int(successes))


def t_half_width(sd, n):
    """Half the width of the 95% t interval of a mean, for many groups at once; NaN below two."""
    sd, n = np.asarray(sd, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n >= 2, stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n), np.nan)


def mean_of(n: int, centre: float | None, sd: float | None, unit: str) -> Figure:
    """A mean already summed up (by DuckDB, say) as a figure with its t interval."""
    if not n or centre is None:
        return Figure(None, None, None, int(n or 0), unit)
    half = float(t_half_width(np.nan if sd is None else sd, n))
    if math.isnan(half):
        return Figure(float(centre), None, None, int(n), unit)
    return Figure(float(centre), float(centre) - half, float(centre) + half, int(n), unit)


def mean(values, unit: str) -> Figure:
    """Mean with a t interval; each child counts once in `values`, so the rows are independent."""
    values = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if len(values) == 0:
        return mean_of(0, None, None, unit)
    return mean_of(len(values), values.mean(), values.std(ddof=1) if len(values) > 1 else None, unit)


def median_days(values) -> Figure:
    """Median with a distribution-free 95% interval from order statistics (the binomial method),
    for waiting times, which are skewed."""
    values = np.sort(np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float))
    n = len(values)
    if n == 0:
        return Figure(None, None, None, 0, "days")
    centre = float(np.median(values))
    if n < 6:
        return Figure(centre, None, None, n, "days")
    low_rank = int(stats.binom.ppf(0.025, n, 0.5))
    high_rank = int(stats.binom.ppf(0.975, n, 0.5))
    return Figure(centre, float(values[max(low_rank - 1, 0)]), float(values[min(high_rank, n - 1)]), n, "days")
