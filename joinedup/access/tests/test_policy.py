"""The access policy: who may do what to a child's information, and why.

The table below is the policy written out by hand. It is the specification; when policy.py and
the table disagree, one of them is wrong and a person decides which.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.access.policy import GRANTS, Action, capabilities, decide, get_or_404
from joinedup.access.queries import involvements_as_seen_by
from joinedup.access.tests.factories import ConsentFactory, InvolvementFactory
from joinedup.agencies.tests.factories import ServiceFactory, TeamFactory
from joinedup.audit.models import AuditEvent
from joinedup.people.models import Child, Role
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory, UserFactory

pytestmark = pytest.mark.django_db

# Relationships of the user to the child:
#   none               no involvement, manages no one involved
#   allocated          current allocated-worker involvement
#   agency_record      current involvement as the practitioner named on an agency record
#   ended_yesterday    allocated-worker involvement that ended yesterday
#   starts_tomorrow    allocated-worker involvement that starts tomorrow
#   manages_team       manages the team of a practitioner with a current involvement
#   manages_locality   manages the locality of that practitioner's team
#   manages_recorder   manages the team of a practitioner only named on an agency record
#   manages_leaver     manages the team of a worker whose account is switched off
#   inactive           account switched off, with a current allocated-worker involvement
# Management lines count for service managers only: they may do what the worker they manage may
# do, and see who has looked at the child. A practitioner who leads a team sees the children they
# work with themselves.
# Columns are actions: view, change and audit are about this child; search, figures and accounts
# about no child in particular.
COLUMN_ACTIONS = {
    "view": Action.VIEW_CHILD,
    "change": Action.CHANGE_CHILD,
    "audit": Action.VIEW_CHILD_AUDIT,
    "search": Action.SEARCH_CHILDREN,
    "figures": Action.VIEW_AGGREGATES,
    "accounts": Action.MANAGE_ACCOUNTS,
}
POLICY_TABLE = """
role                 relationship      view     change   audit    search   figures  accounts
practitioner         none              no       no       no       yes      no       no
practitioner         allocated         yes      yes      no       yes      no       no
practitioner         agency_record     yes      no       no       yes      no       no
practitioner         ended_yesterday   no       no       no       yes      no       no
practitioner         starts_tomorrow   no       no       no       yes      no       no
practitioner         manages_team      no       no       no       yes      no       no
practitioner         manages_locality  no       no       no       yes      no       no
practitioner         manages_recorder  no       no       no       yes      no       no
practitioner         manages_leaver    no       no       no       yes      no       no
practitioner         inactive          no       no       no       no       no       no
panel_chair          none              no       no       no       yes      no       no
panel_chair          allocated         yes      yes      no       yes      no       no
panel_chair          agency_record     yes      no       no       yes      no       no
panel_chair          ended_yesterday   no       no       no       yes      no       no
panel_chair          starts_tomorrow   no       no       no       yes      no       no
panel_chair          manages_team      no       no       no       yes      no       no
panel_chair          manages_locality  no       no       no       yes      no       no
panel_chair          manages_recorder  no       no       no       yes      no       no
panel_chair          manages_leaver    no       no       no       yes      no       no
panel_chair          inactive          no       no       no       no       no       no
service_manager      none              no       no       no       yes      yes      no
service_manager      allocated         yes      yes      no       yes      yes      no
service_manager      agency_record     yes      no       no       yes      yes      no
service_manager      ended_yesterday   no       no       no       yes      yes      no
service_manager      starts_tomorrow   no       no       no       yes      yes      no
service_manager      manages_team      yes      yes      yes      yes      yes      no
service_manager      manages_locality  yes      yes      yes      yes      yes      no
service_manager      manages_recorder  yes      no       yes      yes      yes      no
service_manager      manages_leaver    no       no       no       yes      yes      no
service_manager      inactive          no       no       no       no       no       no
performance_analyst  none              no       no       no       no       yes      no
performance_analyst  allocated         no       no       no       no       yes      no
performance_analyst  agency_record     no       no       no       no       yes      no
performance_analyst  ended_yesterday   no       no       no       no       yes      no
performance_analyst  starts_tomorrow   no       no       no       no       yes      no
performance_analyst  manages_team      no       no       no       no       yes      no
performance_analyst  manages_locality  no       no       no       no       yes      no
performance_analyst  manages_recorder  no       no       no       no       yes      no
performance_analyst  manages_leaver    no       no       no       no       yes      no
performance_analyst  inactive          no       no       no       no       no       no
director             none              no       no       no       no       yes      no
director             allocated         no       no       no       no       yes      no
director             agency_record     no       no       no       no       yes      no
director             ended_yesterday   no       no       no       no       yes      no
director             starts_tomorrow   no       no       no       no       yes      no
director             manages_team      no       no       no       no       yes      no
director             manages_locality  no       no       no       no       yes      no
director             manages_recorder  no       no       no       no       yes      no
director             manages_leaver    no       no       no       no       yes      no
director             inactive          no       no       no       no       no       no
administrator        none              no       no       yes      no       no       yes
administrator        allocated         no       no       yes      no       no       yes
administrator        agency_record     no       no       yes      no       no       yes
administrator        ended_yesterday   no       no       yes      no       no       yes
administrator        starts_tomorrow   no       no       yes      no       no       yes
administrator        manages_team      no       no       yes      no       no       yes
administrator        manages_locality  no       no       yes      no       no       yes
administrator        manages_recorder  no       no       yes      no       no       yes
administrator        manages_leaver    no       no       yes      no       no       yes
administrator        inactive          no       no       no       no       no       no
researcher           none              no       no       no       no       no       no
researcher           allocated         no       no       no       no       no       no
researcher           agency_record     no       no       no       no       no       no
researcher           ended_yesterday   no       no       no       no       no       no
researcher           starts_tomorrow   no       no       no       no       no       no
researcher           manages_team      no       no       no       no       no       no
researcher           manages_locality  no       no       no       no       no       no
researcher           manages_recorder  no       no       no       no       no       no
researcher           manages_leaver    no       no       no       no       no       no
researcher           inactive          no       no       no       no       no       no
"""


def policy_cells():
    header, *rows = [line.split() for line in POLICY_TABLE.strip().splitlines()]
    actions = [COLUMN_ACTIONS[column] for column in header[2:]]
    for role, relationship, *answers in rows:
        for action, answer in zip(actions, answers, strict=True):
            yield pytest.param(
                role, relationship, action, answer == "yes", id=f"{role}-{relationship}-{action}-{answer}"
            )


def user_related_to_child(role: str, relationship: str, child: Child):
    """A user with `role` standing in `relationship` to `child`."""
    me = PractitionerFactory(role=role, inactive=relationship == "inactive")
    if relationship in {"allocated", "inactive"}:
        InvolvementFactory(child=child, practitioner=me)
    elif relationship == "agency_record":
        InvolvementFactory(child=child, practitioner=me, agency_record=True)
    elif relationship == "ended_yesterday":
        InvolvementFactory(child=child, practitioner=me, ended_yesterday=True)
    elif relationship == "starts_tomorrow":
        InvolvementFactory(child=child, practitioner=me, starting_tomorrow=True)
    elif relationship == "manages_team":
        worker = InvolvementFactory(child=child).practitioner
        me.manages_teams.add(worker.team)
    elif relationship == "manages_locality":
        worker = InvolvementFactory(child=child).practitioner
        me.manages_localities.add(worker.team.locality)
    elif relationship == "manages_recorder":
        worker = InvolvementFactory(child=child, agency_record=True).practitioner
        me.manages_teams.add(worker.team)
    elif relationship == "manages_leaver":
        worker = InvolvementFactory(child=child).practitioner
        worker.user.is_active = False
        worker.user.save()
        me.manages_teams.add(worker.team)
    else:
        assert relationship == "none", relationship
    return me.user


@pytest.mark.parametrize("role, relationship, action, allowed", list(policy_cells()))
def test_access_policy_table(role, relationship, action, allowed):
    # Arrange
    child = ChildFactory()
    user = user_related_to_child(role, relationship, child)
    needs_child = action in {Action.VIEW_CHILD, Action.CHANGE_CHILD, Action.VIEW_CHILD_AUDIT}

    # Act
    decision = decide(user, action, child if needs_child else None)

    # Assert
    assert decision.allowed is allowed, decision.reason
    assert decision.reason[:1].isupper(), "every decision says why, in a sentence"


def test_the_table_covers_every_role_and_relationship():
    rows = {tuple(line.split()[:2]) for line in POLICY_TABLE.strip().splitlines()[1:]}
    relationships = [
        "none",
        "allocated",
        "agency_record",
        "ended_yesterday",
        "starts_tomorrow",
        "manages_team",
        "manages_locality",
        "manages_recorder",
        "manages_leaver",
        "inactive",
    ]

    assert rows == {(role, relationship) for role in Role.values for relationship in relationships}


# Self-evaluation (joinedup.selfeval): actions about no child. Researchers and analysts code open
# answers; only researchers run rounds; no self-evaluation role reaches a child's record.
SELFEVAL_TABLE = """
role                 reports  code     rounds
practitioner         no       no       no
panel_chair          no       no       no
service_manager      yes      no       no
performance_analyst  yes      yes      no
director             yes      no       no
administrator        no       no       no
researcher           yes      yes      yes
"""
SELFEVAL_COLUMNS = {
    "reports": Action.VIEW_SELFEVAL_REPORTS,
    "code": Action.CODE_ANSWERS,
    "rounds": Action.MANAGE_ROUNDS,
}


def selfeval_cells():
    header, *rows = [line.split() for line in SELFEVAL_TABLE.strip().splitlines()]
    for role, *answers in rows:
        for column, answer in zip(header[1:], answers, strict=True):
            yield pytest.param(role, SELFEVAL_COLUMNS[column], answer == "yes", id=f"{role}-{column}-{answer}")


@pytest.mark.parametrize("role, action, allowed", list(selfeval_cells()))
def test_selfeval_policy_table(role, action, allowed):
    user = PractitionerFactory(role=role).user

    decision = decide(user, action)

    assert decision.allowed is allowed, decision.reason


def test_selfeval_table_covers_every_role():
    assert {line.split()[0] for line in SELFEVAL_TABLE.strip().splitlines()[1:]} == set(Role.values)


# Reasons


def test_allocated_worker_is_told_which_involvement_lets_them_in():
    worker = PractitionerFactory()
    involvement = InvolvementFactory(practitioner=worker, service=ServiceFactory(name="Family Support"))

    decision = decide(worker.user, Action.VIEW_CHILD, involvement.child)

    assert decision.allowed
    assert decision.reason == (
        f"You are allocated worker in Family Support since {involvement.started.day} {involvement.started:%B %Y}"
    )


def test_manager_is_told_which_team_member_is_involved():
    worker = PractitionerFactory(
        user__first_name="Priya", user__last_name="Shah", team=TeamFactory(name="Northby Early Help")
    )
    involvement = InvolvementFactory(practitioner=worker)
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER)
    manager.manages_teams.add(worker.team)

    decision = decide(manager.user, Action.VIEW_CHILD_AUDIT, involvement.child)

    assert decision.reason == "You manage Northby Early Help, whose member Priya Shah is involved"


def test_refusal_says_why_in_a_sentence():
    stranger = PractitionerFactory()

    decision = decide(stranger.user, Action.VIEW_CHILD, ChildFactory())

    assert not decision.allowed
    assert decision.reason == ("You have no current involvement with this child and do not manage anyone who has")


@pytest.mark.parametrize(
    "role, action, reason",
    [
        (Role.PRACTITIONER, Action.SEARCH_CHILDREN, "Your role (Practitioner) allows you to search children"),
        (
            Role.DIRECTOR,
            Action.SEARCH_CHILDREN,
            "Your role (Director of Children's Services) does not allow you to search children",
        ),
        (Role.ADMINISTRATOR, Action.MANAGE_ACCOUNTS, "Your role (Administrator) allows you to manage accounts"),
        (
            Role.DIRECTOR,
            Action.VIEW_CHILD,
            "Your role (Director of Children's Services) sees aggregate figures only, "
            "never an individual child's record",
        ),
    ],
)
def test_reasons_name_the_role_in_plain_english(role, action, reason):
    user = PractitionerFactory(role=role).user

    decision = decide(user, action, ChildFactory() if action == Action.VIEW_CHILD else None)

    assert decision.reason == reason


# Who is not let in at all


@pytest.mark.parametrize("action", list(Action))
def test_anonymous_user_is_refused_everything(action):
    involvement = InvolvementFactory()
    target = involvement if action == Action.VIEW_SENSITIVE_INVOLVEMENT else involvement.child

    decision = decide(AnonymousUser(), action, target)

    assert not decision.allowed
    assert decision.reason == "Only signed-in staff with a practitioner profile may use joinedup"


def test_signed_in_user_without_practitioner_profile_cannot_view_child():
    user = UserFactory()

    assert not decide(user, Action.VIEW_CHILD, ChildFactory())


def test_involvement_of_a_colleague_in_the_same_team_does_not_let_a_practitioner_in():
    """Need to know is personal: sharing a team gives no reason to see a child."""
    colleague = InvolvementFactory().practitioner
    me = PractitionerFactory(team=colleague.team, agency=colleague.agency)

    assert not decide(me.user, Action.VIEW_CHILD, colleague.involvements.get().child)


def test_managing_a_team_does_not_reach_children_of_other_teams():
    involvement = InvolvementFactory()
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER)
    manager.manages_teams.add(TeamFactory())

    assert not decide(manager.user, Action.VIEW_CHILD, involvement.child)


def test_managers_line_ends_when_the_involvement_ends():
    worker = InvolvementFactory(ended_yesterday=True).practitioner
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER)
    manager.manages_teams.add(worker.team)

    assert not decide(manager.user, Action.VIEW_CHILD, worker.involvements.get().child)


def test_decision_about_a_record_follows_the_child_it_belongs_to():
    """Later rooms pass their own rows (a plan, a referral); the policy reads their child_id."""
    involvement = InvolvementFactory()

    assert decide(involvement.practitioner.user, Action.VIEW_CHILD, involvement)
    assert not decide(PractitionerFactory().user, Action.VIEW_CHILD, involvement)


# Sensitive services


@pytest.fixture
def sensitive_involvement():
    """A sexual health nurse's involvement with a child who also has an allocated family worker."""
    sexual_health = ServiceFactory(name="Sexual health", sensitive=True)
    nurse = PractitionerFactory(
        team=TeamFactory(service=sexual_health, agency=sexual_health.agency), agency=sexual_health.agency
    )
    return InvolvementFactory(practitioner=nurse, service=sexual_health)


