"""The second error profile (`--error-profile second`) makes errors the first never makes, each at
about its rate, lists every one it injects, and writes each local system's dates in another format
that its source file can be told about; the first profile's files are what they always were."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import jellyfish
import numpy as np
import pandas as pd
import pytest

from joinedup.common.dates import FORMATS, parse_date
from joinedup.index.sources import load_mapping, read_source
from joinedup.index.synthetic import synthetic_extracts
from joinedup.synth.errors import DEFAULT_RATES, SECOND_PROFILE_RATES
from joinedup.synth.generate import generate
from joinedup.synth.names import name_pools, phonetic_variants_of
from joinedup.synth.options import options_from_arguments
from joinedup.synth.tests.conftest import read

CHILDREN, SEED = 3000, 31
HEALTH = "child_health/child_health_records.csv"
# High enough to measure each rate on one authority's health records within a few points.
MEASURED = {
    "two_edits": 0.2,
    "phonetic": 0.3,
    "first_middle_swapped": 0.2,
    "surname_half": 0.5,
    "swapped_day_month_and_moved": 0.2,
    "missing_name": 0.1,
    "missing_date_of_birth": 0.1,
    "missing_postcode": 0.2,
}
# sha256 of every file of `--children 2000 --seed 7` with the first profile, taken before the second
# profile was added (commit df01511): it must not change a byte. Update only when the first profile
# is meant to change.
FIRST_PROFILE_CHECKSUMS = {
    "authority.json": "b3aecb9cda4c615d412942dd8914cec50b09bacf5edf79f1ff635fc9f841b2bd",
    "child_health/child_health_records.csv": "c07b98aa90540403bd312985502dfc3799ddb15cc955c5171ec0eb93e30326f5",
    "cin_census/CIN_Census_2025.xml": "a02993ee423c941074e296ebe061eff70db59983df08f7157e759998a78be4b7",
    "ground_truth.csv": "b238187912b42435b67c300636b018aab476d80e0b9b02b71074ef032d72af07",
    "history/early_help.csv": "12c30d009637ad29a9a3d333e2bf3e26e5121bbf333dc3d3915e32b56d28fc5e",
    "history/truth.json": "43a8a9587b4b41efee6254aaf14ed23687dd74bd282c99f6829d215a0aa8df47",
    "history/truth_children.csv": "fb3a3ee751f321a704083c0f7e50a873f70923cd725f32d095daa90e2a301b94",
    "history/wellbeing.csv": "b404be0b29d5752587167490dbe28c9c0a59758fa8bc74cbe5894466943d1686",
    "manifest.json": "4c998ae00ddd20b02de7015ff1aa8917f4963d486f540514df3e32b0911bcfc4",
    "pupil_attendance/pupil_attendance.csv": "4a6129f60e13b47b82abc2f3a427944719ebc1084e967836f9da9bddb8fe3065",
    "pupil_attendance/pupil_exclusions.csv": "13ab310c05f564b76d31edb105be1523f859adc29f29d09eef78cb028fd98115",
    "register/addresses.csv": "68a595d9922b0baf37c2cff73a48b0d4fc8ec05d8e8c65b61954eebc9f071448",
    "register/carers.csv": "45f77da36aa886362293745912f650bc2da069df74dc00aea5de3faa4340a6a3",
    "register/child_carers.csv": "d6921998dc204bb537c7c229d31d0d5ec852a7df705ddc9810030de38972f1f9",
    "register/children.csv": "225a4b1fb5170495a1a87fca305154c8cb1a5796a8d9403e6ec470f442b4f7f7",
    "register/involvements.csv": "b0c6b93d9b4cd88c3ca769162ca9e425ea9f10cfea33369743111e02964e5b75",
    "school_census/2025_spring_pupilonroll.csv": "75d0f236517b96781fdd05fb5e92579fcda18173892e69122ebe3225a5c9e082",
    "school_census/2025_spring_senneeds.csv": "f2ecbc408ce7cdedfb4050cd144b7be37655c7d84fa0c5018ce82f189d60e77a",
    "school_census/2025_spring_termlyexclusionsonroll.csv": (
        "4f5ae37e6181350f657237fd31f44cdb6f8910c73f718d26196577bc7ce35c03"
    ),
    "school_census/2025_spring_termlysessiondetailsonroll.csv": (
        "dcfe8345fac0ab2f0d9f4f66a84b804e40736a8fe704e32a8db6a34d426fac8f"
    ),
    "social_care/persons.csv": "b4530c01182d9163b42893cbad2fa7563beb3623dd8cc14c44282a275a17dbf4",
    "ssda903/episodes.csv": "a4fdc28121724fb2c576036341c30fedde275c1bba7756d9ee7f95e16b4b6c0b",
    "ssda903/header.csv": "72682bf73df91ceca790b50c64bb5d6d6e490b02fca7663b5f6afe7e19dfefb4",
    "ssda903/oc2.csv": "f008cde1364bc69336aec5cc336fb00d793af0e72974452fd45a8ee15504b372",
    "youth_offending/yot_caseload.csv": "0d91bd0f34d0113e746fd15c370f37d4706c7e7d6e3fa2c7c535eb47a3e0a463",
}


def build(factory, name: str, *, profile: str, rates: dict[str, float] | None = None, children=CHILDREN, seed=SEED):
    out = factory.mktemp(name) / "authority"
    chosen = tuple(f"{kind}={rate}" for kind, rate in (rates or {}).items())
    generate(
        options_from_arguments(children=children, seed=seed, out=out, error_rates=chosen, error_profile=profile),
        show_progress=False,
    )
    return out


@pytest.fixture(scope="module")
def first(tmp_path_factory) -> Path:
    return build(tmp_path_factory, "first", profile="first")


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> Path:
    return build(tmp_path_factory, "measured", profile="second", rates=MEASURED)


@pytest.fixture(scope="module")
def second(tmp_path_factory) -> Path:
    return build(tmp_path_factory, "second", profile="second")


def injected(folder: Path, source: str) -> pd.DataFrame:
    return read(folder / "injected_errors" / f"{source}.csv")


def health_pair(first: Path, second: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same health records under both profiles: the second profile draws its errors from a
    stream of its own, so every record has the same id and, but for those errors, the same values."""
    before, after = read(first / HEALTH), read(second / HEALTH)
    assert (before["LOCAL_PATIENT_ID"] == after["LOCAL_PATIENT_ID"]).all()
    return before, after


