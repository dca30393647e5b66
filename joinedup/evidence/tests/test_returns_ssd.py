"""The Standard Safeguarding Dataset's early help tables, checked against the columns, order and
codes written out here by hand from data-to-insight/ssd-data-model (commit 4987c73), not read from
the spec file the code uses."""

from datetime import date

import pandas as pd
import pytest

from joinedup.evidence.returns import spec, ssd
from joinedup.evidence.returns.spec import CannotBeReturned

EPISODE_COLUMNS = [
    "earl_episode_id",
    "earl_person_id",
    "earl_episode_start_date",
    "earl_episode_end_date",
    "earl_episode_reason",
    "earl_episode_end_reason",
    "earl_episode_organisation",
    "earl_episode_worker_id",
]
INVOLVEMENT_COLUMNS = [
    "invo_involvements_id",
    "invo_professional_id",
    "invo_professional_role_id",
    "invo_professional_team",
    "invo_person_id",
    "invo_involvement_start_date",
    "invo_involvement_end_date",
    "invo_worker_change_reason",
    "invo_referral_id",
]
IDENTIFIER_COLUMNS = [
    "link_table_id",
    "link_person_id",
    "link_identifier_type",
    "link_identifier_value",
    "link_valid_from_date",
    "link_valid_to_date",
]
SDQ_COLUMNS = ["csdq_table_id", "csdq_person_id", "csdq_sdq_completed_date", "csdq_sdq_score", "csdq_sdq_reason"]


def episode(**changes) -> dict:
    row = {
        "episode_id": "E1",
        "child_id": "JU-000001",
        "la_child_id": "LA-77",
        "started_on": date(2025, 1, 6),
        "ended_on": date(2025, 7, 14),
        "reason_for_involvement": "School attendance",
        "reason_for_closure": "needs_met",
        "lead_professional_agency": "Northside Primary School",
        "lead_professional_id": "P-12",
    }
    return row | changes


def involvement(**changes) -> dict:
    row = {
        "involvement_id": "I1",
        "child_id": "JU-000001",
        "la_child_id": None,
        "practitioner_id": "P-12",
        "role": "lead_professional",
        "team": "Early help locality 2",
        "started_on": date(2025, 1, 6),
        "ended_on": None,
        "worker_change_reason": None,
        "referral_id": "R-5",
    }
    return row | changes


def identifier(**changes) -> dict:
    row = {
        "identifier_id": "X1",
        "child_id": "JU-000001",
        "la_child_id": None,
        "identifier_type": "nhs_number",
        "value": "9434765870",
        "valid_from": date(2024, 9, 1),
        "valid_to": None,
        "source": "child health",
    }
    return row | changes


def sdq(**changes) -> dict:
    row = {
        "sdq_id": "S1",
        "child_id": "JU-000001",
        "la_child_id": None,
        "completed_on": date(2025, 2, 17),
        "score": 18,
        "reason_not_scored": None,
    }
    return row | changes


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("ssd_early_help_episodes", EPISODE_COLUMNS),
        ("ssd_involvements", INVOLVEMENT_COLUMNS),
        ("ssd_linked_identifiers", IDENTIFIER_COLUMNS),
        ("ssd_sdq_scores", SDQ_COLUMNS),
    ],
)
def test_spec_file_holds_the_ssd_columns_in_the_deployed_order(table, columns):
    assert spec.load("ssd")[table].column_names == columns


def test_every_joinedup_code_maps_to_a_code_the_ssd_column_allows():
    tables = spec.load("ssd")
    targets = {
        ("ssd_early_help_episodes", "reason_for_closure"): "earl_episode_end_reason",
        ("ssd_involvements", "role"): "invo_professional_role_id",
        ("ssd_linked_identifiers", "identifier_type"): "link_identifier_type",
    }
    for (table, joinedup_column), column in targets.items():
        allowed = tables[table].column(column).codes
        assert set(tables[table].from_joinedup[joinedup_column].values()) <= set(allowed)