def test_sensitive_involvement_is_visible_to_its_own_practitioner(sensitive_involvement):
    nurse = sensitive_involvement.practitioner

    assert decide(nurse.user, Action.VIEW_SENSITIVE_INVOLVEMENT, sensitive_involvement)


def test_sensitive_involvement_is_visible_to_a_team_of_the_same_service(sensitive_involvement):
    service = sensitive_involvement.service
    colleague = PractitionerFactory(team=TeamFactory(service=service, agency=service.agency), agency=service.agency)

    decision = decide(colleague.user, Action.VIEW_SENSITIVE_INVOLVEMENT, sensitive_involvement)

    assert decision.allowed
    assert decision.reason == "You work in or manage the sensitive service this involvement belongs to"


def test_sensitive_involvement_is_shielded_from_the_childs_allocated_worker(sensitive_involvement):
    family_worker = InvolvementFactory(child=sensitive_involvement.child).practitioner

    decision = decide(family_worker.user, Action.VIEW_SENSITIVE_INVOLVEMENT, sensitive_involvement)

    assert not decision.allowed
    assert decision.reason == "A sensitive service's involvement is shown only to that service"


def test_sensitive_involvement_is_visible_to_the_line_manager_of_its_practitioner(sensitive_involvement):
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER)
    manager.manages_teams.add(sensitive_involvement.practitioner.team)

    assert decide(manager.user, Action.VIEW_SENSITIVE_INVOLVEMENT, sensitive_involvement)


