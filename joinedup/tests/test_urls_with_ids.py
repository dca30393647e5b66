"""Every URL that names a row, asked for by someone who may not see that row, is a 404: with the id
of a row that exists (another family's child, another panel's meeting), with an id that names
nothing, and with "abc". The URLs are read from the resolver, so a new one is covered the day it
is added, and fails until it is named: a new room builds its row in world(), says how to fill its
parameter in `foreign` (and in `missing` if it is not a whole-number id) and who may open it in
`insiders`; a URL open to a role for any row goes in OPEN_FOR_ANY_ROW with the reason. Every answer
also carries the Content-Security-Policy and the other headers of response_headers.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from joinedup.access.tests.factories import ConsentFactory, InvolvementFactory, SharingWithoutConsentFactory
from joinedup.agencies.tests.factories import AgencyFactory, LocalityFactory, ServiceFactory, TeamFactory
from joinedup.api.models import Scope
from joinedup.api.tokens import issue_token
from joinedup.api.webhooks import subscribe
from joinedup.casework import services
from joinedup.casework.models import Assessment, PanelMeeting
from joinedup.casework.tests.factories import CaseFactory, PanelFactory
from joinedup.common import instruments
from joinedup.evidence.models import Cohort
from joinedup.index.review.models import ChildMerge, ChildSplit, ReviewPair
from joinedup.index.review.services import merge_children, split_records
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.jobs.models import Job, JobKind, JobStatus
from joinedup.people.models import Address, Child, Role
from joinedup.people.queries import reference_for
from joinedup.people.services import refresh_name_keys
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory, UserFactory
from joinedup.selfeval import services as selfeval
from joinedup.selfeval.models import Answer
from joinedup.selfeval.tests.factories import ParticipantFactory, ResearcherFactory, sent_response
from joinedup.web.tests.response_headers import header_problems

pytestmark = pytest.mark.django_db

MISSING_ID = "987654321"
NOT_AN_ID = "abc"
SIGN_IN = "/sign-in"
# A URL that names no row in particular: refused or served the same whatever the id.
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Url:
    name: str
    route: str
    parameters: tuple[str, ...]

    def path(self, values: dict[str, str]) -> str:
        return "/" + ROUTE_PARAMETER.sub(lambda match: values[match["name"]], self.route)


def every_url() -> list[Url]:
    """Every route in joinedup's URLconf, with its full route string."""

    def walk(patterns, prefix: str, namespace: str) -> Iterator[Url]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                parameters = tuple(match["name"] for match in ROUTE_PARAMETER.finditer(route))
                if not parameters and re.search(r"[(\[\\]", route):
                    raise AssertionError(f"{route!r} is a regular expression: name its parameters with path()")
                yield Url(f"{namespace}{entry.name}", route, parameters)

    return sorted(walk(get_resolver().url_patterns, "", ""), key=lambda url: url.name)


URLS = [url for url in every_url() if url.parameters]
PAGES_WITHOUT_PARAMETERS = [url for url in every_url() if not url.parameters]

# Who asks: one of each role, none of them involved with any child, case or panel in the world. An
# asker is a user (signed in), None (not signed in) or a dict of headers (a partner system's token).
ASKERS = [
    "practitioner",
    "another_agency",
    "panel_chair",
    "service_manager",
    "performance_analyst",
    "director",
    "administrator",
    "researcher",
    "sensitive_worker",
    "family",
    "anonymous",
]
ANALYSTS = {"performance_analyst"}
SELFEVAL_VIEWERS = {"director", "service_manager", "performance_analyst", "researcher"}
EVERYONE = set(ASKERS)

