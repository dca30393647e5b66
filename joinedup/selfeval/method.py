"""The LARC Round 1 method as plain functions (no Django): impact-level profiles, agreement between
directors, managers and practitioners, the "confidence" (maturity) position, the rank rules of
Tables 1 and 2, the Box 6 tally, small-count suppression and Cohen's kappa.

The study placed its 14 authorities on a continuum "based on LAs' self-reported level of impact,
and the level of agreement on types of impact and key contributing features in directors',
managers' and practitioners' views". Here each part is a number a person can check by hand:

- self-reported level: each staff group's median level (1-4), then the median of those medians,
  so forty practitioners do not outvote one director;
- agreement: the mean, over every pair of staff groups that answered, of the overlap (Jaccard:
  shared items / all items named by either) of the features each group named as contributing,
  and likewise of the impact themes each group described; plus how close the groups' levels are;
- confidence index = the mean of the level (as 0-1: (level - 1) / 3) and the agreement (0-1),
  and the authority's band is its third of the round when authorities are ranked by the index.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from statistics import mean, median

SMALL_COUNT = 5
STAFF = ("dcs", "manager", "practitioner")
SHORT = {"dcs": "DCS", "manager": "SM", "practitioner": "PR", "parent": "Parents", "child": "Children"}
BANDS = ("More confident", "Developing", "Earlier stage")
BOX6 = {
    "early_days": "'Early days', cannot 'confidently ascribe' at this stage",
    "not_ascribed": "Evidence of quantified improvements not necessarily ascribed to integrated children's services, "
    "e.g. ascribed to work that pre-dates this, or to particular projects",
    "ascribed": "Evidence of quantified improvements ascribed to integrated children's services",
    "no_response": "No response",
}


@dataclass
class Respondent:
    """One person's sent answers, as the analysis reads them."""

    id: int
    authority: int
    group: str
    key_group: str = ""
    level: int | None = None
    too_early: bool = False
    contributing: set[str] = field(default_factory=set)
    to_develop: set[str] = field(default_factory=set)
    impacts: set[str] = field(default_factory=set)
    dimensions: dict[str, list[int]] = field(default_factory=dict)
    enablers: set[str] = field(default_factory=set)
    challenges: set[str] = field(default_factory=set)
    outcomes: set[str] = field(default_factory=set)
    family: set[str] = field(default_factory=set)
    improvements: set[str] = field(default_factory=set)
    success_factors: set[str] = field(default_factory=set)
    quantified_evidence: str = ""


# Impact levels


def impact_profile(respondents: Iterable[Respondent]) -> dict[str, Counter]:
    """How many in each staff group placed impact at each level, and how many said too early."""
    profile: dict[str, Counter] = {group: Counter() for group in STAFF}
    for person in respondents:
        if person.group not in profile:
            continue
        if person.level is not None:
            profile[person.group][person.level] += 1
        elif person.too_early:
            profile[person.group]["too_early"] += 1
    return profile


def group_levels(respondents: Iterable[Respondent]) -> dict[str, float]:
    """Each staff group's median self-placed level, for groups with at least one level given."""
    levels: dict[str, list[int]] = {}
    for person in respondents:
        if person.group in STAFF and person.level is not None:
            levels.setdefault(person.group, []).append(person.level)
    return {group: float(median(values)) for group, values in levels.items()}


def coded_profile(respondents: Iterable[Respondent], levels: Mapping[str, int | None]) -> dict[str, Counter]:
    """How many in each staff group described impacts at each level (from the coded themes)."""
    profile: dict[str, Counter] = {group: Counter() for group in STAFF}
    for person in respondents:
        if person.group not in profile:
            continue
        for level in {levels.get(code) for code in person.impacts} - {None}:
            profile[person.group][level] += 1
    return profile


# Agreement between groups


def named_by_group(respondents: Iterable[Respondent], attribute: str) -> dict[str, set[str]]:
    """What each staff group named (by at least one of its respondents), as in Figures 2 and 3."""
    named: dict[str, set[str]] = {}
    for person in respondents:
        if person.group in STAFF:
            named.setdefault(person.group, set()).update(getattr(person, attribute))
    return named


def jaccard(first: set[str], second: set[str]) -> float | None:
    union = first | second
    return len(first & second) / len(union) if union else None


