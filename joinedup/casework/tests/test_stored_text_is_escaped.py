"""Text people typed (a child's name, a notification's subject) reaches a page only escaped, even
where a table cell takes html because other rows hold a link."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.casework import services
from joinedup.casework.models import PanelDecision
from joinedup.casework.notifications import notify

from .test_views import referral_on_agenda

pytestmark = pytest.mark.django_db

MARKUP = '<b>x</b><a href="https://evil.example">y</a>'
ESCAPED = "&lt;b&gt;x&lt;/b&gt;&lt;a href=&#34;https://evil.example&#34;&gt;y&lt;/a&gt;"


def assert_no_markup(page: str) -> None:
    assert "<b>x</b>" not in page
    assert 'href="https://evil.example"' not in page


def assert_shown_escaped(page: str) -> None:
    assert ESCAPED in page
    assert_no_markup(page)


def test_an_agenda_item_a_member_may_open_links_the_childs_name_escaped(client, front_door):
    alfie = front_door["alfie"]
    alfie.forenames = MARKUP
    alfie.save()
    _, meeting = referral_on_agenda(front_door)
    client.force_login(front_door["nina"].user)

    page = client.get(f"/casework/panels/meetings/{meeting.pk}/").content.decode()

    assert_shown_escaped(page)


def test_a_decided_referral_on_the_agenda_shows_no_markup_from_the_childs_name(client, front_door):
    """From the day after the panel decides, members no longer open the referral, so the agenda
    shows the item without a link; whatever it says of the child, it is never markup."""
    alfie = front_door["alfie"]
    alfie.forenames = MARKUP
    alfie.save()
    referral, meeting = referral_on_agenda(front_door)
    services.record_decision(
        referral=referral,
        decided_by=front_door["chris"].user,
        decision=PanelDecision.NO_FURTHER_ACTION,
        reasons="Needs are being met at school",
    )
    today = timezone.localdate()
    Involvement.objects.filter(
        child=alfie, kind__in=[InvolvementKind.PANEL_MEMBER, InvolvementKind.PANEL_CHAIR]
    ).update(started=today - timedelta(days=2), ended=today - timedelta(days=1))
    client.force_login(front_door["nina"].user)

    page = client.get(f"/casework/panels/meetings/{meeting.pk}/").content.decode()

    assert_no_markup(page)


def test_a_case_due_for_review_that_the_viewer_cannot_open_shows_no_markup_from_the_childs_name(rf):
    case = SimpleNamespace(
        pk=1,
        child=SimpleNamespace(full_name=MARKUP),
        lead_professional=SimpleNamespace(name="Pat Jones"),
        opened_on=timezone.localdate(),
    )
    meeting = SimpleNamespace(panel=SimpleNamespace(name="North panel"), held_on=timezone.localdate(), minutes="")

    page = render_to_string(
        "casework/meeting.html", {"meeting": meeting, "agenda": [], "reviews": [(case, False)]}, request=rf.get("/")
    )

    assert_no_markup(page)


@pytest.mark.parametrize("link", ["", "/casework/cases/1/"])
def test_a_notification_subject_is_shown_escaped(client, front_door, link):
    tom = front_door["tom"].user
    notify(recipient=tom, subject=MARKUP, body=MARKUP, link=link)
    client.force_login(tom)

    page = client.get("/casework/notifications/").content.decode()

    assert_shown_escaped(page)
