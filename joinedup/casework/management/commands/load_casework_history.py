"""joinedup load-casework-history: write the synthetic authority's early help episodes (its
`history/early_help.csv`, and `history/wellbeing.csv` for what each review recorded: the SDQ total,
the wellbeing check, what changed) as casework for the children, localities and staff already
loaded, with the rest of each case made up by casework.history.

Each child goes in with the needs their records show and each practitioner with their team's
service and its reach (`joinedup.synth.fit.FIT`), so only practitioners whose service fits the
child refer, lead or join the team around them; every involvement written names that service."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone

from joinedup.access.models import Consent, Involvement, InvolvementKind
from joinedup.agencies.models import LevelOfNeed, Locality
from joinedup.audit import services as audit
from joinedup.casework import queries
from joinedup.casework.history import ChildIn, EpisodeIn, History, ReviewIn, WorkerIn, generate_history
from joinedup.casework.models import (
    Assessment,
    AssessmentElement,
    Case,
    ClosureReason,
    FamilyAccount,
    OutcomeProgress,
    Panel,
    PanelDecision,
    PanelMeeting,
    PlanAction,
    PlanOutcome,
    Referral,
    Review,
    TacMeeting,
    TacMember,
)
from joinedup.common import instruments
from joinedup.common.dates import parse_date, parse_optional_date
from joinedup.common.tables import FileProblems, Problem, RowChecker, read_csv
from joinedup.index.key_groups import key_groups
from joinedup.index.models import IndexRecord
from joinedup.people.models import Address, Child, ChildCarer, Practitioner, Role
from joinedup.synth.fit import EMOTIONAL_WELLBEING, FIT, SEXUAL_HEALTH, SUBSTANCE_MISUSE
from joinedup.synth.history import EARLY_HELP_COLUMNS, WELLBEING_COLUMNS

RECORDED_BY = "casework history"
# What in a child's records shows a need that calls for a sensitive service. CIN census assessment
# factors ending A are concerns about the child (DfE CIN census guide): 1A alcohol and 2A drug
# misuse, 4A mental health, 11A child sexual exploitation, 15A self-harm. SEMH is the school
# census's social, emotional and mental health need. A service already working with the child
# shows the need that calls for it (FIT), whatever its records say.
NEEDS_FROM_FACTORS = {
    "1A": SUBSTANCE_MISUSE,
    "2A": SUBSTANCE_MISUSE,
    "4A": EMOTIONAL_WELLBEING,
    "15A": EMOTIONAL_WELLBEING,
    "11A": SEXUAL_HEALTH,
}
NEEDS_FROM_SEN = {"SEMH": EMOTIONAL_WELLBEING}


class Command(BaseCommand):
    help = "Write the synthetic authority's early help episodes as casework (referrals to closures)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--authority",
            type=Path,
            required=True,
            help="The synthetic authority's folder (joinedup synth --out), already loaded: its history folder says "
            "who was referred, when, what the panel decided and when help started and ended",
        )
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--end", type=date.fromisoformat, default=None, help="Last day (default the authority's as_of)"
        )
        parser.add_argument(
            "--family-login",
            default="",
            help="Also give this username a family account: a parent with parental responsibility for a child "
            "with an open case (the demo sets its password)",
        )

    def handle(self, *args, authority: Path, seed: int, end: date | None, family_login: str, **options):
        if Referral.objects.exists():
            self.stdout.write("Casework history is already loaded")
        else:
            self._load(authority=Path(authority), seed=seed, end=end)
        if family_login and not get_user_model().objects.filter(username=family_login).exists():
            try:
                today = end or _as_of(Path(authority))
            except FileProblems as problems:
                raise CommandError(f"The authority's reference date cannot be read:\n{problems}") from None
            account, case = add_family_login(family_login, today=today)
            self.stdout.write(
                f"Family login {family_login}: {account.carer.full_name}, a parent of {case.child.full_name}, "
                f"whose open early help plan (led by {case.lead_professional.user.get_full_name()}) has its "
                f"next review on {queries.next_review_due(case):%-d %B %Y}"
            )

    def _load(self, *, authority: Path, seed: int, end: date | None) -> None:
        workers = _workers()
        if not workers:
            raise CommandError("The authority has no practitioners: load it first")
        try:
            end = end or _as_of(authority)
            episodes, unknown = read_episodes(authority / "history", _children_by_la_child_id())
        except FileProblems as problems:
            raise CommandError(f"The authority's history cannot be read:\n{problems}") from None
        children = _children(ids={episode.child for episode in episodes})
        history = generate_history(children=children, workers=workers, episodes=episodes, end=end, seed=seed)
        counts = write_history(history)
        self.stdout.write(
            self.style.SUCCESS(
                f"Casework history to {end}: {counts['referrals']:,} referrals ({counts['waiting']:,} waiting for "
                f"the panel), {counts['cases']:,} cases "
                f"({counts['open']:,} open), {counts['reviews']:,} reviews, {counts['meetings']:,} panel meetings"
            )
        )
        left_out = {"naming a child not loaded": unknown, **history.skipped}
        if any(left_out.values()):
            self.stdout.write(
                "Episodes left out: " + ", ".join(f"{number:,} {why}" for why, number in left_out.items() if number)
            )


def _as_of(authority: Path) -> date:
    manifest = authority / "manifest.json"
    if not manifest.exists():
        raise FileProblems([Problem(str(manifest), None, None, "the file does not exist")])
    return parse_date(json.loads(manifest.read_text(encoding="utf-8"))["as_of"])


def _children_by_la_child_id() -> dict[str, int]:
    """Each LA child id and the child it names now: the one it was merged into, if the index merged it."""
    named = Child.objects.filter(la_child_id__isnull=False).annotate(now=Coalesce("merged_into_id", "id"))
    return dict(named.values_list("la_child_id", "now"))


def read_episodes(history: Path, children: dict[str, int]) -> tuple[list[EpisodeIn], int]:
    """The episodes in `history/early_help.csv` of children loaded (`children`: LA child id to child),
    each with what its reviews recorded from `history/wellbeing.csv`, and how many rows named a child
    not loaded. Every problem in the files is reported at once (FileProblems)."""
    reviews, problems = _reviews(history / "wellbeing.csv")
    episodes, unknown = [], 0
    for number, row in read_csv(history / "early_help.csv", EARLY_HELP_COLUMNS):
        child = children.get(row["la_child_id"])
        if child is None:
            unknown += 1
            continue
        with _noted(problems, history / "early_help.csv", number):
            episodes.append(_episode(row, child, reviews.get(row["la_child_id"], {})))
    if problems:
        raise FileProblems(problems)
    return episodes, unknown


def _reviews(path: Path) -> tuple[dict[str, dict[date, ReviewIn]], list[Problem]]:
    """What each child's reviews recorded, by LA child id and day, and every cell that breaks the
    contract. An assessment's row is checked too, though casework keeps no scores for an assessment."""
    checker = RowChecker(path)
    questions = [question.code for question in instruments.wellbeing_questions()]
    reviews: dict[str, dict[date, ReviewIn]] = {}
    for number, row in read_csv(path, WELLBEING_COLUMNS):
        problems_before = len(checker.problems)
        held = checker.cell(number, row, "recorded_on", parse_date)
        occasion = checker.cell(number, row, "occasion", _occasion)
        sdq_total = checker.cell(
            number, row, "sdq_total", _score("an SDQ total difficulties score", 40), required=False
        )
        answers = {
            code: checker.cell(number, row, code, _score("a wellbeing answer", 10), required=False)
            for code in questions
        }
        what_changed = checker.cell(number, row, "what_changed", _larc_items, required=False) or ()
        if occasion == "assessment" and what_changed:
            checker.problem(
                number, "what_changed", "what changed is said at reviews: an assessment comes before any help"
            )
        if occasion == "review" and len(checker.problems) == problems_before:
            wellbeing = {code: answer for code, answer in answers.items() if answer is not None}
            reviews.setdefault(row["la_child_id"], {})[held] = ReviewIn(sdq_total, wellbeing, what_changed)
    return reviews, checker.problems


