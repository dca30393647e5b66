"""Loading the authority's person register: children, where they lived, and their carers.

The whole register loads or nothing does; loading it again changes nothing; a newer register
changes only the children whose details changed, each change audited."""

import csv
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinedup.agencies.tests.factories import LocalityPostcodeFactory
from joinedup.audit.models import AuditEvent
from joinedup.common.tables import FileProblems, Problem
from joinedup.people.models import Address, Carer, Child, ChildCarer, Family, FormerName, NameKey
from joinedup.people.services import REGISTER_BASIS, load_register
from joinedup.synth.generate import generate
from joinedup.synth.options import options_from_arguments

pytestmark = pytest.mark.django_db

COLUMNS = {
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
}


@dataclass
class Register:
    """A small register: Alfie and his sister Ruby with their mother Kelly, whose phone and email
    are held, and Zain with his mother Nadia, who has neither. Alfie moved from Zebra Court to
    Apple Street, so his homes sort differently by name and by date."""

    files: dict[str, list[dict[str, str]]] = field(
        default_factory=lambda: {
            "children.csv": [
                dict(
                    child_id="C1",
                    la_child_id="LA0001",
                    forenames="Alfie",
                    surname="Smith",
                    former_surnames="Jones",
                    date_of_birth="2015-03-07",
                    sex="M",
                    ethnicity="WBRI",
                    nhs_number="943 476 5919",
                    upn="B801200005001",
                    family_id="F1",
                ),
                dict(
                    child_id="C2",
                    la_child_id="LA0002",
                    forenames="Ruby",
                    surname="Smith",
                    former_surnames="",
                    date_of_birth="2018-10-02",
                    sex="F",
                    ethnicity="WBRI",
                    nhs_number="9434765870",
                    upn="",
                    family_id="F1",
                ),
                dict(
                    child_id="C3",
                    la_child_id="LA0003",
                    forenames="Zain",
                    surname="Ahmed",
                    former_surnames="",
                    date_of_birth="2012-01-15",
                    sex="M",
                    ethnicity="APKN",
                    nhs_number="",
                    upn="",
                    family_id="F2",
                ),
            ],
            "addresses.csv": [
                dict(
                    child_id="C1",
                    address_line_1="7 Zebra Court",
                    address_line_2="",
                    town="Northby",
                    postcode="nx4 2ab",
                    moved_in="2015-03-07",
                    moved_out="2020-06-30",
                ),
                dict(
                    child_id="C1",
                    address_line_1="1 Apple Street",
                    address_line_2="Flat 2",
                    town="Northby",
                    postcode="NX51RT",
                    moved_in="2020-07-01",
                    moved_out="",
                ),
                dict(
                    child_id="C2",
                    address_line_1="1 Apple Street",
                    address_line_2="Flat 2",
                    town="Northby",
                    postcode="NX5 1RT",
                    moved_in="2020-07-01",
                    moved_out="",
                ),
                dict(
                    child_id="C3",
                    address_line_1="4 Mill Lane",
                    address_line_2="",
                    town="Southby",
                    postcode="SX1 9ZZ",
                    moved_in="2012-01-15",
                    moved_out="",
                ),
            ],
            "carers.csv": [
                dict(
                    carer_id="P1",
                    family_id="F1",
                    forenames="Kelly",
                    surname="Smith",
                    date_of_birth="1990-02-02",
                    sex="F",
                    phone="07700 900123",
                    email="kelly.smith@example.com",
                ),
                dict(
                    carer_id="P2",
                    family_id="F2",
                    forenames="Nadia",
                    surname="Ahmed",
                    date_of_birth="",
                    sex="F",
                    phone="",
                    email="",
                ),
            ],
            "child_carers.csv": [
                dict(child_id="C1", carer_id="P1", relationship="mother", parental_responsibility="1", lives_with="1"),
                dict(child_id="C2", carer_id="P1", relationship="mother", parental_responsibility="1", lives_with="1"),
                dict(child_id="C3", carer_id="P2", relationship="mother", parental_responsibility="1", lives_with="0"),
            ],
        }
    )

    columns: dict[str, list[str]] = field(default_factory=lambda: {k: list(v) for k, v in COLUMNS.items()})

    def row(self, file: str, number: int) -> dict[str, str]:
        """The row as a spreadsheet numbers it: the header is row 1."""
        return self.files[file][number - 2]

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, rows in self.files.items():
            with (directory / name).open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=self.columns[name], extrasaction="ignore")
                writer.writeheader()
                writer.writerows(rows)
        return directory


