"""Referrals in, feedback out: a partner system refers through the front door's own form and
service, so it meets the same rules in the same words, and hears the panel's decision as the
referrer's feedback page tells it."""

import pytest

from joinedup.api.models import Scope
from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Referral
from joinedup.casework.tests.factories import PanelFactory
from joinedup.people.tests.factories import PractitionerFactory

pytestmark = pytest.mark.django_db

WITH_CONSENT = {
    "child": {"nhs_number": "943 476 5919"},
    "concern": "Alfred has missed school most Mondays this term and says he is hungry.",
    "level_of_need": "additional",
    "consent": {"given_by": "parent_carer", "given_by_name": "Mary Smith", "scope": "all_partners"},
}


def test_a_partner_system_refers_a_child_through_the_front_door(northshire, pats_system):
    answer = pats_system.post("/referrals", WITH_CONSENT)

    assert answer.status_code == 201, answer.json()
    referral = Referral.objects.get()
    assert answer["Location"] == f"/api/v1/referrals/{referral.pk}"
    assert (referral.child, referral.referrer, referral.locality) == (
        northshire["alfred"],
        northshire["pat"],
        northshire["north"],
    )
    assert referral.consent.given_by_name == "Mary Smith"
    feedback = answer.json()
    assert (feedback["status"], feedback["panel"], feedback["decision"]) == (
        referral.status,
        "North allocation panel",
        None,
    )
    assert pats_system.get(answer["Location"].removeprefix("/api/v1")).json() == feedback
    assert [r["id"] for r in pats_system.get("/referrals").json()] == [referral.pk]
    assert AuditEvent.objects.filter(verb="referred", child_id=northshire["alfred"].pk, actor_username="pat").exists()


def test_without_consent_the_lawful_reason_is_asked_for_in_the_front_doors_words(pats_system):
    body = WITH_CONSENT | {"consent": None}

    answer = pats_system.post("/referrals", body)

    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "field": "lawful_reason",
            "message": "Enter the lawful reason for referring without consent, or ask the family first",
            "expected": "",
        }
    ]
    assert not Referral.objects.exists()


def test_a_referral_without_consent_but_with_a_lawful_reason_goes_to_the_panels_agencies(northshire, pats_system):
    panel = PanelFactory(locality=northshire["north"])
    body = WITH_CONSENT | {"consent": None, "lawful_reason": "Risk of significant harm: bruising seen today."}

    answer = pats_system.post("/referrals", body)

    assert answer.status_code == 201
    sharing = Referral.objects.get().sharing_without_consent
    assert set(sharing.agencies.all()) == {member.agency for member in panel.members.all()}


@pytest.mark.parametrize(
    "change, field, message, expected",
    [
        ({"consent": {"given_by": "parent_carer", "given_by_name": " ", "scope": "all_partners"}},
         "consent.given_by_name", "Enter the name of the person who agreed", ""),
        ({"concern": "  "}, "concern", "Describe your concern about the child", ""),
        ({"concern": "x" * 5001}, "concern", "5,000", ""),
        ({"level_of_need": "high"}, "level_of_need", "Input should be",
         "'universal', 'additional', 'complex' or 'acute'"),
        ({"consent": {"given_by": "granny", "given_by_name": "Jo", "scope": "all_partners"}},
         "consent.given_by", "Input should be", "'parent_carer' or 'young_person'"),
        ({"locality": "ZZ"}, "locality", "No locality has this code", "one of N"),
        ({"child": {"nhs_number": "943 476 5918"}}, "child.nhs_number", "does not match", ""),
        ({"child": {"nhs_number": "9434765919", "upn": "B801200005001"}}, "child", "not both", "nhs_number or upn"),
        ({"concern": None}, "concern", "Input should be a valid string", "text"),
        ({"urgent": True}, "urgent", "Extra inputs are not permitted", "no such field"),
    ],
)  # fmt: skip
def test_a_referral_that_breaks_a_rule_is_refused_naming_the_field(pats_system, change, field, message, expected):
    answer = pats_system.post("/referrals", WITH_CONSENT | change)

    assert answer.status_code == 422
    problem = answer.json()
    assert (problem["code"], problem["title"]) == ("invalid_input", "Unprocessable Entity")
    assert any(
        error["field"] == field and message in error["message"] and error["expected"] == expected
        for error in problem["errors"]
    ), problem["errors"]
    assert not Referral.objects.exists()


def test_a_child_the_index_does_not_hold_is_not_found(pats_system):
    answer = pats_system.post("/referrals", WITH_CONSENT | {"child": {"nhs_number": "401 023 2137"}})

    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


def test_a_body_that_is_not_json_is_explained(pats_system):
    answer = pats_system.client.post(
        "/api/v1/referrals", "concern=hungry", content_type="application/json", headers=pats_system._headers()
    )

    assert (answer.status_code, answer.json()["code"]) == (400, "unreadable_body")


def test_feedback_on_another_practitioners_referral_is_not_found(northshire, pats_system, system_for):
    referral_id = pats_system.post("/referrals", WITH_CONSENT).json()["id"]
    colleague = PractitionerFactory(agency=northshire["council"])
    their_system = system_for(colleague.user, northshire["council"], scopes=[Scope.REFERRALS_READ])

    answer = their_system.get(f"/referrals/{referral_id}")

    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert their_system.get("/referrals").json() == []


def test_referring_needs_the_scope(northshire, system_for):
    reader = system_for(northshire["pat"].user, northshire["council"], scopes=[Scope.REFERRALS_READ])

    answer = reader.post("/referrals", WITH_CONSENT)

    assert (answer.status_code, answer.json()["code"]) == (403, "insufficient_scope")
    assert not Referral.objects.exists()
