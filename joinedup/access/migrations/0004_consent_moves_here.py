"""Consent and sharing without consent move from casework to access, beside Involvement, so the
policy reads them without importing casework. Only Django's picture of the models moves here: the
tables keep their casework names until the next migration renames them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0003_assessor_and_panel_chair_kinds"),
        ("agencies", "0001_initial"),
        ("people", "0003_child_merged_into"),
        ("casework", "0009_assessment_child_required"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="Consent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "given_by",
                    models.CharField(
                        choices=[
                            ("parent_carer", "A parent or carer"),
                            ("young_person", "The young person, who is competent to decide"),
                        ],
                        max_length=20,
                    ),
                ),
                ("given_by_name", models.CharField(max_length=160)),
                ("given_on", models.DateField()),
                ("to_assess", models.BooleanField(default=True)),
                (
                    "share_with_all_partners",
                    models.BooleanField(
                        default=False, help_text="Agreed to share with every partner agency in the panel and the plan"
                    ),
                ),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                ("withdrawn_at", models.DateTimeField(blank=True, null=True)),
                ("withdrawal_reason", models.TextField(blank=True)),
                (
                    "child",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="consents", to="people.child"
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                ("shared_with", models.ManyToManyField(blank=True, related_name="consents", to="agencies.agency")),
                (
                    "withdrawn_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["-given_on", "-recorded_at"], "db_table": "casework_consent"},
        ),
        migrations.CreateModel(
            name="SharingWithoutConsent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("lawful_reason", models.TextField()),
                ("shared_at", models.DateTimeField(auto_now_add=True)),
                (
                    "child",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sharing_without_consent",
                        to="people.child",
                    ),
                ),
                (
                    "shared_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["-shared_at"],
                "verbose_name_plural": "sharing without consent",
                "db_table": "casework_sharingwithoutconsent",
            },
        ),
        migrations.AddConstraint(
            model_name="consent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("withdrawn_at__isnull", True), ("withdrawn_by__isnull", True)),
                    models.Q(("withdrawn_at__isnull", False), ("withdrawn_by__isnull", False)),
                    _connector="OR",
                ),
                name="consent_withdrawn_at_and_by_together",
            ),
        ),
        migrations.AddConstraint(
            model_name="consent",
            constraint=models.CheckConstraint(
                condition=models.Q(("to_assess", True), ("share_with_all_partners", True), _connector="OR"),
                name="consent_agrees_to_something",
            ),
        ),
        migrations.AddConstraint(
            model_name="sharingwithoutconsent",
            constraint=models.CheckConstraint(
                condition=models.Q(("lawful_reason", ""), _negated=True), name="sharing_without_consent_has_a_reason"
            ),
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[])]
