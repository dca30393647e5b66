"""Reports built from the method: an authority's own report, the consortium's report for a round
(Tables 1 and 2, Box 6, benchmarking) and trends across rounds. Each report is a list of sections
of plain tables, so the page, the PDF and the spreadsheet show the same figures."""

from __future__ import annotations

import hashlib
import string
from collections import Counter
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from markupsafe import Markup

from joinedup.agencies.models import LocalAuthority

from . import charts, method, queries
from .models import SHORT_NAMES, Answer, ParticipatingAuthority, Question, RespondentGroup, Round

DIMENSIONS = {"extent": "Extent", "structures": "Structures", "processes": "Processes", "reach": "Reach"}
LEVEL_NAMES = {1: "Level 1", 2: "Level 2", 3: "Level 3", 4: "Level 4", "too_early": "Too early to say"}
STAFF_LABELS = {g: RespondentGroup(g).label for g in method.STAFF}


@dataclass
class Table:
    caption: str
    head: list[str]
    rows: list[list[Any]]
    numeric: set[int] = field(default_factory=set)
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chart: Markup | None = None
    chart_caption: str = ""


@dataclass
class Report:
    title: str
    subtitle: str
    full: bool
    sections: list[Section]
    summary: list[tuple[str, str]] = field(default_factory=list)


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def _fmt(value: float | None, places: int = 2) -> str:
    return "–" if value is None else f"{value:.{places}f}"


def _index100(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)}"


def _names(labels: dict[str, Any], keys) -> str:
    return ", ".join(labels[k].name if k in labels else k for k in keys)


def _label(labels: dict[str, Any], key: str) -> str:
    return labels[key].name if key in labels else key


def _order(labels: dict[str, Any]) -> list[str]:
    return list(labels)


@dataclass
class RoundFigures:
    """Everything computed once for a round, shared by its authority reports and its own."""

    round: Round
    participants: list[ParticipatingAuthority]
    people: list[method.Respondent]
    labels: dict[str, dict[str, Any]]
    confidence: dict[int, method.Confidence]
    bands: dict[int, str]
    success_labels: dict[str, str]

    @classmethod
    def of(cls, round_: Round) -> RoundFigures:
        participants = list(round_.participants.select_related("authority", "locality").prefetch_related("key_groups"))
        people = queries.respondents(round_)
        by_authority: dict[int, list[method.Respondent]] = {p.pk: [] for p in participants}
        for person in people:
            by_authority.setdefault(person.authority, []).append(person)
        confidence = {pk: method.confidence(group) for pk, group in by_authority.items()}
        return cls(
            round=round_,
            participants=participants,
            people=people,
            labels=queries.codebook_labels(),
            confidence=confidence,
            bands=method.bands({pk: c.index for pk, c in confidence.items()}),
            success_labels={
                f"{q.measure.split(':', 1)[1]}:{o['key']}": o["label"]
                for q in Question.objects.filter(measure__startswith="success_factors:")
                for o in q.options
            },
        )

    def of_authority(self, participant_id: int) -> list[method.Respondent]:
        return [p for p in self.people if p.authority == participant_id]

    def letter(self, participant_id: int) -> str:
        """A stable, meaningless letter for each authority in the round, for anonymised tables."""
        order = sorted(self.participants, key=lambda p: hashlib.sha256(f"{self.round.pk}:{p.pk}".encode()).hexdigest())
        letters = {p.pk: _letters(i) for i, p in enumerate(order)}
        return letters[participant_id]

    def rank(self, participant_id: int) -> tuple[int, int] | None:
        indices = sorted((c.index for c in self.confidence.values() if c.index is not None), reverse=True)
        mine = self.confidence[participant_id].index
        return (indices.index(mine) + 1, len(indices)) if mine is not None else None

    def dimension_medians(self) -> dict[str, float]:
        """The consortium's figure for each dimension: the median of authorities' staff means."""
        per_authority: dict[str, list[float]] = {}
        for participant in self.participants:
            staff = [p for p in self.of_authority(participant.pk) if p.group in method.STAFF]
            for dimension, (value, _) in method.dimension_means(staff).items():
                if value is not None:
                    per_authority.setdefault(dimension, []).append(value)
        return {d: median(v) for d, v in per_authority.items()}