def pairwise_agreement(sets_by_group: Mapping[str, set[str]]) -> float | None:
    """The mean overlap over every pair of groups that named something; None with fewer than two."""
    groups = [g for g in STAFF if sets_by_group.get(g)]
    scores = [jaccard(sets_by_group[a], sets_by_group[b]) for a, b in combinations(groups, 2)]
    scores = [s for s in scores if s is not None]
    return mean(scores) if scores else None


def level_agreement(levels_by_group: Mapping[str, float]) -> float | None:
    """1 when every group places impact at the same level, 0 when they span levels 1 to 4."""
    if len(levels_by_group) < 2:
        return None
    return 1 - (max(levels_by_group.values()) - min(levels_by_group.values())) / 3


def feature_figure(respondents: Iterable[Respondent], order: Sequence[str]) -> dict[str, list[tuple[str, list[str]]]]:
    """Figures 2 and 3: each feature with the staff groups naming it, contributing and still to
    develop; most widely shared first, then in codebook order."""
    people = list(respondents)
    figure = {}
    for attribute in ("contributing", "to_develop"):
        named = named_by_group(people, attribute)
        features = set().union(*named.values()) if named else set()
        rows = [(f, [g for g in STAFF if f in named.get(g, set())]) for f in features]
        rows.sort(key=lambda row: (-len(row[1]), order.index(row[0]) if row[0] in order else len(order), row[0]))
        figure[attribute] = rows
    return figure


@dataclass(frozen=True)
class Confidence:
    """An authority's maturity ("confidence") position, with every part shown."""

    levels_by_group: dict[str, float]
    feature_agreement: float | None
    impact_agreement: float | None
    level_agreement: float | None
    shared_features: tuple[str, ...]

    @property
    def level(self) -> float | None:
        return float(median(self.levels_by_group.values())) if self.levels_by_group else None

    @property
    def impact_score(self) -> float | None:
        return (self.level - 1) / 3 if self.level is not None else None

    @property
    def agreement(self) -> float | None:
        parts = [p for p in (self.feature_agreement, self.impact_agreement, self.level_agreement) if p is not None]
        return mean(parts) if parts else None

    @property
    def index(self) -> float | None:
        if self.impact_score is None or self.agreement is None:
            return None
        return (self.impact_score + self.agreement) / 2


def confidence(respondents: Iterable[Respondent]) -> Confidence:
    people = list(respondents)
    contributing = named_by_group(people, "contributing")
    answered = [g for g in STAFF if contributing.get(g)]
    shared = set.intersection(*(contributing[g] for g in answered)) if len(answered) >= 2 else set()
    levels = group_levels(people)
    return Confidence(
        levels_by_group=levels,
        feature_agreement=pairwise_agreement(contributing),
        impact_agreement=pairwise_agreement(named_by_group(people, "impacts")),
        level_agreement=level_agreement(levels),
        shared_features=tuple(sorted(shared)),
    )


def bands(indices: Mapping[int, float | None]) -> dict[int, str]:
    """Each authority's third of the round, ranked by confidence index (ties share the better
    band); authorities without an index are left out."""
    placed = sorted(((i, a) for a, i in indices.items() if i is not None), reverse=True)
    count = len(placed)
    result = {}
    for authority, index in ((a, i) for i, a in placed):
        better = sum(1 for other, _ in placed if other > index)
        result[authority] = BANDS[min(2, math.floor(3 * better / count))]
    return result


# The study's tables


@dataclass(frozen=True)
class Ranked:
    key: str
    authorities: int
    participants: int


def _tie_order(order: Sequence[str]):
    return lambda key: (order.index(key) if key in order else len(order), key)


def table2(
    respondents: Iterable[Respondent], group: str, min_authorities: int | None = None, order: Sequence[str] = ()
) -> list[Ranked]:
    """Table 2: features a group named as contributing, ranked by the number of authorities where
    they were reported, then by the number of participants reporting them; only those found in at
    least `min_authorities` (by default half of the authorities where the group answered). Ties
    keep the codebook's `order`."""
    people = [p for p in respondents if p.group == group]
    authorities = {p.authority for p in people}
    if min_authorities is None:
        min_authorities = math.ceil(len(authorities) / 2)
    where: dict[str, set[int]] = {}
    who: Counter = Counter()
    for person in people:
        for feature in person.contributing:
            where.setdefault(feature, set()).add(person.authority)
            who[feature] += 1
    rows = [Ranked(f, len(where[f]), who[f]) for f in where if len(where[f]) >= max(1, min_authorities)]
    tie = _tie_order(order)
    return sorted(rows, key=lambda r: (-r.authorities, -r.participants, tie(r.key)))


