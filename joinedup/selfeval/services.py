"""Changes of state in a self-evaluation round: loading instrument versions, running rounds,
issuing anonymous links, saving answers as people go and sending them once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from joinedup.agencies.models import LocalAuthority, Locality
from joinedup.audit import services as audit

from . import content
from .errors import LinkProblem, RuleBroken, Unfinished
from .models import (
    Answer,
    Code,
    Codebook,
    Coding,
    Instrument,
    Invitation,
    KeyGroup,
    Mode,
    ParticipatingAuthority,
    Question,
    QuestionKind,
    Response,
    Round,
)

LINK_DAYS = 28
TEXT_LIMIT = 5000


# Content


@transaction.atomic
def load_codebook(spec: content.CodebookSpec) -> tuple[Codebook, bool]:
    """Load a codebook version; (codebook, created). A version already loaded with other content
    is refused: raise the version number instead."""
    existing = Codebook.objects.filter(code=spec.code, version=spec.version).first()
    if existing is not None:
        if existing.checksum != spec.checksum:
            raise RuleBroken(
                f"Codebook {spec.code} version {spec.version} is already loaded with different content: "
                "give the changed codebook the next version number"
            )
        return existing, False
    codebook = Codebook.objects.create(code=spec.code, version=spec.version, title=spec.title, checksum=spec.checksum)
    Code.objects.bulk_create(
        Code(
            codebook=codebook,
            scheme=c.scheme,
            key=c.key,
            label=c.label,
            short_label=c.short_label,
            description=c.description,
            level=c.level,
            key_feature=c.key_feature,
            examples=list(c.examples),
            position=position,
        )
        for position, c in enumerate(spec.codes)
    )
    audit.record(
        actor=None,
        verb="loaded_codebook",
        target=codebook,
        legal_basis="Self-evaluation content loaded from its data file",
        detail={"code": spec.code, "version": spec.version},
    )
    return codebook, True


@transaction.atomic
def load_instrument(spec: content.InstrumentSpec) -> tuple[Instrument, bool]:
    """Load an instrument version with its questions; (instrument, created). A loaded version
    never changes, so the answers given to it always mean what their respondents read."""
    existing = Instrument.objects.filter(code=spec.code, version=spec.version).first()
    if existing is not None:
        if existing.checksum != spec.checksum:
            raise RuleBroken(
                f"Instrument {spec.code} version {spec.version} is already loaded with different wording: "
                "give the changed instrument the next version number, so earlier answers keep the words they answered"
            )
        return existing, False
    instrument = Instrument.objects.create(
        code=spec.code,
        version=spec.version,
        title=spec.title,
        respondent_group=spec.respondent_group,
        audience=spec.audience,
        intro=spec.intro,
        source=spec.source,
        terms=spec.terms,
        sections=[
            {"key": s.key, "title": s.title, "intro": s.intro, "details": list(s.details)} for s in spec.sections
        ],
        checksum=spec.checksum,
    )
    Question.objects.bulk_create(
        Question(
            instrument=instrument,
            key=q.key,
            position=position,
            section_key=q.section_key,
            kind=q.kind,
            text=q.text,
            hint=q.hint,
            measure=q.measure,
            scheme=q.scheme,
            required=q.required,
            options=list(q.options),
            columns=list(q.columns),
            min_value=q.min_value,
            max_value=q.max_value,
            unknown_label=q.unknown_label,
            evidence_label=q.evidence_label,
        )
        for position, q in enumerate(spec.questions)
    )
    audit.record(
        actor=None,
        verb="loaded_instrument",
        target=instrument,
        legal_basis="Self-evaluation content loaded from its data file",
        detail={"code": spec.code, "version": spec.version},
    )
    return instrument, True


@transaction.atomic
def load_key_groups(groups: list[dict[str, str]]) -> int:
    created = 0
    for group in groups:
        _, made = KeyGroup.objects.update_or_create(
            code=group["code"],
            defaults={
                "name": group["name"],
                "plain_name": group.get("plain_name", group["name"]),
                "description": group.get("description", ""),
                "standard": True,
            },
        )
        created += made
    return created


def load_content(directory=None) -> dict[str, Any]:
    """Load the codebook, key groups and every instrument file; what was new and what was there."""
    directory = directory or content.INSTRUMENTS_DIR
    codebook_spec = content.read_codebook(directory / "codebook.toml")
    _, codebook_new = load_codebook(codebook_spec)
    key_groups_new = load_key_groups(content.read_key_groups(directory / "key_groups.toml"))
    loaded = {}
    for path in content.instrument_paths(directory):
        instrument, created = load_instrument(content.read_instrument(path, codebook_spec))
        loaded[f"{instrument.code} v{instrument.version}"] = created
    return {"codebook_new": codebook_new, "key_groups_new": key_groups_new, "instruments": loaded}


def current_instrument(code: str) -> Instrument:
    instrument = Instrument.objects.filter(code=code).order_by("-version").first()
    if instrument is None:
        raise RuleBroken(f"No {code} instrument is loaded: run joinedup selfeval-instruments")
    return instrument


def current_codebook() -> Codebook:
    codebook = Codebook.objects.order_by("-loaded_at", "-version").first()
    if codebook is None:
        raise RuleBroken("No codebook is loaded: run joinedup selfeval-instruments")
    return codebook


# Rounds and authorities


@transaction.atomic
def open_round(*, number: int, name: str, opens_on: date, closes_on: date, opened_by: Any) -> Round:
    if closes_on < opens_on:
        raise RuleBroken("The round must close on or after the day it opens")
    if Round.objects.filter(number=number).exists():
        raise RuleBroken(f"There is already a round {number}")
    round_ = Round.objects.create(number=number, name=name, opens_on=opens_on, closes_on=closes_on)
    audit.record(
        actor=opened_by, verb="opened_selfeval_round", target=round_, legal_basis="Runs the consortium's rounds"
    )
    return round_


@transaction.atomic
def join_round(
    *,
    round: Round,
    authority: LocalAuthority,
    locality: Locality,
    key_groups: list[KeyGroup],
    own_key_group: str = "",
    integrated_since: int | None = None,
    joined_by: Any,
) -> ParticipatingAuthority:
    """An authority joins a round for one locality, studying chosen key groups and perhaps one of
    its own, as LARC's authorities did."""
    if locality.authority_id != authority.pk:
        raise RuleBroken(f"{locality.name} is not a locality of {authority.name}")
    if ParticipatingAuthority.objects.filter(round=round, authority=authority).exists():
        raise RuleBroken(f"{authority.name} has already joined {round.name}")
    groups = list(key_groups)
    if own_key_group.strip():
        groups.append(_own_key_group(authority, own_key_group.strip()))
    if not groups:
        raise RuleBroken("Choose at least one key group to study")
    participant = ParticipatingAuthority.objects.create(
        round=round, authority=authority, locality=locality, integrated_since=integrated_since
    )
    participant.key_groups.set(groups)
    audit.record(
        actor=joined_by,
        verb="joined_selfeval_round",
        target=participant,
        legal_basis="Runs the consortium's rounds",
        detail={"authority": authority.name, "locality": locality.name, "key_groups": [g.code for g in groups]},
    )
    return participant


