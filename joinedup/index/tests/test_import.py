"""Importing an extract into the index: good rows load and bad rows are listed, a file that is not
the declared format loads nothing, the same file again changes nothing, and a newer extract
changes only what changed."""

from __future__ import annotations

import csv
from datetime import date
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from joinedup.agencies.tests.factories import AgencyFactory
from joinedup.audit.models import AuditEvent
from joinedup.common.tables import FileProblems
from joinedup.index.models import ImportBatch, IndexRecord, Source
from joinedup.index.services import import_file
from joinedup.index.synthetic import synthetic_extracts
from joinedup.index.tests.test_readers import HEADER, HEALTH
from joinedup.people.tests.factories import UserFactory
from joinedup.synth.tests.conftest import FORMATS, NO_ERRORS, build_authority

pytestmark = pytest.mark.django_db
ROWS = [
    "H1,Ann,Marie,Smith,02/03/2015,Female,NX4 2AB,9434765919,,01/02/2025,first",
    "H2,Bob,,Jones,04/05/2016,Male,NX4 3CD,,,,",
    "H3,Cy,,Lee,06/07/2017,Male,,,,,",
]


class Extract:
    """A source file and an extract in a temporary folder, rewritten as a newer extract would be."""

    def __init__(self, folder: Path, *, top: str = 'agency = "NHS-COMM"\n'):
        self.folder = folder
        self.mapping = folder / "health.toml"
        self.mapping.write_text(top + HEALTH.format(format="csv"))
        self.path = folder / "extract.csv"

    def write(self, rows: list[str]) -> Path:
        self.path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
        return self.path

    def load(self, rows: list[str] | None = None, **options) -> ImportBatch:
        if rows is not None:
            self.write(rows)
        return import_file(mapping_path=self.mapping, path=self.path, **options)


@pytest.fixture
def extract(tmp_path, settings) -> Extract:
    settings.VAR_DIR = tmp_path / "var"
    # In a three-record source one record leaving is a third of it, which the guard against
    # extracts cut short would hold; test_withdrawal_guard tests the guard.
    settings.JOINEDUP_WITHDRAWAL_LIMIT = 1
    return Extract(tmp_path)


def held() -> dict[str, IndexRecord]:
    return {r.record_id: r for r in IndexRecord.objects.all()}


def test_an_extract_loads_as_index_records(extract):
    agency = AgencyFactory(code="NHS-COMM")
    user = UserFactory()

    batch = extract.load(ROWS, imported_by=user)

    counts = (batch.rows_read, batch.created, batch.updated, batch.unchanged, batch.withdrawn, batch.rejected)
    assert counts == (3, 3, 0, 0, 0, 0)
    ann = held()["H1"]
    assert (ann.forenames, ann.surname, ann.date_of_birth, ann.sex, ann.postcode) == (
        "Ann Marie",
        "Smith",
        date(2015, 3, 2),
        "F",
        "NX4 2AB",
    )
    assert ann.facts == {"seen": "2025-02-01", "note": "first"}
    assert (ann.service, ann.involvement_start, ann.child, ann.match_probability) == ("HLT-SN", None, None, None)
    assert ann.first_batch == ann.last_batch == batch and ann.withdrawn_at is None
    source = Source.objects.get()
    assert (source.name, source.agency, source.agency_kind, source.default_service) == (
        "health",
        agency,
        "health",
        "HLT-SN",
    )
    assert 'agency = "NHS-COMM"' in source.mapping
    assert (batch.imported_by, batch.rejects_path, batch.finished_at is not None) == (user, "", True)


def test_one_audit_event_records_each_import(extract):
    user = UserFactory()

    batch = extract.load(ROWS, imported_by=user)

    [event] = AuditEvent.objects.filter(verb="imported_extract")
    assert (event.actor_id, event.object_type, event.object_id) == (user.pk, "ImportBatch", str(batch.pk))
    assert event.detail | {"file": None, "sha256": None} == {
        "source": "health",
        "file": None,
        "sha256": None,
        "rows_read": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "withdrawn": 0,
        "rejected": 0,
        "rejects_file": "",
    }


def test_the_same_file_again_changes_nothing_and_writes_nothing(extract):
    first = extract.load(ROWS)
    before = {r.pk: (r.row_hash, r.last_batch_id) for r in IndexRecord.objects.all()}

    again = extract.load()

    assert again == first
    assert ImportBatch.objects.count() == 1 and AuditEvent.objects.filter(verb="imported_extract").count() == 1
    assert {r.pk: (r.row_hash, r.last_batch_id) for r in IndexRecord.objects.all()} == before


def test_a_re_export_with_the_same_content_finds_every_record_unchanged(extract):
    first = extract.load(ROWS)

    again = extract.load(list(reversed(ROWS)))

    assert again != first and (again.created, again.updated, again.unchanged, again.withdrawn) == (0, 0, 3, 0)
    assert all(r.last_batch == first for r in IndexRecord.objects.all())
    assert AuditEvent.objects.filter(verb="imported_extract").count() == 2


