"""A de-identified extract keeps only what its use needs, each column as coarse as the use allows,
identifiers replaced by a keyed hash stable within a project; policies that would keep a direct
identifier are refused."""

import hashlib
import hmac
from datetime import date

import pandas as pd
import pytest

from joinedup.evidence.disclosure.minimise import MinimisationPolicy, minimise, new_project_salt, pseudonyms

SALT = b"project-one-salt-0123456789abcdef"
OTHER_SALT = b"project-two-salt-0123456789abcdef"
ON = date(2025, 9, 1)


def children():
    return pd.DataFrame(
        {
            "nhs_number": ["943 476 5919", "9434765870", None],
            "family_name": ["Ashworth", "Begum", "Clarke"],
            "date_of_birth": ["2012-09-01", "2012-09-02", None],
            "postcode": ["ls6 2ab", "  LS62AB ", "not a postcode"],
            "sex": ["F", "M", "F"],
            "sessions_missed": [12, 340, 0],
        }
    )


def extract_of(columns, frame=None, salt=SALT):
    policy = MinimisationPolicy.from_mapping({"purpose": "Attendance after early help", "columns": columns})
    return minimise(children() if frame is None else frame, policy, project_salt=salt, reference_date=ON)


def test_columns_the_policy_does_not_name_are_dropped():
    extract, dictionary = extract_of({"sex": "keep"})

    assert list(extract.columns) == ["sex"]
    assert extract["sex"].tolist() == ["F", "M", "F"]
    assert dictionary["sex"] == "Kept as held."
    assert dictionary["family_name"] == "Dropped: not needed for this use."
    assert set(dictionary) == set(children().columns)


def test_date_of_birth_to_month_or_year():
    extract, dictionary = extract_of(
        {"date_of_birth": {"treatment": "date_to_month", "as": "birth_month"}, "dob": "date_to_year"},
        frame=children().assign(dob=["2012-09-01", "2013-01-31", ""]),
    )

    assert extract["birth_month"].tolist() == ["2012-09", "2012-09", ""]
    assert extract["dob"].tolist() == ["2012", "2013", ""]
    assert dictionary["date_of_birth"] == "Year and month only (YYYY-MM); the day is removed. Shown as birth_month."


def test_postcode_to_district_or_sector_with_messy_spacing_and_case():
    frame = pd.DataFrame({"postcode": ["ls6 2ab", "  LS62AB ", "sw1a 1aa", "M1 1AE", "not a postcode", "LS6", None]})

    district, _ = extract_of({"postcode": "postcode_to_district"}, frame=frame)
    sector, _ = extract_of({"postcode": "postcode_to_sector"}, frame=frame)

    assert district["postcode"].tolist() == ["LS6", "LS6", "SW1A", "M1", "", "", ""]
    assert sector["postcode"].tolist() == ["LS6 2", "LS6 2", "SW1A 1", "M1 1", "", "", ""]


def test_age_band_on_the_reference_date_counts_a_birthday_on_the_day():
    frame = pd.DataFrame({"date_of_birth": ["2014-09-01", "2014-09-02", "2025-01-01", "2009-09-01", "", "2026-01-01"]})

    extract, dictionary = extract_of(
        {"date_of_birth": {"treatment": "age_band", "as": "age_band", "bands": [0, 5, 11, 16]}}, frame=frame
    )

    assert extract["age_band"].tolist() == ["11 to 15", "5 to 10", "Under 5", "16 and over", "", ""]
    assert dictionary["date_of_birth"].startswith("Age band on the extract's reference date: Under 5, 5 to 10")


def test_default_age_bands_are_dfes_for_looked_after_children():
    frame = pd.DataFrame({"dob": ["2025-01-01", "2024-09-01", "2016-09-02", "2015-09-01", "2009-09-01"]})

    extract, _ = extract_of({"dob": "age_band"}, frame=frame)

    assert extract["dob"].tolist() == ["Under 1", "1 to 4", "5 to 9", "10 to 15", "16 and over"]


def test_top_code_caps_large_values():
    extract, dictionary = extract_of({"sessions_missed": {"treatment": "top_code", "cap": 300}})

    assert extract["sessions_missed"].tolist() == [12, 300, 0]
    assert dictionary["sessions_missed"] == "Values above 300 shown as 300."


