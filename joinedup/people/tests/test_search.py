"""Finding a child the way a practitioner asks: a name heard on the phone, a date of birth
keyed in a hurry, an identifier copied from a letter."""

from datetime import date

import pytest

from joinedup.people.queries import search_children
from joinedup.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alfred_smith():
    """The child being looked for, and a child nobody is looking for."""
    ChildFactory(forenames="Maisie", surname="Okonkwo", date_of_birth=date(2012, 11, 23))
    return ChildFactory(
        forenames="Alfred George",
        surname="Smith",
        date_of_birth=date(2015, 3, 7),
        nhs_number="9434765919",
        upn="B801200005001",
        la_child_id="LA001234",
    )


def found(matches) -> list[str]:
    return [match.child.full_name for match in matches]


def test_exact_name_and_date_of_birth_find_the_child_first(alfred_smith):
    matches = search_children(name="Alfred Smith", date_of_birth=date(2015, 3, 7))

    assert found(matches) == ["Alfred George Smith"]
    assert matches[0].score == 1.0
    assert matches[0].why == "surname matches; forename matches; date of birth matches"


@pytest.mark.parametrize("asked", ["Alfred Smtih", "Alfred Smyth", "Alfred Smith", "Smith", "smith"])
def test_surname_typed_or_heard_differently_still_finds_the_child(alfred_smith, asked):
    matches = search_children(name=asked)

    assert found(matches) == ["Alfred George Smith"]


def test_nickname_is_the_same_forename(alfred_smith):
    matches = search_children(name="Alfie Smith", date_of_birth=date(2015, 3, 7))

    assert found(matches) == ["Alfred George Smith"]
    assert "forename matches" in matches[0].why


def test_bill_is_william():
    ChildFactory(forenames="William", surname="Turner", date_of_birth=date(2011, 6, 2))

    matches = search_children(name="Bill Turner", date_of_birth=date(2011, 6, 2))

    assert found(matches) == ["William Turner"]
    assert matches[0].score == 1.0


@pytest.mark.parametrize(("asked", "held"), [("Charlie", "Charlotte"), ("Mo", "Mohammed"), ("Muhammad", "Mohammed")])
def test_search_knows_the_english_nicknames_and_spellings_linkage_knows(asked, held):
    """Search and linkage share one nickname table (joinedup.common.nicknames)."""
    ChildFactory(forenames=held, surname="Hussain", date_of_birth=date(2013, 4, 4))

    matches = search_children(name=f"{asked} Hussain", date_of_birth=date(2013, 4, 4))

    assert found(matches) == [f"{held} Hussain"]
    assert "forename matches" in matches[0].why


def test_former_surname_finds_the_child():
    ChildFactory(forenames="Lily", surname="Patel", former_surnames=["Hughes"], date_of_birth=date(2016, 1, 20))

    matches = search_children(name="Lily Hughes")

    assert found(matches) == ["Lily Patel"]
    assert matches[0].why.startswith("surname matches")


def test_one_part_of_a_hyphenated_surname_finds_the_child():
    ChildFactory(forenames="Noah", surname="Smith-Jones", date_of_birth=date(2014, 9, 9))

    matches = search_children(name="Noah Jones")

    assert found(matches) == ["Noah Smith-Jones"]


def test_day_and_month_swapped_still_finds_the_child(alfred_smith):
    matches = search_children(name="Alfred Smith", date_of_birth=date(2015, 7, 3))

    assert found(matches) == ["Alfred George Smith"]
    assert "date of birth matches with day and month swapped" in matches[0].why
    assert matches[0].score < 1.0


def test_date_of_birth_alone_finds_children_born_that_day(alfred_smith):
    matches = search_children(date_of_birth=date(2015, 3, 7))

    assert found(matches) == ["Alfred George Smith"]


@pytest.mark.parametrize(
    "identifier",
    ["9434765919", "943 476 5919", " 943-476-5919 ", "B801200005001", "b801200005001", "LA001234", "la001234"],
)
def test_identifier_finds_exactly_the_child(alfred_smith, identifier):
    matches = search_children(identifier=identifier)

    assert found(matches) == ["Alfred George Smith"]
    assert (matches[0].score, matches[0].why) == (1.0, "identifier matches")


def test_unknown_identifier_finds_no_one(alfred_smith):
    """An identifier is certain or nothing: a near miss is another child."""
    assert search_children(identifier="9434765870") == []


def test_unrelated_child_is_not_returned(alfred_smith):
    matches = search_children(name="Maisie Okonkwo", date_of_birth=date(2012, 11, 23))

    assert found(matches) == ["Maisie Okonkwo"]


def test_different_name_and_date_of_birth_find_no_one(alfred_smith):
    assert search_children(name="Oliver Brown", date_of_birth=date(2019, 8, 14)) == []


def test_closer_match_ranks_first():
    ChildFactory(forenames="Jack", surname="Smyth", date_of_birth=date(2015, 3, 7))
    ChildFactory(forenames="Jack", surname="Smith", date_of_birth=date(2015, 3, 7))

    matches = search_children(name="Jack Smith", date_of_birth=date(2015, 3, 7))

    assert found(matches) == ["Jack Smith", "Jack Smyth"]
    assert matches[0].score > matches[1].score


def test_twins_are_both_found():
    ChildFactory(forenames="Amira", surname="Hassan", date_of_birth=date(2017, 4, 4))
    ChildFactory(forenames="Yusuf", surname="Hassan", date_of_birth=date(2017, 4, 4))

    matches = search_children(name="Hassan", date_of_birth=date(2017, 4, 4))

    assert sorted(found(matches)) == ["Amira Hassan", "Yusuf Hassan"]


def test_a_child_merged_into_another_is_not_found_twice():
    kept = ChildFactory(forenames="Maisie", surname="Turner", date_of_birth=date(2013, 5, 6))
    ChildFactory(forenames="Maisie", surname="Turner", date_of_birth=date(2013, 5, 6), merged_into=kept)

    matches = search_children(name="Maisie Turner")

    assert [m.child for m in matches] == [kept]