def listed(folder: Path, source: str, error: str, field: str, ids: pd.Series) -> np.ndarray:
    errors = injected(folder, source)
    chosen = errors[(errors["error"] == error) & (errors["field"] == field)]["record_id"]
    return ids.isin(chosen).to_numpy()


def assert_rate(hits: np.ndarray, eligible: np.ndarray, rate: float, what: str, *, only_there: bool = True) -> None:
    count = int(eligible.sum())
    assert count > 100, what
    share = float(hits[eligible].mean())
    assert share == pytest.approx(rate, abs=4 * np.sqrt(rate * (1 - rate) / count)), what
    if only_there:
        assert not hits[~eligible].any(), f"{what}: only where it can happen"


def iso(dates: pd.Series, pattern: str) -> pd.Series:
    return pd.to_datetime(dates, format=pattern).dt.strftime("%Y-%m-%d").fillna("")


def test_the_first_profile_writes_the_same_bytes_as_before_the_second_existed(tmp_path_factory):
    out = build(tmp_path_factory, "checksums", profile="first", children=2000, seed=7)
    written = {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }
    assert written == FIRST_PROFILE_CHECKSUMS


def test_each_error_of_the_second_profile_comes_at_its_rate(first, measured):
    before, after = health_pair(first, measured)
    ids = after["LOCAL_PATIENT_ID"]
    sexes = np.where(after["STATED_GENDER_CODE"] == "2", "F", "M")
    middle = before["OTHER_GIVEN_NAMES"] != ""
    assert_rate(listed(measured, "child_health", "first_middle_swapped", "forename", ids), middle, 0.2, "swapped")
    split = before["FAMILY_NAME"].str.contains("-| ", regex=True).to_numpy()
    assert_rate(listed(measured, "child_health", "surname_half", "surname", ids), split, 0.5, "half")
    # The forename each later error starts from is the middle name where the two were swapped.
    swapped = listed(measured, "child_health", "first_middle_swapped", "forename", ids)
    given = np.where(swapped, before["OTHER_GIVEN_NAMES"].str.split(" ").str[0], before["GIVEN_NAME"])
    sounds_alike = np.array([bool(phonetic_variants_of(n, s)) for n, s in zip(given, sexes, strict=True)])
    assert_rate(listed(measured, "child_health", "phonetic", "forename", ids), sounds_alike, 0.3, "phonetic")
    # Two edits follow a phonetic spelling, which can lengthen a name: where it could happen is approximate.
    long_enough = np.array([sum(c.isalpha() for c in n) >= 4 for n in given])
    two = listed(measured, "child_health", "two_edits", "forename", ids)
    assert_rate(two, long_enough, 0.2, "two edits", only_there=False)
    born = pd.to_datetime(ids.map(_true_births(first, before)))
    swappable = (born.dt.day <= 12) & (born.dt.day != born.dt.month) & (before["POSTCODE"] != "").to_numpy()
    swappable = swappable.to_numpy()
    assert_rate(
        listed(measured, "child_health", "swapped_day_month_and_moved", "date_of_birth", ids),
        swappable,
        0.2,
        "swapped date and moved",
    )
    for field, column in (
        ("forename", "GIVEN_NAME"),
        ("middle_names", "OTHER_GIVEN_NAMES"),
        ("surname", "FAMILY_NAME"),
    ):
        named = (before[column] != "").to_numpy()
        assert_rate(listed(measured, "child_health", "missing_name", field, ids), named, 0.1, f"blank {field}")
    dated = (before["DATE_OF_BIRTH"] != "").to_numpy()
    assert_rate(listed(measured, "child_health", "missing_date_of_birth", "date_of_birth", ids), dated, 0.1, "no dob")
    has_postcode = (before["POSTCODE"] != "").to_numpy()
    assert_rate(listed(measured, "child_health", "missing_postcode", "postcode", ids), has_postcode, 0.2, "no postcode")