def test_sensitive_involvement_is_hidden_from_analysts_even_in_that_service(sensitive_involvement):
    service = sensitive_involvement.service
    analyst = PractitionerFactory(
        role=Role.PERFORMANCE_ANALYST, agency=service.agency, team=TeamFactory(service=service, agency=service.agency)
    )

    assert not decide(analyst.user, Action.VIEW_SENSITIVE_INVOLVEMENT, sensitive_involvement)


def test_sensitive_involvement_is_shielded_from_the_manager_of_an_involved_worker(sensitive_involvement):
    family_worker = InvolvementFactory(child=sensitive_involvement.child).practitioner
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER)
    manager.manages_teams.add(family_worker.team)

    assert not decide(manager.user, Action.VIEW_SENSITIVE_INVOLVEMENT, sensitive_involvement)


def test_ordinary_involvement_is_visible_to_whoever_may_view_the_child():
    schools_involvement = InvolvementFactory()
    family_worker = InvolvementFactory(child=schools_involvement.child).practitioner
    stranger = PractitionerFactory()

    assert decide(family_worker.user, Action.VIEW_SENSITIVE_INVOLVEMENT, schools_involvement)
    assert not decide(stranger.user, Action.VIEW_SENSITIVE_INVOLVEMENT, schools_involvement)


