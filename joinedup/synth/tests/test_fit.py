"""The table of which children each service works with (fit.FIT): every service that holds cases
is in it, every sensitive service needs a need that calls for it, and the synthetic authority's
own allocations keep to its ages."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from joinedup.synth.fit import FIT, LOOKED_AFTER
from joinedup.synth.services import CASEHOLDING, SERVICES
from joinedup.synth.tests.conftest import build_authority, read


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return build_authority(tmp_path_factory, "fit", children=3000, seed=5)


def test_every_service_that_holds_cases_says_whom_it_works_with():
    assert set(CASEHOLDING) <= set(FIT)
    for code, fit in FIT.items():
        assert 0 <= fit.youngest <= fit.oldest <= 17, code
        assert fit.why, f"{code}: name the source or the reasoning"


def test_a_sensitive_service_is_called_for_only_by_a_need():
    for spec in SERVICES:
        if spec.sensitive:
            assert FIT[spec.code].called_for_by, spec.code


def test_no_service_of_the_synthetic_authority_works_with_a_child_outside_its_ages(authority):
    as_of = date.fromisoformat(json.loads((authority / "authority.json").read_text())["as_of"])
    born = read(authority / "register" / "children.csv").set_index("child_id")["date_of_birth"]
    involvements = read(authority / "register" / "involvements.csv")
    involvements["born"] = pd.to_datetime(involvements["child_id"].map(born))
    involvements["age"] = (
        as_of.year
        - involvements["born"].dt.year
        - ((involvements["born"].dt.month * 100 + involvements["born"].dt.day) > as_of.month * 100 + as_of.day)
    )

    assert set(involvements["service"]) <= set(FIT)
    for service, ages in involvements.groupby("service")["age"]:
        assert FIT[service].youngest <= ages.min() and ages.max() <= FIT[service].oldest, service


def test_every_worker_is_of_the_service_that_works_with_the_child_and_fits_them(authority):
    """No health visitor for a 15-year-old, no youth justice officer for a 6-year-old: each
    involvement's practitioner is in a team of that involvement's service, the child is of its ages
    on the reference date (or the day the work ended), and a looked-after child's service (CSC-CIC,
    the virtual school) works only with children in care."""
    document = json.loads((authority / "authority.json").read_text())
    as_of = date.fromisoformat(document["as_of"])
    team_service = {team["code"]: team["service"] for team in document["teams"]}
    service_of = {p["username"]: team_service.get(p["team"]) for p in document["practitioners"]}
    children = read(authority / "register" / "children.csv").set_index("child_id")
    involvements = read(authority / "register" / "involvements.csv")

    assert (involvements["practitioner"].map(service_of) == involvements["service"]).all()
    for row in involvements.itertuples():
        fit = FIT[row.service]
        until = date.fromisoformat(row.ended) if row.ended else as_of
        born = date.fromisoformat(children.at[row.child_id, "date_of_birth"])
        age = until.year - born.year - ((until.month, until.day) < (born.month, born.day))
        # Work that ended before the birth (a pre-birth assessment) is by a service that works from birth.
        assert fit.youngest <= max(age, 0) <= fit.oldest, (row.service, row.child_id, age)
        started = date.fromisoformat(row.started)
        age_at_start = started.year - born.year - ((started.month, started.day) < (born.month, born.day))
        # and it started no earlier than the service's youngest age (the virtual school waits for school age)
        assert fit.youngest == 0 or age_at_start >= fit.youngest, (row.service, row.child_id, age_at_start)

    episodes = read(authority / "ssda903" / "episodes.csv")
    open_episodes = episodes.loc[episodes["DEC"] == "", "CHILD"]
    in_care = set(children.reset_index().set_index("la_child_id").reindex(open_episodes)["child_id"])
    looked_after_services = [code for code, fit in FIT.items() if LOOKED_AFTER in fit.called_for_by]
    open_work = involvements[(involvements["ended"] == "") & involvements["service"].isin(looked_after_services)]
    assert len(open_work) and set(open_work["child_id"]) <= in_care
