"""The early help assessment before a case through Django's test client: found through the front
door or from the child's page, started with the family's consent, sent to the panel, shown on the
agenda, the referral and the referrer's feedback; GOV.UK errors that say what to do instead."""

import re
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from joinedup.access.models import ConsentGiver
from joinedup.audit.models import AuditEvent
from joinedup.casework import services
from joinedup.casework.models import Assessment, PanelDecision, Referral
from joinedup.casework.services import ConsentGiven
from joinedup.people.queries import reference_for

from .factories import CaseFactory, ConsentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in_as(client, front_door):
    def sign_in(name):
        client.force_login(front_door[name].user)
        return client

    return sign_in


MUMS_CONSENT = {
    "consent": "yes",
    "consent_given_by": "parent_carer",
    "consent_given_by_name": "Karen Smith",
    "consent_scope": "all_partners",
}


def page_of(response) -> str:
    return response.content.decode().replace("&#39;", "'")


def href_of(page: str, text: str) -> str:
    """Where the page's link with this text goes."""
    return re.search(rf'href="([^"]+)">{re.escape(text)}</a>', page).group(1)


def start_page(practitioner, child) -> str:
    """The assessment start page as the front door's search results link it for this practitioner."""
    return f"/casework/assess/{reference_for(practitioner.user, child)}/"


def refer_page_for(practitioner, child) -> str:
    return f"/casework/refer/{reference_for(practitioner.user, child)}/"


def completed_assessment(front_door, *, share_with_all_partners=True):
    """Tom's completed assessment of Alfie, made with mum before any case."""
    tom, alfie = front_door["tom"], front_door["alfie"]
    consent = ConsentGiven(
        given_by=ConsentGiver.PARENT_CARER,
        given_by_name="Karen Smith",
        given_on=timezone.localdate(),
        share_with_all_partners=share_with_all_partners,
    )
    assessment = services.start_assessment(assessor=tom.user, child=alfie, consent=consent)
    services.save_assessment(
        assessment=assessment,
        saved_by=tom.user,
        elements={"basic_care": ("", "Food often runs out by Friday")},
        parents_views="We need help with money",
    )
    return services.complete_assessment(assessment=assessment, completed_by=tom.user, level_of_need="additional")


def on_the_agenda(front_door, **consent):
    assessment = completed_assessment(front_door, **consent)
    referral = services.send_to_panel(
        assessment=assessment, sent_by=front_door["tom"].user, locality=front_door["north"]
    )
    meeting = services.prepare_meeting(panel=front_door["panel"], prepared_by=front_door["chris"].user)
    return assessment, referral, meeting


# Finding the child and starting


def test_the_front_door_finds_the_child_to_assess(signed_in_as, front_door):
    page = page_of(signed_in_as("tom").get("/casework/assess/", {"name": "Alfie Smyth"}))

    assert "Start an early help assessment" in page
    assert "Alfie Smith, born 17 May 2014" in page_of(signed_in_as("tom").get(href_of(page, "Assess Alfie Smith")))


def test_the_referral_search_offers_the_assessment_first(signed_in_as):
    page = page_of(signed_in_as("tom").get("/casework/refer/"))

    assert 'href="/casework/assess/">Start an early help assessment with the family first</a>' in page


def test_the_childs_page_links_to_an_assessment(client, front_door):
    child = front_door["alfie"]
    client.force_login(front_door["tom"].user)
    services.start_assessment(
        assessor=front_door["tom"].user,
        child=child,
        consent=ConsentGiven(given_by=ConsentGiver.PARENT_CARER, given_by_name="Karen", given_on=timezone.localdate()),
    )

    page = page_of(client.get(f"/children/{child.pk}"))

    start = client.get(href_of(page, "Start an early help assessment"))
    assert start.status_code == 302  # Tom's own draft, carried on


def test_starting_records_consent_and_opens_the_task_list(signed_in_as, front_door):
    alfie = front_door["alfie"]

    response = signed_in_as("tom").post(start_page(front_door["tom"], alfie), MUMS_CONSENT, follow=True)

    assessment = Assessment.objects.get()
    assert response.redirect_chain[-1][0] == f"/casework/assessments/{assessment.pk}/"
    assert assessment.consent.given_by_name == "Karen Smith"
    page = page_of(response)
    assert "Early help assessment" in page
    assert f'<a href="/children/{alfie.pk}" class="govuk-back-link">Back to Alfie Smith</a>' in page


def test_the_assessors_own_draft_is_carried_on(signed_in_as, front_door):
    client = signed_in_as("tom")
    alfie = front_door["alfie"]
    client.post(start_page(front_door["tom"], alfie), MUMS_CONSENT)

    response = client.get(start_page(front_door["tom"], alfie))

    assert response.url == f"/casework/assessments/{Assessment.objects.get().pk}/"


