"""Linking the index: each record gets a child, a child's id never changes because a newer
extract arrived, and people's decisions are kept."""

import csv
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinedup.audit.models import AuditEvent
from joinedup.index import linking
from joinedup.index.linking import IndexChangedWhileLinking, child_from_records, link_index
from joinedup.index.models import IndexRecord, LinkageRun
from joinedup.index.review.models import PairStatus, ReviewPair
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.index.services import import_file
from joinedup.index.synthetic import synthetic_extracts
from joinedup.people.models import Child

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def authority_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("authority")
    call_command("synth", children=300, seed=11, out=str(directory), force=True, no_progress=True)
    return directory


def load_and_link(authority_dir: Path):
    call_command("load_authority", str(authority_dir), verbosity=0)
    for mapping_path, extract in synthetic_extracts(authority_dir):
        import_file(mapping_path=mapping_path, path=extract)
    return link_index()


def truth(authority_dir: Path) -> dict[tuple[str, str], str]:
    with (authority_dir / "ground_truth.csv").open() as handle:
        known = {(row["source"], row["record_id"]): row["child_id"] for row in csv.DictReader(handle)}
    with (authority_dir / "register" / "children.csv").open() as handle:
        known |= {("register", row["child_id"]): row["child_id"] for row in csv.DictReader(handle)}
    return known


def test_every_record_is_linked_to_the_child_the_ground_truth_names(authority_dir):
    summary = load_and_link(authority_dir)

    records = list(IndexRecord.objects.values_list("source__name", "record_id", "child_id"))
    assert summary.records == len(records) and all(child for _, _, child in records)
    true_child = truth(authority_dir)
    children_of_truth: dict[str, set[int]] = {}
    for source, record_id, child in records:
        children_of_truth.setdefault(true_child[(source, record_id)], set()).add(child)
    split = [t for t, children in children_of_truth.items() if len(children) > 1]
    assert len(split) <= 0.01 * len(children_of_truth), f"{len(split)} true children split across index children"
    truths_of_child: dict[int, set[str]] = {}
    for source, record_id, child in records:
        truths_of_child.setdefault(child, set()).add(true_child[(source, record_id)])
    assert all(len(truths) == 1 for truths in truths_of_child.values()), "two true children share an index child"


def test_linking_again_keeps_every_childs_id(authority_dir):
    load_and_link(authority_dir)
    before = dict(IndexRecord.objects.values_list("pk", "child_id"))
    children_before = Child.objects.count()

    summary = link_index()

    assert summary.mode == "nothing new"
    assert dict(IndexRecord.objects.values_list("pk", "child_id")) == before
    assert Child.objects.count() == children_before and summary.children_created == 0


def test_a_decision_that_two_records_differ_survives_relinking(authority_dir):
    load_and_link(authority_dir)
    child = Child.objects.filter(index_records__source__name="child_health").first()
    health = child.index_records.get(source__name="child_health")
    register = child.index_records.get(source__name="register")
    a, b = sorted((register, health), key=lambda r: r.pk)
    pair = ReviewPair.objects.create(record_a=a, record_b=b, match_probability=0.99, match_weight=9)
    from joinedup.index.review.services import decide_pair
    from joinedup.people.tests.factories import PractitionerFactory

    decide_pair(pair=pair, decided_by=PractitionerFactory(role="administrator").user, same_child=False)
    health.refresh_from_db()
    separated = health.child_id

    link_index()

    health.refresh_from_db()
    assert health.child_id == separated != child.pk
    assert ReviewPair.objects.get(pk=pair.pk).status == PairStatus.DIFFERENT_CHILDREN


def test_a_record_in_a_newer_extract_joins_its_child_without_relinking_everyone(authority_dir, tmp_path):
    load_and_link(authority_dir)
    before = dict(IndexRecord.objects.values_list("pk", "child_id"))
    extract = authority_dir / "child_health" / "child_health_records.csv"
    with extract.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    newer = tmp_path / "child_health_records.csv"
    moved = {**rows[0], "LOCAL_PATIENT_ID": "CH-NEW-1", "NHS_NUMBER": ""}  # the same child, re-registered
    with newer.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([*rows, moved])
    mapping = next(m for m, _ in synthetic_extracts(authority_dir) if m.stem == "child_health")
    import_file(mapping_path=mapping, path=newer)

    summary = link_index()

    assert (summary.mode, summary.records_assigned) == ("incremental", 1)
    assert {pk: child for pk, child in IndexRecord.objects.values_list("pk", "child_id") if pk in before} == before
    original = IndexRecord.objects.get(source__name="child_health", record_id=rows[0]["LOCAL_PATIENT_ID"])
    assert IndexRecord.objects.get(record_id="CH-NEW-1").child_id == original.child_id