@pytest.fixture
def register() -> Register:
    return Register()


def everything_loaded() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Child, FormerName, NameKey, Address, Family, Carer, ChildCarer, AuditEvent)
    }


def nothing_loaded() -> dict[str, int]:
    return dict.fromkeys(everything_loaded(), 0)


def test_register_loads_children_with_their_homes_and_carers(register, tmp_path):
    north = LocalityPostcodeFactory(prefix="NX4").locality

    counts = load_register(directory=register.write(tmp_path))

    assert counts == {"children_created": 3, "children_updated": 0, "children_unchanged": 0, "carers_updated": 0}
    alfie = Child.objects.get(la_child_id="LA0001")
    assert (alfie.full_name, alfie.date_of_birth, alfie.nhs_number, alfie.upn) == (
        "Alfie Smith",
        date(2015, 3, 7),
        "9434765919",
        "B801200005001",
    )
    assert [f.surname for f in alfie.former_names.all()] == ["Jones"]
    assert [(a.address_line_1, a.postcode, a.locality, a.moved_out) for a in alfie.addresses.all()] == [
        ("1 Apple Street", "NX5 1RT", None, None),
        ("7 Zebra Court", "NX4 2AB", north, date(2020, 6, 30)),
    ]
    assert [(link.carer.full_name, link.relationship) for link in alfie.carer_links.all()] == [
        ("Kelly Smith", "mother")
    ]
    assert alfie.family == Child.objects.get(la_child_id="LA0002").family


def test_each_child_loaded_is_audited_as_the_register(register, tmp_path):
    load_register(directory=register.write(tmp_path))

    events = AuditEvent.objects.filter(verb="created_child")
    assert sorted(e.child_id for e in events) == sorted(Child.objects.values_list("pk", flat=True))
    assert {(e.actor_username, e.legal_basis) for e in events} == {("system", REGISTER_BASIS)}


def test_loading_the_same_register_twice_changes_nothing(register, tmp_path):
    directory = register.write(tmp_path)
    load_register(directory=directory)
    after_first_load = everything_loaded()

    counts = load_register(directory=directory)

    assert counts == {"children_created": 0, "children_updated": 0, "children_unchanged": 3, "carers_updated": 0}
    assert everything_loaded() == after_first_load


def test_changed_row_updates_only_that_child_and_audits_it(register, tmp_path):
    load_register(directory=register.write(tmp_path / "january"))
    untouched = {c.la_child_id: c.updated_at for c in Child.objects.all()}
    register.row("children.csv", 4)["surname"] = "Ahmed-Khan"

    counts = load_register(directory=register.write(tmp_path / "february"))

    assert counts == {"children_created": 0, "children_updated": 1, "children_unchanged": 2, "carers_updated": 0}
    zain = Child.objects.get(la_child_id="LA0003")
    assert zain.surname == "Ahmed-Khan"
    change = AuditEvent.objects.get(verb="changed_child")
    assert (change.child_id, change.detail["changed"]) == (zain.pk, ["surname"])
    assert {c.la_child_id: c.updated_at for c in Child.objects.exclude(pk=zain.pk)} == {
        k: v for k, v in untouched.items() if k != "LA0003"
    }


def test_new_home_in_a_newer_register_is_added_and_audited(register, tmp_path):
    load_register(directory=register.write(tmp_path / "january"))
    register.row("addresses.csv", 5)["moved_out"] = "2024-09-01"
    register.files["addresses.csv"].append(
        dict(
            child_id="C3",
            address_line_1="9 Brook Road",
            address_line_2="",
            town="Southby",
            postcode="SX1 4AA",
            moved_in="2024-09-02",
            moved_out="",
        )
    )

    load_register(directory=register.write(tmp_path / "february"))

    zain = Child.objects.get(la_child_id="LA0003")
    assert [a.address_line_1 for a in zain.addresses.all()] == ["9 Brook Road", "4 Mill Lane"]
    assert AuditEvent.objects.get(verb="changed_child").detail["changed"] == ["addresses"]


