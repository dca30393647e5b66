"""The consent page names the agencies the family agreed to and until when; sharing without consent
names its agencies, its end date and whether the family are told, and the sharer's manager reviews
it on its own page. The family see what was shared without their consent unless that would put the
child at risk; nobody joins the team around the child from an agency the family did not agree to."""

from datetime import date, timedelta

import pytest

from joinedup.access.models import InvolvementKind, SharingReview, SharingWithoutConsent
from joinedup.access.policy import Action, decide
from joinedup.access.tests.factories import InvolvementFactory, SharingWithoutConsentFactory
from joinedup.agencies.tests.factories import AgencyFactory
from joinedup.audit.models import AuditEvent
from joinedup.casework import queries, services
from joinedup.casework.errors import RuleBroken
from joinedup.casework.models import TacMember
from joinedup.people.models import Role
from joinedup.people.tests.factories import CarerFactory, ChildCarerFactory, PractitionerFactory

from .factories import CaseFactory, ConsentFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def case():
    return CaseFactory()


@pytest.fixture
def lead_client(client, case):
    client.force_login(case.lead_professional.user)
    return client


def consent_page(case):
    return f"/casework/children/{case.child_id}/consent/"


def date_parts(prefix, when):
    return {f"{prefix}_day": when.day, f"{prefix}_month": when.month, f"{prefix}_year": when.year}


def recorded(**changes):
    data = {"intent": "record", "given_by": "parent_carer", "given_by_name": "Karen Smith", "scope": "named_only"}
    return data | date_parts("given_on", TODAY) | changes


def shared(**changes):
    data = {
        "intent": "share",
        "lawful_reason": "Bruising seen by the school nurse: risk of significant harm",
        "family_told": "yes",
        "not_told_because": "",
    }
    return data | date_parts("until", TODAY + timedelta(days=30)) | changes


# Consent names agencies and a date


def test_consent_to_share_with_named_agencies_only_is_recorded_and_listed(lead_client, case):
    school, police = AgencyFactory(name="Northby Academy"), AgencyFactory(name="Northshire Police")
    until = TODAY + timedelta(days=180)

    response = lead_client.post(
        consent_page(case), recorded(agencies=[school.pk, police.pk]) | date_parts("until", until), follow=True
    )

    consent = case.child.consents.get()
    assert (consent.to_assess, consent.share_with_all_partners, consent.until) == (False, False, until)
    assert set(consent.shared_with.all()) == {school, police}
    page = response.content.decode()
    assert "Sharing with Northby Academy, Northshire Police" in page
    assert f"{until:%-d %B %Y}" in page


def test_consent_with_every_partner_is_listed_as_such(lead_client, case):
    ConsentFactory(child=case.child)

    page = lead_client.get(consent_page(case)).content.decode()

    assert "Sharing with every partner agency" in page
    assert "Until it is withdrawn" in page


def test_a_named_scope_without_agencies_gets_a_govuk_error(lead_client, case):
    page = lead_client.post(consent_page(case), recorded(scope="assess_and_named")).content.decode()

    assert "govuk-error-summary" in page
    assert 'href="#id_agencies">Select the agencies the family agreed to share with' in page
    assert not case.child.consents.exists()


def test_agencies_ticked_under_an_assessment_only_are_not_shared_with(lead_client, case):
    lead_client.post(consent_page(case), recorded(scope="assess_only", agencies=[AgencyFactory().pk]))

    consent = case.child.consents.get()
    assert (consent.to_assess, consent.shared_with.count()) == (True, 0)


def test_an_until_date_in_the_past_gets_a_govuk_error(lead_client, case):
    page = lead_client.post(
        consent_page(case), recorded(agencies=[AgencyFactory().pk]) | date_parts("until", TODAY - timedelta(days=1))
    ).content.decode()

    assert "The date they agreed to share until must be today or later" in page
    assert not case.child.consents.exists()


def test_a_name_too_long_gets_a_govuk_error(lead_client, case):
    page = lead_client.post(
        consent_page(case), recorded(given_by_name="K" * 161, agencies=[AgencyFactory().pk])
    ).content.decode()

    assert "Their name must be 160 characters or fewer" in page


# Sharing without consent on the consent page


