"""One-row rules held by the database, so no code path can break them."""

import pytest
from django.db import IntegrityError
from django.utils import timezone

from joinedup.casework.models import PanelDecision, ReferralStatus

from .factories import ConsentFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def test_consent_withdrawn_without_saying_by_whom_is_refused():
    consent = ConsentFactory()
    consent.withdrawn_at = timezone.now()

    with pytest.raises(IntegrityError):
        consent.save()


def test_consent_withdrawn_by_someone_without_a_date_is_refused():
    consent = ConsentFactory()
    consent.withdrawn_by = consent.recorded_by

    with pytest.raises(IntegrityError):
        consent.save()


def test_withdrawn_consent_is_no_longer_current():
    assert not ConsentFactory(withdrawn=True).current
    assert ConsentFactory().current


def test_referral_needs_consent_or_a_lawful_reason():
    with pytest.raises(IntegrityError):
        ReferralFactory(consent=None)


def test_a_decided_referral_says_what_was_decided_and_why():
    referral = ReferralFactory()
    referral.status = ReferralStatus.DECIDED

    with pytest.raises(IntegrityError):
        referral.save()


def test_an_allocation_names_a_lead_professional():
    referral = ReferralFactory()
    referral.decision = PanelDecision.ALLOCATE

    with pytest.raises(IntegrityError):
        referral.save()