def table1(
    respondents: Iterable[Respondent], group: str, min_count: int = SMALL_COUNT, order: Sequence[str] = ()
) -> list[tuple[str, int]]:
    """Table 1: what parents (or children) said the support changed, in rank order, each view
    given by at least `min_count` individuals. Ties keep the codebook's `order`."""
    counts = Counter(o for p in respondents if p.group == group for o in p.outcomes)
    tie = _tie_order(order)
    return sorted(((k, n) for k, n in counts.items() if n >= min_count), key=lambda row: (-row[1], tie(row[0])))


def box6(respondents: Iterable[Respondent], authorities: Iterable[int]) -> dict[str, int]:
    """Box 6: how many authorities gave each answer about quantified evidence (their director's
    latest answer; none is "No response")."""
    answers: dict[int, str] = {}
    for person in respondents:
        if person.group == "dcs" and person.quantified_evidence:
            answers[person.authority] = person.quantified_evidence
    tally = Counter(answers.get(a, "no_response") for a in set(authorities))
    return {key: tally.get(key, 0) for key in BOX6}


def dimension_means(respondents: Iterable[Respondent]) -> dict[str, tuple[float | None, int]]:
    """Each dimension's mean score (1-5), averaging each respondent's own mean, with how many
    respondents scored it ("Don't know" is left out)."""
    per_person: dict[str, list[float]] = {}
    for person in respondents:
        for dimension, scores in person.dimensions.items():
            if scores:
                per_person.setdefault(dimension, []).append(mean(scores))
    return {d: (mean(v), len(v)) for d, v in per_person.items()}


# Sharing beyond the authority


def suppressed(count: int, *, full: bool, threshold: int = SMALL_COUNT) -> int | str:
    """A count as it may be shown: in full to the authority itself; beyond it, 1 to 4 becomes "<5"
    (0 is shown, as it identifies nobody)."""
    if full or count == 0 or count >= threshold:
        return count
    return f"<{threshold}"


def mean_or_suppressed(value: float | None, base: int, *, full: bool, threshold: int = SMALL_COUNT) -> str:
    if value is None or base == 0:
        return "–"
    if not full and base < threshold:
        return f"<{threshold} answers"
    return f"{value:.1f}"


# Agreement between coders


def cohens_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa for two coders' labels of the same items: (observed - chance agreement) /
    (1 - chance agreement). None when there is nothing to compare or chance agreement is total."""
    if len(first) != len(second):
        raise ValueError("Both coders must label the same items")
    n = len(first)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    a_counts, b_counts = Counter(first), Counter(second)
    chance = sum(a_counts[label] * b_counts[label] for label in a_counts) / (n * n)
    if chance == 1:
        return None
    return (observed - chance) / (1 - chance)


def code_kappas(first: Sequence[set[str]], second: Sequence[set[str]], codes: Iterable[str]) -> dict[str, float | None]:
    """Kappa for each code as a yes/no decision on every item both coders coded (an answer may
    carry several codes)."""
    return {
        code: cohens_kappa(
            ["yes" if code in a else "no" for a in first], ["yes" if code in b else "no" for b in second]
        )
        for code in codes
    }


def pooled_kappa(first: Sequence[set[str]], second: Sequence[set[str]], codes: Iterable[str]) -> float | None:
    """Pooled kappa over every code (De Vries et al., 2008): mean observed and mean chance
    agreement across the codes' yes/no decisions, then (po - pe) / (1 - pe)."""
    n = len(first)
    observed, chance = [], []
    for code in codes:
        a = [code in item for item in first]
        b = [code in item for item in second]
        if not any(a) and not any(b):
            continue
        observed.append(sum(x == y for x, y in zip(a, b, strict=True)) / n)
        p_a, p_b = sum(a) / n, sum(b) / n
        chance.append(p_a * p_b + (1 - p_a) * (1 - p_b))
    if not observed or mean(chance) == 1:
        return None
    return (mean(observed) - mean(chance)) / (1 - mean(chance))
