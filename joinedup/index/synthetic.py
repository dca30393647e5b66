"""Where each extract of the synthetic authority lies, and the source file that reads it: the
demo imports them exactly as a council would import its own."""

from __future__ import annotations

from pathlib import Path

SOURCES_DIR = Path(__file__).resolve().parent / "sources" / "synthetic"


def synthetic_extracts(authority_dir: Path) -> list[tuple[Path, Path]]:
    """(source file, extract) for every extract `joinedup synth` writes, the register first so
    that linkage can anchor to it."""
    cin_census = sorted((authority_dir / "cin_census").glob("*.xml"))
    extracts = {
        "register": authority_dir / "register" / "children.csv",
        "school_census": authority_dir / "school_census",
        "ssda903": authority_dir / "ssda903",
        "cin_census": cin_census[-1] if cin_census else authority_dir / "cin_census",
        "child_health": authority_dir / "child_health" / "child_health_records.csv",
        "youth_offending": authority_dir / "youth_offending" / "yot_caseload.csv",
        "social_care": authority_dir / "social_care" / "persons.csv",
        "pupil_attendance": authority_dir / "pupil_attendance" / "pupil_attendance.csv",
    }
    return [(SOURCES_DIR / f"{name}.toml", path) for name, path in extracts.items()]
