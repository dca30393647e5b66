"""The front door and the panel through Django's test client: thin views, GOV.UK errors, 404s for
people without a reason to see a case."""

import re
import time
from unittest import mock

import pytest
from django.core import signing
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.casework import services
from joinedup.casework.models import Assessment, Notification, PanelDecision, Referral, ReferralStatus
from joinedup.people.models import Role
from joinedup.people.queries import reference_for
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

from .factories import ReferralFactory

pytestmark = pytest.mark.django_db

GOOD_REFERRAL = {
    "route": "early_help",
    "concern": "Alfie is often late and hungry",
    "level_of_need": "additional",
    "consent": "yes",
    "consent_given_by": "parent_carer",
    "consent_given_by_name": "Karen Smith",
    "consent_scope": "all_partners",
    "lawful_reason": "",
}


@pytest.fixture
def signed_in_as(client, front_door):
    def sign_in(name):
        client.force_login(front_door[name].user)
        return client

    return sign_in


def href_of(page: str, text: str) -> str:
    """Where the page's link with this text goes."""
    return re.search(rf'href="([^"]+)">{re.escape(text)}</a>', page).group(1)


def refer_page_for(practitioner, child) -> str:
    """The referral form as the front door's search results link it for this practitioner."""
    return f"/casework/refer/{reference_for(practitioner.user, child)}/"


def test_referrer_finds_the_child_before_referring(signed_in_as, front_door):
    response = signed_in_as("tom").get("/casework/refer/", {"name": "Alfie Smyth"})

    assert href_of(response.content.decode(), "Refer Alfie Smith").startswith("/casework/refer/")
    assert AuditEvent.objects.filter(verb="listed_in_search", child_id=front_door["alfie"].pk).exists()


def test_referral_goes_to_the_locality_of_the_childs_address(signed_in_as, front_door):
    response = signed_in_as("tom").get(refer_page_for(front_door["tom"], front_door["alfie"]))

    assert f'<option value="{front_door["north"].pk}" selected>' in response.content.decode()


def test_a_referral_is_sent_and_the_referrer_sees_the_feedback_page(signed_in_as, front_door):
    """Search, follow the result's link, send: the journey through the front door."""
    client = signed_in_as("tom")
    results = client.get("/casework/refer/", {"name": "Alfie Smith"}).content.decode()
    form = href_of(results, "Refer Alfie Smith")
    assert "Refer Alfie Smith" in client.get(form).content.decode()

    response = client.post(form, GOOD_REFERRAL | {"locality": front_door["north"].pk}, follow=True)

    referral = Referral.objects.get()
    assert response.redirect_chain[-1][0] == f"/casework/referrals/{referral.pk}/feedback/"
    assert "Waiting for the panel" in response.content.decode()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"consent": ""}, "Select whether the family has agreed to this referral"),
        ({"consent_given_by_name": ""}, "Enter the name of the person who agreed"),
        ({"consent": "no"}, "Enter the lawful reason for referring without consent, or ask the family first"),
        ({"concern": ""}, "Describe your concern about the child"),
    ],
)
def test_bad_referrals_get_govuk_error_messages(signed_in_as, front_door, changes, message):
    data = GOOD_REFERRAL | {"locality": front_door["north"].pk} | changes

    response = signed_in_as("tom").post(refer_page_for(front_door["tom"], front_door["alfie"]), data)

    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert message.replace("'", "&#39;") in page
    assert not Referral.objects.exists()


def test_an_analyst_cannot_refer(client, front_door):
    analyst = PractitionerFactory(role=Role.PERFORMANCE_ANALYST)
    client.force_login(analyst.user)

    assert client.get(refer_page_for(analyst, front_door["alfie"])).status_code == 404
    assert client.get(f"/casework/refer/{front_door['alfie'].pk}/").status_code == 404


# The refer and assessment pages open a child only by a reference the search results (or the
# child's own page) issued to this user: never by an id typed or counted up.

PAGES = ["/casework/refer/{}/", "/casework/assess/{}/"]


@pytest.mark.parametrize("page", PAGES)
def test_typing_a_childs_id_does_not_open_the_page(signed_in_as, front_door, page):
    client = signed_in_as("tom")
    alfie = front_door["alfie"]

    for child_id in (alfie.pk, alfie.pk + 1, alfie.pk - 1, 1):
        assert client.get(page.format(child_id)).status_code == 404
        assert client.post(page.format(child_id), GOOD_REFERRAL).status_code == 404
    assert not Referral.objects.exists()
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(child_id=alfie.pk).exists(), "nothing was opened"


