"""Two years of synthetic casework for the demo: referrals, panel decisions, assessments, teams
around the child, plans, reviews and closures, consistent with each child's needs. Plain Python
with no Django, like the synthetic authority, so it is fast and testable without a database; the
`load_casework_history` command writes what it returns.

Who is beside a child fits the child: each practitioner's service says (in `WorkerIn`, from the
table `joinedup.synth.fit.FIT`) the ages it works with and the needs that call for it, so a health
visitor is in the team around a baby and not a teenager, and a sensitive service (sexual health,
CAMHS, substance misuse) refers a child or joins their team only when the child's recorded needs
call for it. The practitioners are chosen from their own random stream, so the story (who is
referred, when, what the panel decides) does not change when the staff or the rules do."""

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
# The LARC key groups: they make a referral likelier and shape its concerns. A child's other
# recorded needs (an emotional wellbeing need, say) only decide which services fit them.
KEY_GROUPS = frozenset({"autism", "looked_after", "ks3_absence"})
# A sensitive service refers only young people of 13 or more: a younger child's parent gives the
# consent that comes with a referral, so the referral would tell them of the service.
SENSITIVE_REFERS_FROM = 13
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
    """A practitioner working in a locality, and the reach of their service: the ages it works with
    (None: no limit) and the needs that call for it (empty: any child of those ages)."""

    id: int
    locality: int
    agency: int
    service: str = ""
    sensitive: bool = False
    youngest: int | None = None
    oldest: int | None = None
    called_for_by: frozenset[str] = frozenset()

    def fits(self, age: int, needs: frozenset[str]) -> bool:
        """May join the team around a child of this age with these needs. A sensitive service
        needs a need that calls for it, even if the table names none."""
        if (self.youngest is not None and age < self.youngest) or (self.oldest is not None and age > self.oldest):
            return False
        if self.called_for_by or self.sensitive:
            return bool(self.called_for_by & needs)
        return True

    def may_lead(self, age: int, needs: frozenset[str]) -> bool:
        """A sensitive service never leads a family's plan: the lead professional is named to the
        parents, so a young person's sexual health nurse leading would reveal the service."""
        return not self.sensitive and self.fits(age, needs)

    def may_refer(self, age: int, needs: frozenset[str]) -> bool:
        return self.fits(age, needs) and not (self.sensitive and age < SENSITIVE_REFERS_FROM)


def age_on(born: date, day: date) -> int:
    """Completed years of age; a child not yet born counts as a baby (health visitors start before birth)."""
    return max(0, day.year - born.year - ((day.month, day.day) < (born.month, born.day)))


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
    """Each child is referred with a chance that grows with their key groups; panels meet fortnightly
    in each locality; allocated cases run for months with six-weekly reviews, and most close."""
    rng = random.Random(seed)
    start = end - timedelta(days=365 * years)
    by_locality: dict[int, list[WorkerIn]] = {}
    for worker in workers:
        by_locality.setdefault(worker.locality, []).append(worker)
    staff = _Staff(by_locality, seed)
    meetings = {locality: _meeting_dates(start, end, rng) for locality in by_locality}
    referrals = []
    for child in children:
        local = by_locality.get(child.locality)
        if not local or rng.random() >= share * (1 + 2 * len(child.needs & KEY_GROUPS)):
            continue
        submitted = _moment(start + timedelta(days=rng.randrange((end - start).days)), rng)
        referral = _referral(child, staff, submitted, meetings[child.locality], end, rng)
        if referral is not None:
            referrals.append(referral)
    return History(meetings=meetings, referrals=sorted(referrals, key=lambda r: r.submitted))


