"""Returns name children, so only analysts make them, in the partners' own columns, and each one
made is audited. The worker makes them (jobs.tests.test_exports follows a return from the form to
its download); here is what goes into the file."""

from datetime import UTC, date, datetime
from io import BytesIO

import openpyxl
import pytest

from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Assessment
from joinedup.casework.tests.factories import CaseFactory
from joinedup.evidence.partner_returns import make_return
from joinedup.evidence.returns.spec import load
from joinedup.people.models import Role
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

pytestmark = pytest.mark.django_db


def sheet_headers(content: bytes) -> dict[str, list[str]]:
    book = openpyxl.load_workbook(BytesIO(content))
    return {ws.title: [c.value for c in next(ws.iter_rows(max_row=1))] for ws in book.worksheets if ws.title != "Notes"}


def test_only_analysts_make_returns(client):
    for role, status in ((Role.PERFORMANCE_ANALYST, 200), (Role.DIRECTOR, 403), (Role.RESEARCHER, 403)):
        client.force_login(PractitionerFactory(role=role).user)
        assert client.get("/evidence/returns/").status_code == status


def make(which: str, made_by, file_format="xlsx"):
    return make_return(
        made_by=made_by,
        which=which,
        period_start=date(2025, 4, 1),
        period_end=date(2026, 3, 31),
        child_id="la_child_id",
        file_format=file_format,
        made_on=date(2026, 4, 2),
    )


def test_annex_a_list_2_lists_the_periods_assessments_in_its_own_columns_and_is_audited():
    child = ChildFactory(la_child_id="LA123", ethnicity="WBRI")
    assessor = PractitionerFactory()
    Assessment.objects.create(child=child, assessor=assessor, started_at=datetime(2025, 5, 1, 10, tzinfo=UTC))
    Assessment.objects.create(
        child=child,
        assessor=assessor,
        started_at=datetime(2023, 5, 1, 10, tzinfo=UTC),
        completed_at=datetime(2023, 5, 20, 10, tzinfo=UTC),
        level_of_need="additional",
    )
    analyst = PractitionerFactory(role=Role.PERFORMANCE_ANALYST).user

    made = make("annex_a", analyst)

    assert made.file_name == "annex-a-list-2-2026-03-31.xlsx" and made.rows == 1
    book = openpyxl.load_workbook(BytesIO(made.content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    expected = [column.name for column in next(iter(load("annex_a_list_2").values())).columns]
    assert list(rows[0]) == expected
    assert len(rows) == 2 and rows[1][0] == "LA123"  # the 2023 assessment is outside the period
    event = AuditEvent.objects.get(verb="made_return")
    assert event.actor_id == analyst.pk and event.detail == {
        "return": "annex_a",
        "rows": 1,
        "file": "annex-a-list-2-2026-03-31",
    }


def test_list_2_can_be_made_as_csv_but_the_four_tables_of_the_dataset_only_as_a_workbook():
    analyst = PractitionerFactory(role=Role.PERFORMANCE_ANALYST).user

    csv, dataset = make("annex_a", analyst, "csv"), make("ssd", analyst, "csv")

    assert csv.file_name.endswith(".csv") and csv.content_type.startswith("text/csv")
    assert dataset.file_name == "standard-safeguarding-dataset-2026-04-02.xlsx"


def test_the_standard_safeguarding_dataset_has_its_four_tables_with_their_columns():
    CaseFactory(child=ChildFactory(la_child_id="LA9"))

    headers = sheet_headers(make("ssd", PractitionerFactory(role=Role.PERFORMANCE_ANALYST).user).content)
    specs = load("ssd")
    assert len(headers) == 4
    for name, spec in specs.items():
        assert [column.name for column in spec.columns] in headers.values(), name
