"""A child's name or date of birth that no record gives is not known: null in the model, said to be
not known wherever it is shown, never compared in search and never counted in an age band."""

from datetime import date

import pytest

from joinedup.audit.models import AuditEvent
from joinedup.people.models import Child
from joinedup.people.queries import AGE_NOT_KNOWN, age_on, authority_figures, search_children
from joinedup.people.services import change_child_details
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "forenames, surname, shown",
    [
        ("Alfred George", "Smith", "Alfred George Smith"),
        ("Alfred George", None, "Alfred George (surname not known)"),
        (None, "Smith", "Smith (forenames not known)"),
        (None, None, "Name not known"),
    ],
)
def test_a_name_is_shown_as_far_as_it_is_known(forenames, surname, shown):
    child = ChildFactory.build(forenames=forenames, surname=surname)

    assert child.full_name == shown


def test_a_child_the_index_made_with_nothing_known_is_stored_with_nulls_and_passes_validation():
    child = ChildFactory(index_only_unknown=True)

    child.refresh_from_db()
    child.full_clean(exclude=["family"])
    assert (child.forenames, child.surname, child.date_of_birth) == (None, None, None)
    assert str(child) == "Name not known (date of birth not known)"


def test_search_by_identifier_lists_a_child_with_no_name_as_name_not_known():
    child = ChildFactory(index_only_unknown=True)

    matches = search_children(identifier=child.nhs_number)

    assert [match.child.full_name for match in matches] == ["Name not known"]


def test_an_unknown_date_of_birth_is_no_evidence_either_way_in_search():
    ChildFactory(forenames="Alfred", surname="Smith", date_of_birth=None, la_child_id=None)

    matches = search_children(name="Alfred Smith", date_of_birth=date(2015, 3, 7))

    assert [match.child.full_name for match in matches] == ["Alfred Smith"]
    assert matches[0].why == "surname matches; forename matches; date of birth not known"
    assert matches[0].score == 1.0


def test_an_unknown_surname_is_not_compared_with_the_one_asked():
    ChildFactory(forenames="Alfred", surname=None, date_of_birth=date(2015, 3, 7))

    matches = search_children(name="Alfred Smith", date_of_birth=date(2015, 3, 7))

    assert [match.why for match in matches] == ["surname not known; forename matches; date of birth matches"]


def test_children_whose_names_are_not_known_come_after_those_with_names():
    nameless = ChildFactory(index_only_unknown=True)
    named = ChildFactory(forenames="Zara", surname="Young")

    assert list(Child.objects.filter(pk__in=[nameless.pk, named.pk])) == [named, nameless]


def test_an_unknown_date_of_birth_gives_no_age():
    assert age_on(None, date(2026, 1, 1)) is None


def test_a_child_with_no_date_of_birth_is_in_no_age_band_and_counted_as_not_known():
    """A placeholder birth in 1900 would have made a 126-year-old in the oldest band."""
    ChildFactory(date_of_birth=date(2020, 6, 1))
    ChildFactory(index_only_unknown=True)

    figures = authority_figures(on=date(2026, 1, 1))

    by_age = dict(figures["by_age"])
    assert by_age["1 to 4"] == 0 and by_age["5 to 9"] == 1 and by_age["16 and over"] == 0
    assert by_age[AGE_NOT_KNOWN] == 1
    assert sum(by_age.values()) == figures["children"] == 2


def test_without_unknown_dates_of_birth_the_figures_have_no_not_known_line():
    ChildFactory(date_of_birth=date(2020, 6, 1))

    assert AGE_NOT_KNOWN not in dict(authority_figures(on=date(2026, 1, 1))["by_age"])


def test_a_surname_given_to_a_child_who_had_none_leaves_no_former_name():
    child = ChildFactory(index_only_unknown=True)

    change_child_details(
        child=child,
        changed_by=PractitionerFactory().user,
        legal_basis="Allocated worker",
        forenames=None,
        surname="Hughes",
        date_of_birth=None,
        sex=child.sex,
        nhs_number=child.nhs_number,
        upn=child.upn,
    )

    child.refresh_from_db()
    assert (child.forenames, child.surname, child.date_of_birth) == (None, "Hughes", None)
    assert not child.former_names.exists()
    assert AuditEvent.objects.get(verb="changed_child").detail["changed"] == {"surname": [None, "Hughes"]}
    assert [match.child for match in search_children(name="Hughes")] == [child]
