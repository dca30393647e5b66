"""Shared reads about self-evaluation rounds: who has answered, which links are out."""

from __future__ import annotations

from django.db.models import Count, Max, Q
from django.utils import timezone

from .models import Invitation, Mode, ParticipatingAuthority, RespondentGroup


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
