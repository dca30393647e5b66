"""What difference help made: supported children against similar children not yet supported,
cohort by cohort of the term help started (a stacked, matched difference-in-differences), with
the event study around the start of help and the checks that say when not to believe it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .comparison import (
    BALANCE_COLUMNS,
    EVENT_STUDY_COLUMNS,
    MIN_COMPARISON,
    MIN_HELPED,
    Check,
    Comparison,
    Z,
    cannot_compare,
    clustered_covariance,
    two_sided_p,
)
from .panel import WidePanel, mean_of_observed, to_wide

METHOD = "matched difference-in-differences against children not yet helped"
# Referral follows a bad term, so the term just before help is not a fair baseline: part of that
# drop recovers on its own (Ashenfelter's dip). The baseline is the terms before it.
TERMS_LEFT_OUT_OF_BASE = 1
# Each check is a test at this level, so a sound comparison is flagged about 2% of the time; a real
# run-up of a few points across a hundred or more children gives p far below it.
CHECK_ALPHA = 0.01
# A pre-help difference smaller than this share of the estimate could move the estimate by about
# that much at most, which does not change what a reader concludes; with tens of thousands of
# children, differences far too small to matter are still "significant".
MATERIAL_SHARE = 0.25
# The placebo pretends help started this many terms earlier and looks only at pre-help terms.
PLACEBO_TERMS_EARLIER = 2
# Below this share of supported children with a match, the result describes a narrower group.
MIN_MATCHED_SHARE = 0.8

METHOD_TEXT = (
    "Each supported child is compared with children who were similar before help started (the same "
    "{covariates}) and who had not yet been helped in any of the terms compared. For each term in "
    "which help started, we take how each child's outcome changed from their own average in the "
    "earlier terms before help (leaving out the last term before help, when things are often at "
    "their worst), and subtract the average change of the similar children. Stable differences "
    "between children therefore cancel out. The result is the average of these differences over the "
    "first {post_terms} terms after help started, and the chart shows it term by term around the start "
    "of help, each term measured from the same baseline. It rests on three assumptions: without help, "
    "supported children's outcomes would have moved like those of the similar children; children "
    "were not referred because of a temporary drop that would have recovered anyway; and help for "
    "one child did not change the outcomes of the comparison children. The first two are checked: "
    "the chart shows the {pre_terms} terms before help, which should be flat, and a placebo pretends "
    "help started {placebo} terms earlier, which should show no effect. The interval allows for each "
    "child being measured in several terms (it is clustered by child)."
)


@dataclass
class _Balance:
    """Counts per covariate level, summed over the start cohorts, before and after matching."""

    helped: dict[str, np.ndarray] = field(default_factory=dict)
    helped_matched: dict[str, np.ndarray] = field(default_factory=dict)
    comparison: dict[str, np.ndarray] = field(default_factory=dict)
    comparison_weighted: dict[str, np.ndarray] = field(default_factory=dict)
    totals: np.ndarray = field(default_factory=lambda: np.zeros(4))
    # sums and sums of squares of the prior outcome: helped, helped matched, comparison, weighted
    prior: np.ndarray = field(default_factory=lambda: np.zeros((4, 2)))

    def add(
        self, *, name: str, levels: int, groups: Sequence[tuple[np.ndarray, np.ndarray | None]], codes: np.ndarray
    ) -> None:
        for store, (members, weights) in zip(
            (self.helped, self.helped_matched, self.comparison, self.comparison_weighted), groups, strict=True
        ):
            counts = np.bincount(codes[members], weights=weights, minlength=levels)
            store[name] = store.get(name, np.zeros(levels)) + counts


def compare_with_similar_children(
    *,
    panel: pd.DataFrame | WidePanel,
    covariates: Sequence[str] = (),
    pre_terms: int = 4,
    post_terms: int = 5,
    prior_outcome_band: float | None = None,
) -> Comparison:
    """`prior_outcome_band`, if given, also matches on the average outcome of the baseline terms in
    bands of that width. Off by default: with a within-child change it adds regression to the mean
    (see benchmarks/impact_methods.py)."""
    if pre_terms < PLACEBO_TERMS_EARLIER + 1 + TERMS_LEFT_OUT_OF_BASE:
        raise ValueError(f"pre_terms must be at least {PLACEBO_TERMS_EARLIER + 1 + TERMS_LEFT_OUT_OF_BASE}.")
    method_text = METHOD_TEXT.format(
        covariates=_listed([*covariates, *(["prior outcome band"] if prior_outcome_band else [])]),
        post_terms=post_terms,
        pre_terms=pre_terms,
        placebo=PLACEBO_TERMS_EARLIER,
    )
    wide = to_wide(panel=panel, covariates=covariates)
    relative = np.arange(-pre_terms, post_terms)
    helped_within_data = (wide.first_helped >= 0) & (wide.first_helped < wide.terms)
    too_early = int(np.count_nonzero(helped_within_data & (wide.first_helped < pre_terms)))
    cohorts = np.unique(wide.first_helped[helped_within_data & (wide.first_helped >= pre_terms)])
    if len(cohorts) == 0:
        return cannot_compare(
            method=METHOD,
            method_text=method_text,
            reason=f"no child was helped after at least {pre_terms} terms of outcomes in the data.",
        )
    design = _estimate(
        wide=wide,
        cohorts=cohorts,
        relative=relative,
        covariates=covariates,
        prior_outcome_band=prior_outcome_band,
    )
    if design.n_helped < MIN_HELPED or design.n_comparison < MIN_COMPARISON:
        return cannot_compare(
            method=METHOD,
            method_text=method_text,
            reason=f"{design.n_helped} supported children were matched with {design.n_comparison} similar "
            f"children; at least {MIN_HELPED} and {MIN_COMPARISON} are needed for a trustworthy interval.",
            n_helped=design.n_helped,
            n_comparison=design.n_comparison,
        )
    return _result(design=design, relative=relative, method_text=method_text, too_early=too_early)


@dataclass
class _Design:
    coefficients: np.ndarray
    covariance: np.ndarray
    counts: np.ndarray
    n_helped: int
    n_comparison: int
    n_unmatched: int
    n_observations: int
    balance: pd.DataFrame


def _estimate(
    *,
    wide: WidePanel,
    cohorts: np.ndarray,
    relative: np.ndarray,
    covariates: Sequence[str],
    prior_outcome_band: float | None,
) -> _Design:
    """Every cohort's helped children against their matched not-yet-helped children, summed into one
    event study. Each child's influence on each coefficient is kept, so intervals are clustered by
    child even though a comparison child serves several cohorts."""
    outcome, first_helped = wide.outcome, wide.first_helped
    children, width = outcome.shape[0], len(relative)
    pre_terms = int(-relative[0])
    influence = np.zeros((children, width))
    helped_at = np.zeros((children, width), dtype=bool)
    sums, counts = np.zeros(width), np.zeros(width)
    used_comparison = np.zeros(children, dtype=bool)
    matched_helped = np.zeros(children, dtype=bool)
    unmatched_helped = np.zeros(children, dtype=bool)
    n_observations = 0
    balance = _Balance()

    for cohort in cohorts:
        window_start = cohort - pre_terms
        base = mean_of_observed(outcome[:, window_start : cohort - TERMS_LEFT_OUT_OF_BASE])
        last_compared = min(cohort + relative[-1], wide.terms - 1)
        has_base = ~np.isnan(base)
        helped = (first_helped == cohort) & has_base
        comparison = (first_helped > last_compared) & has_base
        strata = _strata(wide=wide, covariates=covariates, term=window_start, base=base, band=prior_outcome_band)
        cells = int(strata.max()) + 1
        helped_per_stratum = np.bincount(strata[helped], minlength=cells)
        comparison_per_stratum = np.bincount(strata[comparison], minlength=cells)
        matchable = (helped_per_stratum > 0) & (comparison_per_stratum > 0)
        matched_helped |= helped & matchable[strata]
        unmatched_helped |= helped & ~matchable[strata]
        weights = np.where(
            comparison & matchable[strata],
            helped_per_stratum[strata] / np.maximum(comparison_per_stratum[strata], 1),
            0.0,
        )
        _add_balance(
            balance=balance,
            wide=wide,
            covariates=covariates,
            term=window_start,
            base=base,
            helped=helped,
            matched=helped & matchable[strata],
            comparison=comparison,
            weights=weights,
        )

        for column, offset in enumerate(relative):
            term = cohort + offset
            if term >= wide.terms:
                break
            change = outcome[:, term] - base
            observed = ~np.isnan(change)
            helped_now, comparison_now = helped & observed, comparison & observed
            n_helped = np.bincount(strata[helped_now], minlength=cells)
            n_comparison = np.bincount(strata[comparison_now], minlength=cells)
            support = (n_helped > 0) & (n_comparison > 0)
            if not support.any():
                continue
            comparison_mean = np.bincount(strata[comparison_now], weights=change[comparison_now], minlength=cells)
            comparison_mean = comparison_mean / np.maximum(n_comparison, 1)
            helped_in = helped_now & support[strata]
            comparison_in = comparison_now & support[strata]
            # Each helped child's change less the mean change of its comparison children; the
            # comparison children's part of the influence comes through that mean.
            gaps = change[helped_in] - comparison_mean[strata[helped_in]]
            influence[helped_in, column] += gaps
            helped_at[helped_in, column] = True
            influence[comparison_in, column] -= _comparison_influence(
                change=change[comparison_in],
                strata=strata[comparison_in],
                comparison_mean=comparison_mean,
                n_helped=n_helped,
                n_comparison=n_comparison,
            )
            sums[column] += gaps.sum()
            counts[column] += len(gaps)
            used_comparison |= comparison_in
            n_observations += int(helped_in.sum() + comparison_in.sum())

    coefficients = np.divide(sums, counts, out=np.full(width, np.nan), where=counts > 0)
    influence -= np.where(helped_at, np.nan_to_num(coefficients), 0.0)
    influence /= np.maximum(counts, 1)
    post = relative >= 0
    return _Design(
        coefficients=coefficients,
        covariance=clustered_covariance(influence),
        counts=counts,
        n_helped=int(np.count_nonzero(helped_at[:, post].any(axis=1))),
        n_comparison=int(used_comparison.sum()),
        n_unmatched=int(np.count_nonzero(unmatched_helped & ~matched_helped)),
        n_observations=n_observations,
        balance=_balance_table(balance=balance, wide=wide, covariates=covariates),
    )


def _comparison_influence(
    *,
    change: np.ndarray,
    strata: np.ndarray,
    comparison_mean: np.ndarray,
    n_helped: np.ndarray,
    n_comparison: np.ndarray,
) -> np.ndarray:
    """A comparison child's part in the estimate. Exact matching leaves many cells with only a few
    comparison children, where the spread about their own mean understates the noise: scale it by
    n/(n-1), and measure a lone comparison child against all comparison children of that term."""
    own = n_comparison[strata]
    spread = np.where(
        own > 1,
        (change - comparison_mean[strata]) * np.sqrt(own / np.maximum(own - 1, 1)),
        change - change.mean(),
    )
    return (n_helped / np.maximum(n_comparison, 1))[strata] * spread


def _result(*, design: _Design, relative: np.ndarray, method_text: str, too_early: int) -> Comparison:
    coefficients, covariance, counts = design.coefficients, design.covariance, design.counts
    errors = np.sqrt(np.clip(np.diag(covariance), 0, None))
    post = (relative >= 0) & (counts > 0)
    weights = np.where(post, counts, 0.0) / counts[post].sum()
    estimate = float(weights @ np.nan_to_num(coefficients))
    standard_error = float(np.sqrt(weights @ covariance @ weights))
    pre_trend = _pre_trend_check(relative=relative, coefficients=coefficients, covariance=covariance, estimate=estimate)
    placebo = _placebo_check(relative=relative, coefficients=coefficients, covariance=covariance, estimate=estimate)
    warnings = []
    for check in (pre_trend, placebo):
        if check is not None and not check.passed:
            warnings.append(check.verdict)
    matched_share = design.n_helped / max(design.n_helped + design.n_unmatched, 1)
    if matched_share < MIN_MATCHED_SHARE:
        warnings.append(
            f"Only {matched_share:.0%} of supported children had a similar child to compare with: the "
            "result speaks for them, not for every supported child."
        )
    if too_early:
        warnings.append(
            f"{too_early} children helped in the first {-relative[0]} terms of the data are left out: "
            "there are not enough terms before their help to compare."
        )
    checks_passed = all(check is None or check.passed for check in (pre_trend, placebo))
    event_study = pd.DataFrame(
        {
            "relative_period": relative,
            "estimate": coefficients,
            "low": coefficients - Z * errors,
            "high": coefficients + Z * errors,
            "n_helped": counts.astype(int),
        }
    )[EVENT_STUDY_COLUMNS]
    return Comparison(
        method=METHOD,
        estimate=estimate,
        low=estimate - Z * standard_error,
        high=estimate + Z * standard_error,
        standard_error=standard_error,
        n_helped=design.n_helped,
        n_comparison=design.n_comparison,
        n_observations=design.n_observations,
        event_study=event_study,
        balance=design.balance,
        reliable=checks_passed,
        method_text=method_text,
        pre_trend=pre_trend,
        placebo=placebo,
        warnings=tuple(warnings),
    )


def _pre_trend_check(
    *, relative: np.ndarray, coefficients: np.ndarray, covariance: np.ndarray, estimate: float
) -> Check | None:
    """Were the pre-help terms flat? A joint test that each pre-help coefficient equals the next."""
    pre = np.flatnonzero(relative < 0)
    if np.isnan(coefficients[pre]).any():
        return None
    steps = np.diff(np.eye(len(pre)), axis=0)
    differences = steps @ coefficients[pre]
    variance = steps @ covariance[np.ix_(pre, pre)] @ steps.T
    statistic = float(differences @ np.linalg.pinv(variance) @ differences)
    degrees = int(np.linalg.matrix_rank(variance))
    p_value = float(stats.chi2.sf(statistic, degrees)) if degrees else np.nan
    largest = float(np.max(np.abs(coefficients[pre])))
    passed = not (p_value < CHECK_ALPHA and largest > MATERIAL_SHARE * abs(estimate))
    verdict = (
        "Before help started, supported children's outcomes moved like the comparison children's."
        if passed
        else f"Before help started, supported children's outcomes were already moving away from the "
        f"comparison children's (by up to {largest:.1f} points, p = {p_value:.2g}): the result may "
        "reflect that, not help."
    )
    return Check(
        name="pre-help trend",
        estimate=largest,
        low=np.nan,
        high=np.nan,
        statistic=statistic,
        p_value=p_value,
        passed=passed,
        verdict=verdict,
    )


def _placebo_check(
    *, relative: np.ndarray, coefficients: np.ndarray, covariance: np.ndarray, estimate: float
) -> Check | None:
    """Pretend help started PLACEBO_TERMS_EARLIER terms earlier and compare the last pre-help terms
    with the earlier ones: any "effect" there cannot be help's."""
    late = (relative < 0) & (relative >= -PLACEBO_TERMS_EARLIER)
    early = relative < -PLACEBO_TERMS_EARLIER
    if np.isnan(coefficients[late | early]).any():
        return None
    contrast = late / late.sum() - early / early.sum()
    placebo = float(contrast @ np.nan_to_num(coefficients))
    error = float(np.sqrt(contrast @ covariance @ contrast))
    p_value = two_sided_p(estimate=placebo, standard_error=error)
    passed = not (p_value < CHECK_ALPHA and abs(placebo) > MATERIAL_SHARE * abs(estimate))
    verdict = (
        f"Pretending help started {PLACEBO_TERMS_EARLIER} terms earlier shows no effect, as it should."
        if passed
        else f"Pretending help started {PLACEBO_TERMS_EARLIER} terms earlier shows a difference of "
        f"{placebo:+.1f} points (p = {p_value:.2g}) before any help: children were probably referred after "
        "a drop, part of which recovers on its own, so this result is not reliable."
    )
    return Check(
        name="placebo start date",
        estimate=placebo,
        low=placebo - Z * error,
        high=placebo + Z * error,
        statistic=placebo / error if error > 0 else np.nan,
        p_value=p_value,
        passed=passed,
        verdict=verdict,
    )


