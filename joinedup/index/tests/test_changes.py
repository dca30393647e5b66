"""Linking writes the index's change events that partner systems follow: one for each child it
made from records, and one per child for the records a run linked to it."""

import csv

import pytest

from joinedup.audit.models import AuditEvent
from joinedup.index.linking import INDEX_BASIS, link_index
from joinedup.index.models import ChangeKind, IndexChange, IndexRecord
from joinedup.index.services import import_file
from joinedup.index.synthetic import synthetic_extracts

from .test_linking import authority_dir, load_and_link  # noqa: F401  (authority_dir is a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_run_of_the_linkage_writes_an_event_per_child_created_and_per_child_given_records(authority_dir, tmp_path):  # noqa: F811
    load_and_link(authority_dir)
    created = set(IndexChange.objects.filter(kind=ChangeKind.ENTRY_CREATED).values_list("child_id", flat=True))
    # The register's children were loaded before; the linkage made any others from records alone.
    made = AuditEvent.objects.filter(verb="created_child", legal_basis=INDEX_BASIS)
    assert created == set(made.values_list("child_id", flat=True))
    linked = {c.child_id: set(c.record_ids) for c in IndexChange.objects.filter(kind=ChangeKind.RECORDS_LINKED)}
    assert sum(len(records) for records in linked.values()) == IndexRecord.objects.count()
    last = IndexChange.objects.latest("id").pk

    extract = authority_dir / "child_health" / "child_health_records.csv"
    with extract.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    newer = tmp_path / "child_health_records.csv"
    with newer.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([*rows, {**rows[0], "LOCAL_PATIENT_ID": "CH-NEW-1", "NHS_NUMBER": ""}])
    mapping = next(m for m, _ in synthetic_extracts(authority_dir) if m.stem == "child_health")
    import_file(mapping_path=mapping, path=newer)
    link_index()

    record = IndexRecord.objects.get(record_id="CH-NEW-1")
    assert [(c.kind, c.child_id, c.record_ids) for c in IndexChange.objects.filter(id__gt=last)] == [
        (ChangeKind.RECORDS_LINKED, record.child_id, [record.pk])
    ]