def test_involvement_list_shields_only_the_sensitive_line(sensitive_involvement):
    child = sensitive_involvement.child
    family_worker_involvement = InvolvementFactory(child=child)

    lines = involvements_as_seen_by(family_worker_involvement.practitioner.user, child)

    assert {(line.involvement.pk, line.shielded) for line in lines} == {
        (sensitive_involvement.pk, True),
        (family_worker_involvement.pk, False),
    }


# get_or_404: fetch, decide and audit in one call


def test_allowed_read_returns_the_child_and_records_the_legal_basis():
    involvement = InvolvementFactory()
    user = involvement.practitioner.user

    child = get_or_404(user, Action.VIEW_CHILD, Child, pk=involvement.child_id)

    event = AuditEvent.objects.get()
    assert child == involvement.child
    assert (event.verb, event.actor_id, event.child_id) == ("viewed_child", user.pk, child.pk)
    assert event.legal_basis == decide(user, Action.VIEW_CHILD, child).reason
    assert event.legal_basis.startswith("You are allocated worker")


@pytest.mark.parametrize(
    "action, verb",
    [
        (Action.CHANGE_CHILD, "opened_child_for_change"),
        (Action.VIEW_CHILD_AUDIT, "viewed_child_audit"),
    ],
)
def test_each_kind_of_read_is_recorded_with_its_own_verb(action, verb):
    child = ChildFactory()
    manager = user_related_to_child(Role.SERVICE_MANAGER, "manages_team", child)

    get_or_404(manager, action, Child, pk=child.pk)

    assert AuditEvent.objects.get().verb == verb


