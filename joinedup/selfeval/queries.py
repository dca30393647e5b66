"""Shared reads about self-evaluation rounds: who has answered, which links are out."""

from __future__ import annotations

from django.db.models import Count, Max, Q
from django.utils import timezone

from . import method
from .models import (
    Answer,
    Code,
    Codebook,
    Coding,
    Invitation,
    Mode,
    ParticipatingAuthority,
    RespondentGroup,
    Round,
    Suggestion,
)


def response_progress(participant: ParticipatingAuthority) -> list[dict]:
    """For each respondent group: answers sent, started but not sent, and links not yet opened."""
    now = timezone.now()
    invitations = participant.invitations.values("instrument__respondent_group").annotate(
        issued=Count("id", filter=Q(mode=Mode.ONLINE)),
        interviews=Count("id", filter=Q(mode=Mode.INTERVIEW)),
        sent=Count("id", filter=Q(response__submitted_at__isnull=False)),
        started=Count("id", filter=Q(response__isnull=False, response__submitted_at__isnull=True)),
        expired_with_answers=Count(
            "id",
            filter=Q(
                mode=Mode.ONLINE, expires_at__lte=now, response__isnull=False, response__submitted_at__isnull=True
            ),
        ),
    )
    by_group = {row["instrument__respondent_group"]: row for row in invitations}
    return [
        {
            "group": group,
            "label": group.label,
            **{
                name: by_group.get(group.value, {}).get(name, 0)
                for name in ("issued", "interviews", "sent", "started", "expired_with_answers")
            },
        }
        for group in RespondentGroup
    ]


def link_batches(participant: ParticipatingAuthority) -> list[dict]:
    """Each set of links issued: how many, how many sent, how many saved on an expired link."""
    now = timezone.now()
    rows = (
        Invitation.objects.filter(participant=participant, mode=Mode.ONLINE)
        .values("batch", "instrument_id", "instrument__title", "instrument__version", "key_group__name")
        .annotate(
            links=Count("id"),
            sent=Count("id", filter=Q(response__submitted_at__isnull=False)),
            saved_on_expired=Count(
                "id", filter=Q(expires_at__lte=now, response__isnull=False, response__submitted_at__isnull=True)
            ),
            expires_at=Max("expires_at"),
        )
        .order_by("-expires_at")
    )
    return list(rows)


# The answers as the analysis reads them


def respondents(round_: Round, participant: ParticipatingAuthority | None = None) -> list[method.Respondent]:
    """Every sent response in a round (or one authority), with its answers and the first coder's
    codes for its open answers read into the measures the method uses."""
    answers = Answer.objects.filter(response__participant__round=round_, response__submitted_at__isnull=False)
    if participant is not None:
        answers = answers.filter(response__participant=participant)
    rows = list(
        answers.values(
            "id",
            "response_id",
            "response__participant_id",
            "response__respondent_group",
            "response__key_group__code",
            "question__measure",
            "score",
            "dont_know",
            "choices",
            "grid",
        )
    )
    codes = first_coders_codes([row["id"] for row in rows])
    people: dict[int, method.Respondent] = {}
    for row in rows:
        person = people.get(row["response_id"])
        if person is None:
            person = people[row["response_id"]] = method.Respondent(
                id=row["response_id"],
                authority=row["response__participant_id"],
                group=row["response__respondent_group"],
                key_group=row["response__key_group__code"] or "",
            )
        _read(person, row, codes.get(row["id"], set()))
    return list(people.values())


def first_coders_codes(answer_ids: list[int]) -> dict[int, set[str]]:
    """The codes the first coder gave each answer: the record. Later coders' codes measure
    agreement and change nothing."""
    first: dict[int, int] = {}
    for coding_id, answer_id in Coding.objects.filter(answer_id__in=answer_ids).values_list("id", "answer_id"):
        first.setdefault(answer_id, coding_id)
    codes: dict[int, set[str]] = {answer_id: set() for answer_id in first}
    by_coding = {coding_id: answer_id for answer_id, coding_id in first.items()}
    for coding_id, key in Coding.codes.through.objects.filter(coding_id__in=by_coding).values_list(
        "coding_id", "code__key"
    ):
        codes[by_coding[coding_id]].add(key)
    return codes


def _read(person: method.Respondent, row: dict, codes: set[str]) -> None:
    measure = row["question__measure"]
    choices = set(row["choices"]) - {"none"}
    if measure == "impact_level":
        person.level, person.too_early = row["score"], row["dont_know"]
    elif measure == "impacts_seen":
        person.impacts |= codes
    elif measure == "features_grid":
        for feature, columns in row["grid"].items():
            if "contributing" in columns:
                person.contributing.add(feature)
            if "to_develop" in columns:
                person.to_develop.add(feature)
    elif measure == "features_contributing":
        person.contributing |= codes
    elif measure == "features_to_develop":
        person.to_develop |= codes
    elif measure.startswith("dimension:"):
        scores = person.dimensions.setdefault(measure.split(":", 1)[1], [])
        if row["score"] is not None:
            scores.append(row["score"])
    elif measure == "enablers":
        person.enablers |= choices
    elif measure == "challenges":
        person.challenges |= choices
    elif measure == "challenges_other":
        person.challenges |= codes
    elif measure == "support_difference":
        person.outcomes |= choices
    elif measure == "support_difference_other":
        person.outcomes |= codes
    elif measure == "family_difference":
        person.family |= choices
    elif measure == "improvements":
        person.improvements |= codes
    elif measure.startswith("success_factors:"):
        person.success_factors |= {f"{measure.split(':', 1)[1]}:{c}" for c in choices}
    elif measure == "quantified_evidence":
        person.quantified_evidence = next(iter(choices), "")