def _strata(*, wide: WidePanel, covariates: Sequence[str], term: int, base: np.ndarray, band: float | None):
    combined = np.zeros(len(base), dtype=np.int64)
    for name in covariates:
        combined = combined * len(wide.covariate_levels[name]) + wide.covariates[name][:, term]
        # Keep the code small by renumbering after each covariate, whatever the levels multiply to.
        combined = np.unique(combined, return_inverse=True)[1]
    if band:
        bands = np.floor(np.nan_to_num(base) / band).astype(np.int64)
        combined = np.unique(combined * (bands.max() - bands.min() + 1) + bands - bands.min(), return_inverse=True)[1]
    return combined


def _add_balance(
    *,
    balance: _Balance,
    wide: WidePanel,
    covariates: Sequence[str],
    term: int,
    base: np.ndarray,
    helped: np.ndarray,
    matched: np.ndarray,
    comparison: np.ndarray,
    weights: np.ndarray,
) -> None:
    groups = ((helped, None), (matched, None), (comparison, None), (comparison, weights[comparison]))
    for name in covariates:
        balance.add(
            name=name, levels=len(wide.covariate_levels[name]), groups=groups, codes=wide.covariates[name][:, term]
        )
    for row, (members, group_weights) in enumerate(groups):
        values = base[members]
        group_weights = np.ones(len(values)) if group_weights is None else group_weights
        balance.totals[row] += group_weights.sum()
        balance.prior[row] += [group_weights @ values, group_weights @ values**2]


