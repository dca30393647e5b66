"""Stable ids: new records join the entries already in the index, or make new ones."""

import itertools

import pandas as pd

from joinedup.index.linkage.engine import link
from joinedup.index.linkage.incremental import ATTACHED, MERGE, NEW, link_new_records
from joinedup.index.linkage.model import default_parameters

from .conftest import canonical, record

JACK = dict(forenames="Jack Thomas", date_of_birth="2014-05-06", sex="M")
NHS, UPN = "9434765919", "B801200005001"


def entries(*pairs: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["unique_id", "cluster_id"])


def ids():
    counter = itertools.count(1)
    return lambda: f"NEW{next(counter)}"


def test_new_records_keep_the_index_ids_and_new_children_get_new_ones():
    index = canonical(
        record("health", "1", surname="Brown", postcode="NX4 2AB", nhs_number=NHS, **JACK),
        record("school", "1", surname="Brown", upn=UPN, **JACK),
        record("health", "2", forenames="Ava", surname="Khan", date_of_birth="2019-01-30", sex="F"),
    )
    first = link(index)
    entry_ids = first.clusters.assign(cluster_id=first.clusters["cluster_id"].map({"health:1": "E1", "health:2": "E2"}))
    new = canonical(
        record("youth", "7", surname="Brown", postcode="NX4 2AB", **{**JACK, "forenames": "Jack"}),
        record("youth", "8", forenames="Noah", surname="Evans", date_of_birth="2010-10-10", sex="M"),
        record("school", "8", forenames="Noah Lee", surname="Evans", date_of_birth="2010-10-10", sex="M"),
    )

    result = link_new_records(
        index=index,
        entry_ids=entry_ids[["unique_id", "cluster_id"]],
        new=new,
        parameters=default_parameters(),
        make_id=ids(),
    )

    assigned = result.assignments.set_index("unique_id")
    assert assigned.loc["youth:7", ["cluster_id", "status"]].tolist() == ["E1", ATTACHED]
    assert assigned.loc["youth:8", ["cluster_id", "status"]].tolist() == ["NEW1", NEW]
    assert assigned.loc["school:8", "cluster_id"] == "NEW1"
    assert result.merges == []


def test_a_newer_version_of_an_indexed_record_keeps_its_entry():
    index = canonical(record("health", "1", surname="Brown", **JACK))
    new = canonical(record("health", "1", surname="Brown", postcode="NX9 9ZZ", **JACK))

    result = link_new_records(
        index=index, entry_ids=entries(("health:1", "E1")), new=new, parameters=default_parameters()
    )

    assert result.assignments[["cluster_id", "status"]].values.tolist() == [["E1", ATTACHED]]


def test_a_record_bridging_two_entries_is_reported_as_a_merge():
    """The index holds Jack twice: a health record under his old surname and a school record under
    his new one, too different to link. His new record carries both surnames and both numbers."""
    index = canonical(
        record("health", "1", surname="Brown", postcode="NX4 2AB", nhs_number=NHS, **JACK),
        record("school", "1", surname="Hall", upn=UPN, **JACK),
    )
    new = canonical(record("social_care", "5", surname="Hall", former_surname="Brown", nhs_number=NHS, upn=UPN, **JACK))

    result = link_new_records(
        index=index,
        entry_ids=entries(("health:1", "E1"), ("school:1", "E2")),
        new=new,
        parameters=default_parameters(),
    )

    [merge] = result.merges
    assert merge.entry_ids == ("E1", "E2")
    assert merge.unique_ids == ("social_care:5",)
    assert result.assignments[["cluster_id", "status"]].values.tolist() == [["E1", MERGE]]
