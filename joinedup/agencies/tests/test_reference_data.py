"""Loading the authority's reference data, and placing a postcode in a locality."""

import copy

import pytest

from joinedup.agencies.models import Agency, LocalAuthority, Locality, LocalityPostcode, School, Service, Team
from joinedup.agencies.queries import (
    locality_for_postcode,
    normalise_postcode,
    postcode_district,
    postcode_sector,
)
from joinedup.agencies.services import load_reference_data
from joinedup.agencies.tests.factories import LocalityFactory, LocalityPostcodeFactory
from joinedup.common.tables import FileProblems, Problem

pytestmark = pytest.mark.django_db

SOURCE = "northshire/authority.json"
NORTHSHIRE = {
    "name": "Northshire County Council",
    "la_code": "999",
    "localities": [
        {"code": "NORTH", "name": "Northby", "postcode_districts": ["NX4", "NX5"]},
        {"code": "SOUTH", "name": "Southby", "postcode_districts": ["sx1"], "postcode_sectors": ["NX4 9"]},
    ],
    "agencies": [
        {"code": "NCC-CS", "name": "Northshire Children's Services", "kind": "social_care"},
        {"code": "NHS-ICB", "name": "Northshire Integrated Care Board", "kind": "health"},
    ],
    "services": [
        {"code": "EH", "name": "Early Help", "agency": "NCC-CS", "level_of_need": "additional"},
        {
            "code": "SH",
            "name": "Young people's sexual health",
            "agency": "NHS-ICB",
            "level_of_need": "complex",
            "sensitive": True,
        },
    ],
    "teams": [
        {"code": "EH-N", "name": "Northby Early Help", "agency": "NCC-CS", "service": "EH", "locality": "NORTH"},
        {"code": "SH-ALL", "name": "Sexual health outreach", "agency": "NHS-ICB", "service": "SH"},
    ],
    "schools": [
        {
            "urn": 100001,
            "establishment_number": 2001,
            "name": "Northby Primary",
            "phase": "primary",
            "locality": "NORTH",
        },
    ],
}


def northshire(**changes):
    """Northshire's description, with `changes` applied by path: services__0__level_of_need="x"."""
    data = copy.deepcopy(NORTHSHIRE)
    for path, value in changes.items():
        *parents, last = [int(part) if part.isdigit() else part for part in path.split("__")]
        target = data
        for part in parents:
            target = target[part]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return data


DELETE = object()


def everything_loaded() -> dict[str, list]:
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (LocalAuthority, Locality, LocalityPostcode, Agency, Service, Team, School)
    }


def test_authority_loads_with_its_localities_services_and_teams():
    authority = load_reference_data(data=northshire(), source=SOURCE)

    assert (authority.name, authority.la_code) == ("Northshire County Council", "999")
    assert sorted(LocalityPostcode.objects.values_list("prefix", "locality__code")) == [
        ("NX4", "NORTH"),
        ("NX4 9", "SOUTH"),
        ("NX5", "NORTH"),
        ("SX1", "SOUTH"),
    ]
    assert dict(Service.objects.values_list("code", "sensitive")) == {"EH": False, "SH": True}
    north_team = Team.objects.get(code="EH-N")
    assert (north_team.service.code, north_team.locality.code, north_team.agency.code) == ("EH", "NORTH", "NCC-CS")
    assert Team.objects.get(code="SH-ALL").locality is None
    assert School.objects.get().urn == "100001"


def test_loading_the_same_description_twice_changes_nothing():
    load_reference_data(data=northshire(), source=SOURCE)
    after_first_load = everything_loaded()

    load_reference_data(data=northshire(), source=SOURCE)

    assert everything_loaded() == after_first_load


def test_renamed_service_is_updated_in_place():
    load_reference_data(data=northshire(), source=SOURCE)
    early_help = Service.objects.get(code="EH")

    load_reference_data(data=northshire(services__0__name="Family Help"), source=SOURCE)

    early_help.refresh_from_db()
    assert early_help.name == "Family Help"
    assert Service.objects.count() == 2