def _own_key_group(authority: LocalAuthority, name: str) -> KeyGroup:
    code = f"{authority.la_code}-{'-'.join(name.lower().split())}"[:40]
    group, _ = KeyGroup.objects.get_or_create(
        code=code, defaults={"name": name, "plain_name": name.lower(), "standard": False}
    )
    return group


# Invitations


@dataclass(frozen=True)
class IssuedLink:
    invitation: Invitation
    token: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_links(
    *,
    participant: ParticipatingAuthority,
    instrument_code: str,
    key_group: KeyGroup | None,
    how_many: int,
    issued_by: Any,
    expires_on: date | None = None,
    batch: str = "",
) -> list[IssuedLink]:
    """Anonymous single-use links for the newest version of an instrument. The tokens are
    returned once, to be handed out; only their digests are kept."""
    if not 1 <= how_many <= 500:
        raise RuleBroken("Issue between 1 and 500 links at a time")
    if key_group is not None and not participant.key_groups.filter(pk=key_group.pk).exists():
        raise RuleBroken(f"{participant.authority.name} is not studying {key_group.name} in this round")
    instrument = current_instrument(instrument_code)
    expires_at = _end_of_day(expires_on) if expires_on else timezone.now() + timedelta(days=LINK_DAYS)
    if expires_at <= timezone.now():
        raise RuleBroken("The links must expire after today")
    issued = []
    for _ in range(how_many):
        token = secrets.token_urlsafe(18)
        invitation = Invitation.objects.create(
            participant=participant,
            instrument=instrument,
            key_group=key_group,
            mode=Mode.ONLINE,
            token_digest=token_digest(token),
            batch=batch,
            created_by=issued_by,
            expires_at=expires_at,
        )
        issued.append(IssuedLink(invitation, token))
    audit.record(
        actor=issued_by,
        verb="issued_selfeval_links",
        target=participant,
        legal_basis="Runs the consortium's rounds",
        detail={"instrument": f"{instrument.code} v{instrument.version}", "links": how_many, "batch": batch},
    )
    return issued


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.max.time()))


