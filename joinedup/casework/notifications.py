"""Telling people what happened: a row in their notifications list and an email through Django's
mail settings. Emails name no child, so a mis-sent email discloses nothing; the link needs sign-in."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification


def notify(*, recipient: Any, subject: str, body: str, link: str = "") -> Notification:
    """Call inside the transaction of the change; the email goes only once that change is saved."""
    notification = Notification.objects.create(recipient=recipient, subject=subject, body=body, link=link)
    if recipient.email:
        text = f"{body}\n\nSign in to joinedup to read more: {link}" if link else body
        transaction.on_commit(partial(send_mail, subject, text, None, [recipient.email], fail_silently=True))
    return notification


@transaction.atomic
def mark_read(*, notifications: Iterable[Any], reader: Any) -> int:
    """Opening the notifications list marks what was shown as read."""
    ids = [n.pk for n in notifications if n.recipient_id == reader.pk and n.read_at is None]
    return Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
