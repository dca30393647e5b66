"""Every involvement knows its service: casework wrote its rows (referrer, assessor, panel, lead
professional, team around the child) without one, so shielding never applied to them. They take
the service of the practitioner's team."""

from django.db import migrations


def service_from_team(apps, schema_editor):
    Involvement = apps.get_model("access", "Involvement")
    Practitioner = apps.get_model("people", "Practitioner")
    team_service = dict(Practitioner.objects.filter(team__service__isnull=False).values_list("pk", "team__service_id"))
    for practitioner_id, service_id in team_service.items():
        Involvement.objects.filter(practitioner_id=practitioner_id, service__isnull=True).update(service_id=service_id)


class Migration(migrations.Migration):
    dependencies = [("access", "0005_consent_names_agencies_and_until"), ("people", "0004_carer_phone_and_email")]

    operations = [migrations.RunPython(service_from_team, migrations.RunPython.noop)]
