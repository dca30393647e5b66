"""The authority's reference data and person register keep the contract the demo loader reads."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from joinedup.common.identifiers import is_valid_nhs_number, is_valid_upn
from joinedup.synth import prevalence
from joinedup.synth.contacts import carer_contacts
from joinedup.synth.randomness import stream
from joinedup.synth.tests.conftest import build_authority, read

KINDS = {"education", "social_care", "health", "youth_offending", "police", "housing", "voluntary"}
LEVELS = {"universal", "additional", "complex", "acute"}
ROLES = {"practitioner", "panel_chair", "service_manager", "performance_analyst", "director", "administrator"}
RELATIONSHIPS = {
    "mother",
    "father",
    "step_mother",
    "step_father",
    "grandmother",
    "grandfather",
    "aunt",
    "uncle",
    "special_guardian",
    "other",
}
KEYS = {
    "localities": ["code", "name", "postcode_districts", "postcode_sectors"],
    "agencies": ["code", "name", "kind"],
    "services": ["code", "name", "agency", "level_of_need", "sensitive"],
    "teams": ["code", "name", "agency", "service", "locality", "manager"],
    "schools": ["urn", "establishment_number", "name", "phase", "locality"],
    "practitioners": ["username", "given_name", "family_name", "email", "agency", "team", "job_role", "role"],
}
REGISTER = {
    "children.csv": [
        "child_id",
        "la_child_id",
        "forenames",
        "surname",
        "former_surnames",
        "date_of_birth",
        "sex",
        "ethnicity",
        "nhs_number",
        "upn",
        "family_id",
    ],
    "addresses.csv": ["child_id", "address_line_1", "address_line_2", "town", "postcode", "moved_in", "moved_out"],
    "carers.csv": ["carer_id", "family_id", "forenames", "surname", "date_of_birth", "sex", "phone", "email"],
    "child_carers.csv": ["child_id", "carer_id", "relationship", "parental_responsibility", "lives_with"],
    "involvements.csv": ["child_id", "service", "practitioner", "started", "ended"],
}


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return build_authority(tmp_path_factory, "register", children=5000, seed=51)


@pytest.fixture(scope="module")
def document(authority):
    return json.loads((authority / "authority.json").read_text())


@pytest.fixture(scope="module")
def register(authority):
    return {name: read(authority / "register" / name) for name in REGISTER}


def codes(document, key, field="code") -> set:
    return {item[field] for item in document[key]}


def test_authority_json_has_the_agreed_shape(document):
    assert list(document) == ["name", "la_code", "as_of", *KEYS]
    assert document["la_code"].isdigit() and len(document["la_code"]) == 3
    for key, fields in KEYS.items():
        assert document[key], key
        assert all(list(item) == fields for item in document[key]), key


def test_references_between_reference_data_resolve(document):
    localities, agencies = codes(document, "localities"), codes(document, "agencies")
    services, teams = codes(document, "services"), codes(document, "teams")
    usernames = codes(document, "practitioners", "username")
    assert {s["agency"] for s in document["services"]} <= agencies
    assert all(
        t["agency"] in agencies
        and t["service"] in services
        and t["manager"] in usernames
        and t["locality"] in localities | {None}
        for t in document["teams"]
    )
    assert all(s["locality"] in localities for s in document["schools"])
    assert all(p["agency"] in agencies and p["team"] in teams | {None} for p in document["practitioners"])


def test_the_partnership_has_every_kind_level_and_role(document):
    assert {a["kind"] for a in document["agencies"]} == KINDS
    assert {s["level_of_need"] for s in document["services"]} == LEVELS
    sensitive = {s["name"] for s in document["services"] if s["sensitive"]}
    assert {"Young people's sexual health", "Young people's substance misuse"} <= sensitive
    roles = pd.Series([p["role"] for p in document["practitioners"]]).value_counts()
    assert set(roles.index) == ROLES
    assert roles["practitioner"] > roles.drop("practitioner").sum()
    assert len(codes(document, "practitioners", "username")) == len(document["practitioners"])
    assert all(p["email"].startswith(p["username"] + "@") for p in document["practitioners"])


def test_localities_have_postcodes_in_one_invented_area(document):
    localities = document["localities"]
    assert 4 <= len(localities) <= 8
    areas = {district.rstrip("0123456789") for loc in localities for district in loc["postcode_districts"]}
    assert len(areas) == 1
    for locality in localities:
        assert all(sector.split(" ")[0] in locality["postcode_districts"] for sector in locality["postcode_sectors"])


def test_schools_have_urns_and_establishment_numbers(document):
    schools = pd.DataFrame(document["schools"])
    assert set(schools["phase"]) == {"primary", "secondary"}
    assert schools["urn"].str.fullmatch(r"\d{6}").all() and schools["urn"].is_unique
    assert schools["establishment_number"].str.fullmatch(r"\d{4}").all()
    assert schools["establishment_number"].is_unique


def test_register_files_have_the_agreed_columns(register):
    for name, columns in REGISTER.items():
        assert list(register[name].columns) == columns, name


def test_nhs_numbers_and_upns_are_valid_and_unique(register, document):
    children = register["children.csv"]
    nhs = children.loc[children["nhs_number"] != "", "nhs_number"]
    upn = children.loc[children["upn"] != "", "upn"]
    assert nhs.map(is_valid_nhs_number).all() and nhs.is_unique
    assert upn.map(is_valid_upn).all() and upn.is_unique
    assert len(nhs) > 0.99 * len(children)
    assert (upn.str[1:4] == document["la_code"]).mean() > 0.8
    school_age = children["date_of_birth"] <= "2020-08-31"
    assert (children.loc[~school_age, "upn"] == "").all(), "UPNs come with a place at school"
    assert (children.loc[school_age, "upn"] != "").mean() > 0.95


def test_children_have_realistic_names_and_families(register):
    children = register["children.csv"]
    assert (children["forenames"].str.contains(" ")).mean() > 0.7, "most have a middle name"
    assert children["surname"].str.contains("-").mean() > 0.01, "some surnames are hyphenated"
    former = children[children["former_surnames"] != ""]
    expected = prevalence.NAME_CHANGE_SHARE.value
    assert len(former) / len(children) == pytest.approx(expected, abs=0.01), prevalence.NAME_CHANGE_SHARE.source
    assert (former["former_surnames"].str.split("|").str[-1] != former["surname"]).all()
    assert set(children["sex"]) <= {"M", "F", "U"}
    assert children.groupby("family_id").size().max() > 2, "brothers and sisters share a family"


def test_every_child_has_one_current_address_and_moves_run_forwards(register):
    addresses = register["addresses.csv"]
    children = register["children.csv"]
    assert set(addresses["child_id"]) == set(children["child_id"])
    assert addresses.groupby("child_id")["moved_out"].apply(lambda out: (out == "").sum()).eq(1).all()
    ended = addresses[addresses["moved_out"] != ""]
    assert (ended["moved_out"] >= ended["moved_in"]).all()
    assert addresses["child_id"].duplicated().mean() > 0.2, "families move"


def test_carers_and_relationships(register):
    carers, links = register["carers.csv"], register["child_carers.csv"]
    assert set(links["relationship"]) <= RELATIONSHIPS
    assert set(links["carer_id"]) <= set(carers["carer_id"])
    assert set(links["parental_responsibility"]) | set(links["lives_with"]) <= {"0", "1"}
    assert set(carers["family_id"]) <= set(register["children.csv"]["family_id"])


def test_practitioners_carry_ten_to_twenty_five_open_cases(register, document):
    involvements = register["involvements.csv"]
    practitioners = {p["username"] for p in document["practitioners"] if p["role"] == "practitioner"}
    caseloads = involvements[involvements["ended"] == ""].groupby("practitioner").size()
    caseloads = caseloads.reindex(sorted(practitioners), fill_value=0)
    assert caseloads.between(10, 25).all(), caseloads[~caseloads.between(10, 25)].to_dict()
    assert set(involvements["practitioner"]) <= codes(document, "practitioners", "username")
    assert set(involvements["service"]) <= codes(document, "services")


def test_involvements_agree_with_the_extracts(authority, register):
    """A looked-after child has a social worker in the children in care team; a youth justice case
    has a youth justice officer."""
    involvements = register["involvements.csv"]
    children = register["children.csv"].set_index("la_child_id")["child_id"]
    episodes = read(authority / "ssda903" / "episodes.csv")
    looked_after = set(children.reindex(episodes.loc[episodes["DEC"] == "", "CHILD"]))
    open_care = set(involvements.query("service == 'CSC-CIC' and ended == ''")["child_id"])
    assert looked_after and looked_after == open_care
    truth = read(authority / "ground_truth.csv")
    youth = set(truth.loc[truth["source"] == "youth_offending", "child_id"])
    assert youth == set(involvements.query("service == 'YJS-CASE'")["child_id"])


def test_carers_phones_are_only_from_the_drama_range(register):
    """Ofcom keeps 07700 900000 to 07700 900999 for drama: no real phone can ring."""
    phones = register["carers.csv"]["phone"]
    held = phones[phones != ""]
    assert held.str.fullmatch(r"07700 900\d{3}").all(), held[~held.str.fullmatch(r"07700 900\d{3}")].head().tolist()
    missing = (phones == "").mean()
    assert missing == pytest.approx(prevalence.CARER_PHONE_MISSING_SHARE.value, abs=0.015)
    assert held.nunique() > 900, "the whole range is used"


def test_carers_emails_are_only_at_reserved_domains(register):
    """RFC 2606 reserves example.com and example.org. The local part is plain letters, digits, dots
    and hyphens, which every validator takes (the people room's tests load a generated register
    through Django's)."""
    emails = register["carers.csv"]["email"]
    held = emails[emails != ""]
    assert set(held.str.split("@").str[1]) == {"example.com", "example.org"}
    plain = held.str.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)?@example\.(com|org)")
    assert plain.all(), held[~plain].head().tolist()
    assert held.is_unique, "one address per carer"
    missing = (emails == "").mean()
    assert missing == pytest.approx(prevalence.CARER_EMAIL_MISSING_SHARE.value, abs=0.015)


def test_carers_of_one_family_have_different_phones(register):
    carers = register["carers.csv"]
    held = carers[carers["phone"] != ""]
    shared = held.groupby("family_id")["phone"].apply(lambda phones: phones.duplicated().any())
    assert shared.mean() < 0.005


def test_contacts_follow_the_seed_and_cope_with_unusual_names():
    carers = pd.DataFrame(
        {
            "forenames": ["Zoë Anne", "Seán", "Mary", "Mary"],
            "surname": ["O'Brien", "Bowes Lyon", "Smith-Jones", "Smith-Jones"],
            "date_of_birth": pd.to_datetime(["1985-01-02", "1979-06-30", None, "1990-03-03"]),
        }
    )

    first = carer_contacts(stream(4, "carer contacts"), carers)
    again = carer_contacts(stream(4, "carer contacts"), carers)

    assert first.equals(again)
    held = first.loc[first["email"] != "", "email"]
    assert held.str.fullmatch(r"[a-z0-9.-]+@example\.(com|org)").all(), held.tolist()
    assert held.is_unique