@pytest.mark.parametrize(
    ("shape", "rows", "columns"),
    [
        (lambda rows: ssd.early_help_episodes(episodes=rows), [episode()], EPISODE_COLUMNS),
        (lambda rows: ssd.involvements(involvements=rows), [involvement()], INVOLVEMENT_COLUMNS),
        (lambda rows: ssd.linked_identifiers(identifiers=rows), [identifier()], IDENTIFIER_COLUMNS),
        (lambda rows: ssd.sdq_scores(scores=rows), [sdq()], SDQ_COLUMNS),
    ],
)
def test_each_table_has_exactly_the_ssd_columns_in_order(shape, rows, columns):
    assert list(shape(pd.DataFrame(rows)).columns) == columns


def test_closure_reasons_are_written_in_the_ssd_words():
    reasons = ["needs_met", "stepped_up", "stepped_down", "moved_away", "declined", None]
    rows = [
        episode(episode_id=f"E{n}", reason_for_closure=reason, ended_on=None if reason is None else date(2025, 7, 14))
        for n, reason in enumerate(reasons)
    ]

    written = ssd.early_help_episodes(episodes=pd.DataFrame(rows))

    assert written["earl_episode_end_reason"].tolist() == [
        "Outcomes met",
        "Step-up",
        "Step-down",
        "Moved out of area",
        "Declined",
        None,
    ]


def test_episode_dates_are_iso_date_and_time_and_the_person_is_the_chosen_id():
    rows = pd.DataFrame([episode(), episode(episode_id="E2", ended_on=None, reason_for_closure=None)])

    by_joinedup = ssd.early_help_episodes(episodes=rows)
    by_authority = ssd.early_help_episodes(episodes=rows, person_id="la_child_id")

    assert by_joinedup["earl_episode_start_date"].tolist() == ["2025-01-06T00:00:00", "2025-01-06T00:00:00"]
    assert by_joinedup["earl_episode_end_date"].tolist() == ["2025-07-14T00:00:00", None]
    assert by_joinedup["earl_person_id"].tolist() == ["JU-000001", "JU-000001"]
    assert by_authority["earl_person_id"].tolist() == ["LA-77", "LA-77"]
    assert by_joinedup["earl_episode_organisation"].tolist() == ["Northside Primary School"] * 2


def test_numeric_ids_with_gaps_are_written_as_whole_numbers():
    rows = pd.DataFrame([episode(lead_professional_id=12), episode(episode_id="E2", lead_professional_id=None)])

    written = ssd.early_help_episodes(episodes=rows)

    assert rows["lead_professional_id"].dtype == float
    assert written["earl_episode_worker_id"].tolist() == ["12", None]


def test_dates_can_stay_dates_for_a_workbook():
    written = ssd.early_help_episodes(episodes=pd.DataFrame([episode()]), dates_as_text=False)

    assert written["earl_episode_start_date"].tolist() == [date(2025, 1, 6)]


def test_an_unknown_closure_reason_is_rejected_naming_its_row_and_value():
    rows = pd.DataFrame([episode(), episode(episode_id="E2", reason_for_closure="transferred")])

    with pytest.raises(CannotBeReturned) as caught:
        ssd.early_help_episodes(episodes=rows)

    assert caught.value.problems == [
        "row 2 (episode_id 'E2'): reason_for_closure 'transferred' has no earl_episode_end_reason code in "
        "Early help episodes; joinedup can write 'needs_met', 'stepped_up', 'stepped_down', 'moved_away', 'declined'"
    ]


