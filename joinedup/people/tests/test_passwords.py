"""Passwords made of the workplace's own words are refused; a long password that happens to
contain one of them is not."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from joinedup.agencies.tests.factories import AgencyFactory, LocalityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def northshire():
    locality = LocalityFactory(name="Riverside", authority__name="Northshire County Council")
    AgencyFactory(name="Hillcrest Academy", authority=locality.authority)


@pytest.mark.parametrize(
    "password",
    ["Northshire2026!", "JoinedUp-2026!!", "riversidenorthshire1", "Hillcrest-Academy-1", "EarlyHelp2026!!"],
)
def test_a_password_made_of_the_workplaces_words_is_refused(northshire, password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)

    assert "the name of this service or of where you work" in str(refused.value)


def test_a_long_password_that_contains_one_such_word_is_accepted(northshire):
    validate_password("correct horse northshire battery")


def test_the_words_come_from_this_councils_own_names(db):
    """Before any agency is loaded only the service's own words are refused."""
    validate_password("Riverside-Hillcrest")