def codebook_labels(codebook: Codebook | None = None) -> dict[str, dict[str, Code]]:
    """Codes by scheme and key, in codebook order."""
    codebook = codebook or Codebook.objects.order_by("-loaded_at", "-version").first()
    result: dict[str, dict[str, Code]] = {}
    if codebook is None:
        return result
    for code in codebook.codes.all():
        result.setdefault(code.scheme, {})[code.key] = code
    return result


# Coding


def codable_answers(round_: Round, participant: ParticipatingAuthority | None = None):
    """Sent open answers that have a codebook scheme and some text, oldest first."""
    answers = (
        Answer.objects.filter(
            response__participant__round=round_,
            response__submitted_at__isnull=False,
            question__kind="text",
        )
        .exclude(question__scheme="")
        .exclude(text="")
        .select_related("question", "response__participant__authority")
        .order_by("response__submitted_at", "response_id", "question__position")
    )
    return answers.filter(response__participant=participant) if participant is not None else answers


def coding_queue(round_: Round, coder, *, second: bool, participant: ParticipatingAuthority | None = None):
    """First coding: answers nobody has coded. Second coding: answers someone else has coded and
    this coder has not, for measuring agreement."""
    answers = codable_answers(round_, participant).exclude(codings__coder=coder)
    if second:
        return answers.filter(codings__isnull=False).distinct()
    return answers.filter(codings__isnull=True)


def agreement(round_: Round) -> dict:
    """How far coders agree (Cohen's kappa, answers coded by two people) and how often the top
    suggestion was among the first coder's codes."""
    answers = codable_answers(round_)
    codings: dict[int, list[tuple[int, set[str]]]] = {}
    through = Coding.codes.through.objects.filter(coding__answer__in=answers).values_list("coding_id", "code__key")
    codes_of: dict[int, set[str]] = {}
    for coding_id, key in through:
        codes_of.setdefault(coding_id, set()).add(key)
    scheme_of = dict(answers.values_list("id", "question__scheme"))
    first_top: list[tuple[str | None, set[str]]] = []
    for coding in Coding.objects.filter(answer__in=answers).order_by("answer_id", "coded_at", "id"):
        items = codings.setdefault(coding.answer_id, [])
        items.append((coding.coder_id, codes_of.get(coding.pk, set())))
        if len(items) == 1:
            first_top.append((coding.top_suggestion_id, coding.pk))
    top_keys = dict(Code.objects.values_list("id", "key"))
    suggestions: dict[int, list[str]] = {}
    for answer_id, key in (
        Suggestion.objects.filter(answer__in=answers)
        .order_by("answer_id", "rank")
        .values_list("answer_id", "code__key")
    ):
        suggestions.setdefault(answer_id, []).append(key)

    first_codes = {answer_id: items[0][1] for answer_id, items in codings.items()}
    with_suggestions = [a for a in first_codes if suggestions.get(a) and first_codes[a]]
    top1 = sum(suggestions[a][0] in first_codes[a] for a in with_suggestions)
    top3 = sum(bool(set(suggestions[a][:3]) & first_codes[a]) for a in with_suggestions)
    shown_top = [(top_keys.get(top), codes_of.get(pk, set())) for top, pk in first_top if top is not None]
    shown_hits = sum(key in codes for key, codes in shown_top)

    schemes: dict[str, dict] = {}
    for answer_id, items in codings.items():
        if len(items) < 2:
            continue
        scheme = schemes.setdefault(scheme_of[answer_id], {"first": [], "second": []})
        scheme["first"].append(items[0][1])
        scheme["second"].append(items[1][1])
    by_scheme = {}
    for scheme, pairs in sorted(schemes.items()):
        keys = sorted(set().union(*pairs["first"], *pairs["second"]))
        exact = sum(a == b for a, b in zip(pairs["first"], pairs["second"], strict=True))
        by_scheme[scheme] = {
            "answers": len(pairs["first"]),
            "exact": exact,
            "pooled": method.pooled_kappa(pairs["first"], pairs["second"], keys),
            "codes": method.code_kappas(pairs["first"], pairs["second"], keys),
        }
    return {
        "answers": answers.count(),
        "coded": len(codings),
        "double_coded": sum(len(items) >= 2 for items in codings.values()),
        "suggested": len(with_suggestions),
        "top1": top1,
        "top3": top3,
        "shown": len(shown_top),
        "shown_hits": shown_hits,
        "by_scheme": by_scheme,
    }


def professional_experience(authority_id: int, locality_id: int | None = None) -> dict | None:
    """Level 2 of the impact model for an authority (or one of its localities), from the latest
    round it took part in: how many staff answered, how many placed the impact of integrated
    working at level 2 or above, and the mean score of each dimension of integration. None when
    the authority has taken part in no round."""
    participants = ParticipatingAuthority.objects.filter(authority_id=authority_id)
    if locality_id is not None:
        participants = participants.filter(locality_id=locality_id)
    participant = participants.select_related("round").order_by("-round__number").first()
    if participant is None:
        return None
    staff = [person for person in respondents(participant.round, participant) if person.group in method.STAFF]
    placed = [person for person in staff if person.level is not None]
    return {
        "round": participant.round.name,
        "staff": len(staff),
        "placed": len(placed),
        "level_2_or_above": sum(1 for person in placed if person.level >= 2),
        "dimensions": method.dimension_means(staff),
    }
