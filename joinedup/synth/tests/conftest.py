"""Generated authorities for the tests: each module builds the one it needs once (a few seconds)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from joinedup.synth.errors import DEFAULT_RATES
from joinedup.synth.generate import generate
from joinedup.synth.options import options_from_arguments

# The real-format samples, kept in the repository with their sources and licences.
FORMATS = Path(__file__).resolve().parents[3] / "samples" / "formats"
NO_ERRORS = tuple(f"{name}=0" for name in DEFAULT_RATES)


def build_authority(
    factory: pytest.TempPathFactory, name: str, *, children: int, seed: int = 7, rates: tuple[str, ...] = ()
) -> Path:
    out = factory.mktemp(name) / "authority"
    generate(options_from_arguments(children=children, seed=seed, out=out, error_rates=rates), show_progress=False)
    return out


def read(path: Path) -> pd.DataFrame:
    """A CSV as text, blanks kept as '' (as an importer sees it)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def record_ids(table: pd.DataFrame, key: str | list[str]) -> pd.Series:
    """A table's record ids as ground truth lists them: a key of several columns joined with '|'."""
    columns = [key] if isinstance(key, str) else key
    ids = table[columns[0]]
    for column in columns[1:]:
        ids = ids + "|" + table[column]
    return ids


@pytest.fixture(scope="session")
def formats() -> Path:
    assert FORMATS.is_dir(), f"the real-format samples should be at {FORMATS}"
    return FORMATS