def _true_births(first: Path, before: pd.DataFrame) -> dict[str, str]:
    """Each health record's true date of birth, from ground truth and the register."""
    truth = read(first / "ground_truth.csv").query("source == 'child_health'").set_index("record_id")["child_id"]
    born = read(first / "register" / "children.csv").set_index("child_id")["date_of_birth"]
    return dict(zip(before["LOCAL_PATIENT_ID"], born.reindex(truth.reindex(before["LOCAL_PATIENT_ID"])), strict=True))


def test_the_records_differ_from_the_first_profiles_exactly_where_an_error_is_listed(first, measured):
    before, after = health_pair(first, measured)
    ids = after["LOCAL_PATIENT_ID"]
    errors = injected(measured, "child_health")
    before = before.assign(DATE_OF_BIRTH=iso(before["DATE_OF_BIRTH"], "%Y%m%d"))
    for column, fields in (
        ("GIVEN_NAME", {"forename"}),
        ("OTHER_GIVEN_NAMES", {"forename", "middle_names"}),  # a swap moves the forename among them
        ("FAMILY_NAME", {"surname"}),
        ("DATE_OF_BIRTH", {"date_of_birth"}),
        ("POSTCODE", {"postcode", "date_of_birth"}),  # a swapped date comes with a move
    ):
        changed = before[column] != after[column]
        noted = ids.isin(errors.loc[errors["field"].isin(fields), "record_id"])
        assert not (changed & ~noted).any(), f"{column} changed with no error listed"
        if column in ("GIVEN_NAME", "FAMILY_NAME", "DATE_OF_BIRTH"):
            assert (changed | ~noted).mean() > 0.99, f"{column}: a listed error shows in the record"
    moved = ids.isin(errors.loc[errors["error"] == "swapped_day_month_and_moved", "record_id"])
    assert (before.loc[moved, "POSTCODE"] != after.loc[moved, "POSTCODE"]).all()
    dated = moved & (after["DATE_OF_BIRTH"] != "")  # a swapped date can be left blank too
    swapped = pd.to_datetime(after.loc[dated, "DATE_OF_BIRTH"], format="%Y-%m-%d")
    true = pd.to_datetime(ids[dated].map(_true_births(first, read(first / HEALTH))))
    assert (swapped.dt.day.to_numpy() == true.dt.month.to_numpy()).all()
    assert (swapped.dt.month.to_numpy() == true.dt.day.to_numpy()).all()
    two = ids.isin(errors.loc[(errors["error"] == "two_edits") & (errors["field"] == "surname"), "record_id"])
    phonetic = ids.isin(errors.loc[(errors["error"] != "two_edits") & (errors["field"] == "surname"), "record_id"])
    only_two = two & ~phonetic
    distances = [
        jellyfish.damerau_levenshtein_distance(a, b)
        for a, b in zip(before.loc[only_two, "FAMILY_NAME"], after.loc[only_two, "FAMILY_NAME"], strict=True)
        if b
    ]
    assert distances and min(distances) >= 2


