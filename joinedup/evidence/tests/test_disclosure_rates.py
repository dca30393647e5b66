"""Rates are rounded and withheld when the children behind them are few; per-group figures of
groups under ten children are blanked with a reason."""

import numpy as np
import pandas as pd
import pytest

from joinedup.evidence.disclosure.rates import displayed_rate, withhold_small_groups


@pytest.mark.parametrize(
    ("numerator", "denominator", "options", "expected"),
    [
        (25, 200, {}, "13"),  # 12.5% rounds half up
        (23, 200, {}, "12"),  # 11.5% too, whatever binary floating point makes of it
        (1, 3, {}, "[c]"),  # both small
        (5, 200, {}, "[c]"),  # numerator small: the rate and its base give it back
        (0, 9, {}, "[c]"),  # denominator small, though nobody is counted
        (40, 200, {"withheld": True}, "[c]"),  # a count beside it is [c]
        (0, 200, {}, "0"),
        (0, 200, {"zeros_disclosive": True}, "[c]"),
        (12, 0, {}, "[z]"),
        (67, 100_000, {"per": 10_000}, "7"),
        (670, 100_000, {"per": 10_000}, "67"),
        (333, 1_000, {"decimals": 1}, "33.3"),
        (12_345, 10_000, {"per": 10_000}, "12,345"),
        (6, 80, {"threshold": 5}, "8"),
    ],
)
def test_a_rate_as_shown(numerator, denominator, options, expected):
    assert displayed_rate(numerator=numerator, denominator=denominator, **options) == expected


def test_groups_under_ten_children_show_no_figure_and_say_why():
    groups = pd.DataFrame(
        {
            "group": ["Looked after", "Autism", "Over 20% absence", "Nobody"],
            "n": [9, 10, 250, 0],
            "value": [44.4, 30.0, 27.2, None],
            "low": [18.9, 10.8, 22.0, None],
            "high": [73.3, 60.3, 33.1, None],
        }
    )

    shown = withhold_small_groups(groups=groups)

    assert shown["n"].tolist()[1:] == [10, 250, 0]
    assert shown["n"].isna().tolist() == [True, False, False, False]
    assert np.isnan(shown.loc[0, ["value", "low", "high"]].astype(float)).all()
    assert shown.loc[1:2, ["value", "low", "high"]].to_numpy().tolist() == [[30.0, 10.8, 60.3], [27.2, 22.0, 33.1]]
    assert shown["reason"].tolist() == ["Fewer than 10 children, so no figure is shown", "", "", "No children"]
    assert groups.loc[0, "value"] == 44.4


def test_a_share_of_a_few_children_is_withheld_but_its_n_is_shown():
    groups = pd.DataFrame(
        {
            "group": ["Boys", "Girls"],
            "n": [200, 180],
            "count": [4, 60],
            "value": [2.0, 33.3],
            "low": [0.8, 26.9],
            "high": [5.0, 40.5],
        }  # fmt: skip
    )

    shown = withhold_small_groups(groups=groups, counts=["count"])

    assert shown["n"].tolist() == [200, 180]
    assert shown.loc[0, ["value", "low", "high"]].isna().all() and shown.loc[1, "value"] == 33.3
    assert shown["reason"].tolist() == ["Withheld so that no count under 10 can be worked out", ""]


def test_groups_beside_their_total_hide_a_second_group_so_no_small_one_is_a_subtraction_away():
    """Boys 6 and girls 200 beside all children 206: hiding the boys alone would leave 206 - 200 = 6,
    so the smallest other group (not known, 12) is withheld too, in each term on its own."""
    groups = pd.DataFrame(
        {
            "term": ["2024-autumn"] * 4 + ["2024-spring"] * 4,
            "group": ["All children", "Boys", "Girls", "Not known"] * 2,
            "n": [218, 6, 200, 12, 230, 110, 108, 12],
            "count": [30, 2, 20, 8, 40, 20, 20, 0],
            "value": [13.8, 33.3, 10.0, 66.7, 17.4, 18.2, 18.5, 0.0],
            "low": [9.8, 9.7, 6.6, 39.1, 13.0, 12.1, 12.3, 0.0],
            "high": [19.0, 70.0, 14.9, 86.2, 22.8, 26.4, 26.6, 24.2],
        }
    )

    shown = withhold_small_groups(groups=groups, counts=["count"], total="All children", within="term")

    autumn, spring = shown.iloc[:4], shown.iloc[4:]
    assert autumn["n"].isna().tolist() == [False, True, False, True]  # boys small, not known the complement
    # Counts with the attribute: boys 2 and not known 8 are small; their figures go, girls' 20 stays
    # since two withheld counts cannot be told apart from 30 - 20.
    assert autumn["value"].isna().tolist() == [False, True, False, True]
    assert spring["n"].notna().all() and spring["value"].notna().all()  # nothing small: nothing withheld
    assert autumn["reason"].tolist()[1] == "Fewer than 10 children, so no figure is shown"
    assert autumn["reason"].tolist()[3] == "Withheld so that no count under 10 can be worked out"


def test_a_lone_small_count_beside_its_total_takes_a_second_count_with_it():
    groups = pd.DataFrame(
        {
            "group": ["All children", "Boys", "Girls"],
            "n": [300, 150, 150],
            "count": [45, 5, 40],
            "value": [15.0, 3.3, 26.7],
            "low": [11.4, 1.4, 20.2],
            "high": [19.5, 7.6, 34.3],
        }
    )

    shown = withhold_small_groups(groups=groups, counts=["count"], total="All children")

    # Boys' 5 alone would be 45 - 40: the girls' figure goes too (or the total's); N stays, it is not small.
    assert shown["value"].isna().sum() == 2 and bool(shown.loc[1, ["value"]].isna().all())
    assert shown["n"].notna().all()