def _letters(i: int) -> str:
    letters = string.ascii_uppercase
    return letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26]


def count_by_group(people: list[method.Respondent]) -> Counter:
    return Counter(p.group for p in people)


# An authority's report


def authority_report(participant: ParticipatingAuthority, *, full: bool, figures: RoundFigures | None = None) -> Report:
    """`full` for the authority and its Children's Trust; otherwise counts under five are
    suppressed, for sharing beyond the authority."""
    figures = figures or RoundFigures.of(participant.round)
    people = figures.of_authority(participant.pk)
    staff = [p for p in people if p.group in method.STAFF]
    groups = count_by_group(people)
    labels = figures.labels
    sections = [
        _about(participant, groups, full),
        _impact_section(staff, labels.get("impact", {}), full),
        _confidence_section(participant, figures),
        _features_section(staff, labels.get("feature", {}), full=full),
        _dimensions_section(staff, figures.dimension_medians(), full),
        _helps_section(staff, labels, full),
        _families_section(people, labels, full),
        _evidence_section(participant),
        _success_section(staff, figures.success_labels, full),
    ]
    confidence = figures.confidence[participant.pk]
    rank = figures.rank(participant.pk)
    summary = [
        ("Staff who answered", str(method.suppressed(len(staff), full=full))),
        ("Parents, carers and children who answered", str(method.suppressed(len(people) - len(staff), full=full))),
        ("Self-reported level of impact", _fmt(confidence.level, 1) if confidence.level is not None else "–"),
        ("Agreement between groups (0 to 100)", _index100(confidence.agreement)),
        ("Confidence index (0 to 100)", _index100(confidence.index)),
        (
            "Position in the round",
            f"{figures.bands[participant.pk]}: {rank[0]} of {rank[1]}" if rank else "Not enough answers to place",
        ),
    ]
    return Report(
        title=f"{participant.authority.name}: self-evaluation of integrated working",
        subtitle=f"{participant.round.name}, {participant.locality.name} locality",
        full=full,
        sections=sections,
        summary=summary,
    )


def _about(participant: ParticipatingAuthority, groups: Counter, full: bool) -> Section:
    key_groups = ", ".join(g.name for g in participant.key_groups.all())
    paragraphs = [
        f"{participant.authority.name} took part in {participant.round.name} in its {participant.locality.name} "
        f"locality, studying: {key_groups}.",
    ]
    if participant.integrated_since:
        paragraphs.append(
            f"The authority dates its integrated children's services from {participant.integrated_since}."
        )
    paragraphs.append(
        "This version is for the authority and its Children's Trust: every count is shown."
        if full
        else "This version is for sharing beyond the authority: counts from 1 to 4 are shown as <5, and averages of "
        "fewer than 5 answers are not shown."
    )
    rows = [[group.label, method.suppressed(groups.get(group.value, 0), full=full)] for group in RespondentGroup]
    return Section(
        "about",
        "About this self-evaluation",
        paragraphs,
        [Table("Answers sent, by group", ["Group", "Answers"], rows, {1})],
    )


