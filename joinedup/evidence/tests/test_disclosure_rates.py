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