def test_every_problem_is_reported_at_once():
    rows = pd.DataFrame(
        [
            episode(episode_id="E1", started_on="6 January"),
            episode(episode_id="E2", child_id=None),
            episode(episode_id="E3", reason_for_closure="closed"),
        ]
    )

    with pytest.raises(CannotBeReturned) as caught:
        ssd.early_help_episodes(episodes=rows)

    assert [problem.split(":")[0] for problem in caught.value.problems] == [
        "row 1 (episode_id 'E1')",
        "row 3 (episode_id 'E3')",
        "row 2 (episode_id 'E2')",
    ]
    assert "'6 January'" in caught.value.problems[0]
    assert "earl_person_id is required and is blank" in caught.value.problems[2]


def test_a_missing_input_column_is_named():
    with pytest.raises(CannotBeReturned, match="the input has no column 'lead_professional_id'"):
        ssd.early_help_episodes(episodes=pd.DataFrame([episode()]).drop(columns="lead_professional_id"))


def test_involvement_roles_and_change_reasons():
    rows = pd.DataFrame(
        [
            involvement(),
            involvement(involvement_id="I2", role="tac_member", worker_change_reason="LEFTRL"),
        ]
    )

    written = ssd.involvements(involvements=rows)

    assert written["invo_professional_role_id"].tolist() == ["Lead professional", "Team around the child member"]
    assert written["invo_worker_change_reason"].tolist() == [None, "LEFTRL"]
    assert written["invo_person_id"].tolist() == ["JU-000001", "JU-000001"]


def test_a_change_reason_outside_the_ssd_code_set_is_rejected():
    rows = pd.DataFrame([involvement(worker_change_reason="LEFT")])

    with pytest.raises(CannotBeReturned, match=r"row 1 \(involvement_id 'I1'\): invo_worker_change_reason 'LEFT'"):
        ssd.involvements(involvements=rows)


def test_identifier_types_are_the_ssd_names():
    rows = pd.DataFrame(
        [
            identifier(),
            identifier(identifier_id="X2", identifier_type="upn", value="B801200005001"),
            identifier(identifier_id="X3", identifier_type="former_upn", value="A950000178301", valid_to="2024-08-31"),
        ]
    )

    written = ssd.linked_identifiers(identifiers=rows)

    assert written["link_identifier_type"].tolist() == [
        "NHS Number",
        "Unique Pupil Number",
        "Former Unique Pupil Number",
    ]
    assert written["link_valid_to_date"].tolist() == [None, None, "2024-08-31T00:00:00"]


@pytest.mark.parametrize("identifier_type", ["uln", "la_child_id", "other_agency_id"])
def test_an_identifier_the_ssd_has_no_type_for_is_rejected(identifier_type):
    rows = pd.DataFrame([identifier(), identifier(identifier_id="X2", identifier_type=identifier_type)])

    with pytest.raises(CannotBeReturned) as caught:
        ssd.linked_identifiers(identifiers=rows)

    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"row 2 (identifier_id 'X2'): identifier_type '{identifier_type}'")


def test_sdq_scores_and_reasons():
    rows = pd.DataFrame([sdq(), sdq(sdq_id="S2", score=None, reason_not_scored="SDQ1"), sdq(sdq_id="S3", score=0.0)])

    written = ssd.sdq_scores(scores=rows)

    assert written["csdq_sdq_score"].tolist() == [18, None, 0]
    assert written["csdq_sdq_reason"].tolist() == [None, "SDQ1", None]
    assert written["csdq_sdq_completed_date"].tolist() == ["2025-02-17T00:00:00"] * 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"score": 41}, "score 41 is not a whole number from 0 to 40"),
        ({"score": 12.5}, "score 12.5 is not a whole number from 0 to 40"),
        ({"score": None}, "score is blank and there is no reason_not_scored"),
        ({"score": None, "reason_not_scored": "SDQ9"}, "csdq_sdq_reason 'SDQ9' is not one of the spec's codes"),
    ],
)
def test_an_sdq_score_the_ssd_cannot_hold_is_rejected(change, message):
    with pytest.raises(CannotBeReturned, match=message):
        ssd.sdq_scores(scores=pd.DataFrame([sdq(**change)]))
