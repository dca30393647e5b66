"""An early help assessment belongs to a child and may exist before any case; a referral may carry
one to the allocation panel. Three migrations, so PostgreSQL never alters a table with the backfill's
updates pending in the same transaction: add the columns, backfill, then require the child."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_initial"),
        ("casework", "0006_review_wellbeing_check"),
        ("people", "0003_child_merged_into"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="child",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="assessments", to="people.child"
            ),
        ),
        migrations.AddField(
            model_name="assessment",
            name="consent",
            field=models.ForeignKey(
                blank=True,
                help_text="The family's consent to assess that it was started under",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assessments",
                to="casework.consent",
            ),
        ),
        migrations.AddField(
            model_name="referral",
            name="assessment",
            field=models.ForeignKey(
                blank=True,
                help_text="The early help assessment that came with the request for help, if one did",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="referrals",
                to="casework.assessment",
            ),
        ),
        migrations.AlterField(
            model_name="assessment",
            name="case",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assessments",
                to="casework.case",
            ),
        ),
    ]
