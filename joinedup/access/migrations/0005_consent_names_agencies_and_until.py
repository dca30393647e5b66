"""Consent says until when; sharing without consent names its agencies and its end date, and is
reviewed by a manager and told to the family where safe. The tables take access's names.

Earlier sharing without consent named no agencies and had no end: it is given every agency (what
it allowed before) until 90 days after it was recorded, so none of it lasts for ever."""

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

EARLIER_SHARING_DAYS = 90


def limit_earlier_sharing(apps, schema_editor):
    SharingWithoutConsent = apps.get_model("access", "SharingWithoutConsent")
    Agency = apps.get_model("agencies", "Agency")
    agencies = list(Agency.objects.all())
    for sharing in SharingWithoutConsent.objects.all():
        sharing.shared_on = sharing.shared_at.date()
        sharing.until = sharing.shared_on + timedelta(days=EARLIER_SHARING_DAYS)
        sharing.save(update_fields=["shared_on", "until"])
        sharing.agencies.set(agencies)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0004_consent_moves_here"),
        ("agencies", "0001_initial"),
        ("casework", "0010_consent_moves_to_access"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelTable(name="consent", table=None),
        migrations.AlterModelTable(name="sharingwithoutconsent", table=None),
        migrations.RemoveConstraint(model_name="consent", name="consent_agrees_to_something"),
        migrations.AddField(
            model_name="consent",
            name="until",
            field=models.DateField(
                blank=True,
                help_text="The family agreed to share until this date; blank means until withdrawn",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="sharingwithoutconsent",
            name="agencies",
            field=models.ManyToManyField(related_name="+", to="agencies.agency"),
        ),
        migrations.AddField(
            model_name="sharingwithoutconsent", name="family_told", field=models.BooleanField(default=True)
        ),
        migrations.AddField(
            model_name="sharingwithoutconsent", name="not_told_because", field=models.TextField(blank=True)
        ),
        migrations.AddField(model_name="sharingwithoutconsent", name="review_note", field=models.TextField(blank=True)),
        migrations.AddField(
            model_name="sharingwithoutconsent",
            name="review_outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("upheld", "Upheld: the sharing continues until its end date"),
                    ("ended", "Ended: the sharing stops now"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="sharingwithoutconsent", name="reviewed_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="sharingwithoutconsent",
            name="reviewed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(model_name="sharingwithoutconsent", name="shared_on", field=models.DateField(null=True)),
        migrations.AddField(model_name="sharingwithoutconsent", name="until", field=models.DateField(null=True)),
        migrations.RunPython(limit_earlier_sharing, migrations.RunPython.noop),
        migrations.AlterField(model_name="sharingwithoutconsent", name="shared_on", field=models.DateField()),
        migrations.AlterField(model_name="sharingwithoutconsent", name="until", field=models.DateField()),
        migrations.AddConstraint(
            model_name="consent",
            constraint=models.CheckConstraint(
                condition=models.Q(("until__isnull", True), ("until__gte", models.F("given_on")), _connector="OR"),
                name="consent_ends_after_it_is_given",
            ),
        ),
        migrations.AddConstraint(
            model_name="sharingwithoutconsent",
            constraint=models.CheckConstraint(
                condition=models.Q(("until__gte", models.F("shared_on"))),
                name="sharing_without_consent_ends_after_it_starts",
            ),
        ),
        migrations.AddConstraint(
            model_name="sharingwithoutconsent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("family_told", True), models.Q(("not_told_because", ""), _negated=True), _connector="OR"
                ),
                name="family_not_told_only_with_a_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="sharingwithoutconsent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("review_outcome", ""), ("reviewed_at__isnull", True), ("reviewed_by__isnull", True)),
                    models.Q(
                        ("reviewed_at__isnull", False),
                        ("reviewed_by__isnull", False),
                        models.Q(("review_outcome", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="sharing_review_by_at_and_outcome_together",
            ),
        ),
    ]
