"""Rates and per-group figures as they may be shown beyond the authority's analysts: rounded, and
withheld whenever the children behind them are fewer than the small-count threshold."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from joinedup.evidence.disclosure.suppression import CONFIDENTIAL, NOT_APPLICABLE, SMALL_COUNT


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
) -> pd.DataFrame:
    """Per-group N, estimate and 95% interval with every figure of a group under `threshold`
    children blanked, N included, and a short `reason` saying why; other groups unchanged.
    When the page also shows the groups' total N, protect the N column with `suppress_table` too."""
    counts = groups[size].to_numpy()
    small = (counts > 0) & (counts < threshold)
    protected = groups.copy()
    protected[list(figures)] = protected[list(figures)].astype(float)
    protected.loc[small, list(figures)] = np.nan
    protected[size] = protected[size].astype("Int64").mask(small)
    protected["reason"] = np.select(
        [small, counts == 0], [f"Fewer than {threshold} children, so no figure is shown", "No children"], default=""
    )
    return protected
