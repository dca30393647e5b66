"""Returns name children, so only analysts make them, in the partners' own columns, and each one
made is audited."""

from datetime import UTC, datetime
from io import BytesIO

import openpyxl
import pytest

from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Assessment
from joinedup.casework.tests.factories import CaseFactory
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


def test_annex_a_list_2_lists_the_periods_assessments_in_its_own_columns_and_is_audited(client):
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
    client.force_login(PractitionerFactory(role=Role.PERFORMANCE_ANALYST).user)

    response = client.get(
        "/evidence/returns/",
        {"period_start_day": 1, "period_start_month": 4, "period_start_year": 2025, "period_end_day": 31,
         "period_end_month": 3, "period_end_year": 2026, "child_id": "la_child_id", "return": "annex_a"},
    )  # fmt: skip

    book = openpyxl.load_workbook(BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    expected = [column.name for column in next(iter(load("annex_a_list_2").values())).columns]
    assert list(rows[0]) == expected
    assert len(rows) == 2 and rows[1][0] == "LA123"  # the 2023 assessment is outside the period
    assert AuditEvent.objects.filter(verb="made_return").count() == 1


def test_the_standard_safeguarding_dataset_has_its_four_tables_with_their_columns(client):
    CaseFactory(child=ChildFactory(la_child_id="LA9"))
    client.force_login(PractitionerFactory(role=Role.PERFORMANCE_ANALYST).user)

    response = client.get(
        "/evidence/returns/",
        {"period_start_day": 1, "period_start_month": 4, "period_start_year": 2025, "period_end_day": 31,
         "period_end_month": 3, "period_end_year": 2026, "child_id": "la_child_id", "return": "ssd"},
    )  # fmt: skip

    headers = sheet_headers(response.content)
    specs = load("ssd")
    assert len(headers) == 4
    for name, spec in specs.items():
        assert [column.name for column in spec.columns] in headers.values(), name
