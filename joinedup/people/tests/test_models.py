"""One-row rules about children and where they lived, checked by validators and the database."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from joinedup.people.models import Address
from joinedup.people.tests.factories import AddressFactory, ChildFactory, FormerNameFactory

pytestmark = pytest.mark.django_db


def problems_of(child) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        child.full_clean(exclude=["family"])
    return error.value.message_dict


def test_child_with_valid_identifiers_passes_full_clean():
    child = ChildFactory.build(nhs_number="9434765919", upn="B801200005001")

    child.full_clean(exclude=["family"])


@pytest.mark.parametrize(
    "nhs_number, message",
    [
        ("9434765871", "Enter a valid NHS number: the last digit (the check digit) does not match"),
        ("943476587", "Enter an NHS number with 10 digits, like 943 476 5919"),
        ("1111111111", "Enter a real NHS number: 10 identical digits are not issued"),
    ],
)
def test_invalid_nhs_number_is_rejected_with_its_reason(nhs_number, message):
    child = ChildFactory.build(nhs_number=nhs_number)

    assert problems_of(child) == {"nhs_number": [message]}


@pytest.mark.parametrize(
    "upn, message",
    [
        ("A801200005001", "Enter a valid UPN: the first letter (the check letter) does not match"),
        ("B80120000500", "Enter a UPN of 13 characters: a letter then 12 digits, like B801200005001"),
    ],
)
def test_invalid_upn_is_rejected_with_its_reason(upn, message):
    child = ChildFactory.build(upn=upn)

    assert problems_of(child) == {"upn": [message]}


def test_child_without_identifiers_is_allowed():
    """Many children have no UPN (under school age) and some no NHS number yet."""
    child = ChildFactory.build(nhs_number=None, upn=None)

    child.full_clean(exclude=["family"])


def test_date_of_birth_in_the_future_is_rejected():
    child = ChildFactory.build(date_of_birth=date.today() + timedelta(days=1))

    assert problems_of(child) == {"date_of_birth": ["Date of birth must be today or in the past"]}


def test_child_born_today_is_allowed():
    child = ChildFactory.build(date_of_birth=date.today())

    child.full_clean(exclude=["family"])


def test_date_of_birth_before_1990_is_rejected():
    child = ChildFactory.build(date_of_birth=date(1989, 12, 31))

    assert "date_of_birth" in problems_of(child)


def test_two_children_cannot_share_an_nhs_number():
    ChildFactory(nhs_number="9434765919")

    with pytest.raises(IntegrityError), transaction.atomic():
        ChildFactory(nhs_number="9434765919")


def test_two_children_cannot_share_a_upn():
    ChildFactory(upn="B801200005001")

    with pytest.raises(IntegrityError), transaction.atomic():
        ChildFactory(upn="B801200005001")


def test_many_children_may_have_no_nhs_number():
    ChildFactory(nhs_number=None)

    ChildFactory(nhs_number=None)


def test_address_cannot_end_before_it_starts():
    child = ChildFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        AddressFactory(child=child, moved_in=date(2022, 5, 1), moved_out=date(2022, 4, 30))


def test_address_may_end_on_the_day_it_starts():
    """Emergency placements can last a day."""
    address = AddressFactory(moved_in=date(2022, 5, 1), moved_out=date(2022, 5, 1))

    assert address.pk


def test_a_former_surname_is_kept_once_per_child():
    child = ChildFactory()
    FormerNameFactory(child=child, surname="Jones")

    with pytest.raises(IntegrityError), transaction.atomic():
        FormerNameFactory(child=child, surname="Jones")


def test_child_is_shown_by_full_name_and_date_of_birth():
    child = ChildFactory.build(forenames="Alfie James", surname="Smith", date_of_birth=date(2015, 3, 7))

    assert (str(child), child.first_name) == ("Alfie James Smith (07/03/2015)", "Alfie")


def test_ethnicity_is_shown_by_its_dfe_label_and_unknown_codes_as_they_are():
    assert ChildFactory.build(ethnicity="APKN").ethnicity_label == "Asian or Asian British – Pakistani"
    assert ChildFactory.build(ethnicity="XXXX").ethnicity_label == "XXXX"
    assert ChildFactory.build(ethnicity="").ethnicity_label == "Not recorded"


def test_an_address_reads_as_one_line_with_every_part_given():
    address = Address(address_line_1="Flat 19", address_line_2="Mill Court", town="Turnerton", postcode="PV5 7LF")
    assert str(address) == "Flat 19, Mill Court, Turnerton PV5 7LF"
