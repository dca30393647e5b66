"""Which authorities' self-evaluation a user sees in full. The access policy decides what a role
may do (view reports, code answers, manage rounds); this decides for which authorities: staff see
their own authority in full and every other one anonymised, with small counts suppressed; those
who run the consortium's rounds see every authority in full."""

from __future__ import annotations

from typing import Any

from joinedup.access.policy import Action, decide

from .models import ParticipatingAuthority, Round


def authority_id_of(user: Any) -> int | None:
    practitioner = getattr(user, "practitioner", None) if getattr(user, "is_authenticated", False) else None
    return practitioner.agency.authority_id if practitioner is not None else None


def runs_rounds(user: Any) -> bool:
    return decide(user, Action.MANAGE_ROUNDS).allowed


def sees_in_full(user: Any, participant: ParticipatingAuthority) -> bool:
    """Counts under five are shown only to the authority itself and to those who run rounds."""
    if not decide(user, Action.VIEW_SELFEVAL_REPORTS):
        return False
    return runs_rounds(user) or participant.authority_id == authority_id_of(user)


def may_code(user: Any, participant: ParticipatingAuthority) -> bool:
    if not decide(user, Action.CODE_ANSWERS):
        return False
    return runs_rounds(user) or participant.authority_id == authority_id_of(user)


def own_participant(user: Any, round_: Round) -> ParticipatingAuthority | None:
    authority_id = authority_id_of(user)
    return round_.participants.filter(authority_id=authority_id).first() if authority_id else None


def full_view_participants(user: Any, round_: Round):
    """The authorities in a round this user sees in full (and may open a report for)."""
    participants = round_.participants.select_related("authority", "locality")
    if runs_rounds(user):
        return participants
    if not decide(user, Action.VIEW_SELFEVAL_REPORTS):
        return participants.none()
    return participants.filter(authority_id=authority_id_of(user))


def codable_participants(user: Any, round_: Round):
    participants = round_.participants.select_related("authority", "locality")
    if runs_rounds(user):
        return participants
    if not decide(user, Action.CODE_ANSWERS):
        return participants.none()
    return participants.filter(authority_id=authority_id_of(user))