# URLs a role may open for any row, and why. Every other URL with a parameter is a 404 (or the same
# refusal as for a missing row) for every asker above.
OPEN_FOR_ANY_ROW: dict[str, tuple[set[str], str]] = {
    "web:account_change": ({"administrator"}, "administrators manage every staff account"),
    "web:account_reset_two_factor": ({"administrator"}, "administrators manage every staff account"),
    "web:account_unlock": ({"administrator"}, "administrators manage every staff account"),
    "web:child_audit": (
        {"administrator"},
        "administrators answer information governance requests about any child (ADMINISTRATOR_CHILD_ACTIONS)",
    ),
    "web:password_reset_confirm": (
        EVERYONE,
        "the token is the key: a wrong one shows the same 'link no longer works' page for any account or none",
    ),
    "casework:new_panel": ({"panel_chair", "service_manager"}, "chairs and managers set up panels in any locality"),
    "casework:change_panel": ({"panel_chair", "service_manager"}, "chairs and managers change any locality's panel"),
    "index_review:pair": ({"administrator"}, "the index administrator reviews every uncertain pair"),
    "index_review:undo_merge": ({"administrator"}, "the index administrator undoes any merge"),
    "index_review:undo_split": ({"administrator"}, "the index administrator undoes any separation"),
    **{
        f"jobs:{name}": ({"administrator"}, "the index administrator follows every import, whoever started it")
        for name in ("job", "progress", "rejects", "confirm")
    },
    # Rounds are the consortium's, listed on the self-evaluation home page to everyone who sees
    # reports; other authorities appear in them anonymised.
    "selfeval:round": (SELFEVAL_VIEWERS, "rounds are consortium-wide and listed to every report viewer"),
    "selfeval:consortium": (SELFEVAL_VIEWERS, "the consortium report anonymises other authorities"),
    "selfeval:consortium_pdf": (SELFEVAL_VIEWERS, "the consortium report anonymises other authorities"),
    "selfeval:consortium_xlsx": (SELFEVAL_VIEWERS, "the consortium report anonymises other authorities"),
    "selfeval:round_join": ({"researcher"}, "researchers run every round"),
    "selfeval:coding_queue": (
        {"researcher"} | ANALYSTS,
        "rounds are listed to coders; an analyst whose authority is not in it is told so",
    ),
    "selfeval:code_next": (
        {"researcher"} | ANALYSTS,
        "rounds are listed to coders; an analyst whose authority is not in it is told so",
    ),
    "selfeval:agreement": ({"researcher"} | ANALYSTS, "coding agreement is a consortium-wide figure"),
    # Researchers run the consortium: every participating authority is theirs in full.
    **{
        f"selfeval:{name}": ({"researcher"}, "researchers see every participating authority in full")
        for name in (
            "participant",
            "issue_links",
            "extend_links",
            "interview_new",
            "report",
            "report_pdf",
            "report_xlsx",
            "trends",
            "code_answer",
        )
    },
    # The link is the key: anyone holding it answers the questionnaire, signed in or not.
    **{
        f"selfeval:{name}": (EVERYONE, "an anonymous questionnaire link opens for whoever holds it")
        for name in ("link_start", "link_section", "link_saved", "link_check")
    },
}
# Where a wrong key is answered with a page explaining it, the same for every wrong key.
MISSING_ANSWERED_WITH = {"web:password_reset_confirm": {200}}


