"""The front door for a child the index knows by an identifier alone: found, referred and assessed
with their name and date of birth said to be not known, never made up."""

import pytest

from joinedup.people.queries import reference_for
from joinedup.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tom(client, front_door):
    client.force_login(front_door["tom"].user)
    return client


def test_the_child_is_found_by_an_identifier_as_not_known(tom):
    child = ChildFactory(index_only_unknown=True)

    page = tom.get("/casework/refer/", {"name": "", "identifier": child.nhs_number}).content.decode()

    assert "Refer Name not known" in page and ">Not known<" in page


@pytest.mark.parametrize("start", ["/casework/refer/{}/", "/casework/assess/{}/"])
def test_referring_or_assessing_the_child_says_their_date_of_birth_is_not_known(tom, front_door, start):
    child = ChildFactory(index_only_unknown=True)

    page = tom.get(start.format(reference_for(front_door["tom"].user, child))).content.decode()

    assert "date of birth not known" in page.lower()
    assert "Born" not in page and ", born" not in page
