"""k-anonymity of an extract: how few children share one combination of the quasi-identifiers a
partner could match against other data (month of birth, sex, district, ethnicity), so the
integrator can warn before an extract leaves the authority."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def group_sizes(*, extract: pd.DataFrame, quasi_identifiers: Sequence[str]) -> pd.DataFrame:
    """Each combination of the quasi-identifiers present, with how many rows share it, smallest first.
    A blank counts as a value: it is one more thing a reader can match on."""
    counts = extract.value_counts(subset=list(quasi_identifiers), dropna=False, sort=False)
    return counts.reset_index(name="children").sort_values("children", kind="stable", ignore_index=True)


def smallest_group(*, extract: pd.DataFrame, quasi_identifiers: Sequence[str]) -> int:
    """The extract's k: the fewest rows sharing one combination (0 for an empty extract)."""
    sizes = group_sizes(extract=extract, quasi_identifiers=quasi_identifiers)["children"]
    return int(sizes.min()) if len(sizes) else 0


def groups_under(*, extract: pd.DataFrame, quasi_identifiers: Sequence[str], k: int) -> pd.DataFrame:
    """The combinations fewer than `k` rows share: each is a group a partner might single out."""
    sizes = group_sizes(extract=extract, quasi_identifiers=quasi_identifiers)
    return sizes[sizes["children"] < k].reset_index(drop=True)
