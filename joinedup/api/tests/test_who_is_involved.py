"""Who is involved with a child, by NHS number, is the child page's answer for the same person:
the same need to know (404 where the page is 404) and the same shielding of sensitive services,
line for line."""

import html
import re
from datetime import date

import pytest
from django.test import Client

from joinedup.api.models import Scope
from joinedup.api.tokens import issue_token
from joinedup.audit.models import AuditEvent
from joinedup.index.review.services import merge_children
from joinedup.index.review.tests.factories import IndexRecordFactory, SourceFactory
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

from .conftest import PartnerSystem

pytestmark = pytest.mark.django_db
SHIELDED = "A sensitive service is involved: contact the index administrator"


@pytest.fixture
def records(northshire):
    """Alfred is on the school nursing caseload and the sexual health clinic's list."""
    health = northshire["health"]
    IndexRecordFactory(
        child=northshire["alfred"], source=SourceFactory(name="school_nursing", agency=health, default_service="SN"),
        record_id="SN-1", practitioner="Sam Nurse", practitioner_contact="01632 960001",
        involvement_start=date(2024, 9, 1),
    )  # fmt: skip
    IndexRecordFactory(
        child=northshire["alfred"], source=SourceFactory(name="clinic", agency=health, default_service="SH"),
        record_id="SH-9", involvement_start=date(2025, 3, 1), involvement_end=date(2025, 6, 1),
    )  # fmt: skip


def page_rows(user, child) -> list[list[str]]:
    """The rows of "Who is involved" on the child's page, as the user sees them."""
    client = Client()
    client.force_login(user)
    page = client.get(f"/children/{child.pk}")
    assert page.status_code == 200
    section = page.content.decode().split(">Who is involved</h2>")[1].split("<h2")[0]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", section, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in row] for row in cells if row]


def uk_date(day: str) -> str:
    return f"{date.fromisoformat(day):%-d %B %Y}"


def as_page_row(line: dict) -> list[str]:
    """An API line written as the page writes its row."""
    if line["shielded"]:
        return [line["note"]]
    if line["kind"] == "involvement":
        email = f" – {line['email']}" if line["email"] else ""
        return [line["agency"], line["service"] or "", f"{line['practitioner']}, {line['job_role']}{email}",
                f"Since {uk_date(line['since'])}"]  # fmt: skip
    named = [part for part in (line["practitioner"], line["contact"]) if part]
    contact = ", ".join(named) or f"Record {line['record_id']}"
    dates = f"Since {uk_date(line['since'])}" if line["since"] else "Record held"
    until = f" until {uk_date(line['until'])}" if line["until"] else ""
    return [line["agency"], line["service"], contact, dates + until]


@pytest.mark.parametrize("who", ["pat", "nia"])
def test_the_answer_is_the_child_page_for_the_same_person(northshire, records, system_for, who):
    """Pat sees the clinic only as a shielded line, Nia (who works in it) sees it in full: on the
    page and in the API alike."""
    practitioner = northshire[who]
    system = system_for(practitioner.user, practitioner.agency, scopes=[Scope.INVOLVEMENT_READ])

    answer = system.post("/who-is-involved", {"nhs_number": "943 476 5919"})

    assert answer.status_code == 200
    assert answer.json()["child"]["id"] == northshire["alfred"].pk
    lines = answer.json()["involved"]
    assert [as_page_row(line) for line in lines] == page_rows(practitioner.user, northshire["alfred"])
    shielded = [line for line in lines if line["shielded"]]
    if who == "pat":
        assert len(shielded) == 2  # Nia's allocation and the clinic's record
        assert all(set(line) - {"shielded", "note"} and not any(
            value for key, value in line.items() if key not in ("shielded", "note")
        ) for line in shielded)  # fmt: skip
        assert "sexual health" not in answer.content.decode().lower()
        assert "Nia" not in answer.content.decode()
    else:
        assert shielded == []
        assert "Young people's sexual health" in answer.content.decode()


def test_a_child_the_account_has_no_reason_to_see_is_not_found_as_on_the_page(northshire, system_for):
    stranger = PractitionerFactory(agency=northshire["council"])
    system = system_for(stranger.user, northshire["council"], scopes=[Scope.INVOLVEMENT_READ])
    client = Client()
    client.force_login(stranger.user)

    answer = system.post("/who-is-involved", {"nhs_number": "9434765919"})

    assert client.get(f"/children/{northshire['alfred'].pk}").status_code == 404
    assert answer.status_code == 404
    assert answer.json() == system.post("/who-is-involved", {"nhs_number": ChildFactory.build().nhs_number}).json()
    assert AuditEvent.objects.filter(verb="refused_view_child", child_id=northshire["alfred"].pk).count() == 2


def test_another_agencys_system_with_no_reason_to_see_the_child_gets_not_found(northshire, records):
    """The health trust's school nursing system holds Alfred's record, but its own account is no one's
    worker: the same 404 as for an NHS number the index does not hold, never an empty list."""
    system = PartnerSystem(
        issue_token(agency=northshire["health"], name="School nursing system", scopes=[Scope.INVOLVEMENT_READ]).bearer
    )

    answer = system.post("/who-is-involved", {"nhs_number": "9434765919"})

    assert (answer.status_code, answer["Content-Type"]) == (404, "application/problem+json")
    assert answer.json() == system.post("/who-is-involved", {"nhs_number": "401 023 2137"}).json()
    assert "Alfred" not in answer.content.decode()


def test_the_lookup_is_audited_as_a_read_of_the_child(northshire, system_for):
    system = system_for(northshire["pat"].user, northshire["council"], scopes=[Scope.INVOLVEMENT_READ])

    system.post("/who-is-involved", {"nhs_number": "9434765919"})

    read = AuditEvent.objects.get(verb="viewed_child", child_id=northshire["alfred"].pk)
    assert read.actor_username == "pat"
    assert read.legal_basis.startswith("You are allocated worker")


def test_a_merged_childs_nhs_number_finds_the_child_it_was_merged_into(northshire, system_for):
    duplicate = ChildFactory(forenames="Alf", surname="Smith")
    merge_children(kept=northshire["alfred"], merged=duplicate, merged_by=None)
    system = system_for(northshire["pat"].user, northshire["council"], scopes=[Scope.INVOLVEMENT_READ])

    answer = system.post("/who-is-involved", {"nhs_number": duplicate.nhs_number})

    assert answer.json()["child"]["id"] == northshire["alfred"].pk


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"nhs_number": "943 476 5918"}, "nhs_number", "(the check digit) does not match"),
        ({"nhs_number": "12345"}, "nhs_number", "Enter an NHS number with 10 digits"),
        ({}, "nhs_number", "Field required"),
        ({"nhs_number": 9434765919}, "nhs_number", "Input should be a valid string"),
        ({"nhs_number": "9434765919", "name": "Alfred"}, "name", "Extra inputs are not permitted"),
    ],
)
def test_a_bad_nhs_number_is_explained(pats_system, body, field, message):
    answer = pats_system.post("/who-is-involved", body)

    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "invalid_input"
    assert any(error["field"] == field and message in error["message"] for error in problem["errors"])
