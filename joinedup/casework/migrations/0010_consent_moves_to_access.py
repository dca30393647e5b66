"""Consent and sharing without consent now belong to access (see access 0004): casework's picture
of them goes, and its foreign keys point at access's models. No table changes here."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0009_assessment_child_required"),
        ("access", "0004_consent_moves_here"),
    ]

    state_operations = [
        migrations.AlterField(
            model_name="referral",
            name="consent",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="referrals",
                to="access.consent",
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="sharing_without_consent",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="referrals",
                to="access.sharingwithoutconsent",
            ),
        ),
        migrations.AlterField(
            model_name="assessment",
            name="consent",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assessments",
                help_text="The family's consent to assess that it was started under",
                to="access.consent",
            ),
        ),
        migrations.DeleteModel(name="Consent"),
        migrations.DeleteModel(name="SharingWithoutConsent"),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[])]