def _impact_section(staff: list[method.Respondent], impact_labels: dict[str, Any], full: bool) -> Section:
    profile = method.impact_profile(staff)
    levels = method.group_levels(staff)
    rows, chart_rows = [], []
    for group in method.STAFF:
        counts = profile[group]
        rows.append(
            [STAFF_LABELS[group]]
            + [method.suppressed(counts.get(level, 0), full=full) for level in LEVEL_NAMES]
            + [_fmt(levels.get(group), 1) if group in levels else "–"]
        )
        chart_rows += [
            {"group": STAFF_LABELS[group], "level": name, "people": counts.get(level, 0)}
            for level, name in LEVEL_NAMES.items()
            if counts.get(level, 0)
        ]
    level_of = {key: code.level for key, code in impact_labels.items()}
    coded = method.coded_profile(staff, level_of)
    coded_rows = [
        [STAFF_LABELS[group]] + [method.suppressed(coded[group].get(level, 0), full=full) for level in (1, 2, 3, 4)]
        for group in method.STAFF
    ]
    themes = Counter(code for person in staff for code in person.impacts)
    theme_rows = [
        [
            _label(impact_labels, key),
            f"Level {level_of[key]}" if level_of.get(key) else "–",
            method.suppressed(n, full=full),
        ]
        for key, n in sorted(
            themes.items(),
            key=lambda kv: (-kv[1], _order(impact_labels).index(kv[0]) if kv[0] in impact_labels else 99),
        )
    ][:12]
    chart = charts.impact_levels(
        chart_rows if full else [r for r in chart_rows if r["people"] >= method.SMALL_COUNT],
        "Bar chart: how many directors, service managers and practitioners placed impact at each level. "
        "The table below gives the same figures.",
    )
    return Section(
        "impact",
        "Level of impact",
        [
            "Each director, manager and practitioner placed integrated working on the NFER impact model, from level 1 "
            "(changes to inputs, processes and structures) to level 4 (institutional or systemic embedding), with "
            "evidence. Their open descriptions of impacts were coded to the model's themes.",
        ],
        [
            Table(
                "Self-placed level of impact, by group",
                ["Group", *LEVEL_NAMES.values(), "Median level"],
                rows,
                {1, 2, 3, 4, 5, 6},
            ),
            Table(
                "People describing impacts at each level (coded open answers)",
                ["Group", "Level 1", "Level 2", "Level 3", "Level 4"],
                coded_rows,
                {1, 2, 3, 4},
            ),
            Table("Impacts most often described", ["Impact", "Level", "People"], theme_rows, {2}),
        ],
        chart=chart,
        chart_caption="Self-placed level of impact",
    )


def _confidence_section(participant: ParticipatingAuthority, figures: RoundFigures) -> Section:
    result = figures.confidence[participant.pk]
    labels = figures.labels.get("feature", {})
    levels = ", ".join(f"{SHORT_NAMES[g]} {v:g}" for g, v in result.levels_by_group.items()) or "none given"
    paragraphs = [
        "The Round 1 study judged an authority's maturity, or 'confidence', from two things: the level of impact its "
        "staff report, and how far directors, managers and practitioners agree on the types of impact and on the "
        "features that contribute. This report works both out the same way, in numbers you can check.",
        f"Self-reported level: each group's median level ({levels}); the median of these is "
        f"{_fmt(result.level, 1)}, which is {_index100(result.impact_score)} on a scale where level 1 is 0 and "
        "level 4 is 100.",
        "Agreement: for each pair of groups, the features (or impacts) both named divided by all the features (or "
        "impacts) either named, averaged over the pairs; and how close the groups' levels are (100 when they are the "
        f"same, 0 when they span levels 1 to 4). Features {_index100(result.feature_agreement)}, impacts "
        f"{_index100(result.impact_agreement)}, levels {_index100(result.level_agreement)}: on average "
        f"{_index100(result.agreement)}.",
        f"Confidence index: the mean of the level ({_index100(result.impact_score)}) and the agreement "
        f"({_index100(result.agreement)}) is {_index100(result.index)}.",
    ]
    rank = figures.rank(participant.pk)
    if rank:
        paragraphs.append(
            f"Among the {rank[1]} authorities placed in {participant.round.name} this is number {rank[0]}, in the "
            f"third described as '{figures.bands[participant.pk]}'. The study saw more confident authorities share "
            "a vision, good working relationships and communication, and fewer concerns about funding."
        )
    else:
        paragraphs.append(
            "There are not yet enough answers to place the authority: it needs levels from at least one group and "
            "answers from at least two of directors, managers and practitioners."
        )
    if result.shared_features:
        paragraphs.append(f"Named by every group: {_names(labels, result.shared_features)}.")
    rows = [
        ["Self-reported level (median of groups' medians)", _fmt(result.level, 1), _index100(result.impact_score)],
        ["Agreement on contributing features", "", _index100(result.feature_agreement)],
        ["Agreement on types of impact", "", _index100(result.impact_agreement)],
        ["Agreement on level of impact", "", _index100(result.level_agreement)],
        ["Agreement (mean of the three)", "", _index100(result.agreement)],
        ["Confidence index", "", _index100(result.index)],
    ]
    return Section(
        "confidence",
        "How confident is integrated working here?",
        paragraphs,
        [Table("The parts of the confidence index", ["Part", "Level", "Score (0 to 100)"], rows, {1, 2})],
    )


