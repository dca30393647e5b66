"""`manage.py synth` turns nonsense into a clear CommandError and otherwise reports what it wrote."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def synth(out, *arguments):
    stdout = StringIO()
    call_command("synth", "--out", str(out), "--no-progress", *arguments, stdout=stdout)
    return stdout.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--children", "0"], "positive"),
        (["--children", "-5"], "positive"),
        (["--children", "ten"], "whole number"),
        (["--children", "2.5"], "whole number"),
        (["--children", "50"], "at least 100"),
        (["--children", "100000000"], "absurdly large"),
        (["--children", "500", "--seed", "abc"], "--seed must be a whole number"),
        (["--children", "500", "--seed", "-1"], "--seed"),
        (["--children", "500", "--as-of", "31/03/2025"], "YYYY-MM-DD"),
        (["--children", "500", "--as-of", "2025-02-30"], "YYYY-MM-DD"),
        (["--children", "500", "--as-of", "1850-01-01"], "between"),
        (["--children", "500", "--error-rate", "spelling=0.1"], "unknown error rate spelling"),
        (["--children", "500", "--error-rate", "typo=1.5"], "outside 0..1"),
        (["--children", "500", "--error-rate", "typo"], "NAME=RATE"),
        (["--children", "500", "--error-rate", "typo=lots"], "not a number"),
        (["--children", "500", "--error-rate", "phonetic=0.1"], "only the second error profile makes"),
        (["--children", "500", "--error-profile", "third"], "invalid choice"),
    ],
)
def test_nonsense_arguments_are_refused_with_a_reason(tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message):
        synth(tmp_path / "out", *arguments)
    assert not (tmp_path / "out").exists(), "nothing is written when the arguments are refused"


def test_a_folder_with_files_in_it_needs_force(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(CommandError, match="not empty"):
        synth(tmp_path, "--children", "200")
    synth(tmp_path, "--children", "200", "--force")
    assert (tmp_path / "notes.txt").read_text() == "mine", "--force replaces only what the generator writes"


def test_a_file_is_not_an_output_folder(tmp_path):
    target = tmp_path / "file"
    target.write_text("")
    with pytest.raises(CommandError, match="is a file"):
        synth(target, "--children", "200")


def test_an_unwritable_folder_is_refused():
    """/proc refuses new files even to root, for whom permission bits mean nothing."""
    with pytest.raises(CommandError, match="cannot be written"):
        synth("/proc/joinedup-synth/out", "--children", "200")


def test_the_command_writes_the_authority_and_prints_its_counts(tmp_path):
    output = synth(
        tmp_path / "la", "--children", "300", "--seed", "9", "--error-rate", "typo=0.1", "--as-of", "2024-03-31"
    )
    assert "register/children.csv" in output and "300" in output
    assert "ground_truth.csv" in output and "practitioners" in output
    assert "key stage 3 absence over 20 percent" in output
    assert (tmp_path / "la" / "school_census" / "2024_spring_pupilonroll.csv").exists()
    assert (tmp_path / "la" / "cin_census" / "CIN_Census_2024.xml").exists()


def test_the_second_error_profile_is_chosen_by_option_and_named_in_the_manifest(tmp_path):
    output = synth(tmp_path / "la", "--children", "300", "--error-profile", "second", "--error-rate", "phonetic=0.5")
    manifest = json.loads((tmp_path / "la" / "manifest.json").read_text())

    assert "(second error profile)" in output and "injected_errors/child_health.csv" in output
    assert manifest["error_profile"] == "second" and manifest["error_rates"]["phonetic"] == 0.5
    assert manifest["date_formats"]["child_health"] == "iso"