class _Staff:
    """Who in a locality may refer, lead or join the team around a child of an age with some needs
    (each list worked out once), chosen from the staff's own random stream."""

    def __init__(self, by_locality: dict[int, list[WorkerIn]], seed: int):
        self.by_locality = by_locality
        self.rng = random.Random(f"{seed} staff")
        self.pools: dict[tuple, list[WorkerIn]] = {}

    def pool(self, role: str, locality: int, age: int, needs: frozenset[str]) -> list[WorkerIn]:
        key = (role, locality, age, needs)
        if key not in self.pools:
            allowed = {"refer": WorkerIn.may_refer, "lead": WorkerIn.may_lead, "join": WorkerIn.fits}[role]
            self.pools[key] = [w for w in self.by_locality.get(locality, []) if allowed(w, age, needs)]
        return self.pools[key]

    def referrer(self, child: ChildIn, on: date) -> WorkerIn | None:
        referrers = self.pool("refer", child.locality, age_on(child.born, on), child.needs)
        return self.rng.choice(referrers) if referrers else None

    def leads(self, child: ChildIn, on: date) -> list[WorkerIn]:
        return self.pool("lead", child.locality, age_on(child.born, on), child.needs)

    def team(self, child: ChildIn, on: date, size: int) -> list[WorkerIn]:
        """A lead (there must be one), then one worker of each service the child's needs call for
        (a looked-after child's social worker, a CAMHS practitioner for an emotional wellbeing
        need), then others who fit, up to `size`."""
        age = age_on(child.born, on)
        team = [self.rng.choice(self.leads(child, on))]
        joining = [w for w in self.pool("join", child.locality, age, child.needs) if w.id != team[0].id]
        called: dict[str, list[WorkerIn]] = {}
        for worker in joining:
            if worker.called_for_by and worker.service != team[0].service:
                called.setdefault(worker.service, []).append(worker)
        team += [self.rng.choice(called[service]) for service in sorted(called)][: size - 1]
        others = [w for w in joining if w not in team]
        return team + self.rng.sample(others, k=min(len(others), size - len(team)))


def _meeting_dates(start: date, end: date, rng: random.Random) -> list[date]:
    first = start + timedelta(days=rng.randrange(14))
    return [first + PANEL_EVERY * n for n in range((end - first) // PANEL_EVERY + 1)]


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(9 + rng.randrange(8), rng.randrange(60)))


def _referral(child: ChildIn, staff: _Staff, submitted: datetime, meetings: list[date], end: date, rng):
    """The child's referral, or None when nobody in the locality may refer a child of their age and needs."""
    referrer = staff.referrer(child, submitted.date())
    if referrer is None:
        return None
    concerns = [c for need in sorted(child.needs) for c in CONCERNS.get(need, [])] + CONCERNS["any"]
    chosen = rng.sample(concerns, k=min(len(concerns), 1 + rng.randrange(3)))
    level = "complex" if child.needs & KEY_GROUPS else rng.choice(["additional", "additional", "complex", "universal"])
    referral = ReferralOut(
        child=child.id,
        referrer=referrer.id,
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
    if decision == "allocate" and not staff.leads(child, referral.meeting):
        decision = "no_further_action"  # nobody here may lead for this child (never in the synthetic authority)
    referral.decision = decision
    referral.decided = _moment(referral.meeting, rng)
    referral.reasons = {
        "allocate": "Needs across more than one agency; the family agrees to early help",
        "step_up": "Concerns meet the threshold for children's social care",
        "step_down": "Needs can be met by universal services; family signposted",
        "no_further_action": "Needs already met by the school; no further action",
    }[decision]
    if decision == "allocate":
        team = staff.team(child, referral.meeting, size=2 + rng.randrange(3))
        referral.case = _case(team, staff.rng, referral.meeting, chosen, level, end, rng)
        if referral.assessment is not None:
            # The case carries the assessment that came with the referral instead of starting another.
            referral.case.assessment_started, referral.case.assessment_minutes = None, None
    return referral


def _case(team: list[WorkerIn], pick: random.Random, opened: date, concerns, level: str, end: date, rng) -> CaseOut:
    """The case a team opens; `pick` (the staff's stream) chooses who owns each action."""
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
            actions.append(ActionOut(description, pick.choice(members), due, done if done and done <= end else None))
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
