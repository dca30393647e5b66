"""Every assessment so far was made inside a case: its child is the case's child, and its consent
the latest consent to assess the family had given when it started."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Assessment = apps.get_model("casework", "Assessment")
    Consent = apps.get_model("casework", "Consent")
    Case = apps.get_model("casework", "Case")
    Assessment.objects.filter(child__isnull=True).update(
        child=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("child_id")[:1])
    )
    consent_then = (
        Consent.objects.filter(child=OuterRef("child_id"), to_assess=True, recorded_at__lte=OuterRef("started_at"))
        .order_by("-recorded_at")
        .values("pk")[:1]
    )
    Assessment.objects.filter(consent__isnull=True).update(consent=Subquery(consent_then))


class Migration(migrations.Migration):
    dependencies = [("casework", "0007_assessment_belongs_to_the_child")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