def test_pseudonym_is_a_keyed_hash_of_the_normalised_identifier():
    extract, _ = extract_of({"nhs_number": {"treatment": "pseudonymise", "as": "child"}})

    expected = hmac.new(SALT, b"9434765919", hashlib.sha256).hexdigest()[:16]
    assert extract["child"].tolist()[0] == expected
    assert extract["child"].tolist()[2] == ""
    assert expected != hashlib.sha256(b"9434765919").hexdigest()[:16]


def test_pseudonyms_are_stable_within_a_project_and_differ_across_projects():
    written_differently = pd.Series(["943 476 5919", "943-476-5919", "9434765919", "9434765870"])

    first = pseudonyms(written_differently, project_salt=SALT)
    again = pseudonyms(written_differently, project_salt=SALT)
    elsewhere = pseudonyms(written_differently, project_salt=OTHER_SALT)

    assert first.tolist() == again.tolist()
    assert len(set(first[:3])) == 1 and first[3] != first[0]
    assert all(len(pseudonym) == 16 for pseudonym in first)
    assert not set(first) & set(elsewhere)


def test_new_project_salts_are_long_and_different():
    salts = {new_project_salt() for _ in range(5)}

    assert len(salts) == 5 and all(len(salt) == 32 for salt in salts)


def test_a_short_salt_is_refused():
    with pytest.raises(ValueError, match="at least 16 random bytes"):
        extract_of({"nhs_number": "pseudonymise"}, salt=b"short")


@pytest.mark.parametrize(
    ("column", "treatment"),
    [
        ("family_name", "keep"),
        ("Surname", "keep"),
        ("forenames", "keep"),
        ("postcode", "keep"),
        ("HOME_POST", "keep"),
        ("date_of_birth", "keep"),
        ("DOB", "keep"),
        ("PersonBirthDate", "top_code"),
        ("NHS number", "keep"),
        ("UPN", "keep"),
        ("address_line_1", "keep"),
        ("LAchildID", "keep"),
        ("postcode", "date_to_month"),
        ("upn", "postcode_to_district"),
    ],
)
def test_a_policy_that_would_keep_a_direct_identifier_is_refused(column, treatment):
    columns = {column: {"treatment": treatment, "cap": 9}}

    with pytest.raises(ValueError, match=f"{column} looks like .*a direct identifier"):
        MinimisationPolicy.from_mapping({"purpose": "Research", "columns": columns})


@pytest.mark.parametrize(
    ("column", "treatment"),
    [
        ("family_name", "pseudonymise"),
        ("UPN", "pseudonymise"),
        ("postcode", "postcode_to_district"),
        ("date_of_birth", "date_to_month"),
        ("address", "drop"),
        ("school_name", "keep"),
        ("ethnicity", "keep"),
    ],
)
def test_identifiers_made_safe_and_other_columns_are_allowed(column, treatment):
    policy = MinimisationPolicy.from_mapping({"purpose": "Research", "columns": {column: treatment}})

    assert policy.rules[0].column == column


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"columns": {"sex": "keep"}}, "needs a purpose"),
        ({"purpose": "Research", "columns": {"sex": "shuffle"}}, "Give sex a treatment"),
        ({"purpose": "Research", "columns": {"sex": {"treatment": "keep", "cpa": 3}}}, "does not know: \\['cpa'\\]"),
        ({"purpose": "Research", "columns": {"sessions_missed": "top_code"}}, "Give the cap"),
        ({"purpose": "Research", "columns": {"dob": {"treatment": "age_band", "bands": [5, 0]}}}, "rising whole ages"),
        (
            {"purpose": "Research", "columns": {"sex": "keep", "gender": {"treatment": "keep", "as": "sex"}}},
            "same name",
        ),
    ],
)
def test_unclear_policies_are_refused(mapping, message):
    with pytest.raises(ValueError, match=message):
        MinimisationPolicy.from_mapping(mapping)


def test_a_policy_naming_a_column_the_data_lacks_is_refused():
    with pytest.raises(ValueError, match="does not have: \\['ethnicity'\\]"):
        extract_of({"ethnicity": "keep"})