def _features_section(staff: list[method.Respondent], labels: dict[str, Any], *, full: bool) -> Section:
    figure = method.feature_figure(staff, _order(labels))
    # A group of one director would be named as one person's view: beyond the authority, groups
    # smaller than the suppression threshold are left out of "Named by".
    sizes = Counter(person.group for person in staff)
    shown = {group for group, n in sizes.items() if full or n >= method.SMALL_COUNT}

    def rows(entries):
        return [
            [_label(labels, key), ", ".join(SHORT_NAMES[g] for g in groups if g in shown) or "a small group"]
            for key, groups in entries
        ]

    return Section(
        "features",
        "Features perceived to lead to better outcomes",
        [
            "As in Figures 2 and 3 of the Round 1 report: the features each group named as contributing to better "
            "outcomes, and as still to develop. Features named by all three groups suggest a shared identity; more "
            "positive features and fewer still to develop suggest a more mature service.",
            "DCS: Directors of Children's Services. SM: service managers. PR: practitioners."
            + ("" if full else f" Groups of fewer than {method.SMALL_COUNT} people are not named in this version."),
        ],
        [
            Table("Perceptions of key features", ["Feature", "Named by"], rows(figure["contributing"])),
            Table("Features still to develop", ["Feature", "Named by"], rows(figure["to_develop"])),
        ],
    )


def _dimensions_section(staff: list[method.Respondent], consortium: dict[str, float], full: bool) -> Section:
    by_group = {g: method.dimension_means([p for p in staff if p.group == g]) for g in method.STAFF}
    everyone = method.dimension_means(staff)
    rows, chart_rows = [], []
    for key, name in DIMENSIONS.items():
        row = [name]
        for group in method.STAFF:
            value, base = by_group[group].get(key, (None, 0))
            row.append(method.mean_or_suppressed(value, base, full=full))
            if value is not None and (full or base >= method.SMALL_COUNT):
                chart_rows.append({"dimension": name, "series": STAFF_LABELS[group], "score": round(value, 2)})
        value, base = everyone.get(key, (None, 0))
        row += [method.mean_or_suppressed(value, base, full=full), _fmt(consortium.get(key), 1)]
        if key in consortium:
            chart_rows.append({"dimension": name, "series": "Consortium median", "score": round(consortium[key], 2)})
        rows.append(row)
    return Section(
        "dimensions",
        "The four dimensions of integration",
        [
            "Staff scored statements from the NFER summary from 1 (fragmentation) to 5 (integrated, high quality). "
            "Each figure is the mean of people's own mean scores; 'Don't know' is left out. The consortium median is "
            "the middle of the participating authorities' staff means.",
        ],
        [
            Table(
                "Mean scores by group",
                ["Dimension", *STAFF_LABELS.values(), "All staff", "Consortium median"],
                rows,
                {1, 2, 3, 4, 5},
            )
        ],
        chart=charts.dimension_scores(
            chart_rows,
            "Bar chart: mean scores for the four dimensions by group, with the consortium median. "
            "The table below gives the same figures.",
        ),
        chart_caption="Mean scores for the four dimensions",
    )


def _ranked_counts(people, attribute: str, labels: dict[str, Any], full: bool, total: int) -> list[list[Any]]:
    counts = Counter(k for p in people for k in getattr(p, attribute))
    order = _order(labels)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], order.index(kv[0]) if kv[0] in order else 99))
    return [[_label(labels, key), method.suppressed(n, full=full), _pct(n, total)] for key, n in ranked]


def _helps_section(staff: list[method.Respondent], labels: dict, full: bool) -> Section:
    return Section(
        "helps",
        "What helps and what gets in the way",
        [
            f"Enablers and challenges from the NFER summary, as ticked by {method.suppressed(len(staff), full=full)} "
            "staff, with challenges described in their own words coded to the same list."
        ],
        [
            Table(
                "Enablers in place",
                ["Enabler", "Staff", "Share"],
                _ranked_counts(staff, "enablers", labels.get("enabler", {}), full, len(staff)),
                {1, 2},
            ),
            Table(
                "Challenges",
                ["Challenge", "Staff", "Share"],
                _ranked_counts(staff, "challenges", labels.get("challenge", {}), full, len(staff)),
                {1, 2},
            ),
        ],
    )


