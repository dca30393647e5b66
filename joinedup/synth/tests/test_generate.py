"""The generator's promises: the same seed gives the same bytes, it writes what its manifest says,
and it knows nothing of Django."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from joinedup.common.progress import progress
from joinedup.synth.tests.conftest import build_authority, read

SYNTH = Path(__file__).resolve().parents[1]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def twice(tmp_path_factory):
    return [build_authority(tmp_path_factory, f"same-{n}", children=2000, seed=11) for n in (1, 2)]


def test_the_same_seed_gives_byte_identical_files(twice):
    first, second = (_files(folder) for folder in twice)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_a_different_seed_gives_a_different_authority(twice, tmp_path_factory):
    other = _files(build_authority(tmp_path_factory, "other-seed", children=2000, seed=12))
    same = _files(twice[0])
    changed = [name for name in same if same[name] != other.get(name)]
    assert "register/children.csv" in changed
    assert "authority.json" in changed


def test_the_manifest_counts_every_file_it_wrote(twice):
    folder = twice[0]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 11 and manifest["children"] == 2000 and manifest["as_of"] == "2025-03-31"
    written = {name for name in _files(folder) if name not in {"manifest.json", "authority.json"}}
    assert set(manifest["files"]) | set(manifest["history"]["files"]) == written
    for name, rows in {**manifest["files"], **manifest["history"]["files"]}.items():
        if name.endswith(".csv"):
            assert len(read(folder / name)) == rows, name
    assert manifest["files"]["register/children.csv"] == 2000
    assert manifest["extract_records"] == manifest["files"]["ground_truth.csv"]


def test_the_reference_date_is_the_one_asked_for_not_today(tmp_path_factory):
    folder = build_authority(tmp_path_factory, "as-of", children=500, seed=3)
    children = read(folder / "register" / "children.csv")
    assert children["date_of_birth"].max() <= "2025-03-31"
    assert children["date_of_birth"].min() > "2007-03-31"
    assert json.loads((folder / "authority.json").read_text())["as_of"] == "2025-03-31"


def test_the_generator_imports_no_django():
    """Run in a fresh interpreter: the test process has Django loaded already."""
    code = (
        "import sys, joinedup.synth.generate; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_no_generator_module_names_django():
    """apps.py and the management command are the only Django-facing files."""
    django_facing = {SYNTH / "apps.py", *SYNTH.glob("management/**/*.py"), *SYNTH.glob("tests/**/*.py")}
    offenders = []
    for path in SYNTH.rglob("*.py"):
        if path in django_facing:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            offenders += [f"{path.name}: {n}" for n in names if n == "django" or n.startswith("django.")]
    assert offenders == []


def test_the_progress_bar_shows_on_stderr_and_can_be_switched_off(capsys):
    with progress(total=2, description="Counting", enabled=False) as advance:
        advance()
        advance(description="Still counting")
    assert capsys.readouterr() == ("", "")
    with progress(total=2, description="Counting", enabled=True) as advance:
        advance(2, description="Counted")
    shown = capsys.readouterr()
    assert shown.out == "" and "Counted" in shown.err and "2/2" in shown.err