def test_refused_read_is_a_404_and_is_recorded():
    child = ChildFactory()
    stranger = PractitionerFactory().user

    with pytest.raises(Http404):
        get_or_404(stranger, Action.VIEW_CHILD, Child, pk=child.pk)

    event = AuditEvent.objects.get()
    assert (event.verb, event.actor_id, event.child_id) == ("refused_view_child", stranger.pk, child.pk)
    assert event.legal_basis == "You have no current involvement with this child and do not manage anyone who has"


def test_absent_and_refused_children_look_the_same():
    """A 404 either way, so a refusal does not confirm that joinedup knows the child."""
    child = ChildFactory()
    stranger = PractitionerFactory().user

    with pytest.raises(Http404) as refused:
        get_or_404(stranger, Action.VIEW_CHILD, Child, pk=child.pk)
    with pytest.raises(Http404) as absent:
        get_or_404(stranger, Action.VIEW_CHILD, Child, pk=child.pk + 1000)

    assert str(refused.value) == str(absent.value)
    assert list(AuditEvent.objects.values_list("verb", flat=True)) == ["refused_view_child"]


def test_refused_read_by_anonymous_user_is_not_recorded_as_the_system():
    child = ChildFactory()

    with pytest.raises(Http404):
        get_or_404(AnonymousUser(), Action.VIEW_CHILD, Child, pk=child.pk)

    event = AuditEvent.objects.get()
    assert (event.verb, event.actor_id, event.actor_username) == ("refused_view_child", None, "anonymous")


def test_opening_an_involvement_records_it_against_the_child():
    involvement = InvolvementFactory()
    user = involvement.practitioner.user

    get_or_404(user, Action.VIEW_SENSITIVE_INVOLVEMENT, Involvement, pk=involvement.pk)

    event = AuditEvent.objects.get()
    assert (event.child_id, event.object_type, event.object_id) == (
        involvement.child_id,
        "Involvement",
        str(involvement.pk),
    )


# Capabilities for templates


@pytest.mark.parametrize(
    "relationship, expected",
    [
        ("allocated", {"change_child": True, "view_child_audit": False}),
        ("agency_record", {"change_child": False, "view_child_audit": False}),
        ("manages_team", {"change_child": True, "view_child_audit": True}),
        ("none", {"change_child": False, "view_child_audit": False}),
    ],
)
def test_capabilities_give_templates_booleans(relationship, expected):
    child = ChildFactory()
    user = user_related_to_child(Role.SERVICE_MANAGER, relationship, child)

    assert capabilities(user, child) == expected


def capability_rows():
    header, *rows = [line.split() for line in POLICY_TABLE.strip().splitlines()]
    change, audit = header.index("change"), header.index("audit")
    for row in rows:
        yield pytest.param(row[0], row[1], row[change] == "yes", row[audit] == "yes", id=f"{row[0]}-{row[1]}")


@pytest.mark.parametrize("role, relationship, change, audit", list(capability_rows()))
def test_capabilities_say_what_the_policy_table_says_of_changing_and_auditing(role, relationship, change, audit):
    """capabilities() reads both answers in one query: they must be decide()'s, cell for cell."""
    child = ChildFactory()
    user = user_related_to_child(role, relationship, child)

    assert capabilities(user, child) == {"change_child": change, "view_child_audit": audit}


def test_administrator_capabilities_allow_audit_only():
    child = ChildFactory()
    administrator = PractitionerFactory(role=Role.ADMINISTRATOR).user

    assert capabilities(administrator, child) == {"change_child": False, "view_child_audit": True}