@pytest.mark.parametrize(
    "file, row, column, bad_value, message",
    [
        (
            "children.csv",
            3,
            "nhs_number",
            "9434765871",
            "Enter a valid NHS number: the last digit (the check digit) does not match",
        ),
        (
            "children.csv",
            3,
            "upn",
            "A801200005001",
            "Enter a valid UPN: the first letter (the check letter) does not match",
        ),
        ("children.csv", 3, "date_of_birth", "02/10/2018", "expected a date as iso, got '02/10/2018'"),
        ("children.csv", 3, "date_of_birth", "2018-02-30", "expected a date as iso, got '2018-02-30'"),
        ("children.csv", 4, "sex", "X", "expected one of M, F, U, got 'X'"),
        ("children.csv", 4, "surname", "", "a value is required"),
        ("addresses.csv", 5, "moved_in", "1 July 2020", "expected a date as iso, got '1 July 2020'"),
        ("addresses.csv", 2, "moved_out", "2015-03-06", "moved out before moving in"),
        ("addresses.csv", 4, "child_id", "C9", "no child in children.csv has this id"),
        ("carers.csv", 3, "sex", "female", "expected one of M, F, U, got 'female'"),
        ("carers.csv", 2, "phone", "7700 900123", "expected a UK phone number such as 07700 900123, got '7700 900123'"),
        (
            "carers.csv",
            3,
            "phone",
            "+1 212 555 0123",
            "expected a UK phone number such as 07700 900123, got '+1 212 555 0123'",
        ),
        (
            "carers.csv",
            2,
            "phone",
            "call after 5",
            "expected a UK phone number such as 07700 900123, got 'call after 5'",
        ),
        (
            "carers.csv",
            2,
            "email",
            "kelly.smith@",
            "expected an email address such as name@example.com, got 'kelly.smith@'",
        ),
        (
            "carers.csv",
            3,
            "email",
            "nadia at example.org",
            "expected an email address such as name@example.com, got 'nadia at example.org'",
        ),
        (
            "child_carers.csv",
            3,
            "relationship",
            "cousin",
            "expected one of mother, father, step_mother, step_father, grandmother, grandfather, aunt, uncle, "
            "special_guardian, other, got 'cousin'",
        ),
        ("child_carers.csv", 4, "lives_with", "yes", "expected 1 or 0, got 'yes'"),
    ],
)
def test_bad_cell_is_reported_by_file_row_and_column_and_nothing_is_loaded(
    register, tmp_path, file, row, column, bad_value, message
):
    register.row(file, row)[column] = bad_value
    directory = register.write(tmp_path)

    with pytest.raises(FileProblems) as error:
        load_register(directory=directory)

    assert error.value.problems == [Problem(str(directory / file), row, column, message)]
    assert everything_loaded() == nothing_loaded()


def test_bad_cell_in_a_newer_register_leaves_the_earlier_load_as_it_was(register, tmp_path):
    load_register(directory=register.write(tmp_path / "january"))
    after_january = everything_loaded()
    register.row("children.csv", 2)["surname"] = "Smith-Jones"
    register.row("child_carers.csv", 4)["relationship"] = "cousin"

    with pytest.raises(FileProblems):
        load_register(directory=register.write(tmp_path / "february"))

    assert everything_loaded() == after_january
    assert Child.objects.get(la_child_id="LA0001").surname == "Smith"


def test_every_bad_cell_in_a_file_is_reported_at_once(register, tmp_path):
    register.row("children.csv", 2)["sex"] = "boy"
    register.row("children.csv", 4)["date_of_birth"] = "15/01/2012"

    with pytest.raises(FileProblems) as error:
        load_register(directory=register.write(tmp_path))

    assert [(p.row, p.column) for p in error.value.problems] == [(2, "sex"), (4, "date_of_birth")]


def test_nhs_number_given_to_two_children_is_reported(register, tmp_path):
    register.row("children.csv", 3)["nhs_number"] = "9434765919"
    directory = register.write(tmp_path)

    with pytest.raises(FileProblems) as error:
        load_register(directory=directory)

    assert error.value.problems == [
        Problem(str(directory / "children.csv"), 3, "nhs_number", "also given to the child on row 2")
    ]
    assert everything_loaded() == nothing_loaded()


@pytest.mark.parametrize("column", ["child_id", "la_child_id", "upn"])
def test_other_identifiers_given_twice_are_reported(register, tmp_path, column):
    """Two rows for one child would otherwise load as one, or stop the load on the unique index."""
    register.row("children.csv", 3)[column] = register.row("children.csv", 2)[column]
    directory = register.write(tmp_path)

    with pytest.raises(FileProblems) as error:
        load_register(directory=directory)

    assert error.value.problems == [
        Problem(str(directory / "children.csv"), 3, column, "also given to the child on row 2")
    ]
    assert everything_loaded() == nothing_loaded()


