"""Put a generated consortium in the database: rounds, authorities with their localities and key
groups, links and interviews, sent and half-finished answers, and two researchers' codes. Bulk
inserts, one transaction; running it again for a consortium already loaded changes nothing."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from joinedup.agencies.models import Agency, AgencyKind, LocalAuthority, Locality
from joinedup.audit import services as audit
from joinedup.people.models import Practitioner, Role
from joinedup.selfeval import services
from joinedup.selfeval.models import (
    Answer,
    Code,
    Coding,
    Invitation,
    KeyGroup,
    Mode,
    ParticipatingAuthority,
    Question,
    Response,
    Round,
)

from .consortium import Consortium

LEAD_RESEARCHER = "research.lead"
SECOND_CODER = "research.second"
LEFT_FOR_THE_DEMO = 20  # open answers of the first authority's latest round left uncoded, to code live


def researchers(authority: LocalAuthority) -> tuple:
    """The consortium's two researchers: the lead (who codes first) and a second coder."""
    agency, _ = Agency.objects.get_or_create(
        code="RESEARCH-PARTNER",
        defaults={"authority": authority, "name": "Consortium research partner", "kind": AgencyKind.VOLUNTARY},
    )
    users = []
    for username, first, last in ((LEAD_RESEARCHER, "Rowan", "Ellis"), (SECOND_CODER, "Priya", "Natarajan")):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Practitioner.objects.get_or_create(
            user=user, defaults={"agency": agency, "job_role": "Link researcher", "role": Role.RESEARCHER}
        )
        users.append(user)
    return tuple(users)


def already_loaded(consortium: Consortium) -> bool:
    number, name, *_ = consortium.rounds[0]
    return Round.objects.filter(number=number, name=name, participants__isnull=False).exists()


@transaction.atomic
def load(consortium: Consortium) -> dict:
    services.load_content()
    first = consortium.authorities[0]
    authorities = [
        LocalAuthority.objects.get_or_create(la_code=a.la_code, defaults={"name": a.name})[0]
        for a in consortium.authorities
    ]
    lead, second = researchers(authorities[0])
    if already_loaded(consortium):
        return {"loaded": False, "responses": Response.objects.count()}
    localities = [
        _locality(authority, spec.locality) for authority, spec in zip(authorities, consortium.authorities, strict=True)
    ]
    key_groups = {g.code: g for g in KeyGroup.objects.all()}
    instruments = {
        code: services.current_instrument(code) for code in ("dcs", "manager", "practitioner", "parent", "child")
    }
    questions = {(q.instrument_id, q.key): q for q in Question.objects.filter(instrument__in=instruments.values())}
    codes = {(c.scheme, c.key): c for c in Code.objects.filter(codebook=services.current_codebook())}

    rounds, participants = {}, {}
    for number, name, opens_on, closes_on in consortium.rounds:
        round_ = Round.objects.filter(number=number).first() or Round.objects.create(
            number=number, name=name, opens_on=opens_on, closes_on=closes_on
        )
        rounds[number] = round_
        for index, (authority, spec) in enumerate(zip(authorities, consortium.authorities, strict=True)):
            participant, created = ParticipatingAuthority.objects.get_or_create(
                round=round_,
                authority=authority,
                defaults={"locality": localities[index], "integrated_since": spec.integrated_since},
            )
            if created:
                participant.key_groups.set([key_groups[k] for k in spec.key_groups])
            participants[(number, index)] = participant

    invitations = []
    for spec in consortium.responses:
        round_ = rounds[spec.round_number]
        interview = spec.interview
        invitations.append(
            Invitation(
                participant=participants[(spec.round_number, spec.authority)],
                instrument=instruments[spec.instrument],
                key_group=key_groups.get(spec.key_group) if spec.key_group else None,
                mode=Mode.INTERVIEW if interview else Mode.ONLINE,
                token_digest=None if interview else secrets.token_hex(32),
                batch="" if interview else f"{spec.instrument.capitalize()} links",
                created_by=lead,
                expires_at=_moment(round_.closes_on, 23),
            )
        )
    Invitation.objects.bulk_create(invitations)
    responses = []
    for n, (spec, invitation) in enumerate(zip(consortium.responses, invitations, strict=True)):
        round_ = rounds[spec.round_number]
        span = max(1, (round_.closes_on - round_.opens_on).days - 7)
        responses.append(
            Response(
                invitation=invitation,
                participant=invitation.participant,
                instrument=invitation.instrument,
                respondent_group=invitation.instrument.respondent_group,
                key_group=invitation.key_group,
                interviewer=second if spec.interview else None,
                submitted_at=_moment(round_.opens_on + timedelta(days=7 + n * 37 % span), 10 + n % 7)
                if spec.sent
                else None,
            )
        )
    Response.objects.bulk_create(responses)
    answers, truths = [], []
    for spec, response in zip(consortium.responses, responses, strict=True):
        for key, given in spec.answers.items():
            question = questions[(response.instrument_id, key)]
            answer = Answer(
                response=response,
                question=question,
                score=given.get("score"),
                dont_know=given.get("dont_know", False),
                choices=given.get("choices", []),
                grid=given.get("grid", {}),
                text=given.get("text", ""),
                evidence=given.get("evidence", ""),
            )
            answers.append(answer)
            if spec.sent and key in spec.codes:
                truths.append((answer, question.scheme, spec.codes[key], spec.second_codes.get(key), spec))
    Answer.objects.bulk_create(answers, batch_size=2000)

    latest = max(number for number, *_ in consortium.rounds)
    left = 0
    codings, links = [], []
    for answer, scheme, first_codes, second_codes, spec in truths:
        if spec.authority == 0 and spec.round_number == latest and left < LEFT_FOR_THE_DEMO:
            left += 1
            continue
        for coder, keys in ((lead, first_codes), (second, second_codes)):
            if keys is None:
                continue
            coding = Coding(answer=answer, coder=coder)
            codings.append(coding)
            links += [(coding, codes[(scheme, key)]) for key in keys]
    Coding.objects.bulk_create(codings, batch_size=2000)
    Coding.codes.through.objects.bulk_create(
        [Coding.codes.through(coding_id=coding.pk, code_id=code.pk) for coding, code in links], batch_size=5000
    )
    audit.record(
        actor=None,
        verb="loaded_selfeval_demo",
        legal_basis="Synthetic demonstration data",
        detail={"seed": consortium.seed, "responses": len(responses), "codings": len(codings)},
    )
    return {
        "loaded": True,
        "authorities": len(authorities),
        "rounds": len(rounds),
        "responses": len(responses),
        "sent": sum(1 for r in responses if r.submitted_at),
        "answers": len(answers),
        "codings": len(codings),
        "left_to_code": left,
        "first": first.name,
    }


def _locality(authority: LocalAuthority, name: str) -> Locality:
    existing = authority.localities.order_by("name").first()
    if existing is not None:
        return existing
    return Locality.objects.get_or_create(
        code=f"{authority.la_code}-SE", defaults={"authority": authority, "name": name}
    )[0]


def _moment(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))