def _occasion(value: str) -> str:
    if value not in ("assessment", "review"):
        raise ValueError(f"an occasion is assessment or review, not {value!r}")
    return value


def _score(what: str, highest: int) -> Callable[[str], int]:
    def read(value: str) -> int:
        if not value.isdigit() or int(value) > highest:
            raise ValueError(f"{what} is a whole number from 0 to {highest}, not {value!r}")
        return int(value)

    return read


def _larc_items(value: str) -> tuple[str, ...]:
    """LARC Table 1 item codes separated by ';', each at most once."""
    codes = tuple(code.strip() for code in value.split(";"))
    known = {item.code for item in instruments.larc_items()}
    if unknown := [code for code in codes if code not in known]:
        raise ValueError(
            f"not on LARC's checklist: {', '.join(repr(c) for c in unknown)} (its items: {', '.join(sorted(known))})"
        )
    if len(set(codes)) < len(codes):
        raise ValueError(f"names an item twice: {value!r}")
    return codes


@contextmanager
def _noted(problems: list[Problem], path: Path, number: int):
    try:
        yield
    except ValueError as problem:
        problems.append(Problem(str(path), number, None, str(problem)))


def _episode(row: dict[str, str], child: int, reviews: dict[date, ReviewIn]) -> EpisodeIn:
    """One row of early_help.csv, checked against the contract; its reviews are the child's held
    after help started, up to its closure."""
    started, closed = parse_optional_date(row["help_started_on"]), parse_optional_date(row["closed_on"])
    referred = parse_date(row["referred_on"])
    allocated = row["decision"] == PanelDecision.ALLOCATE
    closure = {closed is None, row["closure_reason"] == "", row["needs_met_at"] == ""}
    broken = {
        "level_of_need is not one of " + ", ".join(LevelOfNeed.values): row["level_of_need"] not in LevelOfNeed.values,
        "decision is not one of " + ", ".join(PanelDecision.values): row["decision"] not in PanelDecision.values,
        "help_started_on is given exactly when the decision is allocate": allocated != (started is not None),
        "help starts on or after the referral": started is not None and started < referred,
        # A referral the panel did not allocate may close too (the generator ends its episode
        # there); casework has no case to close, so only the order of the days is checked.
        "closed_on is on or after help started (or the referral)": closed is not None
        and closed < (started or referred),
        "closed_on, closure_reason and needs_met_at are all given or all blank": len(closure) > 1,
        "closure_reason is not one of " + ", ".join(ClosureReason.values): row["closure_reason"] != ""
        and row["closure_reason"] not in ClosureReason.values,
        "needs_met_at is not a level of need": row["needs_met_at"] != ""
        and row["needs_met_at"] not in LevelOfNeed.values,
    }
    if any(broken.values()):
        raise ValueError("; ".join(message for message, wrong in broken.items() if wrong))
    return EpisodeIn(
        child=child,
        referred_on=referred,
        level_of_need=row["level_of_need"],
        decision=row["decision"],
        help_started_on=started,
        closed_on=closed,
        closure_reason=row["closure_reason"],
        needs_met_at=row["needs_met_at"],
        reviews={day: review for day, review in reviews.items() if started and started < day <= (closed or date.max)},
    )


