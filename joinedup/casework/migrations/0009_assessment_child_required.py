import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("casework", "0008_backfill_assessment_child")]

    operations = [
        migrations.AlterField(
            model_name="assessment",
            name="child",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="assessments", to="people.child"
            ),
        ),
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("case__isnull", True), ("completed_at__isnull", True)),
                fields=("child",),
                name="one_draft_assessment_per_child_before_a_case",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "withdrawn"), _negated=True),
                fields=("assessment",),
                name="an_assessment_goes_to_the_panel_once",
            ),
        ),
    ]