def test_date_of_birth_in_the_future_is_reported(register, tmp_path):
    register.row("children.csv", 3)["date_of_birth"] = (date.today() + timedelta(days=30)).isoformat()
    directory = register.write(tmp_path)

    with pytest.raises(FileProblems) as error:
        load_register(directory=directory)

    assert error.value.problems == [
        Problem(str(directory / "children.csv"), 3, "date_of_birth", "Date of birth must be today or in the past")
    ]


def test_missing_column_is_reported_against_the_header(register, tmp_path):
    register.columns["carers.csv"].remove("sex")
    directory = register.write(tmp_path)

    with pytest.raises(FileProblems) as error:
        load_register(directory=directory)

    assert error.value.problems == [
        Problem(str(directory / "carers.csv"), 1, "sex", "this column is missing from the header")
    ]


def test_nhs_numbers_swapped_in_error_can_be_corrected(register, tmp_path):
    """Siblings' NHS numbers keyed the wrong way round are a common correction: the newer
    register gives each the other's number."""
    load_register(directory=register.write(tmp_path / "january"))
    alfie, ruby = register.row("children.csv", 2), register.row("children.csv", 3)
    alfie["nhs_number"], ruby["nhs_number"] = ruby["nhs_number"], alfie["nhs_number"]

    counts = load_register(directory=register.write(tmp_path / "february"))

    assert counts["children_updated"] == 2
    assert dict(Child.objects.filter(family__reference="F1").values_list("forenames", "nhs_number")) == {
        "Alfie": "9434765870",
        "Ruby": "9434765919",
    }


def test_nhs_number_already_held_by_a_child_outside_the_file_is_reported(register, tmp_path):
    Child.objects.create(
        la_child_id="LA9999",
        forenames="Other",
        surname="Child",
        date_of_birth=date(2014, 1, 1),
        sex="F",
        nhs_number="9434765919",
    )

    with pytest.raises(FileProblems) as raised:
        load_register(directory=register.write(tmp_path))

    assert raised.value.problems == [
        Problem(
            str(tmp_path / "children.csv"), 2, "nhs_number", "already belongs to another child (LA child ID LA9999)"
        )
    ]
    assert Child.objects.count() == 1


def test_a_value_longer_than_its_column_is_reported(register, tmp_path):
    register.row("children.csv", 3)["ethnicity"] = "WHITE BRITISH"

    with pytest.raises(FileProblems) as raised:
        load_register(directory=register.write(tmp_path))

    assert raised.value.problems == [
        Problem(str(tmp_path / "children.csv"), 3, "ethnicity", "expected at most 4 characters, got 13")
    ]


# Carers' contact details


def test_carers_phone_and_email_are_loaded_and_blank_where_not_held(register, tmp_path):
    load_register(directory=register.write(tmp_path))

    assert dict(Carer.objects.values_list("reference", "phone")) == {"P1": "07700 900123", "P2": ""}
    assert dict(Carer.objects.values_list("reference", "email")) == {"P1": "kelly.smith@example.com", "P2": ""}


def test_a_register_written_before_contact_details_were_kept_still_loads(register, tmp_path):
    register.columns["carers.csv"] = [c for c in COLUMNS["carers.csv"] if c not in {"phone", "email"}]

    counts = load_register(directory=register.write(tmp_path))

    assert counts["children_created"] == 3
    assert set(Carer.objects.values_list("phone", "email")) == {("", "")}


@pytest.mark.parametrize(
    "phone", ["+44 7700 900123", "+44 (0)7700 900123", "07700-900-123", "(01632) 960123", "020 7946 0123"]
)
def test_uk_phone_numbers_are_taken_as_people_write_them(register, tmp_path, phone):
    register.row("carers.csv", 2)["phone"] = phone

    load_register(directory=register.write(tmp_path))

    assert Carer.objects.get(reference="P1").phone == phone