def test_sharing_without_consent_is_recorded_with_its_agencies_period_and_listed(lead_client, case):
    police = AgencyFactory(name="Northshire Police")
    until = TODAY + timedelta(days=30)

    page = lead_client.post(consent_page(case), shared(agencies=[police.pk]), follow=True).content.decode()

    sharing = SharingWithoutConsent.objects.get(child=case.child)
    assert (list(sharing.agencies.all()), sharing.until, sharing.family_told) == ([police], until, True)
    assert "Northshire Police" in page
    assert f"{TODAY:%-d %B %Y} to {until:%-d %B %Y}" in page
    assert "Waiting for a manager&#39;s review" in page


def test_a_300000_character_lawful_reason_is_refused_and_nothing_is_saved(lead_client, case):
    page = lead_client.post(
        consent_page(case), shared(lawful_reason="x" * 300_000, agencies=[AgencyFactory().pk])
    ).content.decode()

    assert "The lawful reason must be 2,000 characters or fewer" in page
    assert not SharingWithoutConsent.objects.exists()


def test_sharing_without_consent_needs_agencies(lead_client, case):
    page = lead_client.post(consent_page(case), shared()).content.decode()

    assert 'href="#share-agencies">Select the agencies the information may go to' in page


def test_sharing_without_consent_ends_within_ninety_days(lead_client, case):
    page = lead_client.post(
        consent_page(case), shared(agencies=[AgencyFactory().pk]) | date_parts("until", TODAY + timedelta(days=91))
    ).content.decode()

    latest = TODAY + timedelta(days=90)
    assert f"The date the sharing ends must be between today and {latest:%-d %B %Y}" in page
    assert not SharingWithoutConsent.objects.exists()


def test_keeping_it_from_the_family_needs_the_reason_on_the_page(lead_client, case):
    page = lead_client.post(
        consent_page(case), shared(agencies=[AgencyFactory().pk], family_told="no")
    ).content.decode()

    assert 'href="#share-not_told_because">Enter why telling the family would put the child at risk' in page
    assert not SharingWithoutConsent.objects.exists()


def test_the_page_says_when_the_family_were_not_told_and_why(lead_client, case):
    SharingWithoutConsentFactory(
        child=case.child, agencies=[AgencyFactory()], family_told=False, not_told_because="Dad would move them"
    )

    assert "No: Dad would move them" in lead_client.get(consent_page(case)).content.decode()


# The manager's review


@pytest.fixture
def sharing(case):
    """The lead professional shared with the police; their manager reviews it."""
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER, user__first_name="Morgan", user__last_name="Lee")
    manager.manages_teams.add(case.lead_professional.team)
    return SharingWithoutConsentFactory(
        child=case.child, shared_by=case.lead_professional.user, agencies=[AgencyFactory(name="Northshire Police")]
    )


def review_page(sharing):
    return f"/casework/sharing/{sharing.pk}/review/"


def manager_of(sharing):
    return queries.managers_of(sharing.shared_by.practitioner).get()


def test_the_sharers_manager_reads_the_sharing_and_the_read_is_audited(client, sharing):
    client.force_login(manager_of(sharing).user)

    page = client.get(review_page(sharing)).content.decode()

    assert sharing.child.full_name in page
    assert sharing.lawful_reason in page
    assert "Northshire Police" in page
    assert f"{sharing.until:%-d %B %Y}" in page
    assert AuditEvent.objects.filter(verb="viewed_sharing_for_review", child_id=sharing.child_id).exists()


def test_ending_the_sharing_stops_it_at_once(client, sharing):
    member = InvolvementFactory(
        child=sharing.child, kind=InvolvementKind.TAC_MEMBER, practitioner__agency=sharing.agencies.get()
    ).practitioner
    assert decide(member.user, Action.VIEW_CHILD, sharing.child)
    client.force_login(manager_of(sharing).user)

    response = client.post(review_page(sharing), {"outcome": "ended", "note": "No risk of significant harm"})

    assert response.status_code == 302
    sharing.refresh_from_db()
    assert sharing.review_outcome == SharingReview.ENDED
    assert not decide(member.user, Action.VIEW_CHILD, sharing.child)


def test_a_review_needs_its_reasons(client, sharing):
    client.force_login(manager_of(sharing).user)

    page = client.post(review_page(sharing), {"outcome": "upheld", "note": ""}).content.decode()

    assert "Enter the reasons for your review" in page
    sharing.refresh_from_db()
    assert not sharing.reviewed