# Integrated casework (joinedup.casework). Relationships casework writes as involvements:
#   referrer                   made a referral for the child: hears the outcome, nothing more
#   assessor                   carrying out an early help assessment with the family before a case
#   panel_member               on the allocation panel with the child on its agenda (to decide or review)
#   panel_chair                chairs that panel: records the decision the members reach together
#   panel_member_ended         was, but the panel decided before yesterday
#   lead_professional          allocated by the panel as the family's single point of contact
#   tac_member                 in the team around the child
#   manages_lead_professional  manages the team of the child's lead professional
#   manages_assessor           manages the team of the assessor
#   manages_referrer           manages the team of the referrer
# plus none, allocated and agency_record as above. Only a panel chair records the panel's
# decision, even among the panel's members. The early help assessment has its own columns: the
# assessor reads and changes the child's assessments but never sees a plan; the lead professional
# reads and changes both; the panel and the team around the child read the assessment (casework
# then shows it only as far as the family's consent shares it with their agency), and change
# neither. A manager may do what the worker they manage may do.
CASEWORK_COLUMNS = {
    "feedback": Action.VIEW_REFERRAL_FEEDBACK,
    "referral": Action.VIEW_REFERRAL,
    "decide": Action.DECIDE_REFERRAL,
    "consent": Action.VIEW_CONSENT,
    "record": Action.RECORD_CONSENT,
    "share": Action.SHARE_WITHOUT_CONSENT,
    "plan": Action.VIEW_PLAN,
    "change": Action.CHANGE_PLAN,
    "assessment": Action.VIEW_ASSESSMENT,
    "assess": Action.CHANGE_ASSESSMENT,
}
CASEWORK_TABLE = """
role                 relationship               feedback referral decide   consent  record   share    plan     change   assessment assess
practitioner         none                       no       no       no       no       no       no       no       no       no         no
practitioner         allocated                  no       yes      no       yes      yes      yes      no       no       no         no
practitioner         agency_record              no       no       no       no       no       no       no       no       no         no
practitioner         referrer                   yes      no       no       no       no       no       no       no       no         no
practitioner         assessor                   no       no       no       yes      yes      no       no       no       yes        yes
practitioner         panel_member               no       yes      no       yes      no       no       yes      no       yes        no
practitioner         panel_chair                no       yes      yes      yes      no       no       yes      no       yes        no
practitioner         panel_member_ended         no       no       no       no       no       no       no       no       no         no
practitioner         lead_professional          no       yes      no       yes      yes      yes      yes      yes      yes        yes
practitioner         tac_member                 no       no       no       yes      no       no       yes      no       yes        no
practitioner         manages_lead_professional  no       no       no       no       no       no       no       no       no         no
practitioner         manages_assessor           no       no       no       no       no       no       no       no       no         no
practitioner         manages_referrer           no       no       no       no       no       no       no       no       no         no
panel_chair          none                       no       no       no       no       no       no       no       no       no         no
panel_chair          allocated                  no       yes      no       yes      yes      yes      no       no       no         no
panel_chair          agency_record              no       no       no       no       no       no       no       no       no         no
panel_chair          referrer                   yes      no       no       no       no       no       no       no       no         no
panel_chair          assessor                   no       no       no       yes      yes      no       no       no       yes        yes
panel_chair          panel_member               no       yes      no       yes      no       no       yes      no       yes        no
panel_chair          panel_chair                no       yes      yes      yes      no       no       yes      no       yes        no
panel_chair          panel_member_ended         no       no       no       no       no       no       no       no       no         no
panel_chair          lead_professional          no       yes      no       yes      yes      yes      yes      yes      yes        yes
panel_chair          tac_member                 no       no       no       yes      no       no       yes      no       yes        no
panel_chair          manages_lead_professional  no       no       no       no       no       no       no       no       no         no
panel_chair          manages_assessor           no       no       no       no       no       no       no       no       no         no
panel_chair          manages_referrer           no       no       no       no       no       no       no       no       no         no
service_manager      none                       no       no       no       no       no       no       no       no       no         no
service_manager      allocated                  no       yes      no       yes      yes      yes      no       no       no         no
service_manager      agency_record              no       no       no       no       no       no       no       no       no         no
service_manager      referrer                   yes      no       no       no       no       no       no       no       no         no
service_manager      assessor                   no       no       no       yes      yes      no       no       no       yes        yes
service_manager      panel_member               no       yes      no       yes      no       no       yes      no       yes        no
service_manager      panel_chair                no       yes      yes      yes      no       no       yes      no       yes        no
service_manager      panel_member_ended         no       no       no       no       no       no       no       no       no         no
service_manager      lead_professional          no       yes      no       yes      yes      yes      yes      yes      yes        yes
service_manager      tac_member                 no       no       no       yes      no       no       yes      no       yes        no
service_manager      manages_lead_professional  no       yes      no       yes      yes      yes      yes      yes      yes        yes
service_manager      manages_assessor           no       no       no       yes      yes      no       no       no       yes        yes
service_manager      manages_referrer           yes      no       no       no       no       no       no       no       no         no
performance_analyst  none                       no       no       no       no       no       no       no       no       no         no
performance_analyst  allocated                  no       no       no       no       no       no       no       no       no         no
performance_analyst  agency_record              no       no       no       no       no       no       no       no       no         no
performance_analyst  referrer                   no       no       no       no       no       no       no       no       no         no
performance_analyst  assessor                   no       no       no       no       no       no       no       no       no         no
performance_analyst  panel_member               no       no       no       no       no       no       no       no       no         no
performance_analyst  panel_chair                no       no       no       no       no       no       no       no       no         no
performance_analyst  panel_member_ended         no       no       no       no       no       no       no       no       no         no
performance_analyst  lead_professional          no       no       no       no       no       no       no       no       no         no
performance_analyst  tac_member                 no       no       no       no       no       no       no       no       no         no
performance_analyst  manages_lead_professional  no       no       no       no       no       no       no       no       no         no
performance_analyst  manages_assessor           no       no       no       no       no       no       no       no       no         no
performance_analyst  manages_referrer           no       no       no       no       no       no       no       no       no         no
director             none                       no       no       no       no       no       no       no       no       no         no
director             allocated                  no       no       no       no       no       no       no       no       no         no
director             agency_record              no       no       no       no       no       no       no       no       no         no
director             referrer                   no       no       no       no       no       no       no       no       no         no
director             assessor                   no       no       no       no       no       no       no       no       no         no
director             panel_member               no       no       no       no       no       no       no       no       no         no
director             panel_chair                no       no       no       no       no       no       no       no       no         no
director             panel_member_ended         no       no       no       no       no       no       no       no       no         no
director             lead_professional          no       no       no       no       no       no       no       no       no         no
director             tac_member                 no       no       no       no       no       no       no       no       no         no
director             manages_lead_professional  no       no       no       no       no       no       no       no       no         no
director             manages_assessor           no       no       no       no       no       no       no       no       no         no
director             manages_referrer           no       no       no       no       no       no       no       no       no         no
administrator        none                       no       no       no       no       no       no       no       no       no         no
administrator        allocated                  no       no       no       no       no       no       no       no       no         no
administrator        agency_record              no       no       no       no       no       no       no       no       no         no
administrator        referrer                   no       no       no       no       no       no       no       no       no         no
administrator        assessor                   no       no       no       no       no       no       no       no       no         no
administrator        panel_member               no       no       no       no       no       no       no       no       no         no
administrator        panel_chair                no       no       no       no       no       no       no       no       no         no
administrator        panel_member_ended         no       no       no       no       no       no       no       no       no         no
administrator        lead_professional          no       no       no       no       no       no       no       no       no         no
administrator        tac_member                 no       no       no       no       no       no       no       no       no         no
administrator        manages_lead_professional  no       no       no       no       no       no       no       no       no         no
administrator        manages_assessor           no       no       no       no       no       no       no       no       no         no
administrator        manages_referrer           no       no       no       no       no       no       no       no       no         no
researcher           none                       no       no       no       no       no       no       no       no       no         no
researcher           allocated                  no       no       no       no       no       no       no       no       no         no
researcher           agency_record              no       no       no       no       no       no       no       no       no         no
researcher           referrer                   no       no       no       no       no       no       no       no       no         no
researcher           assessor                   no       no       no       no       no       no       no       no       no         no
researcher           panel_member               no       no       no       no       no       no       no       no       no         no
researcher           panel_chair                no       no       no       no       no       no       no       no       no         no
researcher           panel_member_ended         no       no       no       no       no       no       no       no       no         no
researcher           lead_professional          no       no       no       no       no       no       no       no       no         no
researcher           tac_member                 no       no       no       no       no       no       no       no       no         no
researcher           manages_lead_professional  no       no       no       no       no       no       no       no       no         no
researcher           manages_assessor           no       no       no       no       no       no       no       no       no         no
researcher           manages_referrer           no       no       no       no       no       no       no       no       no         no
"""  # noqa: E501 - one row per role and relationship reads best unwrapped
CASEWORK_RELATIONSHIPS = {
    "referrer": InvolvementKind.REFERRER,
    "assessor": InvolvementKind.ASSESSOR,
    "panel_member": InvolvementKind.PANEL_MEMBER,
    "panel_chair": InvolvementKind.PANEL_CHAIR,
    "lead_professional": InvolvementKind.LEAD_PROFESSIONAL,
    "tac_member": InvolvementKind.TAC_MEMBER,
}
MANAGED_RELATIONSHIPS = {
    "manages_lead_professional": InvolvementKind.LEAD_PROFESSIONAL,
    "manages_assessor": InvolvementKind.ASSESSOR,
    "manages_referrer": InvolvementKind.REFERRER,
}


