"""Migrations that move data: every assessment made before an assessment could exist without a case
belongs to its case's child, under the consent to assess the family had given when it started."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from joinedup.casework.models import Assessment, Consent

from .factories import CaseFactory, ConsentFactory

BEFORE = [("casework", "0006_review_wellbeing_check")]


def migrate(targets=None):
    """To the given migrations, or forward to the latest of every app."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_assessments_made_in_cases_are_given_their_childs_id_and_consent():
    case = CaseFactory()
    consent = ConsentFactory(child=case.child)
    later = ConsentFactory(child=case.child)
    started = timezone.now() + timedelta(minutes=5)
    assessment = Assessment.objects.create(
        child=case.child, case=case, assessor=case.lead_professional, started_at=started
    )
    Consent.objects.filter(pk=later.pk).update(recorded_at=started + timedelta(days=1))

    migrate(BEFORE)
    migrate()

    assessment.refresh_from_db()
    assert assessment.child == case.child
    assert assessment.consent == consent