def _families_section(people: list[method.Respondent], labels: dict, full: bool) -> Section:
    tables = []
    for group, title in (
        ("parent", "Parents' views: impacts on my child"),
        ("child", "Children's views: impacts on me"),
    ):
        members = [p for p in people if p.group == group]
        tables.append(
            Table(
                title,
                ["What changed", "People", "Share"],
                _ranked_counts(members, "outcomes", labels.get("outcome", {}), full, len(members)),
                {1, 2},
            )
        )
    parents = [p for p in people if p.group == "parent"]
    families = [p for p in people if p.group in ("parent", "child")]
    tables.append(
        Table(
            "Parents' views: the difference to me and my family",
            ["What changed", "Parents", "Share"],
            _ranked_counts(parents, "family", labels.get("family", {}), full, len(parents)),
            {1, 2},
        )
    )
    tables.append(
        Table(
            "What parents and children say should improve (coded)",
            ["Improvement", "People", "Share"],
            _ranked_counts(families, "improvements", labels.get("improvement", {}), full, len(families)),
            {1, 2},
        )
    )
    return Section(
        "families",
        "Parents' and children's views",
        [
            "Parents and carers were asked what difference the support has made to their child, and children what "
            "difference it has made to them, as in Table 1 of the Round 1 report; answers in their own words were "
            "coded to the same items."
        ],
        tables,
    )


def _evidence_section(participant: ParticipatingAuthority) -> Section:
    answers = (
        Answer.objects.filter(
            response__participant=participant,
            response__submitted_at__isnull=False,
            question__measure__in=["quantified_evidence", "quantified_evidence_detail"],
        )
        .select_related("question")
        .order_by("-response__submitted_at")
    )
    choice = next((a for a in answers if a.question.measure == "quantified_evidence"), None)
    detail = (
        next(
            (
                a
                for a in answers
                if a.question.measure == "quantified_evidence_detail" and a.response_id == choice.response_id
            ),
            None,
        )
        if choice
        else None
    )
    if choice is None:
        paragraphs = ["No director's answer has been sent: Box 6 counts the authority as 'No response'."]
    else:
        paragraphs = [f"The director's answer: {method.BOX6[choice.choices[0]]}."]
        if detail is not None and detail.text:
            paragraphs.append(f"The evidence described: {detail.text}")
    return Section("evidence", "Quantified evidence of impact (Box 6)", paragraphs)


def _success_section(staff: list[method.Respondent], labels: dict[str, str], full: bool) -> Section:
    counts = Counter(k for p in staff for k in p.success_factors)
    answered = [p for p in staff if p.success_factors]
    rows = []
    for key, n in sorted(counts.items(), key=lambda kv: (kv[0].split(":")[0], -kv[1])):
        group, item = key.split(":", 1)
        rows.append(
            [
                group.capitalize(),
                item.replace("_", " ").capitalize(),
                method.suppressed(n, full=full),
                _pct(n, len(answered)),
            ]
        )
    return Section(
        "success",
        "Success factors checklist",
        [
            f"{method.suppressed(len(answered), full=full)} directors and managers ticked the success factors for "
            "multi-agency working (Every Child Matters) that are true of their partnership now."
        ],
        [Table("Success factors in place", ["Group", "Factor", "People", "Share"], rows, {2, 3})],
    )


# The consortium's report for a round


def consortium_report(round_: Round, *, names_shown_for: set[int], own: int | None) -> Report:
    """The study's outputs for a round. Authorities are lettered, except those the viewer sees in
    full (`names_shown_for`) and the viewer's own (`own`); counts under five are suppressed except
    for viewers who see every authority in full."""
    figures = RoundFigures.of(round_)
    everyone_full = bool(figures.participants) and {p.pk for p in figures.participants} <= names_shown_for
    full = everyone_full
    labels = figures.labels
    people = figures.people
    groups = count_by_group(people)
    authorities = len(figures.participants)
    sections = [
        Section(
            "about",
            "About this round",
            [
                f"{authorities} authorit{'y' if authorities == 1 else 'ies'} took part in {round_.name}. "
                + (
                    "Every count is shown."
                    if full
                    else "Authorities are shown by letter; counts from 1 to 4 are shown as <5."
                )
            ],
            [
                Table(
                    "Answers sent, by group",
                    ["Group", "Answers", "Authorities with answers"],
                    [
                        [
                            group.label,
                            method.suppressed(groups.get(group.value, 0), full=full),
                            len({p.authority for p in people if p.group == group.value}),
                        ]
                        for group in RespondentGroup
                    ],
                    {1, 2},
                )
            ],
        ),
        _table1_section(people, labels.get("outcome", {})),
        _table2_section(people, labels.get("feature", {}), full),
        _box6_section(people, figures),
        _benchmark_section(figures, names_shown_for, own, full),
    ]
    return Report(
        title=f"{round_.name}: consortium report",
        subtitle=f"{authorities} authorities, {len(people)} people",
        full=full,
        sections=sections,
    )