def casework_cells():
    header, *rows = [line.split() for line in CASEWORK_TABLE.strip().splitlines()]
    for role, relationship, *answers in rows:
        for column, answer in zip(header[2:], answers, strict=True):
            yield pytest.param(
                role,
                relationship,
                CASEWORK_COLUMNS[column],
                answer == "yes",
                id=f"{role}-{relationship}-{column}-{answer}",
            )


def user_in_casework_relationship(role: str, relationship: str, child: Child):
    me = PractitionerFactory(role=role)
    if relationship in CASEWORK_RELATIONSHIPS:
        InvolvementFactory(child=child, practitioner=me, kind=CASEWORK_RELATIONSHIPS[relationship])
    elif relationship == "panel_member_ended":
        InvolvementFactory(child=child, practitioner=me, kind=InvolvementKind.PANEL_MEMBER, ended_yesterday=True)
    elif relationship in MANAGED_RELATIONSHIPS:
        kind = MANAGED_RELATIONSHIPS[relationship]
        me.manages_teams.add(InvolvementFactory(child=child, kind=kind).practitioner.team)
    else:
        return user_related_to_child(role, relationship, child) if relationship != "none" else me.user
    return me.user


@pytest.mark.parametrize("role, relationship, action, allowed", list(casework_cells()))
def test_casework_policy_table(role, relationship, action, allowed):
    """With the family's consent to assess and to share with every partner; what consent changes
    is in test_consent_policy."""
    child = ChildFactory()
    ConsentFactory(child=child)
    user = user_in_casework_relationship(role, relationship, child)

    decision = decide(user, action, child)

    assert decision.allowed is allowed, decision.reason