def _balance_table(*, balance: _Balance, wide: WidePanel, covariates: Sequence[str]) -> pd.DataFrame:
    """Standardised differences use the spread before matching, so before and after are on one scale."""
    totals = np.maximum(balance.totals, 1e-12)
    rows = []
    for name in covariates:
        shares = [
            store[name] / total
            for store, total in zip(
                (balance.helped, balance.helped_matched, balance.comparison, balance.comparison_weighted),
                totals,
                strict=True,
            )
        ]
        present = (balance.helped[name] + balance.comparison[name]) > 0
        spread = np.sqrt((shares[0] * (1 - shares[0]) + shares[2] * (1 - shares[2])) / 2)
        for level in np.flatnonzero(present):
            rows.append(
                _balance_row(
                    label=f"{name}: {wide.covariate_levels[name][level]}",
                    means=[share[level] for share in shares],
                    spread=spread[level],
                )
            )
    means = balance.prior[:, 0] / totals
    variances = np.clip(balance.prior[:, 1] / totals - means**2, 0, None)
    rows.append(
        _balance_row(
            label="outcome before help (baseline terms)",
            means=list(means),
            spread=np.sqrt((variances[0] + variances[2]) / 2),
        )
    )
    return pd.DataFrame(rows, columns=BALANCE_COLUMNS)


def _balance_row(*, label: str, means: list[float], spread: float) -> dict:
    helped, helped_matched, comparison, weighted = means
    scale = spread if spread > 0 else np.nan
    return {
        "covariate": label,
        "helped_mean": helped,
        "comparison_mean_before": comparison,
        "helped_mean_matched": helped_matched,
        "comparison_mean_after": weighted,
        "standardised_difference_before": (helped - comparison) / scale,
        "standardised_difference_after": (helped_matched - weighted) / scale,
    }


def _listed(names: Sequence[str]) -> str:
    words = [name.replace("_", " ") for name in names] or ["terms of the data"]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
