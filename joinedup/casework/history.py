"""Two years of synthetic casework for the demo: referrals, panel decisions, assessments, teams
around the child, plans, reviews and closures, consistent with each child's needs. Plain Python
with no Django, like the synthetic authority, so it is fast and testable without a database; the
`load_casework_history` command writes what it returns."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

REVIEW_EVERY = timedelta(days=42)
PANEL_EVERY = timedelta(days=14)
# How often the referrer assessed the child with the family before asking for help, so the early
# help assessment reaches the panel with the referral.
ASSESSED_FIRST = 0.25
LEVELS = ("universal", "additional", "complex", "acute")
LARC_CODES = (
    "confidence", "school_work", "safer", "happier", "like_school", "friendships", "calmer",
    "attendance", "aspirations", "getting_on_with_people", "behaviour", "less_angry", "communication", "home",
)  # fmt: skip
# What a referrer worries about, by the child's needs; "any" fits every child.
CONCERNS = {
    "ks3_absence": [("Misses school, often on Mondays", "Goes to school every day", "attendance")],
    "autism": [
        ("Finds changes of routine very hard and melts down at home", "Calmer mornings and bedtimes", "calmer"),
        ("Has few friends and is isolated at lunchtime", "Has a friend to spend breaks with", "friendships"),
    ],
    "looked_after": [("Placement under strain after moves", "Stays settled in one home and school", "safer")],
    "any": [
        ("Parent struggling with routines since a new baby", "Regular routines for meals and bedtime", "home"),
        ("Arguments at home and angry outbursts at school", "Fewer outbursts at home and at school", "less_angry"),
        ("Family at risk of losing their tenancy", "Family stays in a safe, settled home", "safer"),
        ("Low mood and not sleeping", "Sleeps well and feels happier", "happier"),
    ],
}
ACTIONS = [
    "Weekly family support visits",
    "Referral to the school nurse for a health check",
    "Parenting group for six weeks",
    "Mentor at school twice a week",
    "Help with a housing benefit claim",
    "Attendance plan agreed with the school",
    "Young carers group",
]


@dataclass(frozen=True)
class ChildIn:
    id: int
    born: date
    locality: int
    needs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class WorkerIn:
    id: int
    locality: int
    agency: int


@dataclass
class ActionOut:
    description: str
    owner: int
    due: date
    done: date | None


@dataclass
class OutcomeOut:
    need: str
    desired_outcome: str
    actions: list[ActionOut]
    rating: int | None = None


@dataclass
class ReviewOut:
    held: date
    progress: list[str]
    what_changed: list[str]
    sdq_total: int | None
    child_views: str
    parents_views: str


@dataclass
class AssessmentOut:
    """An early help assessment the referrer made with the family before referring."""

    started: datetime
    minutes: int
    level: str


@dataclass
class CaseOut:
    lead: int
    opened: date
    team: list[int]
    assessment_started: datetime | None
    assessment_minutes: int | None
    assessment_level: str
    tac_meetings: list[date]
    outcomes: list[OutcomeOut]
    reviews: list[ReviewOut] = field(default_factory=list)
    closed: date | None = None
    closure_reason: str = ""
    needs_met_at: str = ""


@dataclass
class ReferralOut:
    child: int
    referrer: int
    locality: int
    submitted: datetime
    route: str
    level_of_need: str
    concern: str
    consent_by: str
    meeting: date | None
    decision: str = ""
    decided: datetime | None = None
    reasons: str = ""
    case: CaseOut | None = None
    assessment: AssessmentOut | None = None


@dataclass
class History:
    meetings: dict[int, list[date]]
    referrals: list[ReferralOut]


def generate_history(
    *,
    children: list[ChildIn],
    workers: list[WorkerIn],
    end: date,
    years: int = 2,
    share: float = 0.06,
    seed: int = 2025,
) -> History:
    """Each child is referred with a chance that grows with their needs; panels meet fortnightly
    in each locality; allocated cases run for months with six-weekly reviews, and most close."""
    rng = random.Random(seed)
    start = end - timedelta(days=365 * years)
    by_locality: dict[int, list[WorkerIn]] = {}
    for worker in workers:
        by_locality.setdefault(worker.locality, []).append(worker)
    meetings = {locality: _meeting_dates(start, end, rng) for locality in by_locality}
    referrals = []
    for child in children:
        local = by_locality.get(child.locality)
        if not local or rng.random() >= share * (1 + 2 * len(child.needs)):
            continue
        submitted = _moment(start + timedelta(days=rng.randrange((end - start).days)), rng)
        referrals.append(_referral(child, local, submitted, meetings[child.locality], end, rng))
    return History(meetings=meetings, referrals=sorted(referrals, key=lambda r: r.submitted))


def _meeting_dates(start: date, end: date, rng: random.Random) -> list[date]:
    first = start + timedelta(days=rng.randrange(14))
    return [first + PANEL_EVERY * n for n in range((end - first) // PANEL_EVERY + 1)]


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(9 + rng.randrange(8), rng.randrange(60)))


def _referral(child: ChildIn, local: list[WorkerIn], submitted: datetime, meetings: list[date], end: date, rng):
    concerns = [c for need in sorted(child.needs) for c in CONCERNS.get(need, [])] + CONCERNS["any"]
    chosen = rng.sample(concerns, k=min(len(concerns), 1 + rng.randrange(3)))
    level = "complex" if child.needs else rng.choice(["additional", "additional", "complex", "universal"])
    referral = ReferralOut(
        child=child.id,
        referrer=rng.choice(local).id,
        locality=child.locality,
        submitted=submitted,
        route="early_help",
        level_of_need=level,
        concern="; ".join(c[0] for c in chosen),
        consent_by="young_person" if (submitted.date() - child.born).days > 365 * 15 else "parent_carer",
        meeting=next((m for m in meetings if m > submitted.date()), None),
    )
    if rng.random() < ASSESSED_FIRST:
        started = submitted - timedelta(days=3 + rng.randrange(12), hours=rng.randrange(4))
        referral.assessment = AssessmentOut(started, min(int(rng.lognormvariate(4.4, 0.5)), 600), level)
    if referral.meeting is None or referral.meeting > end:
        referral.meeting = None
        return referral
    decision = rng.choices(
        ["allocate", "step_up", "step_down", "no_further_action"],
        weights=[30, 60, 5, 5] if "looked_after" in child.needs else [65, 8, 17, 10],
    )[0]
    referral.decision = decision
    referral.decided = _moment(referral.meeting, rng)
    referral.reasons = {
        "allocate": "Needs across more than one agency; the family agrees to early help",
        "step_up": "Concerns meet the threshold for children's social care",
        "step_down": "Needs can be met by universal services; family signposted",
        "no_further_action": "Needs already met by the school; no further action",
    }[decision]
    if decision == "allocate":
        referral.case = _case(local, referral.meeting, chosen, level, end, rng)
        if referral.assessment is not None:
            # The case carries the assessment that came with the referral instead of starting another.
            referral.case.assessment_started, referral.case.assessment_minutes = None, None
    return referral


def _case(local: list[WorkerIn], opened: date, concerns, level: str, end: date, rng) -> CaseOut:
    team = rng.sample(local, k=min(len(local), 2 + rng.randrange(3)))
    lead, members = team[0], [w.id for w in team]
    first_meeting = opened + timedelta(days=7 + rng.randrange(21))
    started = _moment(opened + timedelta(days=3 + rng.randrange(10)), rng)
    case = CaseOut(
        lead=lead.id,
        opened=opened,
        team=members,
        assessment_started=started if started.date() <= end else None,
        assessment_minutes=int(rng.lognormvariate(4.4, 0.5)) if started.date() < end else None,
        assessment_level=level,
        tac_meetings=[first_meeting] if first_meeting <= end else [],
        outcomes=[],
    )
    for need, outcome, _ in concerns:
        actions = []
        for description in rng.sample(ACTIONS, k=1 + rng.randrange(2)):
            due = first_meeting + timedelta(days=14 + rng.randrange(42))
            done = due - timedelta(days=rng.randrange(10)) if rng.random() < 0.8 else None
            actions.append(ActionOut(description, rng.choice(members), due, done if done and done <= end else None))
        case.outcomes.append(OutcomeOut(need, outcome, actions))
    length = timedelta(days=90 + rng.randrange(270))
    closes = opened + length
    held, step, sdq = opened + REVIEW_EVERY, 0, 14 + rng.randrange(12)
    while held <= min(closes, end):
        step += 1
        sdq = max(0, sdq - rng.randrange(4))
        progress = ["some" if step < 3 else rng.choice(["some", "achieved"]) for _ in case.outcomes]
        changed = sorted({c[2] for c in concerns} | set(rng.sample(LARC_CODES, k=rng.randrange(3))))
        case.reviews.append(
            ReviewOut(held, progress, changed, sdq if rng.random() < 0.6 else None,
                      rng.choice(["Things are a bit better", "I like my mentor", "School is OK now"]),
                      rng.choice(["Mornings are calmer", "We feel listened to", "Still hard some days"]))
        )  # fmt: skip
        held += REVIEW_EVERY
    if closes <= end:
        reason = rng.choices(
            ["needs_met", "stepped_down", "stepped_up", "moved_away", "declined"], weights=[55, 15, 10, 8, 12]
        )[0]
        case.closed, case.closure_reason = closes, reason
        case.needs_met_at = {"stepped_up": "acute", "stepped_down": "universal"}.get(reason, "additional")
        best = {"needs_met": 4, "stepped_down": 3}.get(reason, 2)
        for outcome in case.outcomes:
            outcome.rating = max(1, best - rng.randrange(2))
            for action in outcome.actions:
                action.done = action.done or (closes if reason == "needs_met" else None)
    return case