def test_casework_table_covers_every_role_and_casework_relationship():
    rows = {tuple(line.split()[:2]) for line in CASEWORK_TABLE.strip().splitlines()[1:]}
    relationships = {
        "none",
        "allocated",
        "agency_record",
        "referrer",
        "assessor",
        "panel_member",
        "panel_chair",
        "panel_member_ended",
        "lead_professional",
        "tac_member",
        "manages_lead_professional",
        "manages_assessor",
        "manages_referrer",
    }

    assert rows == {(role, relationship) for role in Role.values for relationship in relationships}


# Casework actions about no particular child: referring, setting up panel meetings, and caseload
# figures per lead professional and team.
CASEWORK_ROLE_TABLE = """
role                 refer    panels   caseloads
practitioner         yes      no       no
panel_chair          yes      yes      yes
service_manager      yes      yes      yes
performance_analyst  no       no       no
director             no       no       no
administrator        no       no       no
researcher           no       no       no
"""


CASEWORK_ROLE_COLUMNS = {"refer": Action.REFER, "panels": Action.MANAGE_PANELS, "caseloads": Action.VIEW_CASELOADS}


def casework_role_cells():
    header, *rows = [line.split() for line in CASEWORK_ROLE_TABLE.strip().splitlines()]
    for role, *answers in rows:
        for column, answer in zip(header[1:], answers, strict=True):
            yield pytest.param(role, CASEWORK_ROLE_COLUMNS[column], answer == "yes", id=f"{role}-{column}-{answer}")


@pytest.mark.parametrize("role, action, allowed", list(casework_role_cells()))
def test_casework_role_table(role, action, allowed):
    assert decide(PractitionerFactory(role=role).user, action).allowed is allowed


def test_only_the_chair_of_the_panel_considering_the_child_records_its_decision():
    child = ChildFactory()
    ConsentFactory(child=child)
    member = InvolvementFactory(child=child, kind=InvolvementKind.PANEL_MEMBER).practitioner
    chair_of_another_panel = PractitionerFactory(role=Role.PANEL_CHAIR)
    chair = InvolvementFactory(child=child, kind=InvolvementKind.PANEL_CHAIR).practitioner

    assert not decide(member.user, Action.DECIDE_REFERRAL, child).allowed
    assert not decide(chair_of_another_panel.user, Action.DECIDE_REFERRAL, child).allowed
    assert decide(chair.user, Action.DECIDE_REFERRAL, child).allowed


def test_every_kind_of_involvement_says_what_it_grants():
    assert set(GRANTS) == set(InvolvementKind)