def add_family_login(username: str, *, today: date) -> tuple[FamilyAccount, Case]:
    """A demo parent: a carer with parental responsibility for a child whose open case has a plan
    (outcomes agreed) and a review still to come after `today`, so the family page shows the plan
    and a review to add their views before. The child with the lowest id that has such a parent."""
    cases = (
        queries.with_last_review(Case.objects.filter(closed_on__isnull=True, outcomes__isnull=False).distinct())
        .select_related("child", "lead_professional__user")
        .order_by("child_id")
    )
    for case in cases:
        if queries.next_review_due(case) <= today:
            continue
        link = (
            ChildCarer.objects.filter(child=case.child, parental_responsibility=True)
            .select_related("carer")
            .order_by("carer_id")
            .first()
        )
        if link is not None:
            break
    else:
        raise CommandError(
            f"No open case with a plan and a review after {today} has a parent with parental responsibility on record"
        )
    user = get_user_model().objects.create_user(
        username=username, first_name=link.carer.forenames.split(" ")[0], last_name=link.carer.surname
    )
    return FamilyAccount.objects.create(user=user, carer=link.carer), case


def _children(*, ids: set[int]) -> list[ChildIn]:
    """The children with these ids, their home locality and the needs their records show."""
    localities = dict(
        Address.objects.filter(moved_out__isnull=True, locality__isnull=False).values_list("child_id", "locality_id")
    )
    recorded = _recorded_needs()
    result = []
    for child_id, born in Child.objects.current().filter(id__in=ids).values_list("id", "date_of_birth"):
        if child_id not in localities:
            continue
        groups = key_groups(child_id)
        needs = {
            name
            for name, present in (
                ("autism", groups.autism),
                ("looked_after", groups.looked_after),
                ("ks3_absence", groups.key_stage_3_absence),
            )
            if present
        }
        result.append(ChildIn(child_id, born, localities[child_id], frozenset(needs | recorded.get(child_id, set()))))
    return result


