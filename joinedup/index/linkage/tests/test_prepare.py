from joinedup.index.linkage.prepare import LINKAGE_COLUMNS, linkage_table

from .conftest import canonical, record

VALID_NHS = "9434765919"
VALID_UPN = "B801200005001"


def test_identifiers_with_a_bad_check_character_are_blanked():
    table = linkage_table(
        canonical(
            record("health", "1", nhs_number=VALID_NHS, upn=VALID_UPN),
            record("health", "2", nhs_number="9434765918", upn="A801200005001"),
        )
    )

    assert table["nhs_number"].tolist() == [VALID_NHS, None]
    assert table["upn"].tolist() == [VALID_UPN, None]


def test_names_are_split_into_the_parts_records_drop_or_swap():
    row = linkage_table(
        canonical(record("school", "1", forenames="Mary-Jane Rose", surname="Khan-Cox", former_surname="Smith|O'Brien"))
    ).iloc[0]

    assert row["unique_id"] == "school:1"
    assert row["first_name"] == "mary"
    assert row["middle_names"] == "jane rose"
    assert row["surname"] == "khancox"
    assert row["surnames_all"] == ["cox", "khan", "khancox", "obrien", "smith"]


def test_a_nickname_and_the_name_it_is_short_for_are_variants_of_each_other():
    table = linkage_table(canonical(record("a", "1", forenames="Bill"), record("a", "2", forenames="Alfie")))

    assert "william" in table.loc[0, "forename_variants"]
    assert "alfred" in table.loc[1, "forename_variants"]


def test_dates_postcodes_and_sex_are_normalised():
    row = linkage_table(canonical(record("a", "1", date_of_birth="2014-03-07", postcode="nx4 2ab", sex="U"))).iloc[0]

    assert (row["dob"], row["dob_swapped"]) == ("2014-03-07", "2014-07-03")
    assert (row["postcode"], row["postcode_sector"], row["postcode_district"]) == ("NX4 2AB", "NX4 2", "NX4")
    assert row["sex"] is None
    assert list(row.index) == LINKAGE_COLUMNS


def test_a_postcode_in_no_uk_format_is_still_compared_as_text_and_the_address_is_kept():
    row = linkage_table(canonical(record("febrl", "1", postcode=" 2615 ", address_line_1="12  Stanley St."))).iloc[0]

    assert row["postcode"] is None  # no sector or district to take from it
    assert row["postcode_text"] == "2615"
    assert row["address"] == "12 stanley st"


def test_training_leaves_out_the_comparisons_no_record_holds():
    from joinedup.index.linkage.model import COMPARISON_COLUMNS, comparisons, empty_comparisons

    table = linkage_table(
        canonical(
            record("febrl", "1", forenames="Ada", surname="Lovelace", date_of_birth="2015-06-12", other_id="C1"),
            record("febrl", "2", forenames="Alan", surname="Turing", postcode="2615"),
        )
    )

    assert empty_comparisons(table) == {"middle_names", "sex", "nhs_number", "upn", "la_child_id"}
    assert set(COMPARISON_COLUMNS) == {comparison.create_output_column_name() for comparison in comparisons()}