def test_a_current_consent_the_practitioner_may_see_is_offered(signed_in_as, front_door):
    """Once Tom assesses, he may see Alfie's consents; a later start offers the one on record."""
    assessment = completed_assessment(front_door)

    page = page_of(signed_in_as("tom").get(start_page(front_door["tom"], assessment.child)))

    assert "Yes: Karen Smith agreed on" in page
    assert AuditEvent.objects.filter(verb="viewed_consent", child_id=assessment.child_id).exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"consent": ""}, "Select whether the family has agreed to an early help assessment"),
        ({"consent": "no"}, "An early help assessment needs the family's consent: ask them first"),
        ({"consent_given_by_name": ""}, "Enter the name of the person who agreed"),
        ({"consent_scope": ""}, "Select what they agreed to"),
    ],
)
def test_starting_without_consent_gets_govuk_errors(signed_in_as, front_door, changes, message):
    response = signed_in_as("tom").post(start_page(front_door["tom"], front_door["alfie"]), MUMS_CONSENT | changes)

    page = page_of(response)
    assert "govuk-error-summary" in page
    assert message in page
    assert not Assessment.objects.exists()


def test_a_child_with_an_open_case_gets_an_error_saying_what_to_do(signed_in_as, front_door):
    CaseFactory(child=front_door["alfie"])

    page = page_of(signed_in_as("tom").post(start_page(front_door["tom"], front_door["alfie"]), MUMS_CONSENT))

    assert "govuk-error-summary" in page
    assert "Alfie Smith already has an open early help case" in page
    assert "If you have a new concern, refer the child instead" in page


def test_the_start_page_says_at_once_what_to_do_for_a_child_with_an_open_case(signed_in_as, front_door):
    alfie = front_door["alfie"]
    CaseFactory(child=alfie)

    page = page_of(signed_in_as("tom").get(start_page(front_door["tom"], alfie)))

    assert "Alfie Smith already has an open early help case" in page
    assert "Refer Alfie Smith" in page_of(signed_in_as("tom").get(href_of(page, "Refer Alfie Smith")))
    assert "Start the assessment" not in page


def test_someone_elses_draft_before_a_case_is_not_found(signed_in_as, front_door):
    client = signed_in_as("tom")
    client.post(start_page(front_door["tom"], front_door["alfie"]), MUMS_CONSENT)
    assessment = Assessment.objects.get()
    client.force_login(front_door["nina"].user)

    assert client.get(f"/casework/assessments/{assessment.pk}/parents_carers/").status_code == 404
    assert client.get(f"/casework/assessments/{assessment.pk}/send/").status_code == 404


