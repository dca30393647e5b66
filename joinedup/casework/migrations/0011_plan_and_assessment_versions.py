"""Versions for optimistic concurrency: a plan or assessment saved from a form opened at an older
version is refused, so two people's changes never overwrite each other. Existing rows start at 1."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0010_consent_moves_to_access"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="version",
            field=models.PositiveIntegerField(
                default=1, help_text="Goes up with every save; a form opened at an older version is refused"
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="plan_version",
            field=models.PositiveIntegerField(
                default=1,
                help_text="Goes up with every change to the plan (its outcomes, actions, reviews and closure); a form opened at an older version is refused, so two people's changes never overwrite each other",
            ),
        ),
    ]