def test_a_newer_extract_changes_only_what_changed(extract):
    first = extract.load(ROWS)

    newer = extract.load([ROWS[0].replace("Smith", "Smith-Jones"), ROWS[1], "H4,Dee,,Kaur,08/09/2018,Female,,,,,"])

    assert (newer.created, newer.updated, newer.unchanged, newer.withdrawn) == (1, 1, 1, 1)
    records = held()
    assert (records["H1"].surname, records["H1"].first_batch, records["H1"].last_batch) == ("Smith-Jones", first, newer)
    assert records["H2"].last_batch == first and records["H2"].withdrawn_at is None
    assert records["H3"].withdrawn_at is not None and records["H3"].last_batch == newer
    assert records["H4"].first_batch == newer
    assert IndexRecord.objects.count() == 4  # a withdrawn record is kept, not deleted


def test_a_withdrawn_record_back_in_a_later_extract_is_restored(extract):
    extract.load(ROWS)
    extract.load(ROWS[:2])

    later = extract.load(ROWS)

    assert (later.updated, later.unchanged, later.withdrawn) == (1, 2, 0)
    assert held()["H3"].withdrawn_at is None and held()["H3"].last_batch == later


def test_a_rejected_row_is_not_taken_for_a_record_that_left(extract):
    """A record whose row is rejected is still in the extract: it keeps what it held."""
    extract.load(ROWS)

    newer = extract.load([ROWS[0], ROWS[1].replace("04/05/2016", "2016-05-04"), ROWS[2]])

    assert (newer.rejected, newer.withdrawn, newer.unchanged) == (1, 0, 2)
    assert held()["H2"].withdrawn_at is None and held()["H2"].date_of_birth == date(2016, 5, 4)


def test_a_value_that_cannot_be_read_in_a_later_extract_becomes_not_known(extract):
    """The extract is what the agency holds now: a sex it no longer holds legibly is not known."""
    extract.load(ROWS)

    newer = extract.load([ROWS[0], ROWS[1].replace("Male", "Robot"), ROWS[2]])

    assert (newer.rejected, newer.updated, newer.unchanged) == (0, 1, 2)
    assert held()["H2"].sex == "" and held()["H2"].withdrawn_at is None


