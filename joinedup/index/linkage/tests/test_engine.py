"""Linking hand-made records: a handful of records is no population to learn from, so these are
scored with the parameters learnt on the synthetic authority (default_model.json)."""

import logging

import pytest

from joinedup.index.linkage.engine import MIN_RECORDS_TO_TRAIN, link, linkage_config

from .conftest import canonical, cluster_of, read_authority, record

WILLIAM = dict(forenames="William James", surname="Smith", date_of_birth="2012-03-04", sex="M", postcode="NX4 2AB")


def test_a_nickname_links_to_the_name_it_is_short_for():
    frame = canonical(
        record("health", "1", **WILLIAM),
        record("school", "9", **{**WILLIAM, "forenames": "Bill James", "postcode": ""}),
        record("health", "2", forenames="Alfred", surname="Jones", date_of_birth="2015-11-20", sex="M"),
        record("youth", "7", forenames="Alfie", surname="Jones", date_of_birth="2015-11-20", sex="M"),
    )

    clusters = cluster_of(link(frame).clusters)

    assert clusters["health:1"] == clusters["school:9"]
    assert clusters["health:2"] == clusters["youth:7"]
    assert clusters["health:1"] != clusters["health:2"]


def test_a_date_of_birth_with_day_and_month_swapped_links():
    frame = canonical(
        record("health", "1", **WILLIAM),
        record("school", "9", **{**WILLIAM, "date_of_birth": "2012-04-03"}),
    )

    result = link(frame)

    assert result.clusters["cluster_id"].nunique() == 1
    assert result.pairs["match_probability"].iloc[0] > 0.99


def test_children_sharing_a_mistyped_nhs_number_are_not_linked_on_it():
    """Brothers: same surname and home, and a mistyped NHS number whose check digit fails. Were
    the number trusted, it would outweigh their different forenames and dates of birth."""
    mistyped = "9434765918"
    older = dict(forenames="Oliver", surname="Patel", date_of_birth="2011-06-09", sex="M", postcode="NX4 2AB")
    younger = dict(forenames="Arjun", surname="Patel", date_of_birth="2015-02-01", sex="M", postcode="NX4 2AB")
    frame = canonical(
        record("health", "1", **older, nhs_number=mistyped),
        record("health", "2", **younger, nhs_number=mistyped),
    )

    assert link(frame).clusters["cluster_id"].nunique() == 2


def test_one_valid_nhs_number_links_records_whatever_the_names_say():
    """The control for the test above: a valid number is the same child, renamed or not."""
    valid = "9434765919"
    frame = canonical(
        record("health", "1", forenames="Amelia", surname="Patel", date_of_birth="2015-02-01", nhs_number=valid),
        record("health", "2", forenames="Grace", surname="Hall", date_of_birth="2015-02-01", nhs_number=valid),
    )

    assert link(frame).clusters["cluster_id"].nunique() == 1


def test_twins_are_not_merged():
    """Same surname, date of birth, home and sex; different forenames: two children, each with a
    health and a school record."""
    twin = dict(surname="Okafor", date_of_birth="2016-09-12", sex="F", postcode="NX4 2AB")
    frame = canonical(
        record("health", "1", forenames="Grace Adaeze", **twin),
        record("health", "2", forenames="Hope Chioma", **twin),
        record("school", "1", forenames="Grace Adaeze", **{**twin, "postcode": ""}),
        record("school", "2", forenames="Hope Chioma", **{**twin, "postcode": ""}),
    )

    clusters = cluster_of(link(frame).clusters)

    assert clusters["health:1"] == clusters["school:1"]
    assert clusters["health:2"] == clusters["school:2"]
    assert clusters["health:1"] != clusters["health:2"]


def test_each_record_carries_its_strongest_link():
    frame = canonical(
        record("health", "1", **WILLIAM),
        record("school", "9", **WILLIAM),
        record("x", "1", **{**WILLIAM, "forenames": "Zachary", "date_of_birth": "2001-01-01"}),
    )

    clusters = link(frame).clusters.set_index("unique_id")

    assert clusters.loc["health:1", "match_probability"] > 0.99
    assert clusters["match_probability"].isna().sum() == 1


def test_the_backend_is_a_setting():
    assert linkage_config({}).backend == "duckdb"
    assert linkage_config({"JOINEDUP_LINKAGE_BACKEND": "Spark"}).backend == "spark"
    with pytest.raises(ValueError, match="duckdb, spark"):
        linkage_config({"JOINEDUP_LINKAGE_BACKEND": "postgres"})


def test_one_record_is_a_child_of_its_own():
    result = link(canonical(record("health", "1", **WILLIAM)))

    assert result.clusters[["unique_id", "cluster_id"]].values.tolist() == [["health:1", "health:1"]]
    assert result.pairs.empty


def test_a_record_given_twice_is_refused():
    with pytest.raises(ValueError, match="appear twice"):
        link(canonical(record("health", "1", **WILLIAM), record("health", "1", **WILLIAM)))


def test_training_says_nothing_of_levels_its_sample_lacks_but_splink_still_warns(authority, caplog):
    """A small authority's EM samples miss rare levels every run: expected, so not logged. Splink's
    other warnings (a real fault, such as exact rules finding no match) are."""
    frame = read_authority(authority(600))
    assert len(frame) >= MIN_RECORDS_TO_TRAIN

    with caplog.at_level(logging.WARNING):
        link(frame)
        logging.getLogger("splink.internals.linker_components.training").warning(
            "WARNING: Deterministic matching rules led to no observed matches!"
        )

    messages = [r.getMessage() for r in caplog.records if r.name.startswith("splink")]
    assert not any("not observed in dataset" in m for m in messages)
    assert any("led to no observed matches" in m for m in messages)
