"""The demo end to end, small: generate, load through the council's path, one login per role."""

import pytest
from django.core.management import CommandError, call_command

from joinedup.access.models import Involvement
from joinedup.people.models import Child, Practitioner, Role
from joinedup.web.management.commands.demo import DEMO_PASSWORD


@pytest.mark.django_db
def test_demo_builds_loads_and_prints_a_login_for_every_role(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("demo", children=400, seed=7, no_serve=True)
    printed = capsys.readouterr().out

    assert Child.objects.count() == 400
    assert Involvement.objects.exists()

    for role in Role:
        line = next(line for line in printed.splitlines() if line.startswith(f"  {role.label} "))
        username = line[len(role.label) + 2 :].split()[0]
        practitioner = Practitioner.objects.select_related("user").get(user__username=username)
        assert practitioner.role == role and practitioner.user.check_password(DEMO_PASSWORD)

    # Run again: nothing is generated or loaded twice
    call_command("demo", children=400, seed=7, no_serve=True)
    assert "children unchanged: 400" in capsys.readouterr().out
    assert Child.objects.count() == 400

    # A much smaller authority's extracts would withdraw most records: held, and the demo stops saying so.
    with pytest.raises(CommandError, match="would withdraw"):
        call_command("demo", children=150, seed=7, no_serve=True)