@pytest.fixture
def world(tmp_path, settings):
    """Rows of every kind a URL names, all in Northshire's North locality, and one asker per role
    in the South locality who is involved with none of them."""
    north = LocalityFactory(name="North", code="NORTH")
    south = LocalityFactory(name="South", code="SOUTH", authority=north.authority)
    council = AgencyFactory(name="Northshire Council", authority=north.authority)
    school = AgencyFactory(name="Northby Primary School", authority=north.authority, kind="education")
    health = AgencyFactory(name="Northshire Community Health", authority=north.authority, kind="health")
    early_help = ServiceFactory(agency=council, name="Family support")
    north_team = TeamFactory(agency=council, service=early_help, locality=north, name="North early help team")
    south_team = TeamFactory(agency=council, service=early_help, locality=south, name="South early help team")
    clinic = TeamFactory(
        agency=council, service=ServiceFactory(agency=council, name="Sexual health", sensitive=True), locality=south
    )

    def staff(role=Role.PRACTITIONER, team=north_team, agency=council, job="Family support worker"):
        return PractitionerFactory(role=role, team=team, agency=agency, job_role=job)

    chris = staff(Role.PANEL_CHAIR, job="Early help manager")
    pat = staff()
    tom = staff(team=TeamFactory(agency=school, locality=north), agency=school, job="Class teacher")
    panel = PanelFactory(locality=north, chair=chris, members=[pat])

    alfie = ChildFactory(forenames="Alfie", surname="Smith", date_of_birth=date(2014, 5, 17))
    refresh_name_keys(alfie, [])
    Address.objects.create(
        child=alfie, address_line_1="4 Mill Lane", postcode="NX1 2AB", locality=north, moved_in=date(2018, 1, 1)
    )
    referral = services.refer(
        referrer=tom.user,
        child=alfie,
        locality=north,
        route="early_help",
        concern="Often late and hungry",
        level_of_need="additional",
        consent=services.ConsentGiven(
            given_by="parent_carer", given_by_name="Karen Smith", given_on=timezone.localdate()
        ),
    )
    meeting = services.prepare_meeting(panel=panel, prepared_by=chris.user)
    sharing = SharingWithoutConsentFactory(child=alfie, shared_by=pat.user, agencies=[council])

    case = CaseFactory(lead_professional=pat)
    ConsentFactory(child=case.child)
    outcome = services.add_outcome(case=case, need="Misses school", desired_outcome="Goes to school", added_by=pat.user)
    action = services.add_action(
        outcome=outcome,
        description="Morning routine chart",
        owner=pat,
        due_on=timezone.localdate() + timedelta(days=7),
        added_by=pat.user,
    )
    assessment = services.start_assessment(assessor=pat.user, case=case)
    services.create_family_account(
        case=case,
        created_by=pat.user,
        username="karen",
        email="karen@example.com",
        first_name="Karen",
        last_name="Testcarer",
    )

    kept, merged, split_from = ChildFactory(), ChildFactory(), ChildFactory()
    record_a, record_b = IndexRecordFactory(child=kept), IndexRecordFactory(child=merged)
    pair = ReviewPair.objects.create(record_a=record_a, record_b=record_b, match_probability=0.8, match_weight=2.0)
    index_admin = PractitionerFactory(role=Role.ADMINISTRATOR).user
    merge = merge_children(kept=kept, merged=merged, merged_by=index_admin)
    split = split_records(child=split_from, records=[IndexRecordFactory(child=split_from)], split_by=index_admin)
    rejects = tmp_path / "rejects.csv"
    rejects.write_text("file,row,column,reason\nextract.csv,2,DOB,expected a date\n")
    job = Job.objects.create(
        kind=JobKind.IMPORT_EXTRACT,
        dedupe_key="an import",
        max_attempts=3,
        submitted_by=index_admin,
        status=JobStatus.SUCCEEDED,
        finished_at=timezone.now(),
        result={"batch": 1, "status": "imported", "rows_read": 1, "created": 0, "updated": 0, "unchanged": 0}
        | {"withdrawn": 0, "rejected": 1, "rejects_path": str(rejects)},
    )
    # A return made for one analyst: only they download it, whoever else may make returns.
    settings.VAR_DIR = tmp_path
    (tmp_path / "exports" / "job-1").mkdir(parents=True)
    (tmp_path / "exports" / "job-1" / "annex-a-list-2.csv").write_text("child_id\nLA1\n")
    return_maker = staff(Role.PERFORMANCE_ANALYST, team=None, job="Performance analyst")
    export = Job.objects.create(
        kind=JobKind.MAKE_RETURN,
        dedupe_key="a return",
        max_attempts=3,
        submitted_by=return_maker.user,
        status=JobStatus.SUCCEEDED,
        finished_at=timezone.now(),
        parameters={"return": "annex_a", "period_start": "2025-04-01", "period_end": "2026-03-31", "format": "csv"},
        result={"file": "exports/job-1/annex-a-list-2.csv", "file_name": "annex-a-list-2.csv", "rows": 1}
        | {"content_type": "text/csv; charset=utf-8"},
    )

    # The school's system, acting as Tom: only it may read the feedback on Tom's referral, and the
    # deliveries of its webhook, or end it.
    every_scope = list(Scope.values)
    school_system = issue_token(agency=school, name="School MIS", scopes=every_scope, acts_as=tom.user)
    webhook = subscribe(token=school_system.token, url="https://mis.example/joinedup", event_types=[])

    selfeval.load_content()
    participant = ParticipantFactory()  # another authority's
    response = sent_response(
        participant,
        "practitioner",
        {"features_contributing": selfeval.Given(text="The panel meets every fortnight")},
        key_group="lac",
    )
    answer = Answer.objects.filter(response=response, question__key="features_contributing").get()
    interview = selfeval.start_interview(
        participant=participant, instrument_code="child", key_group=None, interviewer=ResearcherFactory().user
    )
    link = selfeval.issue_links(
        participant=participant, instrument_code="child", key_group=None, how_many=1, issued_by=ResearcherFactory().user
    )[0]

    # Those who may open each row: proof that the rows and paths are real, so a 404 to a stranger
    # means refused, not mistyped.
    allocated = staff()
    InvolvementFactory(child=alfie, practitioner=allocated, service=early_help)
    north_manager = staff(Role.SERVICE_MANAGER, team=None, job="Early help service manager")
    north_manager.manages_teams.add(north_team)
    interviewer = interview.interviewer
    # A cohort an analyst defined and did not share: only they may open it.
    cohort_owner = staff(Role.PERFORMANCE_ANALYST, team=None, job="Performance analyst")
    cohort = Cohort.objects.create(name="Northgate pupils", definition={}, created_by=cohort_owner.user)
    insiders = {
        "evidence:cohort": cohort_owner.user,
        "web:child_summary": allocated.user,
        "web:child_edit": allocated.user,
        "web:child_audit": north_manager.user,
        "web:account_change": index_admin,
        "web:account_reset_two_factor": index_admin,
        "web:account_unlock": index_admin,
        "web:password_reset_confirm": None,
        "casework:consent": allocated.user,
        "casework:refer": tom.user,
        "casework:start_child_assessment": tom.user,
        "casework:review_sharing": north_manager.user,
        "casework:referral": chris.user,
        "casework:referral_feedback": tom.user,
        "casework:meeting": chris.user,
        "casework:new_panel": chris.user,
        "casework:change_panel": chris.user,
        **{
            f"casework:{name}": pat.user
            for name in (
                "case",
                "invite",
                "change_lead",
                "new_tac_meeting",
                "new_outcome",
                "new_action",
                "complete_action",
                "new_review",
                "close",
                "family_access",
                "start_assessment",
                "assessment",
                "assessment_finish",
                "send_to_panel",
                "assessment_domain",
            )
        },
        **{f"index_review:{name}": index_admin for name in ("pair", "undo_merge", "undo_split")},
        **{f"jobs:{name}": index_admin for name in ("job", "progress", "rejects", "confirm")},
        "jobs:download": return_maker.user,
        **{f"api-v1:{name}": bearer(school_system) for name in ("deliveries", "unsubscribe", "referral_feedback")},
        **{f"selfeval:{name}": interviewer for name in ("interview_start", "interview_section", "interview_saved")},
        "selfeval:interview_check": interviewer,
        **{f"selfeval:{name}": None for name in ("link_start", "link_section", "link_saved", "link_check")},
    }
    # Researchers run every round and see every authority.
    for url in URLS:
        if url.name.startswith("selfeval:") and url.name not in insiders:
            insiders[url.name] = interviewer
    # A password link is made for one account; the selfeval link's token is no use to it.
    insider_values = {"web:password_reset_confirm": {"token": default_token_generator.make_token(pat.user)}}

    # The askers
    own_case = CaseFactory(lead_professional=staff(team=south_team))
    family = services.create_family_account(
        case=own_case,
        created_by=own_case.lead_professional.user,
        username="own-family",
        email="own@example.com",
        first_name="Own",
        last_name="Family",
    )
    manager = staff(Role.SERVICE_MANAGER, team=None, job="Early help service manager")
    manager.manages_teams.add(south_team)
    manager.manages_localities.add(south)
    south_chair = staff(Role.PANEL_CHAIR, team=south_team, job="Early help manager")
    PanelFactory(locality=south, chair=south_chair, members=[])
    askers = {
        "practitioner": staff(team=south_team).user,
        # Works in the child's own locality, for an agency no record of the child names.
        "another_agency": staff(
            team=TeamFactory(agency=health, locality=north), agency=health, job="Health visitor"
        ).user,
        "panel_chair": south_chair.user,
        "service_manager": manager.user,
        "performance_analyst": staff(Role.PERFORMANCE_ANALYST, team=None, job="Performance analyst").user,
        "director": staff(Role.DIRECTOR, team=None, job="Director of Children's Services").user,
        "administrator": staff(Role.ADMINISTRATOR, team=None, job="Systems administrator").user,
        "researcher": ResearcherFactory().user,
        "sensitive_worker": staff(team=clinic, job="Sexual health nurse").user,
        "family": family.user,
        "anonymous": None,
        # Another agency's system, with every scope.
        "another_partner_system": bearer(issue_token(agency=health, name="Child health system", scopes=every_scope)),
    }

    def reference(asker):
        return lambda user: reference_for(asker, alfie)

    foreign = {
        "child_id": lambda user: alfie.pk,
        "account_id": lambda user: pat.pk,
        "sharing_id": lambda user: sharing.pk,
        "cohort_id": lambda user: cohort.pk,
        "referral_id": lambda user: referral.pk,
        "meeting_id": lambda user: meeting.pk,
        "locality_id": lambda user: north.pk,
        "panel_id": lambda user: panel.pk,
        "case_id": lambda user: case.pk,
        "action_id": lambda user: action.pk,
        "assessment_id": lambda user: assessment.pk,
        "domain": lambda user: instruments.assessment_domains()[0].code,
        # Another user's reference to a child: a reference works only for the user it was issued to.
        "reference": reference(tom.user),
        "round_id": lambda user: participant.round_id,
        "participant_id": lambda user: participant.pk,
        "answer_id": lambda user: answer.pk,
        "response_id": lambda user: interview.pk,
        "pair_id": lambda user: pair.pk,
        "merge_id": lambda user: merge.pk,
        "split_id": lambda user: split.pk,
        "job_id": lambda user: job.pk,
        "export_id": lambda user: export.pk,
        "webhook_id": lambda user: webhook.pk,
        "token": lambda user: link.token,
        "section": lambda user: selfeval.current_instrument("child").sections[0]["key"],
        "uidb64": lambda user: _uidb64(pat.user),
    }
    # What names nothing: an id no row has, and for a reference, the asker's own reference to a
    # child who does not exist.
    missing = {
        "reference": lambda user: reference_for(_as_user(user), Child(pk=int(MISSING_ID))),
        "token": lambda user: "A" * 24,
        "domain": lambda user: "no-such-domain",
        "section": lambda user: "no-such-section",
        "uidb64": lambda user: _uidb64(UserFactory.build(pk=int(MISSING_ID))),
    }
    assert PanelMeeting.objects.filter(pk=meeting.pk).exists() and Assessment.objects.filter(pk=assessment.pk)
    assert ChildMerge.objects.exists() and ChildSplit.objects.exists()
    return {
        "askers": askers,
        "foreign": foreign,
        "missing": missing,
        "insiders": insiders,
        "insider_values": insider_values,
    }