def open_link(token: str) -> Invitation:
    """The invitation behind a link, if it can still be answered; otherwise a LinkProblem that
    says what happened to any answers already saved."""
    invitation = (
        Invitation.objects.select_related("instrument", "participant__authority", "key_group")
        .filter(token_digest=token_digest(token), mode=Mode.ONLINE)
        .first()
    )
    if invitation is None:
        raise LinkProblem(
            "This link does not work",
            "Check that you copied the whole link. If it still does not work, "
            "ask the person who sent it for a new one.",
        )
    response = Response.objects.filter(invitation=invitation).first()
    if response is not None and response.submitted_at is not None:
        raise LinkProblem(
            "This link has already been used",
            f"Answers were sent with this link on {timezone.localtime(response.submitted_at):%-d %B %Y}. "
            "Each link is for one person's answers, once. If you need to answer again, ask for a new link.",
        )
    if invitation.expires_at <= timezone.now():
        saved = response.answers.count() if response is not None else 0
        kept = (
            f" The {saved} answer{'s' if saved != 1 else ''} you saved {'are' if saved != 1 else 'is'} kept: "
            "ask the person who sent the link to extend it, and you can carry on where you left off."
            if saved
            else " Ask the person who sent it for a new link."
        )
        raise LinkProblem(
            "This link has expired",
            f"It could be used until {timezone.localtime(invitation.expires_at):%-d %B %Y}.{kept}",
        )
    return invitation


@transaction.atomic
def extend_link(*, invitation: Invitation, until: date, extended_by: Any) -> Invitation:
    if invitation.mode != Mode.ONLINE:
        raise RuleBroken("Only links expire: an interview has no link to extend")
    if Response.objects.filter(invitation=invitation, submitted_at__isnull=False).exists():
        raise RuleBroken("These answers have been sent: the link cannot be used again")
    expires_at = _end_of_day(until)
    if expires_at <= timezone.now():
        raise RuleBroken("Extend the link to a day after today")
    invitation.expires_at = expires_at
    invitation.save(update_fields=["expires_at"])
    audit.record(
        actor=extended_by,
        verb="extended_selfeval_link",
        target=invitation,
        legal_basis="Runs the consortium's rounds",
        detail={"until": until.isoformat()},
    )
    return invitation


@transaction.atomic
def start_interview(
    *, participant: ParticipatingAuthority, instrument_code: str, key_group: KeyGroup | None, interviewer: Any
) -> Response:
    """A researcher records an interview using the instrument as the interview schedule."""
    if key_group is not None and not participant.key_groups.filter(pk=key_group.pk).exists():
        raise RuleBroken(f"{participant.authority.name} is not studying {key_group.name} in this round")
    instrument = current_instrument(instrument_code)
    invitation = Invitation.objects.create(
        participant=participant,
        instrument=instrument,
        key_group=key_group,
        mode=Mode.INTERVIEW,
        created_by=interviewer,
        expires_at=timezone.now() + timedelta(days=365),
    )
    response = _response_for(invitation, interviewer=interviewer)
    audit.record(
        actor=interviewer,
        verb="started_selfeval_interview",
        target=response,
        legal_basis="Researcher recording an interview for the consortium",
        detail={"instrument": f"{instrument.code} v{instrument.version}"},
    )
    return response


def _response_for(invitation: Invitation, interviewer: Any = None) -> Response:
    response, _ = Response.objects.get_or_create(
        invitation=invitation,
        defaults={
            "participant_id": invitation.participant_id,
            "instrument_id": invitation.instrument_id,
            "respondent_group": invitation.instrument.respondent_group,
            "key_group_id": invitation.key_group_id,
            "interviewer": interviewer,
        },
    )
    return response


# Answers


@dataclass(frozen=True)
class Given:
    """What a person gave for one question, before it is checked."""

    score: int | None = None
    dont_know: bool = False
    choices: tuple[str, ...] = ()
    grid: dict[str, list[str]] = field(default_factory=dict)
    text: str = ""
    evidence: str = ""

    @property
    def empty(self) -> bool:
        return (
            self.score is None
            and not self.dont_know
            and not self.choices
            and not any(self.grid.values())
            and not self.text.strip()
            and not self.evidence.strip()
        )


def answer_problem(question: Question, given: Given) -> str | None:
    """Why this answer cannot be kept, in words for the person answering; None if it can."""
    if len(given.text) > TEXT_LIMIT or len(given.evidence) > TEXT_LIMIT:
        return f"Your answer must be {TEXT_LIMIT:,} characters or fewer"
    keys = [o["key"] for o in question.options]
    if question.kind == QuestionKind.SCORE:
        if given.dont_know and given.score is not None:
            return f"Choose a score or '{question.unknown_label}', not both"
        if given.dont_know and not question.unknown_label:
            return f"Choose a score from {question.min_value} to {question.max_value}"
        if given.score is not None and not question.min_value <= given.score <= question.max_value:
            unknown = f", or '{question.unknown_label}'" if question.unknown_label else ""
            return f"Choose a score from {question.min_value} to {question.max_value}{unknown}"
    elif question.kind == QuestionKind.CHOICE:
        if len(given.choices) > 1 or any(c not in keys for c in given.choices):
            return "Choose one of the options shown"
    elif question.kind == QuestionKind.CHECKLIST:
        if any(c not in keys for c in given.choices):
            return "Choose from the options shown"
        exclusive = [o for o in question.options if o.get("exclusive") and o["key"] in given.choices]
        if exclusive and len(given.choices) > 1:
            return f"Select '{exclusive[0]['label']}' on its own, or only the other options"
    elif question.kind == QuestionKind.GRID:
        columns = {c["key"] for c in question.columns}
        for row, ticked in given.grid.items():
            if row not in keys or any(c not in columns for c in ticked):
                return "Tick only the boxes shown"
    return None


