"""An extract's k: the fewest children sharing one combination of quasi-identifiers, and which
combinations fall under k."""

import pandas as pd

from joinedup.evidence.disclosure.anonymity import groups_under, smallest_group

QUASI_IDENTIFIERS = ["birth_month", "sex", "district"]


def extract():
    rows = (
        [("2014-03", "F", "LS6")] * 5
        + [("2014-03", "M", "LS6")] * 3
        + [("2014-04", "F", "LS7")] * 1
        + [("2014-04", "F", None)] * 2
        + [("2014-03", "F", "LS7")] * 6
    )
    return pd.DataFrame(rows, columns=QUASI_IDENTIFIERS).assign(pseudonym=[f"p{i}" for i in range(17)])


def test_smallest_group_is_the_extracts_k():
    assert smallest_group(extract=extract(), quasi_identifiers=QUASI_IDENTIFIERS) == 1
    assert smallest_group(extract=extract(), quasi_identifiers=["sex"]) == 3
    assert smallest_group(extract=extract().iloc[0:0], quasi_identifiers=["sex"]) == 0


def test_combinations_under_k_are_listed_smallest_first_with_blanks_as_a_value():
    under = groups_under(extract=extract(), quasi_identifiers=QUASI_IDENTIFIERS, k=5)

    assert under.astype(object).where(under.notna(), None).values.tolist() == [
        ["2014-04", "F", "LS7", 1],
        ["2014-04", "F", None, 2],
        ["2014-03", "M", "LS6", 3],
    ]