def bearer(issued) -> dict[str, str]:
    """What a partner system sends with every call."""
    return {"Authorization": f"Bearer {issued.bearer}"}


def _uidb64(user) -> str:
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return urlsafe_base64_encode(force_bytes(user.pk))


def test_every_url_with_a_parameter_has_a_row_in_the_world(world):
    """A URL with a parameter this test cannot fill, or whose row nobody is named to open, is a URL
    nobody has proved: name its row and its insider."""
    unknown = sorted(
        {(url.name, parameter) for url in URLS for parameter in url.parameters}
        - {(url.name, parameter) for url in URLS for parameter in url.parameters if parameter in world["foreign"]}
    )
    assert not unknown, f"Give these URL parameters a row in world()'s foreign: {unknown}"
    nobody = sorted({url.name for url in URLS} - set(world["insiders"]))
    assert not nobody, f"Name who may open these URLs' rows in world()'s insiders: {nobody}"
    names = {url.name for url in URLS}
    assert set(OPEN_FOR_ANY_ROW) <= names, "OPEN_FOR_ANY_ROW names a URL that no longer exists"
    assert set(world["insiders"]) <= names, "world()'s insiders name a URL that no longer exists"


@pytest.mark.parametrize("url", URLS, ids=[url.name for url in URLS])
def test_someone_may_open_the_row_each_url_is_asked_for(url, world):
    """The control for the test below: the row each URL is asked for exists, and the person whose
    row it is gets the page (or its form's redirect, or 405 where the URL takes only a POST)."""
    assert url.name in world["insiders"], f"Name who may open {url.name} in world()'s insiders"
    insider = world["insiders"][url.name]
    client = _client_for(insider)
    values = {name: str(world["foreign"][name](insider)) for name in url.parameters}
    path = url.path(values | world["insider_values"].get(url.name, {}))

    status, location = _answer(client, "GET", path)

    assert status in {200, 302, 405}, f"{insider} GET {path}: {status}"
    assert location != SIGN_IN, f"{insider} GET {path} was sent to sign in"


