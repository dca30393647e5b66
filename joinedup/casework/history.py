"""The synthetic authority's early help episodes as casework: the generator (`joinedup synth`)
says who was referred, when, what the panel decided, when help started and ended, and what each
review recorded (the SDQ total, the child's wellbeing check, the LARC items the child or parents said
changed); this module fills in the rest (who referred, the panel meeting, the team around the
child, the plan, the reviews' progress and the family's views in words). Plain Python with no Django, like the
generator, so it is fast and testable without a database; `load_casework_history` reads the
generator's files and writes what this returns.

Who is beside a child fits the child: each practitioner's service says (in `WorkerIn`, from the
table `joinedup.synth.fit.FIT`) the ages it works with and the needs that call for it, so a health
visitor is in the team around a baby and not a teenager, and a sensitive service (sexual health,
CAMHS, substance misuse) refers a child or joins their team only when the child's recorded needs
call for it. The practitioners are chosen from their own random stream, so the story does not
change when the staff or the rules do."""

from __future__ import annotations

import bisect
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

REVIEW_EVERY = timedelta(days=42)
PANEL_EVERY = timedelta(days=14)
# How often the referrer assessed the child with the family before asking for help, so the early
# help assessment reaches the panel with the referral.
ASSESSED_FIRST = 0.25
# A sensitive service refers only young people of 13 or more: a younger child's parent gives the
# consent that comes with a referral, so the referral would tell them of the service.
SENSITIVE_REFERS_FROM = 13
# What a referrer worries about, by the child's needs; "any" fits every child.
CONCERNS = {
    "ks3_absence": [("Misses school, often on Mondays", "Goes to school every day")],
    "autism": [
        ("Finds changes of routine very hard and melts down at home", "Calmer mornings and bedtimes"),
        ("Has few friends and is isolated at lunchtime", "Has a friend to spend breaks with"),
    ],
    "looked_after": [("Placement under strain after moves", "Stays settled in one home and school")],
    "any": [
        ("Parent struggling with routines since a new baby", "Regular routines for meals and bedtime"),
        ("Arguments at home and angry outbursts at school", "Fewer outbursts at home and at school"),
        ("Family at risk of losing their tenancy", "Family stays in a safe, settled home"),
        ("Low mood and not sleeping", "Sleeps well and feels happier"),
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


# What the child and the parents say at a review in their own words: that things are better when
# they said something changed (the review's LARC items), and not yet when they said nothing had.
CHILD_VIEWS = {
    True: ("Things are a bit better", "I like my mentor", "School is OK now"),
    False: ("Some days are still hard", "I don't see what the meetings are for"),
}
PARENTS_VIEWS = {
    True: ("Mornings are calmer", "We feel listened to"),
    False: ("Still hard some days", "Nothing much has changed yet"),
}


@dataclass(frozen=True)
class ChildIn:
    id: int
    born: date | None  # not known for some children found only in agency records
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


@dataclass(frozen=True)
class ReviewIn:
    """What a review recorded (a review row of `history/wellbeing.csv`): the SDQ total difficulties,
    the child's answers to the wellbeing check (question code to 0-10; none when unanswered) and
    the LARC items the child or parents said changed."""

    sdq_total: int | None = None
    wellbeing: dict[str, int] = field(default_factory=dict)
    what_changed: tuple[str, ...] = ()


# A review the files have no row for recorded nothing (the history ended before it, or a file
# written by hand left it out): no scores, no answers, nothing said to have changed.
NOTHING_RECORDED = ReviewIn()


@dataclass(frozen=True)
class EpisodeIn:
    """One early help referral as the generator's history has it (`history/early_help.csv`), for a
    loaded child, with what the case's reviews recorded (`history/wellbeing.csv`) by the day each
    was held. `help_started_on` is set when the panel allocated."""

    child: int
    referred_on: date
    level_of_need: str
    decision: str
    help_started_on: date | None = None
    closed_on: date | None = None
    closure_reason: str = ""
    needs_met_at: str = ""
    reviews: dict[date, ReviewIn] = field(default_factory=dict)


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
    wellbeing: dict[str, int]
    child_views: str
    parents_views: str
    sdq_total: int | None


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
    # Episodes left out, by why: a child with no home in a locality, or nobody there who may refer
    # or lead for them, or a case that would overlap one already open for the same child.
    skipped: dict[str, int] = field(default_factory=dict)


def generate_history(
    *, children: list[ChildIn], workers: list[WorkerIn], episodes: list[EpisodeIn], end: date, seed: int = 2025
) -> History:
    """Each episode referred on its day, decided at its locality's fortnightly panel (or at a
    meeting on the day help started, if the cycle had none between), its case open from the day
    help started to the day it closed, with six-weekly reviews carrying what the episode's reviews
    recorded.
    Episodes referred after `end` are left out; what happens after `end` has not happened yet."""
    rng = random.Random(seed)
    by_locality: dict[int, list[WorkerIn]] = {}
    for worker in workers:
        by_locality.setdefault(worker.locality, []).append(worker)
    staff = _Staff(by_locality, seed)
    shown = sorted((e for e in episodes if e.referred_on <= end), key=lambda e: (e.referred_on, e.child))
    start = shown[0].referred_on if shown else end
    meetings = {locality: _meeting_dates(start, end, rng) for locality in by_locality}
    by_id = {child.id: child for child in children}
    busy_until: dict[int, date] = {}  # the last day of each child's latest case
    referrals, skipped = [], Counter()
    for episode in shown:
        child = by_id.get(episode.child)
        if child is None or child.locality not in by_locality:
            skipped["no home in a locality with staff"] += 1
            continue
        if child.born is None:  # who may work with a child depends on their age
            skipped["no date of birth known"] += 1
            continue
        if episode.help_started_on is not None and episode.help_started_on < busy_until.get(child.id, date.min):
            skipped["overlaps an open case"] += 1
            continue
        referral = _referral(child, staff, episode, meetings[child.locality], end, rng)
        if isinstance(referral, str):
            skipped[referral] += 1
            continue
        if referral.case is not None:
            busy_until[child.id] = referral.case.closed or date.max
        referrals.append(referral)
    return History(meetings=meetings, referrals=sorted(referrals, key=lambda r: r.submitted), skipped=dict(skipped))


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


def _panel_day(episode: EpisodeIn, meetings: list[date], end: date) -> date | None:
    """The first meeting after the referral; for an allocation, one on or before the day help
    started, added to the locality's meetings when the fortnightly cycle has none in between
    (the panel met early). None when the next meeting is after `end`."""
    after = bisect.bisect_right(meetings, episode.referred_on)
    following = meetings[after] if after < len(meetings) else None
    started = episode.help_started_on
    if started is None or (following is not None and following <= started):
        return following
    day = max(started, episode.referred_on)
    if day > end:
        return None
    if day not in meetings:
        bisect.insort(meetings, day)
    return day


def _referral(
    child: ChildIn, staff: _Staff, episode: EpisodeIn, meetings: list[date], end: date, rng: random.Random
) -> ReferralOut | str:
    """The child's referral, or why it was left out: nobody in the locality may refer a child of
    their age and needs, or (for an allocation) lead for them."""
    submitted = _moment(episode.referred_on, rng)
    referrer = staff.referrer(child, episode.referred_on)
    if referrer is None:
        return "nobody in the locality may refer"
    allocated = episode.decision == "allocate"
    if allocated and not staff.leads(child, episode.help_started_on):
        return "nobody in the locality may lead"
    concerns = [c for need in sorted(child.needs) for c in CONCERNS.get(need, [])] + CONCERNS["any"]
    chosen = rng.sample(concerns, k=min(len(concerns), 1 + rng.randrange(3)))
    referral = ReferralOut(
        child=child.id,
        referrer=referrer.id,
        locality=child.locality,
        submitted=submitted,
        route="early_help",
        level_of_need=episode.level_of_need,
        concern="; ".join(c[0] for c in chosen),
        consent_by="young_person" if (episode.referred_on - child.born).days > 365 * 15 else "parent_carer",
        meeting=_panel_day(episode, meetings, end),
    )
    if rng.random() < ASSESSED_FIRST:
        started = submitted - timedelta(days=3 + rng.randrange(12), hours=rng.randrange(4))
        minutes = min(int(rng.lognormvariate(4.4, 0.5)), 600)
        referral.assessment = AssessmentOut(started, minutes, episode.level_of_need)
    if referral.meeting is None:
        return referral
    referral.decision = episode.decision
    # A panel meeting on the day of the referral decides after it was made.
    referral.decided = max(_moment(referral.meeting, rng), submitted + timedelta(hours=1))
    referral.reasons = {
        "allocate": "Needs across more than one agency; the family agrees to early help",
        "step_up": "Concerns meet the threshold for children's social care",
        "step_down": "Needs can be met by universal services; family signposted",
        "no_further_action": "Needs already met by the school; no further action",
    }[episode.decision]
    if allocated and episode.help_started_on <= end:
        team = staff.team(child, episode.help_started_on, size=2 + rng.randrange(3))
        referral.case = _case(team, staff.rng, episode, chosen, end, rng)
        if referral.assessment is not None:
            # The case carries the assessment that came with the referral instead of starting another.
            referral.case.assessment_started, referral.case.assessment_minutes = None, None
    return referral


def _case(team: list[WorkerIn], pick: random.Random, episode: EpisodeIn, concerns, end: date, rng) -> CaseOut:
    """The case a team opens on the day help started; `pick` (the staff's stream) chooses who owns
    each action. It closes as the episode did, unless that is after `end`."""
    opened = episode.help_started_on
    closes = episode.closed_on if episode.closed_on is not None and episode.closed_on <= end else None
    last_day = closes or end
    lead, members = team[0], [w.id for w in team]
    first_meeting = opened + timedelta(days=7 + rng.randrange(21))
    started = _moment(opened + timedelta(days=3 + rng.randrange(10)), rng)
    case = CaseOut(
        lead=lead.id,
        opened=opened,
        team=members,
        assessment_started=started if started.date() <= last_day else None,
        assessment_minutes=int(rng.lognormvariate(4.4, 0.5)) if started.date() < last_day else None,
        assessment_level=episode.level_of_need,
        tac_meetings=[first_meeting] if first_meeting <= last_day else [],
        outcomes=[],
    )
    for need, outcome in concerns:
        actions = []
        for description in rng.sample(ACTIONS, k=1 + rng.randrange(2)):
            due = first_meeting + timedelta(days=14 + rng.randrange(42))
            done = due - timedelta(days=rng.randrange(10)) if rng.random() < 0.8 else None
            actions.append(
                ActionOut(description, pick.choice(members), due, done if done and done <= last_day else None)
            )
        case.outcomes.append(OutcomeOut(need, outcome, actions))
    held, step = opened + REVIEW_EVERY, 0
    while held <= last_day:
        step += 1
        recorded = episode.reviews.get(held, NOTHING_RECORDED)
        progress = ["some" if step < 3 else rng.choice(["some", "achieved"]) for _ in case.outcomes]
        child_views, parents_views = _views(bool(recorded.what_changed), rng)
        case.reviews.append(
            ReviewOut(
                held,
                progress,
                what_changed=sorted(recorded.what_changed),
                wellbeing=dict(recorded.wellbeing),
                child_views=child_views,
                parents_views=parents_views,
                sdq_total=recorded.sdq_total,
            )
        )
        held += REVIEW_EVERY
    if closes is not None:
        case.closed, case.closure_reason, case.needs_met_at = closes, episode.closure_reason, episode.needs_met_at
        best = {"needs_met": 4, "stepped_down": 3}.get(episode.closure_reason, 2)
        for outcome in case.outcomes:
            outcome.rating = max(1, best - rng.randrange(2))
            for action in outcome.actions:
                action.done = action.done or (closes if episode.closure_reason == "needs_met" else None)
    return case


def _views(something_changed: bool, rng: random.Random) -> tuple[str, str]:
    """The child's and parents' views in words, agreeing with whether they said anything changed."""
    return rng.choice(CHILD_VIEWS[something_changed]), rng.choice(PARENTS_VIEWS[something_changed])