@pytest.mark.parametrize("page", PAGES)
def test_a_reference_issued_to_one_practitioner_does_not_work_for_another(signed_in_as, front_door, page):
    toms = page.format(reference_for(front_door["tom"].user, front_door["alfie"]))
    client = signed_in_as("nina")

    assert client.get(toms).status_code == 404
    assert client.post(toms, GOOD_REFERRAL | {"locality": front_door["north"].pk}).status_code == 404
    assert not Referral.objects.exists()
    assert not Assessment.objects.exists()
    assert signed_in_as("tom").get(toms).status_code == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "garbage",
    ["abc", "0", "-1", "1.5", "%00", "::", "WzEsInNlYXJjaCJd", "WzEsInNlYXJjaCJd:1tWxyz:abcdef", "x" * 500],
)
def test_a_garbled_reference_is_not_found(signed_in_as, front_door, page, garbage):
    assert signed_in_as("tom").get(page.format(garbage)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_a_reference_for_another_child_cannot_be_made_by_editing_one(signed_in_as, front_door, page):
    other = ChildFactory()
    payload, timestamp, signature = reference_for(front_door["tom"].user, front_door["alfie"]).split(":")
    forged = signing.b64_encode(f'[{other.pk},"search"]'.encode()).decode()

    assert signed_in_as("tom").get(page.format(f"{forged}:{timestamp}:{signature}")).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_a_reference_expires_after_a_day(signed_in_as, front_door, page):
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 25 * 60 * 60):
        yesterdays = reference_for(front_door["tom"].user, front_door["alfie"])

    assert signed_in_as("tom").get(page.format(yesterdays)).status_code == 404


def test_opening_the_referral_form_is_audited_as_a_read_and_sending_it_as_a_referral(signed_in_as, front_door):
    alfie = front_door["alfie"]
    client = signed_in_as("tom")
    results = client.get("/casework/refer/", {"name": "Alfie Smith"}).content.decode()
    form = href_of(results, "Refer Alfie Smith")

    client.get(form)

    opened = AuditEvent.objects.get(verb="opened_referral_form", child_id=alfie.pk)
    assert opened.legal_basis == "Found by searching with the child's identifying details"
    assert not AuditEvent.objects.filter(child_id=alfie.pk, verb__in=["refer", "referred"]).exists()

    client.post(form, GOOD_REFERRAL | {"locality": front_door["north"].pk})

    assert AuditEvent.objects.filter(verb="referred", child_id=alfie.pk).count() == 1


def test_the_assessment_start_page_is_audited_as_opened_not_as_a_referral(signed_in_as, front_door):
    alfie = front_door["alfie"]
    client = signed_in_as("tom")
    results = client.get("/casework/assess/", {"name": "Alfie Smith"}).content.decode()

    assert client.get(href_of(results, "Assess Alfie Smith")).status_code == 200

    assert AuditEvent.objects.filter(verb="opened_assessment_start", child_id=alfie.pk).count() == 1
    assert not AuditEvent.objects.filter(child_id=alfie.pk, verb__in=["refer", "referred"]).exists()


def test_a_child_merged_into_another_is_not_opened_by_an_old_reference(signed_in_as, front_door):
    alfie = front_door["alfie"]
    reference = reference_for(front_door["tom"].user, alfie)
    alfie.merged_into = ChildFactory()
    alfie.save(update_fields=["merged_into"])

    assert signed_in_as("tom").get(f"/casework/refer/{reference}/").status_code == 404


def referral_on_agenda(front_door):
    referral = services.refer(
        referrer=front_door["tom"].user,
        child=front_door["alfie"],
        locality=front_door["north"],
        route="early_help",
        concern="Often late",
        level_of_need="additional",
        consent=services.ConsentGiven(
            given_by="parent_carer", given_by_name="Karen Smith", given_on=timezone.localdate()
        ),
    )
    meeting = services.prepare_meeting(panel=front_door["panel"], prepared_by=front_door["chris"].user)
    referral.refresh_from_db()
    return referral, meeting


def test_the_referrer_cannot_open_the_case_itself(signed_in_as, front_door):
    referral, _ = referral_on_agenda(front_door)

    client = signed_in_as("tom")

    assert client.get(f"/casework/referrals/{referral.pk}/").status_code == 404
    assert client.get(f"/casework/referrals/{referral.pk}/feedback/").status_code == 200


def test_chair_must_name_a_lead_professional_when_allocating(signed_in_as, front_door):
    referral, _ = referral_on_agenda(front_door)

    response = signed_in_as("chris").post(
        f"/casework/referrals/{referral.pk}/", {"decision": "allocate", "reasons": "Needs family support"}
    )

    assert "Choose the lead professional for this family" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ON_AGENDA