def test_only_one_url_names_a_row_inside_another(world):
    """Two ids in one URL (an action of a case) must agree: the pair is proved by hand below, so a
    new one needs its own test."""
    two_ids = {url.name for url in URLS if sum(p.endswith("_id") for p in url.parameters) > 1}
    assert two_ids == {"casework:complete_action"}


def test_a_lead_professional_cannot_complete_another_cases_action_through_their_own_case(client, world):
    own = CaseFactory()
    other = CaseFactory()
    outcome = services.add_outcome(
        case=other, need="Sleep", desired_outcome="Sleeps", added_by=other.lead_professional.user
    )
    action = services.add_action(
        outcome=outcome,
        description="Bedtime",
        owner=other.lead_professional,
        due_on=timezone.localdate() + timedelta(days=3),
        added_by=other.lead_professional.user,
    )
    client.force_login(own.lead_professional.user)

    response = client.post(f"/casework/cases/{own.pk}/actions/{action.pk}/done/")

    assert response.status_code == 404
    action.refresh_from_db()
    assert action.done_on is None


def _as_user(asker):
    """Whom a reference is issued to: the asker, or for no one signed in, a user who never was."""
    return asker if isinstance(asker, get_user_model()) else UserFactory.build(pk=0)


def _client_for(asker) -> Client:
    """A user signs in; a partner system sends its headers (its token) with every request."""
    if isinstance(asker, dict):
        return Client(raise_request_exception=False, headers=asker)
    client = Client(raise_request_exception=False)
    if asker is not None:
        client.force_login(asker)
    return client


