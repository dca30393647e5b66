"""Who has looked at a child's record, as a manager or an administrator reads it: a look allowed
through a sensitive service names neither the person nor their reason to anyone who may not know
that service is involved."""

import re

import pytest

from joinedup.access.tests.factories import days_ago
from joinedup.agencies.models import Service
from joinedup.audit import services as audit

pytestmark = pytest.mark.django_db


def cells(page: str) -> list[str]:
    return re.findall(r'<td class="govuk-table__cell">(.*?)</td>', page, re.S)


def test_a_manager_sees_a_sensitive_service_is_involved_and_nothing_naming_it_on_the_audit_page(signed_in, scene):
    """Nia, the sexual health nurse, opens Alfred's record; Sam manages Pat, not Nia."""
    alfred = scene["alfred"]
    signed_in("nia").get(f"/children/{alfred.pk}")

    summary = signed_in("sam").get(f"/children/{alfred.pk}").text
    page = signed_in("sam").get(f"/children/{alfred.pk}/audit").text

    assert "A sensitive service is involved" in summary
    assert "A practitioner in a sensitive service" in page
    assert "Their involvement is with a sensitive service" in page
    assert "nia" not in cells(page)
    assert "sexual health" not in page.lower()
    assert "sam" in cells(page)  # Sam's own look at the summary is shown as ever


def test_a_change_to_a_sensitive_services_allocations_is_shielded_too(signed_in, scene):
    alfred = scene["alfred"]
    sexual_health = Service.objects.get(code="SH")
    audit.record(
        actor=None,
        verb="allocation_recorded",
        child_id=alfred.pk,
        legal_basis="Authority's allocations file sexual-health-allocations.csv",
        detail={"practitioner": "nia", "service_id": sexual_health.pk, "started": str(days_ago(3)), "ended": ""},
    )

    page = signed_in("sam").get(f"/children/{alfred.pk}/audit").text

    assert "sexual-health-allocations.csv" not in page
    assert "A practitioner in a sensitive service" in page


def test_an_administrator_answering_a_request_sees_who_looked(signed_in, scene):
    alfred = scene["alfred"]
    signed_in("nia").get(f"/children/{alfred.pk}")

    page = signed_in("adi").get(f"/children/{alfred.pk}/audit").text

    assert "nia" in cells(page)
    assert "A practitioner in a sensitive service" not in page
