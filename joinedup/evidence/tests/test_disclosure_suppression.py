"""Small counts are withheld, and enough other cells with them that no withheld count can be worked
out from the totals; the checker proves it over many random tables."""

import numpy as np
import pandas as pd
import pytest

from joinedup.evidence.disclosure.suppression import (
    displayed_count,
    recoverable_cells,
    round_table,
    suppress_table,
)


def one_way(**counts):
    return pd.DataFrame({"Children": [*counts.values(), sum(counts.values())]}, index=[*counts, "Total"])


def two_way(rows, columns, counts):
    table = pd.DataFrame(counts, index=rows, columns=columns)
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum()
    return table


def shown(protected):
    return protected.display["Children"].to_dict()


def test_one_small_cell_takes_the_smallest_other_cell_with_it():
    table = one_way(Leeds=40, Bradford=3, Wakefield=25, Kirklees=12)

    protected = suppress_table(table=table)

    assert shown(protected) == {
        "Leeds": "40",
        "Bradford": "[c]",
        "Wakefield": "25",
        "Kirklees": "[c]",
        "Total": "80",
    }


def test_two_small_cells_protect_each_other():
    protected = suppress_table(table=one_way(A=4, B=6, C=30))

    assert shown(protected) == {"A": "[c]", "B": "[c]", "C": "30", "Total": "40"}


def test_a_small_total_is_withheld_with_its_parts():
    protected = suppress_table(table=one_way(A=2, B=3))

    assert shown(protected) == {"A": "[c]", "B": "[c]", "Total": "[c]"}


def test_two_way_table_withholds_a_rectangle_so_rows_and_columns_each_hide_two():
    table = two_way(["a", "b", "c"], ["x", "y", "z"], [[20, 30, 25], [4, 15, 18], [22, 11, 40]])

    protected = suppress_table(table=table)

    expected = pd.DataFrame(
        [
            ["[c]", "30", "[c]", "75"],
            ["[c]", "15", "[c]", "37"],
            ["22", "11", "40", "73"],
            ["46", "56", "83", "185"],
        ],
        index=["a", "b", "c", "Total"],
        columns=["x", "y", "z", "Total"],
    )
    pd.testing.assert_frame_equal(protected.display, expected)
    assert protected.suppressed.to_numpy().sum() == 4


def test_zeros_are_shown_by_default_and_withheld_when_disclosive():
    table = one_way(A=0, B=30, C=25)

    assert shown(suppress_table(table=table)) == {"A": "0", "B": "30", "C": "25", "Total": "55"}
    assert shown(suppress_table(table=table, zeros_disclosive=True)) == {
        "A": "[c]",
        "B": "30",
        "C": "[c]",
        "Total": "55",
    }


def test_a_shown_zero_is_not_chosen_as_the_complement():
    """A reader often knows a zero is structural, so withholding it would protect nothing."""
    protected = suppress_table(table=one_way(A=3, B=0, C=30))

    assert shown(protected) == {"A": "[c]", "B": "0", "C": "[c]", "Total": "33"}


def test_threshold_is_a_parameter():
    protected = suppress_table(table=one_way(A=6, B=30, C=40), threshold=5)

    assert shown(protected) == {"A": "6", "B": "30", "C": "40", "Total": "76"}


def test_a_subtotal_is_a_margin_and_its_parts_protect_each_other():
    table = pd.DataFrame(
        {"Children": [3, 20, 23, 15, 30, 45, 68]}, index=["N1", "N2", "North", "S1", "S2", "South", "Total"]
    )
    subtotals = {"North": ["N1", "N2"], "South": ["S1", "S2"]}

    protected = suppress_table(table=table, row_subtotals=subtotals)

    assert [label for label, hidden in protected.suppressed["Children"].items() if hidden] == ["N1", "N2"]
    assert recoverable_cells(table, protected.suppressed, row_subtotals=subtotals) == []


def test_totals_that_do_not_add_up_are_refused():
    table = pd.DataFrame({"Children": [4, 5, 10]}, index=["A", "B", "Total"])

    with pytest.raises(ValueError, match="not the sum of their parts"):
        suppress_table(table=table)


def test_checker_finds_a_lone_withheld_cell_beside_its_total():
    table = one_way(A=3, B=30)
    mask = pd.DataFrame({"Children": [True, False, False]}, index=table.index)

    assert recoverable_cells(table, mask) == [("A", "Children")]


def test_checker_finds_a_cell_joining_two_protected_rectangles():
    """Every row and column has two withheld cells, yet the cell joining the two rectangles is the
    sum of rows a and b less columns w and x."""
    table = two_way(list("abcd"), list("wxyz"), np.full((4, 4), 20))
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    for row, column in [("a", "w"), ("a", "x"), ("b", "w"), ("b", "x"), ("c", "y"), ("c", "z"), ("d", "y"), ("d", "z")]:
        mask.loc[row, column] = True
    assert recoverable_cells(table, mask) == []

    mask.loc["b", "y"] = True

    assert recoverable_cells(table, mask) == [("b", "y")]


def random_table(rng):
    """A two-way table of counts, many of them small, with its margins; sometimes one-way."""
    rows, columns = rng.integers(1, 7), rng.integers(2, 6)
    counts = np.where(rng.random((rows, columns)) < 0.35, rng.integers(0, 10, (rows, columns)), rng.integers(10, 60))
    if rows == 1:
        return one_way(**{f"g{i}": int(count) for i, count in enumerate(counts[0])})
    return two_way([f"r{i}" for i in range(rows)], [f"c{j}" for j in range(columns)], counts)


@pytest.mark.parametrize("zeros_disclosive", [False, True])
def test_no_withheld_count_can_be_recovered_in_random_tables(zeros_disclosive):
    rng = np.random.default_rng(20261204)
    for _ in range(150):
        table = random_table(rng)

        protected = suppress_table(table=table, zeros_disclosive=zeros_disclosive)

        values = table.to_numpy()
        small = ((values > 0) & (values < 10)) | ((values == 0) & zeros_disclosive)
        hidden = protected.suppressed.to_numpy()
        assert hidden[small].all(), table
        assert recoverable_cells(table, protected.suppressed) == [], table
        assert (protected.display.to_numpy()[hidden] == "[c]").all()
        assert (protected.display.to_numpy()[~hidden] == values[~hidden].astype(str)).all()


def test_rounding_to_five_replaces_suppression_for_exports_that_ask():
    table = one_way(A=1, B=2, C=3, D=7, E=8, F=12)

    rounded = round_table(table=table, base=5)

    assert shown(rounded) == {"A": "0", "B": "0", "C": "5", "D": "5", "E": "10", "F": "10", "Total": "35"}
    assert not rounded.suppressed.to_numpy().any()


@pytest.mark.parametrize(
    ("count", "options", "expected"),
    [
        (0, {}, "0"),
        (0, {"zeros_disclosive": True}, "[c]"),
        (9, {}, "[c]"),
        (10, {}, "10"),
        (12345, {}, "12,345"),
        (12, {"rounding_base": 5}, "10"),
        (13, {"rounding_base": 5}, "15"),
    ],
)
def test_a_headline_count(count, options, expected):
    assert displayed_count(count, **options) == expected
