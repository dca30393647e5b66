"""The consent table of access/tests/test_consent_policy.py through casework's pages: for each kind
of involvement and each state of the family's consent, whether the case (the plan) and the consent
page open for the practitioner involved. Written out by hand, like the policy tables."""

import pytest

from joinedup.access.models import InvolvementKind
from joinedup.access.tests.factories import InvolvementFactory
from joinedup.access.tests.test_consent_policy import family_agreed
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db

PAGES_TABLE = """
kind               consent         plan  consent_page
allocated_worker   none            no    yes
allocated_worker   withdrawn       no    yes
agency_record      none            no    no
agency_record      named_other     no    no
referrer           none            no    no
referrer           all_partners    no    no
lead_professional  none            yes   yes
lead_professional  withdrawn       yes   yes
assessor           none            no    no
assessor           all_partners    no    yes
assessor           named_mine      no    no
assessor           assess_only     no    yes
assessor           withdrawn       no    no
assessor           lawful_mine     no    no
tac_member         none            no    no
tac_member         all_partners    yes   yes
tac_member         named_mine      yes   yes
tac_member         named_other     no    no
tac_member         assess_only     no    no
tac_member         withdrawn       no    no
tac_member         expired         no    no
tac_member         lawful_mine     yes   yes
tac_member         lawful_other    no    no
tac_member         lawful_ended    no    no
panel_member       none            no    no
panel_member       all_partners    yes   yes
panel_member       named_other     no    no
panel_member       withdrawn       no    no
panel_member       lawful_mine     yes   yes
panel_member       lawful_expired  no    no
panel_chair        all_partners    yes   yes
panel_chair        assess_only     no    no
panel_chair        lawful_other    no    no
"""


def rows():
    _, *lines = [line.split() for line in PAGES_TABLE.strip().splitlines()]
    for kind, consent, plan, consent_page in lines:
        yield pytest.param(kind, consent, plan == "yes", consent_page == "yes", id=f"{kind}-{consent}")


@pytest.mark.parametrize("kind, consent, sees_plan, sees_consent", list(rows()))
def test_the_case_and_consent_pages_follow_the_family_consent(client, kind, consent, sees_plan, sees_consent):
    case = CaseFactory(child=ChildFactory())
    worker = PractitionerFactory()
    InvolvementFactory(child=case.child, practitioner=worker, kind=InvolvementKind(kind))
    family_agreed(consent, case.child, worker.agency)
    client.force_login(worker.user)

    plan = client.get(f"/casework/cases/{case.pk}/")
    consent_page = client.get(f"/casework/children/{case.child_id}/consent/")

    assert plan.status_code == (200 if sees_plan else 404)
    assert consent_page.status_code == (200 if sees_consent else 404)