def _recorded_needs() -> dict[int, set[str]]:
    """The needs beyond the key groups that a child's records show (the services working with
    them, their agency records' services, CIN factors, SEN), read in two queries."""
    needs: dict[int, set[str]] = {}
    for child_id, code in (
        Involvement.objects.exclude(recorded_by=RECORDED_BY)
        .filter(service__isnull=False)
        .values_list("child_id", "service__code")
        .distinct()
    ):
        if code in FIT and FIT[code].called_for_by:
            needs.setdefault(child_id, set()).update(FIT[code].called_for_by)
    records = IndexRecord.objects.filter(child_id__isnull=False, withdrawn_at__isnull=True)
    for child_id, service, facts in records.values_list("child_id", "service", "facts"):
        facts = facts or {}
        found = set(FIT[service].called_for_by) if service in FIT else set()
        found |= {NEEDS_FROM_SEN[need] for need in [facts.get("sen_primary_need")] if need in NEEDS_FROM_SEN}
        for episode in facts.get("episodes") or []:
            for assessment in (episode.get("assessments") or []) if isinstance(episode, dict) else []:
                found |= {NEEDS_FROM_FACTORS[f] for f in assessment.get("factors") or [] if f in NEEDS_FROM_FACTORS}
        if found:
            needs.setdefault(child_id, set()).update(found)
    return needs


def _workers() -> list[WorkerIn]:
    """Practitioners by the locality of their team; an authority-wide team works in every locality.
    Each carries their team's service and that service's reach; a service FIT does not name may
    be beside any child (unless it is sensitive: then it needs a need that calls for it)."""
    localities = list(Locality.objects.values_list("id", flat=True))
    staff = Practitioner.objects.filter(role=Role.PRACTITIONER, user__is_active=True)
    workers = []
    for practitioner, team_locality, agency, service, sensitive in staff.values_list(
        "id", "team__locality", "agency", "team__service__code", "team__service__sensitive"
    ):
        fit = FIT.get(service or "")
        reach = {"youngest": fit.youngest, "oldest": fit.oldest, "called_for_by": fit.called_for_by} if fit else {}
        for locality in [team_locality] if team_locality else localities:
            workers.append(
                WorkerIn(practitioner, locality, agency, service=service or "", sensitive=bool(sensitive), **reach)
            )
    return workers


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment)


def _panels(history: History) -> dict[int, Panel]:
    chairs = list(Practitioner.objects.filter(role=Role.PANEL_CHAIR, user__is_active=True).select_related("team"))
    if not chairs:
        raise CommandError("The authority has no panel chair")
    panels = {}
    for number, locality_id in enumerate(sorted(history.meetings)):
        local_chairs = [c for c in chairs if c.team and c.team.locality_id == locality_id]
        chair = (local_chairs or chairs)[number % len(local_chairs or chairs)]
        panel = Panel.objects.create(locality_id=locality_id, name="", chair=chair)
        panel.name = f"{panel.locality.name} allocation panel"
        panel.save(update_fields=["name"])
        panel.members.set([chair, *_panel_members(locality_id, chair)])
        panels[locality_id] = panel
    return panels