def _table1_section(people: list[method.Respondent], labels: dict[str, Any]) -> Section:
    tables = []
    for group, title in (
        ("parent", "Parents' views: 'impacts on my child'"),
        ("child", "Children's views: 'impacts on me'"),
    ):
        ranked = method.table1(people, group, order=_order(labels))
        tables.append(
            Table(
                title,
                ["Rank", "View", "People"],
                [[i, _label(labels, key), n] for i, (key, n) in enumerate(ranked, 1)],
                {0, 2},
                note=f"Views given by {method.SMALL_COUNT} or more people, in rank order.",
            )
        )
    return Section(
        "table1",
        "Table 1: parents' and children's views on support received",
        [
            "What parents and carers said the support had changed for their child, and children for themselves, in "
            f"rank order. As in the study, each view shown was given by {method.SMALL_COUNT} or more individuals."
        ],
        tables,
    )


def _table2_section(people: list[method.Respondent], labels: dict[str, Any], full: bool) -> Section:
    tables = []
    for attribute, heading in (
        ("contributing", "Key contributing features"),
        ("to_develop", "Features still to develop"),
    ):
        for group in method.STAFF:
            source = [method.Respondent(p.id, p.authority, p.group, contributing=getattr(p, attribute)) for p in people]
            ranked = method.table2(source, group, order=_order(labels))
            rows = [
                [
                    i,
                    (labels[r.key].label if r.key in labels else r.key)
                    + (" *" if r.key in labels and labels[r.key].key_feature else ""),
                    r.authorities,
                    method.suppressed(r.participants, full=full),
                ]
                for i, r in enumerate(ranked, 1)
            ]
            tables.append(
                Table(
                    f"{heading}: {STAFF_LABELS[group]}",
                    ["Rank", "Feature", "Authorities", "People"],
                    rows,
                    {0, 2, 3},
                )
            )
    return Section(
        "table2",
        "Table 2: key contributing features",
        [
            "Features ranked by the number of authorities where they were reported, then by the number of people "
            "reporting them, listing those found in at least half of the authorities where the group answered. "
            "* marks the nine key features drawn up by the External Steering Group. 'Working together' covers joint, "
            "partnership and integrated working, shared ownership and working more closely with other agencies."
        ],
        tables,
    )


def _box6_section(people: list[method.Respondent], figures: RoundFigures) -> Section:
    tally = method.box6(people, [p.pk for p in figures.participants])
    rows = [[method.BOX6[key], n] for key, n in tally.items()]
    return Section(
        "box6",
        "Box 6: evidence of quantified impacts",
        [
            "How many authorities gave each answer about quantitative evidence they would 'confidently ascribe' to "
            "integrated children's services (the director's answer for each authority)."
        ],
        [Table("Responses from authorities", ["Response", "Authorities"], rows, {1})],
    )