def test_phonetic_spellings_are_other_spellings_of_the_same_sound():
    assert {"Katherine", "Kathryn"} <= set(phonetic_variants_of("Catherine", "F"))
    assert "Steven" in phonetic_variants_of("Stephen", "M")
    assert "Muhammad" in phonetic_variants_of("Mohammed", "M")
    assert "Aliyah" in phonetic_variants_of("Aaliyah", "F")
    assert "Clark" in phonetic_variants_of("Clarke", "surname")
    assert "White" not in phonetic_variants_of("Wade", "surname")  # the same consonants, not the same name
    assert "Ella" not in phonetic_variants_of("Eli", "M")  # a boy's name has boys' spellings
    forenames = {n for (_, sex), (names, _) in name_pools().given_in_year.items() if sex == "F" for n in names}
    with_variants = sum(bool(phonetic_variants_of(n, "F")) for n in forenames)
    assert with_variants / len(forenames) > 0.5, "most names have another spelling, not a chosen few"


def test_the_first_profile_makes_none_of_the_second_profiles_errors(first):
    assert not (first / "injected_errors").exists()
    manifest = json.loads((first / "manifest.json").read_text())
    assert "error_profile" not in manifest and set(manifest["error_rates"]) == set(DEFAULT_RATES)
    health = read(first / HEALTH)
    truth = read(first / "ground_truth.csv").query("source == 'child_health'").set_index("record_id")["child_id"]
    children = read(first / "register" / "children.csv").set_index("child_id")
    true = children.loc[truth.reindex(health["LOCAL_PATIENT_ID"]).to_numpy()].reset_index()
    assert (health["OTHER_GIVEN_NAMES"] == true["forenames"].str.partition(" ")[2]).all(), "names never swapped"
    for column in ("GIVEN_NAME", "FAMILY_NAME", "DATE_OF_BIRTH", "POSTCODE"):
        assert (health[column] != "").all(), f"{column} never blank"
    halved = true["surname"].str.contains("-") & ~health["FAMILY_NAME"].str.contains("-")
    assert not (halved & (true["former_surnames"] == "")).any(), "a hyphenated surname is never halved"
    nicknames = name_pools().nicknames
    slips = [
        jellyfish.damerau_levenshtein_distance(given, name)
        for given, name in zip(health["GIVEN_NAME"], true["forenames"].str.split(" ").str[0], strict=True)
        if given not in nicknames.get(name, ())
    ]
    assert max(slips) <= 1, "a first-profile forename is one slip at most from the true one or a nickname"


def test_the_default_second_profile_writes_every_kind_of_error_and_its_date_formats(second):
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["error_profile"] == "second" and manifest["error_rates"] == SECOND_PROFILE_RATES
    assert set(manifest["date_formats"].values()) <= set(FORMATS)
    kinds = set(SECOND_PROFILE_RATES) - set(DEFAULT_RATES)
    every = pd.concat([injected(second, s) for s in ("child_health", "social_care", "youth_offending")])
    assert set(every["error"]) == kinds
    for source in ("school_census", "pupil_attendance"):  # the DfE's collections: no blanks, no moves
        assert set(injected(second, source)["error"]) == {
            "two_edits",
            "phonetic",
            "first_middle_swapped",
            "surname_half",
        }
    for source, column in (("child_health", HEALTH), ("social_care", "social_care/persons.csv")):
        dates = read(second / column)[{"child_health": "DATE_OF_BIRTH", "social_care": "DOB"}[source]]
        for value in dates[dates != ""]:
            parse_date(value, manifest["date_formats"][source])


def test_every_extract_reads_through_its_source_file_told_the_manifests_date_formats(second):
    """What the owner of joinedup/index/sources/synthetic must do for the second profile: give every
    date column of each file the manifest names its format. Then each extract reads with few rejects
    (a blank date of birth, which the source files require), every record keyed as ground truth has it."""
    formats = json.loads((second / "manifest.json").read_text())["date_formats"]
    truth = read(second / "ground_truth.csv")
    for path, extract in synthetic_extracts(second):
        mapping = load_mapping(path)
        if mapping.name in formats:
            mapping = dataclasses.replace(mapping, dates=dict.fromkeys(mapping.dates, formats[mapping.name]))
        result = read_source(mapping, extract)

        assert len(result.rejected_ids) <= 0.02 * result.rows_read, mapping.name
        if mapping.name != "register":
            expected = set(truth.loc[truth["source"] == mapping.name, "record_id"])
            assert set(result.records["record_id"]) | set(result.rejected_ids) == expected, mapping.name