def _answer(client: Client, method: str, path: str) -> tuple[int, str]:
    response = client.get(path) if method == "GET" else client.post(path, {})
    problems = header_problems(response, f"{method} {path}")
    assert not problems, "\n".join(problems)
    # The sign-in redirect names the page asked for; where it goes is what tells anything.
    return response.status_code, response.get("Location", "").split("?")[0]


def _refused_before_any_lookup(status: int, location: str) -> bool:
    """The whole page refused to this asker (their role, POST only, not signed in, no token): the
    same for every id, so it says nothing about any row."""
    return status in {401, 403, 405} or (status == 302 and location == SIGN_IN)


def _missing(world, parameter: str, user) -> str:
    make: Callable | None = world["missing"].get(parameter)
    return str(make(user)) if make else MISSING_ID


@pytest.mark.parametrize("url", URLS, ids=[url.name for url in URLS])
def test_a_row_the_asker_may_not_see_is_not_found(url, world):
    """For each asker, by GET and by POST: a row that exists but is not theirs to see is a 404, or
    the same refusal of the whole page a missing row gets (a 403 for a role that may not use the
    page at all); a missing id and "abc" are a 404; nothing is ever a server error. Only
    OPEN_FOR_ANY_ROW may serve another's row, and only to the roles it names."""
    failures = []
    for asker in ASKERS:
        user = world["askers"][asker]
        client = _client_for(user)
        open_to, _ = OPEN_FOR_ANY_ROW.get(url.name, (set(), ""))
        is_open = asker in open_to
        values = {name: str(world["foreign"][name](user)) for name in url.parameters}
        for method in ("GET", "POST"):
            if is_open and method == "POST":
                continue  # a legitimate change to a real row is its room's test, not this one
            foreign_path = url.path(values)
            foreign = _answer(client, method, foreign_path)
            if foreign[0] >= 500 or not (is_open or foreign[0] == 404 or _refused_before_any_lookup(*foreign)):
                failures.append(f"{asker} {method} {foreign_path} (a row they may not see): {foreign[0]} {foreign[1]}")
            for parameter in url.parameters:
                for kind, value in (("missing", _missing(world, parameter, user)), ("abc", NOT_AN_ID)):
                    path = url.path(values | {parameter: value})
                    status, location = _answer(client, method, path)
                    expected = MISSING_ANSWERED_WITH.get(url.name, {404})
                    if status >= 500 or not (status in expected or _refused_before_any_lookup(status, location)):
                        failures.append(f"{asker} {method} {path} ({kind} {parameter}): {status} {location}")
                    elif kind == "missing" and not is_open and (status, location) != foreign:
                        failures.append(
                            f"{asker} {method} {foreign_path} (a row they may not see) is {foreign[0]} but {path} "
                            f"(missing {parameter}) is {status}: the difference says the row exists"
                        )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("url", PAGES_WITHOUT_PARAMETERS, ids=[url.name for url in PAGES_WITHOUT_PARAMETERS])
def test_every_page_without_an_id_answers_every_asker_under_the_policy(url, world):
    """The URLs with an id are checked above, on every answer; these are the rest, by GET and POST
    as every asker: whatever the answer (the page, a refusal, a form's errors, a redirect), it
    carries the Content-Security-Policy, and a page's scripts carry its nonce."""
    path = url.path({})
    for asker in ASKERS:
        client = _client_for(world["askers"][asker])
        for method in ("GET", "POST"):
            status, _ = _answer(client, method, path)
            # The evidence pages say "not built yet" with a 503 until `joinedup build-measures` runs.
            assert status < 500 or (status == 503 and url.name.startswith("evidence:")), f"{asker} {method} {path}"