def test_a_panel_member_sees_the_case_but_no_decision_form(signed_in_as, front_door):
    referral, _ = referral_on_agenda(front_door)

    page = signed_in_as("nina").get(f"/casework/referrals/{referral.pk}/").content.decode()

    assert "Often late" in page
    assert "Record decision" not in page
    assert (
        signed_in_as("nina").post(f"/casework/referrals/{referral.pk}/", {"decision": "no_further_action"}).status_code
        == 404
    )


def test_chair_records_a_decision_and_returns_to_the_agenda(signed_in_as, front_door):
    referral, meeting = referral_on_agenda(front_door)

    response = signed_in_as("chris").post(
        f"/casework/referrals/{referral.pk}/",
        {
            "decision": PanelDecision.ALLOCATE,
            "reasons": "Needs family support",
            "lead_professional": front_door["pat"].pk,
        },
    )

    assert response.status_code == 302
    assert response.url == f"/casework/panels/meetings/{meeting.pk}/"


def test_a_meeting_is_not_shown_to_people_outside_the_panel(signed_in_as, front_door):
    _, meeting = referral_on_agenda(front_door)

    assert signed_in_as("tom").get(f"/casework/panels/meetings/{meeting.pk}/").status_code == 404
    assert signed_in_as("nina").get(f"/casework/panels/meetings/{meeting.pk}/").status_code == 200


def test_notifications_show_unread_then_mark_them_read(signed_in_as, front_door):
    referral_on_agenda(front_door)
    client = signed_in_as("tom")

    page = client.get("/casework/notifications/").content.decode()

    assert "1 new since you last looked" in page
    assert not Notification.objects.filter(recipient=front_door["tom"].user, read_at__isnull=True).exists()
    assert "0 new since you last looked" in client.get("/casework/notifications/").content.decode()


def test_the_chair_records_minutes_and_members_read_them(signed_in_as, front_door):
    _, meeting = referral_on_agenda(front_door)

    signed_in_as("chris").post(f"/casework/panels/meetings/{meeting.pk}/", {"minutes": "Present: school, health"})

    page = signed_in_as("nina").get(f"/casework/panels/meetings/{meeting.pk}/").content.decode()
    assert "Present: school, health" in page
    assert signed_in_as("nina").post(f"/casework/panels/meetings/{meeting.pk}/", {"minutes": "Mine"}).status_code == 404


def test_empty_minutes_get_a_govuk_error(signed_in_as, front_door):
    _, meeting = referral_on_agenda(front_door)

    page = signed_in_as("chris").post(f"/casework/panels/meetings/{meeting.pk}/", {"minutes": ""}).content.decode()

    assert "Enter the minutes of the meeting" in page


def test_the_panel_page_shows_timeliness(signed_in_as, front_door):
    referral, _ = referral_on_agenda(front_door)
    services.record_decision(
        referral=referral,
        decided_by=front_door["chris"].user,
        decision=PanelDecision.ALLOCATE,
        reasons="Family support",
        lead_professional=front_door["pat"],
    )
    services.record_tac_meeting(
        case=referral.case,
        held_on=timezone.localdate(),
        recorded_by=front_door["pat"].user,
        attendees=[],
        family_attended=True,
    )

    page = signed_in_as("chris").get("/casework/panels/").content.decode()

    assert "1 decision so far: on average 0.0 days from referral to decision" in page
    assert "and 0.0 days from decision to the first meeting" in page


def test_caseloads_are_for_chairs_and_managers_and_name_no_child(signed_in_as, front_door):
    referral, _ = referral_on_agenda(front_door)
    services.record_decision(
        referral=referral,
        decided_by=front_door["chris"].user,
        decision=PanelDecision.ALLOCATE,
        reasons="Family support",
        lead_professional=front_door["pat"],
    )

    page = signed_in_as("chris").get("/casework/caseloads/").content.decode()

    assert "Pat Jones" in page
    assert "Alfie" not in page
    assert signed_in_as("pat").get("/casework/caseloads/").status_code == 403


def test_your_referrals_lists_the_children_whose_feedback_opens_and_audits_the_listing(client):
    mine = ReferralFactory()
    someone_elses = ReferralFactory()
    client.force_login(mine.referrer.user)

    page = client.get("/casework/referrals/mine/").content.decode()

    assert mine.child.full_name in page and someone_elses.child.full_name not in page
    assert list(AuditEvent.objects.filter(verb="listed_child").values_list("child_id", flat=True)) == [mine.child_id]