def _panel_members(locality_id: int, chair: Practitioner) -> list[Practitioner]:
    """Up to four practitioners, one for each agency other than the chair's (in the order the
    agencies' first practitioners joined), each the one whose service reaches the widest range of
    children. A member reads the papers of every child on the agenda, so no sensitive service sits
    on a panel, nor one that works only with children who have a particular need."""
    local = Q(team__locality=locality_id) | Q(team__locality__isnull=True)
    staff = (
        Practitioner.objects.filter(local, role=Role.PRACTITIONER, user__is_active=True)
        .exclude(team__service__sensitive=True)
        .select_related("team__service")
        .order_by("pk")
    )
    best: dict[int, tuple[int, Practitioner]] = {}
    for worker in staff:
        fit = FIT.get(worker.team.service.code if worker.team and worker.team.service else "")
        if worker.agency_id == chair.agency_id or (fit and fit.called_for_by):
            continue
        reach = fit.oldest - fit.youngest if fit else 99
        if worker.agency_id not in best or reach > best[worker.agency_id][0]:
            best[worker.agency_id] = (reach, worker)
    return [worker for _, worker in best.values()][:4]


@transaction.atomic
def write_history(history: History) -> dict[str, int]:
    panels = _panels(history)
    # Each referral on an agenda involves its panel's members: read them once, not once per referral.
    prefetch_related_objects(list(panels.values()), "members")
    meetings = {
        (locality, held): PanelMeeting.objects.create(panel=panels[locality], held_on=held)
        for locality, dates in history.meetings.items()
        for held in dates
    }
    users = dict(Practitioner.objects.values_list("id", "user_id"))
    agencies = dict(Practitioner.objects.values_list("id", "agency_id"))
    # Every involvement the history writes names the service the practitioner works in.
    services = dict(Practitioner.objects.values_list("id", "team__service_id"))
    carers = {}
    for link in ChildCarer.objects.filter(parental_responsibility=True).select_related("carer"):
        carers.setdefault(link.child_id, link.carer.full_name)
    first_names = dict(Child.objects.values_list("id", "forenames"))
    involvements: list[Involvement] = []
    counts = {"referrals": 0, "waiting": 0, "cases": 0, "open": 0, "reviews": 0, "meetings": len(meetings)}

    def involve(child, practitioner, kind, started, ended):
        involvements.append(
            Involvement(child_id=child, practitioner_id=practitioner, service_id=services.get(practitioner),
                        kind=kind, started=started, ended=ended, recorded_by=RECORDED_BY)
        )  # fmt: skip

    for item in history.referrals:
        by_young_person = item.consent_by == "young_person"
        consent = Consent.objects.create(
            child_id=item.child,
            given_by=item.consent_by,
            given_by_name=(first_names[item.child] or "The young person")
            if by_young_person
            else carers.get(item.child, "Parent or carer"),
            given_on=(item.assessment.started if item.assessment else item.submitted).date(),
            share_with_all_partners=True,
            recorded_by_id=users[item.referrer],
        )
        decided = item.decision != ""
        assessment = None
        if item.assessment is not None:
            before = item.assessment
            assessment = _write_assessment(
                child=item.child,
                case=None,
                assessor=item.referrer,
                consent=consent,
                started=before.started,
                minutes=before.minutes,
                level=before.level,
                needs=item.concern,
            )
            # The assessor is involved from the start until the panel decides.
            ended = item.decided.date() if item.decided else None
            involve(item.child, item.referrer, InvolvementKind.ASSESSOR, before.started.date(), ended)
        meeting = meetings.get((item.locality, item.meeting)) if item.meeting else None
        referral = Referral.objects.create(
            child_id=item.child,
            referrer_id=item.referrer,
            locality_id=item.locality,
            route=item.route,
            concern=item.concern,
            level_of_need=item.level_of_need,
            consent=consent,
            submitted_at=_aware(item.submitted),
            status="decided" if decided else ("on_agenda" if meeting else "submitted"),
            meeting=meeting,
            decision=item.decision,
            decision_reasons=item.reasons,
            decided_at=_aware(item.decided) if item.decided else None,
            decided_by=meeting.panel.chair if decided else None,
            lead_professional_id=item.case.lead if item.case else None,
            assessment=assessment,
        )
        counts["referrals"] += 1
        counts["waiting"] += not decided
        involve(item.child, item.referrer, InvolvementKind.REFERRER, item.submitted.date(), None)
        if meeting is not None:
            # Members and the chair read the papers from a few days before the meeting until its decision.
            started = max(item.submitted.date(), item.meeting - timedelta(days=3))
            ended = item.decided.date() if item.decided else None
            for member in meeting.panel.members.all():
                if member != meeting.panel.chair:
                    involve(item.child, member.pk, InvolvementKind.PANEL_MEMBER, started, ended)
            involve(item.child, meeting.panel.chair_id, InvolvementKind.PANEL_CHAIR, started, ended)
        if item.case is not None:
            case = _write_case(item, referral, users, agencies, involve, counts)
            if assessment is not None:
                Assessment.objects.filter(pk=assessment.pk).update(case=case)
    Involvement.objects.bulk_create(involvements)
    audit.record(
        actor=None,
        verb="loaded_casework_history",
        legal_basis="Synthetic data for the demonstration authority",
        detail=counts,
    )
    return counts


