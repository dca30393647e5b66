"""Each test builds its measures into its own file."""

import pytest


@pytest.fixture(autouse=True)
def measures_in_tmp(settings, tmp_path):
    settings.JOINEDUP_EVIDENCE_PATH = tmp_path / "evidence.duckdb"
