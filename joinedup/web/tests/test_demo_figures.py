"""What the demo prints and what its pages show agree: a small demo built the way `joinedup demo`
builds it, then read as its director, its parent login and its register."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from joinedup.casework import queries as casework_queries
from joinedup.people.models import Child, Practitioner, Role
from joinedup.people.queries import age_on
from joinedup.synth.names import name_pools
from joinedup.web.management.commands.demo import DEMO_FAMILY_LOGIN


def shown_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.django_db
def test_the_demo_shows_babies_a_parent_with_an_open_plan_and_names_of_the_childrens_generation(
    settings, tmp_path, capsys, client
):
    settings.VAR_DIR = tmp_path
    call_command("demo", children=400, seed=7, no_serve=True)
    printed = capsys.readouterr().out
    today = timezone.localdate()

    # The director's home page counts the babies the register holds.
    babies = sum(age_on(born, today) == 0 for born in Child.objects.current().values_list("date_of_birth", flat=True))
    assert babies > 0
    client.force_login(Practitioner.objects.filter(role=Role.DIRECTOR).first().user)
    assert f"Under 1 {babies:,} " in shown_text(client.get("/"))

    # The parent login is what the demo says: a parent of this child, with an open plan and a review to come.
    said = re.search(
        r"Family login parent: .+?, a parent of (.+?), whose open early help plan .+? next review on (.+)", printed
    )
    assert said, printed
    child_name, review = said.group(1), said.group(2).strip()
    parent = get_user_model().objects.get(username=DEMO_FAMILY_LOGIN)
    client.force_login(parent)
    family_page = shown_text(client.get("/casework/family/"))
    assert "There is no open plan" not in family_page
    assert child_name in family_page and f"Next review {review}" in family_page
    (case,) = [c for c in casework_queries.family_cases(parent) if c.child.full_name == child_name]
    assert case.outcomes.exists() and casework_queries.next_review_due(case) > today

    # Children under 5 carry the names of recent births, not their grandparents' generation.
    under_five_girls = [
        child.forenames.split(" ")[0]
        for child in Child.objects.current().filter(sex="F")
        if age_on(child.date_of_birth, today) < 5
    ]
    recent = name_pools().given_in_year
    top_recent = {name for year in range(2020, 2025) for name in recent[(year, "F")][0][:50]}
    in_top = sum(name in top_recent for name in under_five_girls) / len(under_five_girls)
    assert in_top > 0.3, under_five_girls
    assert not {"Susan", "Julie", "Karen", "Tracey", "Linda"} & set(under_five_girls)