@pytest.mark.parametrize(
    "changes, where, message",
    [
        (
            {"services__0__level_of_need": "tier 2"},
            "services[0].level_of_need",
            "expected one of ['acute', 'additional', 'complex', 'universal']",
        ),
        ({"services__1__agency": "POLICE"}, "services[1].agency", "no agency has this code"),
        ({"services__1__level_of_need": DELETE}, "services[1].level_of_need", "a value is required"),
        (
            {"agencies__1__kind": "nhs"},
            "agencies[1].kind",
            "expected one of ['education', 'health', 'housing', 'police', "
            "'social_care', 'voluntary', 'youth_offending']",
        ),
        ({"localities__1__name": ""}, "localities[1].name", "a value is required"),
        ({"localities": [], "teams": [], "schools": []}, "localities", "an authority needs at least one locality"),
        ({"la_code": DELETE}, "authority.la_code", "a value is required"),
        ({"teams__0__agency": "NCC-XX"}, "teams[0].agency", "no agency has this code"),
        ({"teams__0__locality": "EAST"}, "teams[0].locality", "no locality has this code"),
        ({"teams__1__service": "CAMHS"}, "teams[1].service", "no service has this code"),
        ({"schools__0__phase": DELETE}, "schools[0].phase", "a value is required"),
    ],
)
def test_problem_in_the_description_is_reported_where_it_is_and_nothing_loads(changes, where, message):
    with pytest.raises(FileProblems) as error:
        load_reference_data(data=northshire(**changes), source=SOURCE)

    assert error.value.problems == [Problem(SOURCE, None, where, message)]
    assert not LocalAuthority.objects.exists()


def test_every_problem_is_reported_at_once():
    data = northshire(services__0__level_of_need="tier 2", agencies__0__kind=DELETE)

    with pytest.raises(FileProblems) as error:
        load_reference_data(data=data, source=SOURCE)

    assert [p.column for p in error.value.problems] == ["agencies[0].kind", "services[0].level_of_need"]


# Postcodes


@pytest.mark.parametrize(
    "typed, normal",
    [
        ("NX4 2AB", "NX4 2AB"),
        ("nx42ab", "NX4 2AB"),
        (" nx4  2ab ", "NX4 2AB"),
        ("NX142AB", "NX14 2AB"),
        ("N12AB", "N1 2AB"),
        ("NX4", "NX4"),
        ("", ""),
    ],
)
def test_postcode_is_normalised_to_upper_case_with_one_space(typed, normal):
    assert normalise_postcode(typed) == normal


def test_postcode_district_and_sector():
    assert (postcode_district("nx4 2ab"), postcode_sector("nx4 2ab")) == ("NX4", "NX4 2")


def test_postcode_sector_is_preferred_over_its_district():
    """A district can straddle two localities: the sector says which side a home is on."""
    northby, southby = LocalityFactory(name="Northby"), LocalityFactory(name="Southby")
    LocalityPostcodeFactory(prefix="NX4", locality=northby)
    LocalityPostcodeFactory(prefix="NX4 9", locality=southby)

    assert locality_for_postcode("NX4 9QQ") == southby
    assert locality_for_postcode("nx49qq") == southby
    assert locality_for_postcode("NX4 2AB") == northby


def test_postcode_outside_the_authority_has_no_locality():
    LocalityPostcodeFactory(prefix="NX4")

    assert locality_for_postcode("M1 1AE") is None
    assert locality_for_postcode("") is None


def test_loaded_postcode_prefixes_place_homes():
    load_reference_data(data=northshire(), source=SOURCE)

    assert [locality_for_postcode(p).code for p in ("NX4 2AB", "NX4 9ZZ", "sx1 1aa")] == ["NORTH", "SOUTH", "SOUTH"]