@pytest.mark.parametrize("who", ["sharer", "other manager", "family worker"])
def test_anyone_but_the_sharers_manager_gets_a_404(client, sharing, who):
    user = {
        "sharer": lambda: sharing.shared_by,
        "other manager": lambda: PractitionerFactory(role=Role.SERVICE_MANAGER).user,
        "family worker": lambda: InvolvementFactory(child=sharing.child).practitioner.user,
    }[who]()
    client.force_login(user)

    assert client.get(review_page(sharing)).status_code == 404
    assert client.post(review_page(sharing), {"outcome": "ended", "note": "Stop"}).status_code == 404
    sharing.refresh_from_db()
    assert not sharing.reviewed


def test_the_manager_is_offered_the_review_from_the_consent_page(client, sharing, case):
    manager = manager_of(sharing)
    InvolvementFactory(child=case.child, practitioner=manager)
    client.force_login(manager.user)

    assert f'href="{review_page(sharing)}"' in client.get(consent_page(case)).content.decode()


# The family's page


def family_client(client, case):
    carer = ChildCarerFactory(child=case.child, carer=CarerFactory(), parental_responsibility=True).carer
    account = services.create_family_account(
        case=case,
        created_by=case.lead_professional.user,
        username="karen",
        email="karen@example.com",
        first_name="Karen",
        last_name="Smith",
        carer=carer,
    )
    client.force_login(account.user)
    return client


def test_the_family_see_sharing_they_were_told_of(client, case):
    told = SharingWithoutConsentFactory(child=case.child, agencies=[AgencyFactory(name="Northshire Police")])

    page = family_client(client, case).get("/casework/family/").content.decode()

    assert (
        f"Information was shared without your consent with Northshire Police until {told.until:%-d %B %Y} "
        f"because: {told.lawful_reason}"
    ) in page


def test_the_family_do_not_see_sharing_kept_from_them(client, case):
    SharingWithoutConsentFactory(
        child=case.child,
        agencies=[AgencyFactory(name="Northshire Police")],
        lawful_reason="Dad is under investigation",
        family_told=False,
        not_told_because="Telling them would put her at risk",
    )

    page = family_client(client, case).get("/casework/family/").content.decode()

    assert "shared without your consent" not in page
    assert "Dad is under investigation" not in page


# Inviting to the team around the child


def test_inviting_from_an_agency_the_family_did_not_agree_to_is_refused(case):
    nurse = PractitionerFactory(agency=AgencyFactory(name="Northshire Community Health"))

    with pytest.raises(RuleBroken) as refused:
        services.invite_to_tac(case=case, practitioner=nurse, invited_by=case.lead_professional.user)

    assert str(refused.value) == (
        "The family has not agreed to share with Northshire Community Health: record their consent first"
    )
    assert not TacMember.objects.filter(practitioner=nurse).exists()


def test_the_invite_page_shows_the_refusal_as_a_govuk_error(lead_client, case):
    nurse = PractitionerFactory(agency=AgencyFactory(name="Northshire Community Health"))

    page = lead_client.post(f"/casework/cases/{case.pk}/team/", {"practitioner": nurse.pk}).content.decode()

    assert 'href="#id_practitioner">The family has not agreed to share with Northshire Community Health' in page
    assert not TacMember.objects.filter(practitioner=nurse).exists()


def test_inviting_from_an_agency_the_family_named_is_allowed(lead_client, case):
    nurse = PractitionerFactory(agency=AgencyFactory(name="Northshire Community Health"))
    ConsentFactory(child=case.child, share_with_all_partners=False).shared_with.add(nurse.agency)

    response = lead_client.post(f"/casework/cases/{case.pk}/team/", {"practitioner": nurse.pk})

    assert response.status_code == 302
    assert decide(nurse.user, Action.VIEW_PLAN, case)


def test_the_consent_page_says_which_sharing_without_consent_has_ended(lead_client, case):
    agency = AgencyFactory()
    in_force = SharingWithoutConsentFactory(child=case.child, agencies=[agency], lawful_reason="Still in force")
    past = SharingWithoutConsentFactory(
        child=case.child, agencies=[agency], lawful_reason="Past its end", shared_on=TODAY - timedelta(days=40)
    )
    past.until = TODAY - timedelta(days=1)
    past.save()
    ended = SharingWithoutConsentFactory(child=case.child, agencies=[agency], lawful_reason="Ended by review")
    ended.reviewed_by, ended.reviewed_at = case.lead_professional.user, ended.shared_at
    ended.review_outcome, ended.review_note = SharingReview.ENDED, "No risk now"
    ended.save()

    assert queries.sharing_ended([in_force, past, ended]) == {past.pk, ended.pk}
    assert lead_client.get(consent_page(case)).content.decode().count("Shared without consent, ended") == 2
