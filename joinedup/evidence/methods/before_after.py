"""The naive before/after: how supported children's outcomes changed once help started, with no
comparison group. Shown beside the real comparison because it is what people compute first, and
it is fooled by the dip that leads to a referral."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .comparison import EVENT_STUDY_COLUMNS, MIN_HELPED, Comparison, Z, cannot_compare, two_sided_p
from .panel import WidePanel, mean_of_observed, to_wide

METHOD = "before and after, supported children only"
METHOD_TEXT = (
    "The average outcome of supported children in the terms after help started, minus their average "
    "in the terms before. There is no comparison group, so it assumes nothing else would have "
    "changed: not the school year, not the child's age, and not the recovery that often follows the "
    "bad spell that led to the referral. It usually overstates what help did."
)


def naive_before_after(*, panel: pd.DataFrame | WidePanel, pre_terms: int = 1, post_terms: int = 5) -> Comparison:
    """By default the term before help against the terms after: the usual "distance travelled"."""
    wide = to_wide(panel=panel)
    outcome, first_helped = wide.outcome, wide.first_helped
    helped = (first_helped >= pre_terms) & (first_helped < wide.terms)
    rows = np.flatnonzero(helped)
    relative = np.arange(-pre_terms, post_terms)
    columns = first_helped[rows, None] + relative[None, :]
    inside = columns < wide.terms
    values = np.where(inside, outcome[rows[:, None], np.minimum(columns, wide.terms - 1)], np.nan)
    before = mean_of_observed(values[:, :pre_terms])
    changes = values - before[:, None]
    after = mean_of_observed(changes[:, pre_terms:])
    usable = ~np.isnan(after)
    if usable.sum() < MIN_HELPED:
        return cannot_compare(
            method=METHOD,
            method_text=METHOD_TEXT,
            reason=f"only {int(usable.sum())} supported children have outcomes before and after help "
            f"(at least {MIN_HELPED} are needed).",
            n_helped=int(usable.sum()),
        )
    estimate = float(after[usable].mean())
    standard_error = float(after[usable].std(ddof=1) / np.sqrt(usable.sum()))
    return Comparison(
        method=METHOD,
        estimate=estimate,
        low=estimate - Z * standard_error,
        high=estimate + Z * standard_error,
        standard_error=standard_error,
        n_helped=int(usable.sum()),
        n_comparison=0,
        n_observations=int(np.count_nonzero(~np.isnan(values[usable]))),
        event_study=_event_study(changes=changes[usable], relative=relative),
        balance=pd.DataFrame(),
        reliable=False,
        method_text=METHOD_TEXT,
        warnings=(
            "There is no comparison group: this change includes whatever would have happened without "
            f"help (p = {two_sided_p(estimate=estimate, standard_error=standard_error):.3g} tests only "
            "that the outcome changed).",
        ),
    )


def _event_study(*, changes: np.ndarray, relative: np.ndarray) -> pd.DataFrame:
    observed = ~np.isnan(changes)
    counts = observed.sum(axis=0)
    means = np.nansum(changes, axis=0) / np.maximum(counts, 1)
    squares = np.nansum((changes - means) ** 2, axis=0)
    errors = np.sqrt(squares / np.maximum(counts - 1, 1) / np.maximum(counts, 1))
    frame = pd.DataFrame(
        {
            "relative_period": relative,
            "estimate": means,
            "low": means - Z * errors,
            "high": means + Z * errors,
            "n_helped": counts,
        }
    )
    return frame[EVENT_STUDY_COLUMNS]
