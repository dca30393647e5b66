"""Rates and per-group figures as they may be shown beyond the authority's analysts: rounded, and
withheld whenever the children behind them are fewer than the small-count threshold."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from joinedup.evidence.disclosure.suppression import CONFIDENTIAL, NOT_APPLICABLE, SMALL_COUNT, suppress_table


def displayed_rate(
    *,
    numerator: int,
    denominator: int,
    per: int = 100,
    decimals: int = 0,
    threshold: int = SMALL_COUNT,
    withheld: bool = False,
    zeros_disclosive: bool = False,
) -> str:
    """A rate per `per` children (100 for a percentage, 10,000 as DfE gives looked-after and
    children-in-need rates), rounded half up to `decimals` places; "[c]" when the numerator or
    denominator is small, or `withheld` (either count is "[c]" in a table beside the rate), since a
    rate and its denominator give the count back; "[z]" when there are no children to divide by."""
    if denominator == 0:
        return NOT_APPLICABLE
    small = [count for count in (numerator, denominator) if 0 < count < threshold or (count == 0 and zeros_disclosive)]
    if withheld or small:
        return CONFIDENTIAL
    # Exact arithmetic, so 12.5% shows as 13 whatever binary floating point makes of it.
    scaled = Fraction(numerator * per, denominator) * 10**decimals
    rounded = Decimal(math.floor(scaled + Fraction(1, 2))).scaleb(-decimals)
    return f"{rounded:,.{decimals}f}"


def withhold_small_groups(
    *,
    groups: pd.DataFrame,
    threshold: int = SMALL_COUNT,
    size: str = "n",
    figures: Sequence[str] = ("value", "low", "high"),
    counts: Sequence[str] = (),
    label: str = "group",
    total: Hashable | None = None,
    within: str | None = None,
) -> pd.DataFrame:
    """Per-group N, estimate and 95% interval with every figure of a group under `threshold`
    children blanked, N included, and a short `reason` saying why; other groups unchanged.

    `counts` names further columns a figure gives away, such as the children with the attribute
    behind a share (a share and its N give it back): when one is small the figures are blanked
    and N is kept. `total` is the `label` of a group that is the sum of the others (boys, girls
    and not known beside all children), in each table of `within` (a term): then secondary
    suppression (`suppress_table`) blanks further groups, so that no small count can be worked out
    by subtracting the groups shown from their total."""
    withheld_size = _small(groups[size], threshold)
    withheld_figures = withheld_size.copy()
    for column in counts:
        withheld_figures |= _small(groups[column], threshold)
    if total is not None:
        tables = groups.groupby(within, sort=False).groups.values() if within else [groups.index]
        for rows in tables:
            part = groups.loc[rows]
            for column in (size, *counts):
                cells = _protected_cells(part, column, label, total, threshold).reindex(groups.index, fill_value=False)
                if column == size:
                    withheld_size |= cells
                else:
                    withheld_figures |= cells
    withheld_figures |= withheld_size
    protected = groups.copy()
    protected[list(figures)] = protected[list(figures)].astype(float)
    protected.loc[withheld_figures, list(figures)] = np.nan
    protected[size] = protected[size].astype("Int64").mask(withheld_size)
    sizes = groups[size].to_numpy()
    protected["reason"] = np.select(
        [withheld_size & _small(groups[size], threshold), withheld_figures, sizes == 0],
        [
            f"Fewer than {threshold} children, so no figure is shown",
            f"Withheld so that no count under {threshold} can be worked out",
            "No children",
        ],
        default="",
    )
    return protected


def _small(counts: pd.Series, threshold: int) -> pd.Series:
    values = pd.to_numeric(counts, errors="coerce")
    return ((values > 0) & (values < threshold)).fillna(False).astype(bool)


def _protected_cells(part: pd.DataFrame, column: str, label: str, total: Hashable, threshold: int) -> pd.Series:
    """The rows of one table's groups that `suppress_table` withholds in `column` (others False,
    so the mask lines up with the whole frame)."""
    known = part[column].notna()
    if total not in set(part.loc[known, label]):
        return pd.Series(False, index=part.index)
    table = pd.DataFrame({column: part.loc[known, column].astype(np.int64).to_numpy()}, index=part.loc[known, label])
    withheld = suppress_table(table=table, threshold=threshold, total=total).suppressed[column].to_numpy()
    return pd.Series(withheld, index=part.index[known.to_numpy()]).reindex(part.index, fill_value=False)