def test_a_carers_changed_phone_is_audited_for_each_of_their_children(register, tmp_path):
    """Kelly mothers Alfie and Ruby: both children's audit trails show her details changed, naming
    the fields and not the numbers (the insert-only log keeps no copy of old contact details)."""
    load_register(directory=register.write(tmp_path / "january"))
    untouched = dict(Child.objects.values_list("pk", "updated_at"))
    register.row("carers.csv", 2)["phone"] = "07700 900456"
    register.row("carers.csv", 2)["email"] = ""

    counts = load_register(directory=register.write(tmp_path / "february"))

    kelly = Carer.objects.get(reference="P1")
    assert (kelly.phone, kelly.email) == ("07700 900456", "")
    assert counts == {"children_created": 0, "children_updated": 0, "children_unchanged": 3, "carers_updated": 1}
    events = AuditEvent.objects.filter(verb="changed_carer")
    assert sorted(e.child_id for e in events) == sorted(
        Child.objects.filter(la_child_id__in=["LA0001", "LA0002"]).values_list("pk", flat=True)
    )
    assert {(e.object_type, e.object_id, e.actor_username, e.legal_basis) for e in events} == {
        ("Carer", str(kelly.pk), "system", REGISTER_BASIS)
    }
    assert [e.detail["changed"] for e in events] == [["phone", "email"]] * 2
    assert "07700" not in str([e.detail for e in events])
    assert not AuditEvent.objects.filter(verb="changed_child").exists()
    assert dict(Child.objects.values_list("pk", "updated_at")) == untouched


def test_loading_contact_details_again_audits_nothing_more(register, tmp_path):
    directory = register.write(tmp_path)
    load_register(directory=directory)

    load_register(directory=directory)

    assert not AuditEvent.objects.filter(verb="changed_carer").exists()


def test_a_bad_phone_in_a_newer_register_leaves_the_earlier_load_as_it_was(register, tmp_path):
    load_register(directory=register.write(tmp_path / "january"))
    after_january = everything_loaded()
    register.row("carers.csv", 2)["email"] = "kelly.jones@example.com"
    register.row("carers.csv", 3)["phone"] = "0770090012"
    directory = register.write(tmp_path / "february")

    with pytest.raises(FileProblems) as raised:
        load_register(directory=directory)

    assert raised.value.problems == [
        Problem(
            str(directory / "carers.csv"),
            3,
            "phone",
            "expected a UK phone number such as 07700 900123, got '0770090012'",
        )
    ]
    assert everything_loaded() == after_january
    assert Carer.objects.get(reference="P1").email == "kelly.smith@example.com"


def test_the_synthetic_authoritys_contact_details_all_load(tmp_path):
    """Every phone number and email address the generator writes passes the loader's checks
    (Django's email validator among them), so the demo's register loads."""
    out = tmp_path / "authority"
    generate(options_from_arguments(children=200, seed=3, out=out, error_rates=()), show_progress=False)

    load_register(directory=out / "register")

    phones = set(Carer.objects.exclude(phone="").values_list("phone", flat=True))
    assert phones and all(re.fullmatch(r"07700 900\d{3}", phone) for phone in phones)
    domains = {email.split("@")[1] for email in Carer.objects.exclude(email="").values_list("email", flat=True)}
    assert domains == {"example.com", "example.org"}


def test_a_register_is_written_a_batch_at_a_time_not_a_statement_per_child(tmp_path):
    """A council's first register holds a quarter of a million children: loading it a row at a
    time took half an hour. The statements a load makes do not grow with its children, on the
    first load nor when every child has changed."""
    out = tmp_path / "authority"
    generate(options_from_arguments(children=300, seed=3, out=out, error_rates=()), show_progress=False)
    directory = out / "register"

    with CaptureQueriesContext(connection) as first_load:
        counts = load_register(directory=directory)
    assert counts["children_created"] == Child.objects.count() > 250

    children_file = directory / "children.csv"
    with children_file.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        row["surname"] = f"{row['surname']}-Ray"
    with children_file.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with CaptureQueriesContext(connection) as changed_load:
        counts = load_register(directory=directory)

    assert counts["children_updated"] == len(rows)
    assert Child.objects.filter(surname__endswith="-Ray").count() == len(rows)
    assert NameKey.objects.filter(child__surname__endswith="-Ray").values("child").distinct().count() == len(rows)
    assert AuditEvent.objects.filter(verb="changed_child").count() == len(rows)
    # A statement per row made over 2,000 here; batches (SQLite binds at most 999 values in one)
    # make about 40.
    assert len(first_load) <= 60 and len(changed_load) <= 60, (len(first_load), len(changed_load))