def _benchmark_section(figures: RoundFigures, names_shown_for: set[int], own: int | None, full: bool) -> Section:
    rows, chart_rows = [], []
    for participant in figures.participants:
        staff = [p for p in figures.of_authority(participant.pk) if p.group in method.STAFF]
        result = figures.confidence[participant.pk]
        named = participant.pk in names_shown_for or participant.pk == own
        label = participant.authority.name if named else f"Authority {figures.letter(participant.pk)}"
        if participant.pk == own:
            label += " (yours)"
        dims = method.dimension_means(staff)
        row = [
            label,
            figures.bands.get(participant.pk, "Not placed"),
            _index100(result.index),
            _fmt(result.level, 1),
            _index100(result.agreement),
            method.suppressed(len(staff), full=full or participant.pk == own),
        ]
        row += [
            method.mean_or_suppressed(*dims.get(key, (None, 0)), full=full or participant.pk == own)
            for key in DIMENSIONS
        ]
        rows.append((result.index if result.index is not None else -1, row))
        if result.index is not None:
            chart_rows.append({"authority": label, "index": round(100 * result.index), "own": participant.pk == own})
    rows.sort(key=lambda pair: -pair[0])
    return Section(
        "benchmarking",
        "Benchmarking",
        [
            "Each authority's confidence index (self-reported level of impact plus agreement between directors, "
            "managers and practitioners), its band in the round, and its staff's mean scores on the four dimensions. "
            "Other authorities are not named."
        ],
        [
            Table(
                "Authorities by confidence index",
                ["Authority", "Band", "Index", "Level", "Agreement", "Staff answers", *DIMENSIONS.values()],
                [row for _, row in rows],
                {2, 3, 4, 5, 6, 7, 8, 9},
            )
        ],
        chart=charts.confidence_positions(
            chart_rows,
            "Bar chart: each authority's confidence index from 0 to 100, highest first"
            + (", with your authority highlighted" if own else "")
            + ". The table below gives the same figures.",
        ),
        chart_caption="Confidence index by authority",
    )


# Trends across rounds


def trends(authority: LocalAuthority, *, full: bool) -> Report:
    """An authority's position round by round, beside the consortium's median."""
    rows, index_rows, dimension_rows = [], [], []
    for participant in (
        ParticipatingAuthority.objects.filter(authority=authority).select_related("round").order_by("round__number")
    ):
        figures = RoundFigures.of(participant.round)
        result = figures.confidence[participant.pk]
        all_indices = [c.index for c in figures.confidence.values() if c.index is not None]
        staff = [p for p in figures.of_authority(participant.pk) if p.group in method.STAFF]
        dims = method.dimension_means(staff)
        name = participant.round.name
        rows.append(
            [
                name,
                figures.bands.get(participant.pk, "Not placed"),
                _index100(result.index),
                _index100(median(all_indices)) if all_indices else "–",
                _fmt(result.level, 1),
                _index100(result.agreement),
                method.suppressed(len(staff), full=full),
            ]
        )
        if result.index is not None:
            index_rows.append({"round": name, "series": authority.name, "value": round(100 * result.index)})
        if all_indices:
            index_rows.append({"round": name, "series": "Consortium median", "value": round(100 * median(all_indices))})
        for key, label in DIMENSIONS.items():
            value, base = dims.get(key, (None, 0))
            if value is not None and (full or base >= method.SMALL_COUNT):
                dimension_rows.append({"round": name, "series": label, "value": round(value, 2)})
    sections = [
        Section(
            "trend_index",
            "Confidence over time",
            ["The authority's confidence index in each round it took part in, beside the consortium's median."],
            [
                Table(
                    "Round by round",
                    ["Round", "Band", "Index", "Consortium median", "Level", "Agreement", "Staff answers"],
                    rows,
                    {2, 3, 4, 5, 6},
                )
            ],
            chart=charts.trend(
                index_rows,
                "Line chart: the authority's confidence index and the consortium median, round by round. "
                "The table below gives the same figures.",
                "Confidence index",
                (0, 100),
            ),
            chart_caption="Confidence index by round",
        ),
        Section(
            "trend_dimensions",
            "The four dimensions over time",
            ["The authority's staff mean score on each dimension, round by round."],
            [
                Table(
                    "Mean scores by round",
                    ["Round", "Dimension", "Mean score"],
                    [[r["round"], r["series"], f"{r['value']:.1f}"] for r in dimension_rows],
                    {2},
                )
            ],
            chart=charts.trend(
                dimension_rows,
                "Line chart: mean scores on the four dimensions, round by round. "
                "The table below gives the same figures.",
                "Mean score (1 to 5)",
                (1, 5),
            ),
            chart_caption="Mean scores by round",
        ),
    ]
    return Report(
        title=f"{authority.name}: trends across rounds",
        subtitle="Self-evaluation of integrated working",
        full=full,
        sections=sections,
    )