def test_a_practitioner_is_told_they_carry_on_an_earlier_draft_whose_assessor_left(signed_in_as, front_door):
    """Tom left the school without sending his draft: Nina's start page says she carries it on,
    and when, so she can tell mum that the family need not tell their story again."""
    alfie, tom = front_door["alfie"], front_door["tom"]
    signed_in_as("tom").post(start_page(tom, alfie), MUMS_CONSENT)
    draft = Assessment.objects.get()
    Assessment.objects.filter(pk=draft.pk).update(started_at=datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    tom.user.is_active = False
    tom.user.save(update_fields=["is_active"])
    client = signed_in_as("nina")
    ninas_start_page = start_page(front_door["nina"], alfie)

    before = page_of(client.get(ninas_start_page))
    response = client.post(ninas_start_page, MUMS_CONSENT, follow=True)

    assert "Another practitioner started an early help assessment of Alfie Smith on 3 March 2026" in before
    assert "When you start, you carry on their draft with the family" in before
    assert response.redirect_chain[-1][0] == f"/casework/assessments/{draft.pk}/"
    assert "You are carrying on an earlier draft, started by another practitioner on 3 March 2026" in page_of(response)
    assert Assessment.objects.get().assessor == front_door["nina"]


def test_a_draft_its_assessor_is_still_working_on_is_not_offered(signed_in_as, front_door):
    alfie = front_door["alfie"]
    signed_in_as("tom").post(start_page(front_door["tom"], alfie), MUMS_CONSENT)
    client = signed_in_as("nina")

    before = page_of(client.get(start_page(front_door["nina"], alfie)))
    after = page_of(client.post(start_page(front_door["nina"], alfie), MUMS_CONSENT))

    assert "carry on their draft" not in before
    assert "Another practitioner has already started an early help assessment of Alfie Smith" in after
    assert Assessment.objects.get().assessor == front_door["tom"]


# Sending to the panel


def test_a_completed_assessment_offers_to_go_to_the_panel(signed_in_as, front_door):
    assessment = completed_assessment(front_door)

    page = page_of(signed_in_as("tom").get(f"/casework/assessments/{assessment.pk}/"))

    assert "Not sent to the allocation panel yet." in page
    assert f'href="/casework/assessments/{assessment.pk}/send/"' in page


def test_sending_shows_what_the_panel_will_read_then_sends(signed_in_as, front_door):
    assessment = completed_assessment(front_door)
    client = signed_in_as("tom")

    page = page_of(client.get(f"/casework/assessments/{assessment.pk}/send/"))
    assert "Basic care, ensuring safety and protection: Food often runs out by Friday" in page
    assert f'<option value="{front_door["north"].pk}" selected>' in page

    response = client.post(f"/casework/assessments/{assessment.pk}/send/", {"locality": front_door["north"].pk})

    referral = Referral.objects.get()
    assert response.url == f"/casework/referrals/{referral.pk}/feedback/"
    feedback = page_of(client.get(response.url))
    assert "Your assessment of Alfie Smith has gone to the North allocation panel" in feedback
    assert f'href="/casework/assessments/{assessment.pk}/">Your assessment of' in feedback


def test_sending_twice_gets_an_error(signed_in_as, front_door):
    assessment = completed_assessment(front_door)
    client = signed_in_as("tom")
    client.post(f"/casework/assessments/{assessment.pk}/send/", {"locality": front_door["north"].pk})

    page = page_of(client.post(f"/casework/assessments/{assessment.pk}/send/", {"locality": front_door["north"].pk}))

    assert "govuk-error-summary" in page
    assert "This assessment went to the North allocation panel on" in page
    assert Referral.objects.count() == 1


def test_sending_an_incomplete_assessment_gets_an_error(signed_in_as, front_door):
    client = signed_in_as("tom")
    client.post(start_page(front_door["tom"], front_door["alfie"]), MUMS_CONSENT)
    draft = Assessment.objects.get()

    page = page_of(client.post(f"/casework/assessments/{draft.pk}/send/", {"locality": front_door["north"].pk}))

    assert "govuk-error-summary" in page
    assert "Complete the assessment before you send it to the panel" in page
    assert not Referral.objects.exists()


# The panel


def test_the_agenda_links_to_the_assessment_for_members_the_family_agreed_to_share_with(signed_in_as, front_door):
    assessment, _, meeting = on_the_agenda(front_door)

    page = page_of(signed_in_as("nina").get(f"/casework/panels/meetings/{meeting.pk}/"))

    assert "Early help assessment" in page
    assert f'href="/casework/assessments/{assessment.pk}/">Read the assessment for Alfie Smith</a>' in page


def test_the_agenda_names_nothing_of_a_child_whose_referral_consent_does_not_share(signed_in_as, front_door):
    """Consent shares with no partner, so Nina's seat on the panel gives her no reason to open it."""
    assessment, _, meeting = on_the_agenda(front_door, share_with_all_partners=False)
    client = signed_in_as("nina")

    page = page_of(client.get(f"/casework/panels/meetings/{meeting.pk}/"))

    assert "A child on the agenda (you may not open this referral)" in page
    assert "Alfie" not in page
    assert f"/casework/assessments/{assessment.pk}/" not in page
    assert client.get(f"/casework/assessments/{assessment.pk}/").status_code == 404


def test_the_referral_page_shows_the_assessment_to_the_chair(signed_in_as, front_door):
    assessment, referral, _ = on_the_agenda(front_door)
    client = signed_in_as("chris")

    page = page_of(client.get(f"/casework/referrals/{referral.pk}/"))

    assert f'href="/casework/assessments/{assessment.pk}/">Completed' in page
    assert "Food often runs out by Friday" in page_of(client.get(f"/casework/assessments/{assessment.pk}/"))


def test_the_case_page_lists_the_assessment_the_panel_allocated_with(signed_in_as, front_door):
    assessment, referral, _ = on_the_agenda(front_door)
    referral.refresh_from_db()
    services.record_decision(
        referral=referral,
        decided_by=front_door["chris"].user,
        decision=PanelDecision.ALLOCATE,
        reasons="Family support",
        lead_professional=front_door["pat"],
    )

    page = page_of(signed_in_as("pat").get(f"/casework/cases/{referral.case.pk}/"))

    assert f'href="/casework/assessments/{assessment.pk}/">Completed' in page
    assert "by Tom Baker" in page


# The ordinary referral form


def test_the_referral_form_offers_the_referrers_own_completed_assessment(signed_in_as, front_door):
    assessment = completed_assessment(front_door)
    client = signed_in_as("tom")
    alfie = front_door["alfie"]
    refer_page = refer_page_for(front_door["tom"], alfie)
    assert "Send your early help assessment of" in page_of(client.get(refer_page))

    client.post(
        refer_page,
        {
            "route": "early_help",
            "locality": front_door["north"].pk,
            "concern": "Often hungry",
            "level_of_need": "additional",
            "consent": "yes",
            "consent_given_by": "parent_carer",
            "consent_given_by_name": "Karen Smith",
            "consent_scope": "all_partners",
            "attach_assessment": "yes",
        },
    )

    assert Referral.objects.get().assessment == assessment


def test_the_referral_form_does_not_offer_someone_elses_assessment(signed_in_as, front_door):
    completed_assessment(front_door)
    ConsentFactory(child=front_door["alfie"])

    page = page_of(signed_in_as("nina").get(refer_page_for(front_door["nina"], front_door["alfie"])))

    assert "Send your early help assessment" not in page