@transaction.atomic
def save_answers(*, invitation: Invitation, given: dict[str, Given]) -> dict[str, str]:
    """Keep every answer that can be kept, now, and return the problems with the others by
    question key: a person who makes one mistake loses nothing else."""
    response = _response_for(invitation)
    if response.submitted_at is not None:
        raise LinkProblem("These answers have already been sent", "Sent answers cannot be changed.")
    questions = {q.key: q for q in invitation.instrument.questions.filter(key__in=given)}
    problems: dict[str, str] = {}
    for key, value in given.items():
        question = questions.get(key)
        if question is None:
            problems[key] = "This question is not part of the questionnaire"
            continue
        if problem := answer_problem(question, value):
            problems[key] = problem
            continue
        if value.empty:
            Answer.objects.filter(response=response, question=question).delete()
            continue
        Answer.objects.update_or_create(
            response=response,
            question=question,
            defaults={
                "score": value.score,
                "dont_know": value.dont_know,
                "choices": list(value.choices),
                "grid": {row: list(cols) for row, cols in value.grid.items() if cols},
                "text": value.text.strip(),
                "evidence": value.evidence.strip(),
            },
        )
    Response.objects.filter(pk=response.pk).update(updated_at=timezone.now())
    return problems


def unanswered(response: Response) -> list[Question]:
    """Required questions with no answer, in questionnaire order."""
    answered = set(response.answers.values_list("question_id", flat=True))
    return [q for q in response.instrument.questions.filter(required=True) if q.pk not in answered]


@transaction.atomic
def submit(*, invitation: Invitation, sent_by: Any) -> Response:
    """Send the answers, once. With required questions unanswered, nothing is sent and nothing is
    lost: Unfinished lists what remains."""
    response = Response.objects.select_for_update().filter(invitation=invitation).first()
    if response is None:
        raise Unfinished(list(invitation.instrument.questions.filter(required=True)))
    if response.submitted_at is not None:
        raise LinkProblem("These answers have already been sent", "Sent answers cannot be changed.")
    missing = unanswered(response)
    if missing:
        raise Unfinished(missing)
    response.submitted_at = timezone.now()
    response.save(update_fields=["submitted_at", "updated_at"])
    audit.record(
        actor=sent_by,
        verb="sent_selfeval_answers",
        target=response,
        legal_basis="Anonymous answers given by invitation"
        if invitation.mode == Mode.ONLINE
        else "Interview recorded by a researcher",
        detail={"instrument": f"{invitation.instrument.code} v{invitation.instrument.version}"},
    )
    return response


# Coding open answers


@transaction.atomic
def code_answer(
    *, answer: Answer, coder: Any, codes: list[Code], no_code_fits: bool = False, top_suggestion: Code | None = None
) -> Coding:
    """Record one coder's codes for an open answer (replacing their earlier ones); a coding with
    no codes says that no code fits. The top suggestion shown is kept, to measure how often the
    suggester agrees with people."""
    question = answer.question
    if question.kind != QuestionKind.TEXT or not question.scheme:
        raise RuleBroken("Only open answers with a codebook scheme are coded")
    if answer.response.submitted_at is None:
        raise RuleBroken("Answers are coded once they have been sent")
    if not codes and not no_code_fits:
        raise RuleBroken("Choose at least one code, or 'No code fits'")
    if codes and no_code_fits:
        raise RuleBroken("Choose codes or 'No code fits', not both")
    strays = [c.label for c in codes if c.scheme != question.scheme]
    if strays:
        raise RuleBroken(f"These codes are not in the {question.scheme} scheme: {', '.join(strays)}")
    coding, created = Coding.objects.update_or_create(
        answer=answer, coder=coder, defaults={"top_suggestion": top_suggestion}
    )
    coding.codes.set(codes)
    audit.record(
        actor=coder,
        verb="coded_selfeval_answer" if created else "recoded_selfeval_answer",
        target=coding,
        legal_basis="Codes open answers for the consortium",
        detail={"answer": answer.pk, "codes": sorted(c.key for c in codes)},
    )
    return coding