def _write_assessment(*, child, case, assessor, consent, started, minutes, level, needs) -> Assessment:
    """A completed assessment when minutes are known, otherwise a draft."""
    completed = started + timedelta(minutes=minutes or 0)
    assessment = Assessment.objects.create(
        child_id=child,
        case=case,
        consent=consent,
        assessor_id=assessor,
        started_at=_aware(started),
        completed_at=_aware(completed) if minutes else None,
        level_of_need=level if minutes else "",
        parents_views="We want things to be calmer at home",
        child_views="I want to be happier at school",
    )
    AssessmentElement.objects.create(assessment=assessment, code="family_functioning", needs=needs)
    return assessment


def _write_case(item, referral: Referral, users, agencies, involve, counts) -> Case:
    plan = item.case
    case = Case.objects.create(
        child_id=item.child,
        referral=referral,
        lead_professional_id=plan.lead,
        opened_on=plan.opened,
        closed_on=plan.closed,
        closure_reason=plan.closure_reason,
        needs_met_at=plan.needs_met_at,
    )
    counts["cases"] += 1
    counts["open"] += plan.closed is None
    members = TacMember.objects.bulk_create(
        TacMember(case=case, practitioner_id=p, agency_id=agencies[p], joined_on=plan.opened, left_on=plan.closed)
        for p in plan.team
    )
    involve(item.child, plan.lead, InvolvementKind.LEAD_PROFESSIONAL, plan.opened, plan.closed)
    for practitioner in plan.team[1:]:
        involve(item.child, practitioner, InvolvementKind.TAC_MEMBER, plan.opened, plan.closed)
    for held in plan.tac_meetings:
        TacMeeting.objects.create(case=case, held_on=held).attendees.set(members)
    if plan.assessment_started is not None:
        _write_assessment(
            child=item.child,
            case=case,
            assessor=plan.lead,
            consent=referral.consent,
            started=plan.assessment_started,
            minutes=plan.assessment_minutes,
            level=plan.assessment_level,
            needs=item.concern,
        )
    outcomes = []
    for planned in plan.outcomes:
        outcome = PlanOutcome.objects.create(
            case=case, need=planned.need, desired_outcome=planned.desired_outcome, closing_rating=planned.rating
        )
        outcomes.append(outcome)
        PlanAction.objects.bulk_create(
            PlanAction(outcome=outcome, description=a.description, owner_id=a.owner, agency_id=agencies[a.owner],
                       due_on=a.due, done_on=a.done)
            for a in planned.actions
        )  # fmt: skip
    for planned in plan.reviews:
        review = Review.objects.create(
            case=case,
            held_on=planned.held,
            child_views=planned.child_views,
            parents_views=planned.parents_views,
            what_changed=planned.what_changed,
            wellbeing=planned.wellbeing,
            sdq_informant="parent" if planned.sdq_total is not None else "",
            sdq_total=planned.sdq_total,
            recorded_by_id=users[plan.lead],
        )
        OutcomeProgress.objects.bulk_create(
            OutcomeProgress(review=review, outcome=outcome, progress=progress)
            for outcome, progress in zip(outcomes, planned.progress, strict=True)
        )
        counts["reviews"] += 1
    return case