def test_an_extract_of_changes_withdraws_nothing(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    changes = Extract(tmp_path, top='extract = "changes"\n')
    changes.load(ROWS)

    newer = changes.load(ROWS[:1])

    assert (newer.withdrawn, newer.unchanged) == (0, 1)
    assert not IndexRecord.objects.filter(withdrawn_at__isnull=False).exists()


def test_rejected_rows_load_nothing_and_every_problem_is_listed_in_a_rejects_file(extract, tmp_path):
    """A date of birth the source file requires that cannot be read rejects its row; a sex code it
    does not map leaves the sex not known, the record loaded. The rejects file lists both."""
    rows = [*ROWS, "H5,Ed,,Ng,31/02/2015,Male,,,,,", "H6,Fay,,Oh,01/02/2015,Robot,,,,,"]

    batch = extract.load(rows)

    assert (batch.rows_read, batch.created, batch.rejected) == (5, 4, 1)
    assert "H5" not in held() and held()["H6"].sex == ""
    path = Path(batch.rejects_path)
    assert path.parent == tmp_path / "var" / "rejects" and path.name.startswith("health-")
    with path.open() as handle:
        listed = list(csv.DictReader(handle))
    assert listed == [
        {
            "file": str(extract.path),
            "row": "5",
            "column": "DOB",
            "reason": "expected a date as dd/mm/yyyy, got '31/02/2015': a value is required (date_of_birth)",
        },
        {
            "file": str(extract.path),
            "row": "6",
            "column": "SEX",
            "reason": "'Robot' is not a value codes.sex maps (it maps 'MALE', 'FEMALE', ''): kept, sex not known",
        },
    ]
    assert AuditEvent.objects.get(verb="imported_extract").detail["rejects_file"] == str(path)


def test_the_rejects_file_goes_where_asked(extract, tmp_path):
    batch = extract.load([ROWS[0], "H5,Ed,,Ng,31/02/2015,Male,,,,,"], rejects_path=tmp_path / "mine.csv")

    assert batch.rejects_path == str(tmp_path / "mine.csv") and (tmp_path / "mine.csv").is_file()


def test_a_file_that_is_not_the_declared_format_loads_nothing(extract):
    extract.path.write_text("ID,FIRST,SURNAME\nH1,Ann,Smith\n")

    with pytest.raises(FileProblems, match="DOB: this column is missing"):
        extract.load()

    assert not (Source.objects.exists() or ImportBatch.objects.exists() or IndexRecord.objects.exists())
    assert not AuditEvent.objects.filter(verb="imported_extract").exists()
    assert not (extract.folder / "var" / "rejects").exists()


def test_a_changed_source_file_reimports_the_same_extract(extract):
    extract.load(ROWS)
    extract.mapping.write_text(extract.mapping.read_text().replace('note = "NOTE"', 'remark = "NOTE"'))

    again = extract.load()

    assert (again.updated, again.unchanged) == (3, 0)
    assert held()["H1"].facts == {"seen": "2025-02-01", "remark": "first"}


def run_import(*arguments) -> str:
    output = StringIO()
    call_command("import", *map(str, arguments), "--no-progress", stdout=output)
    return output.getvalue()


def test_the_command_reports_counts_and_where_the_rejects_are(extract):
    extract.write([*ROWS, "H5,Ed,,Ng,31/02/2015,Male,,,,,"])

    output = run_import(extract.mapping, extract.path)

    assert "Imported health from" in output
    assert "rows read 4, created 3, updated 0, unchanged 0, withdrawn 0, rejected 1." in output
    assert "The good rows loaded; rows rejected or left out, and why, are listed in" in output
    assert ImportBatch.objects.get().rejects_path in output
    assert "nothing changed" in run_import(extract.mapping, extract.path)


def test_the_command_says_nothing_was_loaded_from_a_file_of_the_wrong_shape(extract):
    extract.path.write_text("ID,FIRST\nH1,Ann\n")

    with pytest.raises(CommandError, match="Nothing was loaded: the extract is not what health.toml describes"):
        run_import(extract.mapping, extract.path)


def test_the_command_names_who_imported(extract):
    user = UserFactory(username="data.officer")
    extract.write(ROWS)

    run_import(extract.mapping, extract.path, "--by", "data.officer")

    assert ImportBatch.objects.get().imported_by == user
    with pytest.raises(CommandError, match="No user 'nobody'"):
        run_import(extract.mapping, extract.path, "--by", "nobody")


def test_facts_of_a_dfe_return_are_stored_as_json(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    standard = Path(__file__).resolve().parents[1] / "sources" / "standard"

    import_file(mapping_path=standard / "cin_census.toml", path=FORMATS / "cin_census" / "CIN_Census_2021.xml")

    record = IndexRecord.objects.get()
    assert record.facts["disabilities"] == ["HAND", "HEAR"]
    assert record.facts["episodes"][0]["protection_plans"][0]["latest_category"] == "PHY"
    assert (record.date_of_birth, record.involvement_end) == (date(1965, 3, 27), date(1971, 2, 27))


def test_every_synthetic_extract_imports(tmp_path_factory, settings):
    settings.VAR_DIR = tmp_path_factory.mktemp("var")
    authority = build_authority(tmp_path_factory, "imported", children=400, seed=9, rates=NO_ERRORS)
    started = timezone.now()

    batches = [import_file(mapping_path=m, path=p) for m, p in synthetic_extracts(authority)]

    assert all(b.rejected == 0 and b.created == b.rows_read > 0 and b.started_at >= started for b in batches)
    assert {b.source.name for b in batches} == {
        "register",
        "school_census",
        "ssda903",
        "cin_census",
        "child_health",
        "youth_offending",
        "social_care",
        "pupil_attendance",
    }
    assert IndexRecord.objects.count() == sum(b.created for b in batches)


def test_a_newer_synthetic_school_census_updates_its_pupils_rather_than_adding_them(tmp_path_factory, settings):
    """COLLECT gives every census new pupilonrolltableids; the synthetic source keys a pupil by
    school and UPN, so next year's census finds the same records."""
    settings.VAR_DIR = tmp_path_factory.mktemp("var")
    authority = build_authority(tmp_path_factory, "census", children=400, seed=9, rates=NO_ERRORS)
    mapping = next(m for m, _ in synthetic_extracts(authority) if m.stem == "school_census")
    first = import_file(mapping_path=mapping, path=authority / "school_census")
    newer = tmp_path_factory.mktemp("newer")
    tables = {
        path.name: pd.read_csv(path, dtype=str, keep_default_na=False)
        for path in (authority / "school_census").glob("*.csv")
    }
    pupils = tables["2025_spring_pupilonroll.csv"]
    renumbered = dict(zip(pupils["pupilonrolltableid"], [f"{n:08x}-new" for n in range(len(pupils))], strict=True))
    pupils.loc[0, "forename"] = "Renamed"
    for name, table in tables.items():
        table["pupilonrolltableid"] = table["pupilonrolltableid"].map(renumbered)
        table.to_csv(newer / name.replace("2025_spring", "2026_spring"), index=False)

    later = import_file(mapping_path=mapping, path=newer)

    assert (later.created, later.withdrawn, later.rejected) == (0, 0, 0)
    assert later.updated == first.created == len(pupils)  # each pupil's facts name the newer census
    assert IndexRecord.objects.count() == len(pupils)
    record = IndexRecord.objects.get(record_id=f"{pupils.loc[0, 'NativeId']}|{pupils.loc[0, 'upn']}")
    assert record.forenames.startswith("Renamed") and record.last_batch == later
