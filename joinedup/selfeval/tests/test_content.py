"""Instrument content is data: the files read, resolve and check themselves."""

import shutil

import pytest

from joinedup.common.tables import FileProblems
from joinedup.selfeval import content


def test_every_instrument_reads_with_its_codebook():
    codebook = content.read_codebook()

    instruments = {p.stem: content.read_instrument(p, codebook) for p in content.instrument_paths()}

    assert set(instruments) == {"dcs", "manager", "practitioner", "parent", "child"}
    assert {i.respondent_group for i in instruments.values()} == {"dcs", "manager", "practitioner", "parent", "child"}
    for instrument in instruments.values():
        assert instrument.source and instrument.terms, "every instrument names its source and terms"


def test_the_nine_key_features_come_from_the_codebook_into_the_grid():
    dcs = content.read_instrument(content.INSTRUMENTS_DIR / "dcs.toml")

    grid = next(q for q in dcs.questions if q.measure == "features_grid")

    assert [row["label"] for row in grid.options] == [
        "Consultation with children, young people and families",
        "Universal services",
        "Needs analysis and planning",
        "Locality working",
        "Targeted services",
        "Commissioning",
        "Consultation with service professionals",
        "Models of funding and resources",
        "Multi-agency working",
    ]
    assert [c["key"] for c in grid.columns] == ["contributing", "to_develop"]


def test_four_dimensions_are_scored_one_to_five_with_dont_know():
    practitioner = content.read_instrument(content.INSTRUMENTS_DIR / "practitioner.toml")

    scored = [q for q in practitioner.questions if q.measure.startswith("dimension:")]

    assert {q.measure for q in scored} == {
        "dimension:extent",
        "dimension:structures",
        "dimension:processes",
        "dimension:reach",
    }
    assert {(q.min_value, q.max_value, q.unknown_label) for q in scored} == {(1, 5, "Don't know")}
    assert scored[0].options[0]["label"] == "1 – Fragmentation"
    assert scored[0].options[-1]["label"] == "5 – Integrated, high quality"


def test_children_are_asked_in_plain_words_about_the_table_1_items():
    child = content.read_instrument(content.INSTRUMENTS_DIR / "child.toml")
    parent = content.read_instrument(content.INSTRUMENTS_DIR / "parent.toml")

    child_items = next(q for q in child.questions if q.measure == "support_difference")
    parent_items = next(q for q in parent.questions if q.measure == "support_difference")

    assert [o["key"] for o in child_items.options] == [o["key"] for o in parent_items.options]
    assert child_items.options[0]["label"] == "I feel more confident"


def test_licensed_instruments_are_not_embedded():
    text = " ".join(p.read_text().lower() for p in content.INSTRUMENTS_DIR.rglob("*.toml"))

    for licensed in ("strengths and difficulties", "warwick-edinburgh", "kidscreen", "outcomes star"):
        assert licensed not in text


@pytest.fixture
def copy_of_instruments(tmp_path):
    target = tmp_path / "instruments"
    shutil.copytree(content.INSTRUMENTS_DIR, target)
    return target


def test_a_question_naming_an_unknown_scheme_is_reported_with_its_place(copy_of_instruments):
    block = copy_of_instruments / "blocks" / "practitioner_features.toml"
    block.write_text(block.read_text().replace('scheme = "feature"', 'scheme = "features"', 1))

    with pytest.raises(FileProblems) as raised:
        content.read_instrument(copy_of_instruments / "practitioner.toml")

    assert "practitioner_features.toml" in str(raised.value)
    assert "questions[0] (features_contributing): the codebook has no scheme 'features'" in str(raised.value)


def test_an_option_outside_the_codebook_is_reported(copy_of_instruments):
    block = copy_of_instruments / "blocks" / "parent_views.toml"
    block.write_text(block.read_text().replace('key = "feel_safer"', 'key = "feels_safe"'))

    with pytest.raises(FileProblems, match="options not in the codebook's outcome scheme: \\['feels_safe'\\]"):
        content.read_instrument(copy_of_instruments / "parent.toml")


def test_a_missing_block_and_a_broken_file_are_reported(copy_of_instruments):
    instrument = copy_of_instruments / "child.toml"
    instrument.write_text(instrument.read_text().replace('"child_views"', '"child_view"'))

    with pytest.raises(FileProblems, match="child_view.toml: the file does not exist"):
        content.read_instrument(instrument)

    instrument.write_text("code = ")
    with pytest.raises(FileProblems, match="not valid TOML"):
        content.read_instrument(instrument)


def test_rewording_a_question_changes_the_checksum(copy_of_instruments):
    before = content.read_instrument(copy_of_instruments / "child.toml")
    block = copy_of_instruments / "blocks" / "child_views.toml"
    block.write_text(block.read_text().replace("Who helps you at the moment?", "Who helps you now?"))

    after = content.read_instrument(copy_of_instruments / "child.toml")

    assert before.checksum != after.checksum
