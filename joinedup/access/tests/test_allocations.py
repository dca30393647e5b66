"""Loading the authority's allocations of workers to children as allocated-worker involvements."""

import csv
from datetime import date
from pathlib import Path

import pytest

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.access.policy import Action, decide
from joinedup.access.services import REGISTER, load_allocations
from joinedup.access.tests.factories import InvolvementFactory
from joinedup.agencies.tests.factories import ServiceFactory
from joinedup.common.tables import FileProblems, Problem
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

pytestmark = pytest.mark.django_db

COLUMNS = ["child_id", "service", "practitioner", "started", "ended"]


@pytest.fixture
def caseload():
    """Two children in the register, a family worker and a school nurse."""
    return {
        "alfie": ChildFactory(la_child_id="LA0001"),
        "ruby": ChildFactory(la_child_id="LA0002"),
        "family_worker": PractitionerFactory(user__username="p.shah"),
        "school_nurse": PractitionerFactory(user__username="k.osei"),
        "early_help": ServiceFactory(code="EH"),
    }


LA_CHILD_IDS = {"C1": "LA0001", "C2": "LA0002"}


def allocations_file(directory: Path, rows: list[dict[str, str]]) -> Path:
    path = directory / "involvements.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


ALFIE_TO_SHAH = dict(child_id="C1", service="EH", practitioner="p.shah", started="2025-01-06", ended="")
RUBY_TO_OSEI = dict(child_id="C2", service="", practitioner="k.osei", started="2024-09-01", ended="2025-03-31")


def allocations() -> set[tuple]:
    return set(
        Involvement.objects.filter(recorded_by=REGISTER).values_list(
            "child__la_child_id", "practitioner__user__username", "service__code", "kind", "started", "ended"
        )
    )


def test_allocations_load_as_allocated_worker_involvements(caseload, tmp_path):
    path = allocations_file(tmp_path, [ALFIE_TO_SHAH, RUBY_TO_OSEI])

    counts = load_allocations(path=path, la_child_ids=LA_CHILD_IDS)

    assert counts == {"involvements_created": 2, "involvements_removed": 0}
    assert allocations() == {
        ("LA0001", "p.shah", "EH", InvolvementKind.ALLOCATED_WORKER, date(2025, 1, 6), None),
        ("LA0002", "k.osei", None, InvolvementKind.ALLOCATED_WORKER, date(2024, 9, 1), date(2025, 3, 31)),
    }


def test_allocated_worker_can_then_view_the_child(caseload, tmp_path):
    load_allocations(path=allocations_file(tmp_path, [ALFIE_TO_SHAH]), la_child_ids=LA_CHILD_IDS)

    assert decide(caseload["family_worker"].user, Action.VIEW_CHILD, caseload["alfie"])
    assert not decide(caseload["school_nurse"].user, Action.VIEW_CHILD, caseload["alfie"])


def test_loading_the_same_allocations_twice_changes_nothing(caseload, tmp_path):
    path = allocations_file(tmp_path, [ALFIE_TO_SHAH, RUBY_TO_OSEI])
    load_allocations(path=path, la_child_ids=LA_CHILD_IDS)
    first_ids = set(Involvement.objects.values_list("pk", flat=True))

    counts = load_allocations(path=path, la_child_ids=LA_CHILD_IDS)

    assert counts == {"involvements_created": 0, "involvements_removed": 0}
    assert set(Involvement.objects.values_list("pk", flat=True)) == first_ids


def test_allocation_no_longer_in_the_file_is_removed(caseload, tmp_path):
    load_allocations(path=allocations_file(tmp_path, [ALFIE_TO_SHAH, RUBY_TO_OSEI]), la_child_ids=LA_CHILD_IDS)

    counts = load_allocations(path=allocations_file(tmp_path, [ALFIE_TO_SHAH]), la_child_ids=LA_CHILD_IDS)

    assert counts == {"involvements_created": 0, "involvements_removed": 1}
    assert {(la_id, username) for la_id, username, *_ in allocations()} == {("LA0001", "p.shah")}


def test_allocation_that_ends_replaces_the_open_one(caseload, tmp_path):
    load_allocations(path=allocations_file(tmp_path, [ALFIE_TO_SHAH]), la_child_ids=LA_CHILD_IDS)
    ended = ALFIE_TO_SHAH | {"ended": "2025-06-30"}

    counts = load_allocations(path=allocations_file(tmp_path, [ended]), la_child_ids=LA_CHILD_IDS)

    assert counts == {"involvements_created": 1, "involvements_removed": 1}
    assert Involvement.objects.get().ended == date(2025, 6, 30)


def test_involvements_recorded_elsewhere_are_left_alone(caseload, tmp_path):
    """The register replaces only its own rows; the index and casework write theirs."""
    from_the_index = InvolvementFactory(
        child=caseload["ruby"], practitioner=caseload["school_nurse"], agency_record=True, recorded_by="index"
    )

    load_allocations(path=allocations_file(tmp_path, [ALFIE_TO_SHAH]), la_child_ids=LA_CHILD_IDS)

    assert Involvement.objects.filter(pk=from_the_index.pk).exists()


@pytest.mark.parametrize(
    "changes, column, message",
    [
        ({"practitioner": "nobody"}, "practitioner", "no practitioner has this username"),
        ({"child_id": "C9"}, "child_id", "no child in the register has this id"),
        ({"service": "CAMHS"}, "service", "no service has this code"),
        ({"started": "06/01/2025"}, "started", "expected a date as iso, got '06/01/2025'"),
        ({"started": ""}, "started", "a value is required"),
        ({"ended": "2024-12-31"}, "ended", "ends before it starts"),
    ],
)
def test_bad_row_is_reported_by_row_and_column_and_nothing_changes(caseload, tmp_path, changes, column, message):
    load_allocations(path=allocations_file(tmp_path, [RUBY_TO_OSEI]), la_child_ids=LA_CHILD_IDS)
    before = allocations()
    path = allocations_file(tmp_path, [RUBY_TO_OSEI, ALFIE_TO_SHAH | changes])

    with pytest.raises(FileProblems) as error:
        load_allocations(path=path, la_child_ids=LA_CHILD_IDS)

    assert error.value.problems == [Problem(str(path), 3, column, message)]
    assert allocations() == before


def test_child_known_to_the_file_but_not_loaded_is_reported(caseload, tmp_path):
    """The register's id maps to an LA child id that no loaded child has."""
    path = allocations_file(tmp_path, [ALFIE_TO_SHAH])

    with pytest.raises(FileProblems) as error:
        load_allocations(path=path, la_child_ids={"C1": "LA9999"})

    assert [(p.row, p.column) for p in error.value.problems] == [(2, "child_id")]


def test_each_allocation_added_or_withdrawn_is_on_the_childs_audit_trail(tmp_path):
    from joinedup.audit.models import AuditEvent

    child = ChildFactory(la_child_id="LA9")
    worker = PractitionerFactory(user__username="worker9")
    path = tmp_path / "involvements.csv"
    path.write_text("child_id,service,practitioner,started,ended\nC9,,worker9,2025-01-06,\n")
    load_allocations(path=path, la_child_ids={"C9": "LA9"})
    path.write_text("child_id,service,practitioner,started,ended\n")
    load_allocations(path=path, la_child_ids={"C9": "LA9"})

    events = list(AuditEvent.objects.filter(child_id=child.pk).order_by("id").values_list("verb", "detail"))
    assert [verb for verb, _ in events] == ["allocation_recorded", "allocation_withdrawn"]
    assert events[0][1]["practitioner"] == worker.user.username
