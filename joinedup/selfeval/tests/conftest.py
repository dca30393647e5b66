"""Shared fixtures: the instruments and codebook loaded from their data files."""

import pytest

from joinedup.selfeval import services


@pytest.fixture
def loaded(db):
    """Every instrument, the codebook and the key groups, as `joinedup selfeval-instruments` loads them."""
    return services.load_content()
