"""A locality panel and a referral waiting for it, used across the casework tests."""

import pytest

from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory

from .factories import PanelFactory, ReferralFactory


@pytest.fixture
def panel(db):
    return PanelFactory(chair__user__email="chair@northshire.example")


@pytest.fixture
def referral(panel):
    """A teacher's referral in the panel's locality, made with the mother's consent."""
    return ReferralFactory(locality=panel.locality, referrer__user__email="teacher@northshire.example")


@pytest.fixture
def family_worker(panel):
    """A family support worker in the panel's locality, who may become lead professional."""
    return PractitionerFactory(
        team__locality=panel.locality, job_role="Family support worker", user__email="worker@northshire.example"
    )


@pytest.fixture
def manager():
    return PractitionerFactory(role=Role.SERVICE_MANAGER, job_role="Early help service manager")