def test_a_child_new_to_the_index_arriving_in_two_records_becomes_one_new_child(authority_dir, tmp_path):
    load_and_link(authority_dir)
    children_before = Child.objects.count()
    extract = authority_dir / "child_health" / "child_health_records.csv"
    with extract.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    # Born the same day and living at the same address as a child the index holds, but no one it knows.
    names = {"GIVEN_NAME": "Zebulon", "OTHER_GIVEN_NAMES": "Quentin", "FAMILY_NAME": "Arkwright-Pennington"}
    arrived = {**rows[0], "NHS_NUMBER": "", **names}
    newer = tmp_path / "child_health_records.csv"
    with newer.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(
            [*rows, {**arrived, "LOCAL_PATIENT_ID": "CH-NEW-1"}, {**arrived, "LOCAL_PATIENT_ID": "CH-NEW-2"}]
        )
    mapping = next(m for m, _ in synthetic_extracts(authority_dir) if m.stem == "child_health")
    import_file(mapping_path=mapping, path=newer)

    summary = link_index()

    assert (summary.mode, summary.records_assigned, summary.children_created) == ("incremental", 2, 1)
    assert Child.objects.count() == children_before + 1
    first, second = (IndexRecord.objects.get(record_id=r).child_id for r in ("CH-NEW-1", "CH-NEW-2"))
    assert first == second


def test_records_without_a_name_or_date_of_birth_make_a_child_whose_name_and_birth_are_null():
    """Not "Unknown", born 1 January 1900: that child would be 126 and could be linked on it."""
    records = [IndexRecordFactory(forenames="", surname="", date_of_birth=None, sex="", nhs_number="", upn="")]

    child = child_from_records(records)

    child.refresh_from_db()
    assert (child.forenames, child.surname, child.date_of_birth, child.sex) == (None, None, None, "U")
    assert child.full_name == "Name not known"


def test_a_child_made_from_records_takes_what_the_most_complete_one_knows_and_no_more():
    records = [
        IndexRecordFactory(forenames="", surname="", date_of_birth=None),
        IndexRecordFactory(forenames="", surname="Okafor", date_of_birth=date(2013, 5, 6)),
    ]

    child = child_from_records(records)

    child.refresh_from_db()
    assert (child.forenames, child.surname, child.date_of_birth) == (None, "Okafor", date(2013, 5, 6))


def test_the_engine_works_outside_any_transaction_so_pages_can_write_meanwhile(authority_dir, monkeypatch):
    """On SQLite one connection writes at a time: a transaction held through the engine's minutes
    made every page's audit row wait, then fail with "database is locked"."""
    call_command("load_authority", str(authority_dir), verbosity=0)
    for mapping_path, extract in synthetic_extracts(authority_dir):
        import_file(mapping_path=mapping_path, path=extract)
    in_transaction = []
    engine_link = linking.engine.link

    def watched(*args, **kwargs):
        in_transaction.append(connection.in_atomic_block)
        return engine_link(*args, **kwargs)

    monkeypatch.setattr(linking.engine, "link", watched)

    summary = link_index()

    assert in_transaction == [False]
    assert summary.mode == "full" and not IndexRecord.objects.filter(child__isnull=True).exists()


def test_a_review_decision_made_while_the_engine_works_is_not_written_over(authority_dir, monkeypatch):
    load_and_link(authority_dir)
    record = IndexRecord.objects.filter(source__name="child_health").first()
    decided = Child.objects.exclude(pk=record.child_id).first()
    runs, events = LinkageRun.objects.count(), AuditEvent.objects.filter(verb="linked_index").count()
    engine_link = linking.engine.link

    def a_person_decides_meanwhile(*args, **kwargs):
        result = engine_link(*args, **kwargs)
        IndexRecord.objects.filter(pk=record.pk).update(child=decided)
        return result

    monkeypatch.setattr(linking.engine, "link", a_person_decides_meanwhile)

    with pytest.raises(IndexChangedWhileLinking, match="1 records moved"):
        link_index(full=True)

    assert IndexRecord.objects.get(pk=record.pk).child_id == decided.pk
    assert LinkageRun.objects.count() == runs
    assert AuditEvent.objects.filter(verb="linked_index").count() == events


def test_links_are_written_one_statement_per_batch_with_each_records_own_values():
    children = [child_from_records([IndexRecordFactory()]) for _ in range(2)]
    records = [IndexRecordFactory() for _ in range(5)]
    for number, record in enumerate(records):
        record.child_id = children[number % 2].pk
        record.match_probability = None if number == 0 else number / 10
    with CaptureQueriesContext(connection) as queries:
        linking._write_links(records, ["child", "match_probability"])

    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["UPDATE"]
    written = dict(IndexRecord.objects.filter(pk__in=[r.pk for r in records]).values_list("pk", "child_id"))
    assert written == {r.pk: children[n % 2].pk for n, r in enumerate(records)}
    probabilities = IndexRecord.objects.filter(pk__in=[r.pk for r in records]).order_by("pk")
    assert [r.match_probability for r in probabilities] == [None, 0.1, 0.2, 0.3, 0.4]
