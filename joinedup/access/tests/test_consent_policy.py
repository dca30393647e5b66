"""Sharing follows consent: what the family agreed (or a lawful reason) decides which involvements
let a practitioner, and their manager, see the child.

The table is written out by hand, one row per consent state and kind of involvement. Every cell is
checked four ways: by decide() for the practitioner and for their manager, by children_for() (the
one query every list starts from, which must agree with the page), and again with the practitioner
in a sensitive service (which neither grants nor removes access to the child).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from joinedup.access.models import InvolvementKind, SharingReview
from joinedup.access.policy import Action, children_for, decide
from joinedup.access.tests.factories import ConsentFactory, InvolvementFactory, SharingWithoutConsentFactory
from joinedup.agencies.tests.factories import AgencyFactory, ServiceFactory, TeamFactory
from joinedup.people.models import Role
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory, UserFactory

pytestmark = pytest.mark.django_db

# Consent states:
#   none               nothing recorded
#   all_partners       consent to assess and to share with every partner agency
#   named_mine         consent to share with named agencies only (no assessment), naming the worker's agency
#   named_other        the same, naming another agency only
#   assess_only        consent to an assessment only
#   withdrawn          all_partners, since withdrawn
#   expired            all_partners until yesterday
#   lawful_mine        shared without consent with the worker's agency, in its period
#   lawful_other       shared without consent with another agency only
#   lawful_expired     shared without consent with the worker's agency, ended yesterday
#   lawful_ended       shared without consent with the worker's agency, ended by the manager's review
# Columns: the involved worker may view the child; their service manager may view the child.
CONSENT_TABLE = """
kind               consent         worker  manager
allocated_worker   none            yes     yes
allocated_worker   withdrawn       yes     yes
agency_record      none            yes     yes
agency_record      named_other     yes     yes
referrer           none            no      no
referrer           all_partners    no      no
lead_professional  none            yes     yes
lead_professional  withdrawn       yes     yes
assessor           none            no      no
assessor           all_partners    yes     yes
assessor           named_mine      no      no
assessor           named_other     no      no
assessor           assess_only     yes     yes
assessor           withdrawn       no      no
assessor           expired         no      no
assessor           lawful_mine     no      no
tac_member         none            no      no
tac_member         all_partners    yes     yes
tac_member         named_mine      yes     yes
tac_member         named_other     no      no
tac_member         assess_only     no      no
tac_member         withdrawn       no      no
tac_member         expired         no      no
tac_member         lawful_mine     yes     yes
tac_member         lawful_other    no      no
tac_member         lawful_expired  no      no
tac_member         lawful_ended    no      no
panel_member       none            no      no
panel_member       all_partners    yes     yes
panel_member       named_mine      yes     yes
panel_member       named_other     no      no
panel_member       assess_only     no      no
panel_member       withdrawn       no      no
panel_member       expired         no      no
panel_member       lawful_mine     yes     yes
panel_member       lawful_other    no      no
panel_member       lawful_expired  no      no
panel_member       lawful_ended    no      no
panel_chair        none            no      no
panel_chair        all_partners    yes     yes
panel_chair        named_mine      yes     yes
panel_chair        named_other     no      no
panel_chair        assess_only     no      no
panel_chair        withdrawn       no      no
panel_chair        lawful_mine     yes     yes
panel_chair        lawful_other    no      no
panel_chair        lawful_ended    no      no
"""


def cells():
    _, *rows = [line.split() for line in CONSENT_TABLE.strip().splitlines()]
    for kind, consent, worker, manager in rows:
        for sensitive in (False, True):
            yield pytest.param(
                kind,
                consent,
                worker == "yes",
                manager == "yes",
                sensitive,
                id=f"{kind}-{consent}-{'sensitive' if sensitive else 'ordinary'}",
            )


def family_agreed(state: str, child, agency) -> None:
    today = timezone.localdate()
    other = AgencyFactory()
    if state == "none":
        return
    if state in {"all_partners", "withdrawn", "expired"}:
        ConsentFactory(
            child=child,
            withdrawn=state == "withdrawn",
            given_on=today - timedelta(days=30),
            until=today - timedelta(days=1) if state == "expired" else None,
        )
    elif state in {"named_mine", "named_other"}:
        consent = ConsentFactory(child=child, to_assess=False, share_with_all_partners=False)
        consent.shared_with.set([agency if state == "named_mine" else other])
    elif state == "assess_only":
        ConsentFactory(child=child, share_with_all_partners=False)
    elif state.startswith("lawful_"):
        sharing = SharingWithoutConsentFactory(
            child=child, agencies=[other if state == "lawful_other" else agency], shared_on=today - timedelta(days=40)
        )
        if state == "lawful_expired":
            sharing.until = today - timedelta(days=1)
        if state == "lawful_ended":
            sharing.reviewed_by, sharing.reviewed_at = UserFactory(), timezone.now()
            sharing.review_outcome, sharing.review_note = SharingReview.ENDED, "No risk of significant harm"
        sharing.save()
    else:
        raise AssertionError(state)


@pytest.mark.parametrize("kind, consent, worker_sees, manager_sees, sensitive", list(cells()))
def test_consent_decides_which_involvements_count(kind, consent, worker_sees, manager_sees, sensitive):
    # Arrange
    child = ChildFactory()
    service = ServiceFactory(sensitive=sensitive)
    team = TeamFactory(service=service, agency=service.agency)
    worker = PractitionerFactory(team=team, agency=service.agency)
    InvolvementFactory(child=child, practitioner=worker, kind=InvolvementKind(kind), service=service)
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER)
    manager.manages_teams.add(team)
    family_agreed(consent, child, worker.agency)

    # Act
    by_worker = decide(worker.user, Action.VIEW_CHILD, child)
    by_manager = decide(manager.user, Action.VIEW_CHILD, child)

    # Assert: the page and every list agree
    assert by_worker.allowed is worker_sees, by_worker.reason
    assert by_manager.allowed is manager_sees, by_manager.reason
    assert children_for(worker.user).filter(pk=child.pk).exists() is worker_sees
    assert children_for(manager.user).filter(pk=child.pk).exists() is manager_sees


def test_the_table_covers_every_kind_of_involvement():
    kinds = {line.split()[0] for line in CONSENT_TABLE.strip().splitlines()[1:]}
    assert kinds == set(InvolvementKind)


def test_a_reason_never_names_a_sensitive_service_or_its_team():
    """The reason is written to the audit log that managers and administrators read."""
    child = ChildFactory()
    camhs = ServiceFactory(name="Child and adolescent mental health", sensitive=True)
    worker = PractitionerFactory(
        team=TeamFactory(service=camhs, agency=camhs.agency, name="CAMHS North"), agency=camhs.agency
    )
    InvolvementFactory(child=child, practitioner=worker, service=camhs)
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER)
    manager.manages_teams.add(worker.team)

    for user in (worker.user, manager.user):
        decision = decide(user, Action.VIEW_CHILD, child)
        assert decision.allowed
        assert "mental health" not in decision.reason.lower() and "CAMHS" not in decision.reason
        assert decision.sensitive_service_id == camhs.pk


def test_children_for_lists_exactly_the_children_a_user_may_open_in_one_query(django_assert_num_queries):
    worker = PractitionerFactory()
    mine = [InvolvementFactory(practitioner=worker).child for _ in range(5)]
    InvolvementFactory(practitioner=worker, kind=InvolvementKind.REFERRER)  # feedback only
    InvolvementFactory(practitioner=worker, kind=InvolvementKind.TAC_MEMBER)  # no consent
    InvolvementFactory()  # someone else's

    with django_assert_num_queries(1):
        listed = set(children_for(worker.user).values_list("pk", flat=True))

    assert listed == {child.pk for child in mine}


@pytest.mark.parametrize(
    "kind, consent, worker_sees, manager_sees",
    [cell.values[:4] for cell in cells() if not cell.values[4]],
    ids=[cell.id for cell in cells() if not cell.values[4]],
)
def test_the_pages_follow_the_consent_table(client, kind, consent, worker_sees, manager_sees):
    """The same table through the pages: the child's page opens (or is a 404) and the home page
    lists the child exactly as the table says."""
    child = ChildFactory(forenames="Tabitha", surname="Tablerow")
    worker = PractitionerFactory()
    InvolvementFactory(child=child, practitioner=worker, kind=InvolvementKind(kind))
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER)
    manager.manages_teams.add(worker.team)
    family_agreed(consent, child, worker.agency)

    client.force_login(worker.user)
    worker_page = client.get(f"/children/{child.pk}")
    worker_home = client.get("/").content.decode()
    client.force_login(manager.user)
    manager_page = client.get(f"/children/{child.pk}")

    assert worker_page.status_code == (200 if worker_sees else 404)
    assert ("Tablerow" in worker_home) is worker_sees
    assert manager_page.status_code == (200 if manager_sees else 404)
