"""Records for the linkage tests: canonical frames built from a few hand-made rows, and small
synthetic authorities read through their source files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from joinedup.index.canonical import CANONICAL_FIELDS

SYNTHETIC_SOURCES = Path(__file__).resolve().parents[2] / "sources" / "synthetic"


def pytest_configure(config):
    config.addinivalue_line("markers", "spark: starts a Spark cluster on loopback, once (SQLite's pass)")


def canonical(*rows: dict) -> pd.DataFrame:
    """A canonical frame: every field empty unless a row gives it."""
    return pd.DataFrame([{field: row.get(field, "") for field in CANONICAL_FIELDS} for row in rows], dtype=str)


def record(source: str, record_id: str, **fields) -> dict:
    return {"source": source, "record_id": record_id, **fields}


def cluster_of(clusters: pd.DataFrame) -> dict[str, str]:
    return dict(zip(clusters["unique_id"], clusters["cluster_id"], strict=True))


@pytest.fixture
def authority(tmp_path):
    """Generate a small synthetic authority; returns a function of the number of children."""
    from joinedup.synth.generate import generate
    from joinedup.synth.options import options_from_arguments

    def make(children: int) -> Path:
        out = tmp_path / f"la{children}"
        generate(options_from_arguments(children=children, seed=7, out=out), show_progress=False)
        return out

    return make


def read_authority(la: Path) -> pd.DataFrame:
    """Every extract of a synthetic authority through its source file."""
    from joinedup.index.sources import load_mapping, read_source

    paths = {
        "school_census": la / "school_census",
        "child_health": la / "child_health" / "child_health_records.csv",
        "youth_offending": la / "youth_offending" / "yot_caseload.csv",
        "ssda903": la / "ssda903",
        "cin_census": next((la / "cin_census").glob("*.xml")),
        "social_care": la / "social_care" / "persons.csv",
    }
    frames = [
        read_source(load_mapping(SYNTHETIC_SOURCES / f"{name}.toml"), path).records for name, path in paths.items()
    ]
    return pd.concat(frames, ignore_index=True)
