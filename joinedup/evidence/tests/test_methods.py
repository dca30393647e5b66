"""The comparison methods against simulated children whose effect of help is known
(joinedup.evidence.methods.simulation): each test can fail, since it checks a computed estimate
against the injected truth."""

import numpy as np
import pandas as pd
import pytest

from joinedup.evidence.methods.before_after import naive_before_after
from joinedup.evidence.methods.comparison import MIN_HELPED
from joinedup.evidence.methods.matched import compare_with_similar_children
from joinedup.evidence.methods.simulation import simulate_panel

COVARIATES = ["age_band", "sex", "key_group", "school", "referrals_before"]


def compare(panel: pd.DataFrame, **options):
    return compare_with_similar_children(panel=panel, covariates=COVARIATES, **options)


def test_comparison_recovers_a_known_effect_within_its_interval():
    """A 95% interval misses now and then, so five simulated authorities: at most one miss."""
    results = [compare(simulate_panel(children=3000, effect=3.0, seed=seed)) for seed in range(11, 16)]

    assert sum(result.low <= 3.0 <= result.high for result in results) >= 4
    assert all(result.low > 0 for result in results)
    assert sum(result.reliable for result in results) >= 4
    assert all(result.n_helped >= MIN_HELPED for result in results)


def test_comparison_with_no_effect_covers_zero():
    results = [compare(simulate_panel(children=3000, effect=0.0, seed=seed)) for seed in range(21, 26)]

    assert sum(result.low <= 0.0 <= result.high for result in results) >= 4
    assert all(abs(result.estimate) < 1.0 for result in results)


def test_naive_before_after_is_fooled_by_the_dip_that_the_comparison_flags():
    """Children are referred after a 9-point drop, most of which recovers on its own: the naive
    change overstates the 3-point effect, and the comparison's checks say not to trust it."""
    panel = simulate_panel(children=3000, effect=3.0, dip=9.0, seed=31)

    naive = naive_before_after(panel=panel)
    result = compare(panel)

    assert naive.low > 3.0
    assert not result.reliable
    assert not result.placebo.passed
    assert result.placebo.estimate < 0
    assert any("placebo" in warning or "earlier" in warning for warning in result.warnings)


def test_pre_trend_check_fires_when_supported_children_were_already_drifting():
    panel = simulate_panel(children=3000, effect=3.0, diverging_trend=-0.8, seed=41)

    result = compare(panel)

    assert not result.pre_trend.passed
    assert result.pre_trend.p_value < 0.01
    assert not result.reliable


def test_pre_trend_check_passes_when_only_stable_characteristics_drive_help():
    panel = simulate_panel(children=3000, effect=3.0, seed=42)

    result = compare(panel)

    assert result.pre_trend.passed
    assert result.placebo.passed


def test_too_few_supported_children_gives_a_cannot_compare_result():
    panel = simulate_panel(children=120, effect=3.0, seed=51)

    result = compare(panel)

    assert result.cannot_compare
    assert np.isnan(result.estimate)
    assert not result.reliable
    assert result.warnings[0].startswith("This comparison cannot be made")


def test_no_supported_children_gives_a_cannot_compare_result():
    panel = simulate_panel(children=500, effect=3.0, seed=52).assign(first_helped=np.nan)

    assert compare(panel).cannot_compare
    assert naive_before_after(panel=panel).cannot_compare


def test_event_study_has_the_relative_terms_and_counts_of_supported_children():
    """With no missing terms and no covariates every supported child has comparison children, so
    the count at each relative term is the number of children helped early enough to be seen then."""
    panel = simulate_panel(children=2000, effect=3.0, seed=61, missing_share=0.0)
    terms = panel["period"].max() + 1

    result = compare_with_similar_children(panel=panel, pre_terms=4, post_terms=5)

    assert result.event_study["relative_period"].tolist() == list(range(-4, 5))
    starts = panel.drop_duplicates("child")["first_helped"].dropna()
    starts = starts[starts >= 4]
    expected = [int((starts + offset < terms).sum()) for offset in range(-4, 5)]
    assert result.event_study["n_helped"].tolist() == expected
    post = result.event_study[result.event_study["relative_period"] >= 0]
    assert post["low"].le(3.0).all() and post["high"].ge(3.0).all()


def test_balance_improves_after_matching():
    panel = simulate_panel(children=3000, effect=3.0, seed=71)

    balance = compare(panel).balance

    unbalanced = balance[balance["standardised_difference_before"].abs() > 0.1]
    assert len(unbalanced) >= 3
    assert (
        unbalanced["standardised_difference_after"].abs() < unbalanced["standardised_difference_before"].abs()
    ).all()
    assert balance["covariate"].str.startswith("age_band: ").sum() == 3


def test_a_panel_without_a_required_column_is_refused():
    panel = simulate_panel(children=100, seed=81).drop(columns="first_helped")

    with pytest.raises(ValueError, match="first_helped"):
        compare(panel)


def test_a_panel_with_two_rows_for_a_child_in_a_term_is_refused():
    panel = simulate_panel(children=100, seed=81)
    twice = pd.concat([panel, panel.iloc[[5]]], ignore_index=True)

    with pytest.raises(ValueError, match="more than one row for a child in a term"):
        compare(twice)
    with pytest.raises(ValueError, match="more than one row for a child in a term"):
        naive_before_after(panel=twice)


def test_the_method_is_described_in_plain_english_with_its_assumptions():
    result = compare(simulate_panel(children=1500, seed=91))

    assert "age band" in result.method_text
    assert "assumptions" in result.method_text
