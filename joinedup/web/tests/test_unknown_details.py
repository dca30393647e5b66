"""A child the index made from records with no name or date of birth: the pages say "Not known"
where a made-up name or a birth in 1900 used to be, and nobody has to make one up to save a change."""

from datetime import date

import pytest

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.people.models import Child, Family
from joinedup.people.queries import AGE_NOT_KNOWN
from joinedup.people.services import refresh_name_keys


@pytest.fixture
def nameless(scene):
    """Known to the index by an NHS number alone, and worked with by Pat."""
    child = Child.objects.create(sex="U", nhs_number="4010232137")
    refresh_name_keys(child, [])
    Involvement.objects.create(
        child=child,
        practitioner=scene["pat"],
        started=date(2025, 1, 6),
        kind=InvolvementKind.ALLOCATED_WORKER,
        recorded_by="test",
    )
    return child


def blank_details(**changes) -> dict:
    return {
        "forenames": "",
        "surname": "",
        "date_of_birth_day": "",
        "date_of_birth_month": "",
        "date_of_birth_year": "",
        "sex": "U",
        "nhs_number": "4010232137",
        "upn": "",
    } | changes


def test_the_childs_page_says_the_name_and_date_of_birth_are_not_known(signed_in, nameless):
    page = signed_in("pat").get(f"/children/{nameless.pk}").text

    assert '<h1 class="govuk-heading-l">Name not known</h1>' in page
    assert "Not known" in page
    assert "1900" not in page and "Unknown" not in page


def test_search_lists_the_child_as_not_known(signed_in, nameless):
    page = signed_in("pat").get("/children/search", {"identifier": "401 023 2137"}).text

    assert "1 child found" in page
    assert "Name not known" in page and ">Not known<" in page


def test_the_practitioners_home_page_lists_the_child_as_not_known(signed_in, nameless):
    page = signed_in("pat").get("/").text

    assert "Name not known" in page and ">Not known<" in page


def test_the_analysts_figures_count_the_child_in_no_age_band(signed_in, nameless):
    page = signed_in("ana").get("/").text

    assert AGE_NOT_KNOWN in page
    assert "Name not known" not in page


def test_a_sibling_with_no_date_of_birth_is_not_said_to_be_born(signed_in, scene, nameless):
    family = Family.objects.create(reference="FAM1")
    Child.objects.filter(pk__in=[scene["alfred"].pk, nameless.pk]).update(family=family)

    page = signed_in("pat").get(f"/children/{scene['alfred'].pk}").text

    assert "Date of birth not known" in page


def test_details_not_known_may_stay_not_known_when_others_are_changed(signed_in, nameless):
    client = signed_in("pat")
    assert client.get(f"/children/{nameless.pk}/edit").status_code == 200

    response = client.post(f"/children/{nameless.pk}/edit", blank_details(surname="Hughes"))

    assert response.status_code == 302
    nameless.refresh_from_db()
    assert (nameless.forenames, nameless.surname, nameless.date_of_birth) == (None, "Hughes", None)


def test_a_known_name_or_date_of_birth_cannot_be_erased(signed_in, scene):
    alfred = scene["alfred"]

    response = signed_in("pat").post(f"/children/{alfred.pk}/edit", blank_details(nhs_number="9434765919"))

    assert response.status_code == 200
    for message in ("Enter the child&#39;s forenames", "Enter the child&#39;s surname", "Enter the date of birth"):
        assert message in response.text
    alfred.refresh_from_db()
    assert (alfred.surname, alfred.date_of_birth) == ("Smith", date(2012, 3, 4))
