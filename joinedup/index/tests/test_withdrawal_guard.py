"""A truncated or empty extract never empties the index: a full extract that would withdraw more
than JOINEDUP_WITHDRAWAL_LIMIT of its source's records, or holds none, is held until an index
administrator confirms it; a confirmed withdrawal is audited and can be undone."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from joinedup.access.policy import Action, decide
from joinedup.audit.models import AuditEvent
from joinedup.index import services
from joinedup.index.models import BatchStatus, ImportBatch, IndexRecord, Source
from joinedup.index.queries import current_records
from joinedup.index.services import NotAllowed, Refused, confirm_withdrawal, import_file, undo_withdrawal
from joinedup.index.tests.test_import import Extract
from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory, UserFactory
from joinedup.synth.tests.conftest import FORMATS

pytestmark = pytest.mark.django_db
SSDA903 = Path(__file__).resolve().parents[1] / "sources" / "standard" / "ssda903_csv.toml"
CHILDREN_IN_THE_RETURN = 2675
CHILDREN = 300  # most tests read the return's first children only: the rules are the same, the import quicker


class Return:
    """The shared SSDA903 return (samples/formats/ssda903) in a temporary folder, as an authority
    would send it again: whole, cut short in transfer, or with only its header row. With
    `children`, every table keeps only the rows of the header's first children."""

    def __init__(self, folder: Path, children: int | None = None):
        self.folder = folder
        shutil.copytree(FORMATS / "ssda903", folder, ignore=shutil.ignore_patterns("*.xml", "LICENSE"))
        self.header = folder / "header.csv"
        if children is not None:
            kept = set(pd.read_csv(self.header, dtype=str, keep_default_na=False)["CHILD"].head(children))
            for table in folder.glob("*.csv"):
                rows = pd.read_csv(table, dtype=str, keep_default_na=False)
                rows[rows["CHILD"].isin(kept)].to_csv(table, index=False)
        self.whole = self.header.read_bytes()

    def load(self, **options) -> ImportBatch:
        return import_file(mapping_path=SSDA903, path=self.folder, **options)

    def cut_mid_row(self, share: float) -> None:
        """The header table as a failed transfer leaves it: `share` of its bytes, ending inside a row."""
        cut = self.whole[: int(len(self.whole) * share)]
        self.header.write_bytes(cut[: cut.rindex(b"\n") + 5])

    def header_only(self) -> None:
        self.header.write_bytes(self.whole[: self.whole.index(b"\n") + 1])

    def restore(self) -> None:
        self.header.write_bytes(self.whole)


@pytest.fixture
def ssda903(tmp_path, settings) -> Return:
    settings.VAR_DIR = tmp_path / "var"
    return Return(tmp_path / "return", children=CHILDREN)


@pytest.fixture
def loaded(ssda903) -> Return:
    ssda903.load()
    return ssda903


@pytest.fixture
def loaded_whole(tmp_path, settings) -> Return:
    """The whole return, as the issue's new user imported it."""
    settings.VAR_DIR = tmp_path / "var"
    whole = Return(tmp_path / "return")
    whole.load()
    return whole


@pytest.fixture
def administrator():
    return PractitionerFactory(role=Role.ADMINISTRATOR, user__username="index.admin").user


def index_as_it_is() -> dict[int, tuple]:
    return {r[0]: r[1:] for r in IndexRecord.objects.values_list("pk", "row_hash", "last_batch", "withdrawn_at")}


def run_import(*arguments) -> str:
    output = StringIO()
    call_command("import", *map(str, arguments), "--no-progress", stdout=output)
    return output.getvalue()


def rows(count: int) -> list[str]:
    return [f"H{n},Child,,Number{n},02/03/2015,Female,,,,," for n in range(count)]


# What is held


def test_a_return_cut_mid_row_is_held_and_withdraws_nothing(loaded_whole):
    before = index_as_it_is()
    loaded_whole.cut_mid_row(0.5)

    batch = loaded_whole.load()

    assert batch.status == BatchStatus.HELD and batch.finished_at is None
    assert batch.withdrawn > CHILDREN_IN_THE_RETURN * 0.05
    assert batch.held_reason.startswith(
        f"It would withdraw {batch.withdrawn:,} of the 2,675 current records of ssda903"
    )
    assert index_as_it_is() == before
    assert current_records().count() == CHILDREN_IN_THE_RETURN
    assert batch.withdrawn_records.count() == batch.withdrawn  # what would be withdrawn is kept
    event = AuditEvent.objects.get(verb="held_extract")
    assert (event.object_id, event.detail["sha256"]) == (str(batch.pk), batch.sha256)
    assert not AuditEvent.objects.filter(verb="imported_extract", object_id=str(batch.pk)).exists()


def test_a_header_only_return_is_held_and_withdraws_nothing(loaded_whole):
    before = index_as_it_is()
    loaded_whole.header_only()

    batch = loaded_whole.load()

    assert (batch.status, batch.rows_read, batch.withdrawn) == (BatchStatus.HELD, 0, CHILDREN_IN_THE_RETURN)
    assert batch.held_reason == (
        "The extract holds no records, so it would withdraw 2,675 of the 2,675 current records of ssda903"
    )
    assert index_as_it_is() == before


def test_a_held_import_leaves_the_source_as_it_was(loaded):
    source = Source.objects.get()
    source.mapping = "as last imported"
    source.save()
    loaded.header_only()

    loaded.load()

    assert Source.objects.get().mapping == "as last imported"


def test_the_command_says_what_was_held_how_many_would_go_and_who_can_confirm(loaded):
    loaded.cut_mid_row(0.5)

    with pytest.raises(CommandError) as held:
        run_import(SSDA903, loaded.folder)

    batch = ImportBatch.objects.get(status=BatchStatus.HELD)
    message = str(held.value)
    assert f"Held ssda903 from {batch.file_path} (batch {batch.pk}): nothing in the index was changed." in message
    assert f"It would withdraw {batch.withdrawn:,} of the {CHILDREN:,} current records of ssda903" in message
    assert "more than the 5% an import may withdraw unconfirmed" in message
    assert "someone whose role is Administrator can confirm it" in message
    assert f"joinedup import --confirm {batch.pk} --by USERNAME" in message


def test_the_same_held_file_again_is_still_held_and_writes_nothing_more(loaded):
    loaded.header_only()
    held = loaded.load()

    again = loaded.load()

    assert again == held and ImportBatch.objects.count() == 2
    assert AuditEvent.objects.filter(verb="held_extract").count() == 1


@pytest.mark.parametrize(
    "limit, leaving, held",
    [
        (0.05, 1, False),
        (0.05, 2, False),  # exactly the limit: "more than" holds
        (0.05, 3, True),
        (0.10, 3, False),
    ],
)
def test_within_the_limit_withdrawal_proceeds_as_before(tmp_path, settings, limit, leaving, held):
    settings.VAR_DIR, settings.JOINEDUP_WITHDRAWAL_LIMIT = tmp_path / "var", limit
    extract = Extract(tmp_path)
    extract.load(rows(40))

    batch = extract.load(rows(40)[leaving:])

    assert (batch.status == BatchStatus.HELD, batch.withdrawn) == (held, leaving)
    assert current_records().count() == (40 if held else 40 - leaving)


def test_an_empty_extract_of_changes_is_not_held(tmp_path, settings):
    """An extract of changes with no rows says that nothing changed; it withdraws nothing."""
    settings.VAR_DIR = tmp_path / "var"
    changes = Extract(tmp_path, top='extract = "changes"\n')
    changes.load(rows(3))

    batch = changes.load([])

    assert (batch.status, batch.withdrawn, batch.unchanged) == (BatchStatus.IMPORTED, 0, 0)
    assert current_records().count() == 3


# Who may confirm


WHO_MAY_CONFIRM = """
practitioner         no
panel_chair          no
service_manager      no
performance_analyst  no
director             no
administrator        yes
researcher           no
"""


@pytest.mark.parametrize(
    "role, allowed", [(line.split()[0], line.split()[1] == "yes") for line in WHO_MAY_CONFIRM.strip().splitlines()]
)
def test_only_the_index_administrator_may_confirm_a_withdrawal(role, allowed):
    decision = decide(PractitionerFactory(role=role).user, Action.CONFIRM_WITHDRAWAL)

    assert decision.allowed is allowed, decision.reason


def test_the_table_of_who_may_confirm_covers_every_role():
    assert {line.split()[0] for line in WHO_MAY_CONFIRM.strip().splitlines()} == set(Role.values)


@pytest.mark.parametrize("who", ["service_manager", "no_profile"])
def test_someone_without_the_role_cannot_confirm_or_undo(loaded, who):
    user = PractitionerFactory(role=Role.SERVICE_MANAGER).user if who == "service_manager" else UserFactory()
    loaded.header_only()
    batch = loaded.load()
    before = index_as_it_is()

    with pytest.raises(NotAllowed):
        confirm_withdrawal(batch=batch, confirmed_by=user)
    with pytest.raises(NotAllowed):
        undo_withdrawal(batch=batch, undone_by=user)

    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.HELD
    assert index_as_it_is() == before


def test_the_command_refuses_someone_without_the_role(loaded):
    PractitionerFactory(role=Role.PRACTITIONER, user__username="family.worker")
    loaded.header_only()
    batch = loaded.load()

    with pytest.raises(CommandError, match="family.worker may not confirm or undo withdrawals: Your role"):
        run_import("--confirm", batch.pk, "--by", "family.worker")
    with pytest.raises(CommandError, match="Give --by USERNAME"):
        run_import("--confirm", batch.pk)

    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.HELD


# Confirming


def test_confirming_applies_exactly_the_held_plan_and_is_audited(loaded, administrator):
    loaded.cut_mid_row(0.5)
    batch = loaded.load()
    planned = set(batch.withdrawn_records.values_list("pk", flat=True))

    confirmed = confirm_withdrawal(batch=batch, confirmed_by=administrator)

    assert (confirmed.status, confirmed.confirmed_by, confirmed.finished_at is not None) == (
        BatchStatus.IMPORTED,
        administrator,
        True,
    )
    withdrawn = IndexRecord.objects.filter(withdrawn_at__isnull=False)
    assert set(withdrawn.values_list("pk", flat=True)) == planned
    assert all(record.last_batch_id == batch.pk for record in withdrawn)
    assert current_records().count() == CHILDREN - len(planned)
    event = AuditEvent.objects.get(verb="confirmed_withdrawal")
    assert (event.actor_id, event.object_type, event.object_id) == (administrator.pk, "ImportBatch", str(batch.pk))
    assert event.detail["withdrawn"] == len(planned) and event.detail["source"] == "ssda903"
    assert AuditEvent.objects.filter(verb="imported_extract", object_id=str(batch.pk)).exists()


def test_the_command_confirms_a_held_import(loaded, administrator):
    loaded.header_only()
    batch = loaded.load()

    output = run_import("--confirm", batch.pk, "--by", "index.admin")

    assert f"Confirmed batch {batch.pk}: imported ssda903" in output and f"withdrawn {CHILDREN:,}" in output
    assert f"joinedup import --undo-withdrawal {batch.pk}" in output
    assert not current_records().exists()


def test_confirming_a_file_changed_since_it_was_held_is_refused(loaded, administrator):
    loaded.cut_mid_row(0.5)
    batch = loaded.load()
    before = index_as_it_is()
    loaded.cut_mid_row(0.4)

    with pytest.raises(Refused, match="has changed since it was held"):
        confirm_withdrawal(batch=batch, confirmed_by=administrator)

    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.HELD
    assert index_as_it_is() == before
    assert not AuditEvent.objects.filter(verb="confirmed_withdrawal").exists()


def test_confirming_after_a_later_import_of_the_source_is_refused(loaded, administrator, tmp_path):
    """The whole return sent again after a held, truncated one: the index follows the newer extract."""
    loaded.cut_mid_row(0.5)
    held = loaded.load()
    later = Return(tmp_path / "sent_again", children=CHILDREN).load()

    with pytest.raises(Refused, match=f"a later import of ssda903 \\(batch {later.pk}, .*\\) came after it"):
        confirm_withdrawal(batch=held, confirmed_by=administrator)

    assert current_records().count() == CHILDREN


def test_an_import_that_is_not_held_needs_no_confirming(loaded, administrator):
    batch = ImportBatch.objects.get()

    with pytest.raises(Refused, match=f"Batch {batch.pk} is not held: it was imported"):
        confirm_withdrawal(batch=batch, confirmed_by=administrator)


# Undoing


def test_undoing_a_withdrawal_restores_its_records_and_is_audited(loaded, administrator):
    before = index_as_it_is()
    loaded.cut_mid_row(0.5)
    batch = confirm_withdrawal(batch=loaded.load(), confirmed_by=administrator)

    undone = undo_withdrawal(batch=batch, undone_by=administrator)

    assert (undone.withdrawal_undone_by, undone.withdrawal_undone_at is not None) == (administrator, True)
    assert current_records().count() == CHILDREN
    restored = {pk: row_hash for pk, (row_hash, _, _) in index_as_it_is().items()}
    assert restored == {pk: row_hash for pk, (row_hash, _, _) in before.items()}
    event = AuditEvent.objects.get(verb="undid_withdrawal")
    assert (event.actor_id, event.object_id, event.detail["restored"]) == (
        administrator.pk,
        str(batch.pk),
        batch.withdrawn,
    )
    with pytest.raises(Refused, match="was already undone"):
        undo_withdrawal(batch=batch, undone_by=administrator)


def test_the_command_undoes_a_withdrawal(loaded, administrator):
    loaded.header_only()
    batch = confirm_withdrawal(batch=loaded.load(), confirmed_by=administrator)

    output = run_import("--undo-withdrawal", batch.pk, "--by", "index.admin")

    assert f"Restored the {CHILDREN:,} records of ssda903 that batch {batch.pk} withdrew." in output
    assert current_records().count() == CHILDREN


def test_a_withdrawal_under_the_limit_can_be_undone_too(tmp_path, settings, administrator):
    settings.VAR_DIR = tmp_path / "var"
    extract = Extract(tmp_path)
    extract.load(rows(40))
    batch = extract.load(rows(40)[1:])

    undo_withdrawal(batch=batch, undone_by=administrator)

    assert current_records().count() == 40


def test_undoing_is_refused_once_a_later_import_changed_the_records(loaded, administrator):
    loaded.cut_mid_row(0.5)
    batch = confirm_withdrawal(batch=loaded.load(), confirmed_by=administrator)
    loaded.restore()
    later = loaded.load()  # the whole return again puts the withdrawn children back
    before = index_as_it_is()

    with pytest.raises(Refused) as refusal:
        undo_withdrawal(batch=batch, undone_by=administrator)

    assert str(refusal.value).startswith(
        f"Batch {batch.pk}'s withdrawal cannot be undone: a later import of ssda903 (batch {later.pk}, "
    )
    assert f"has already changed {batch.withdrawn:,} of the {batch.withdrawn:,} records it withdrew" in str(
        refusal.value
    )
    assert index_as_it_is() == before
    assert not AuditEvent.objects.filter(verb="undid_withdrawal").exists()


def test_a_held_import_has_nothing_to_undo(loaded, administrator):
    loaded.header_only()
    batch = loaded.load()

    with pytest.raises(Refused, match="is held: it has withdrawn nothing"):
        undo_withdrawal(batch=batch, undone_by=administrator)


# Nothing half done


def test_a_confirmation_that_fails_midway_leaves_the_import_held_and_the_index_untouched(
    loaded, administrator, monkeypatch
):
    Source.objects.update(mapping="as last imported")
    loaded.cut_mid_row(0.5)
    batch = loaded.load()
    before = index_as_it_is()
    withdraw = services._withdraw

    def withdraw_then_fail(*args, **kwargs):
        withdraw(*args, **kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_withdraw", withdraw_then_fail)

    with pytest.raises(RuntimeError):
        confirm_withdrawal(batch=batch, confirmed_by=administrator)

    held = ImportBatch.objects.get(pk=batch.pk)
    assert (held.status, held.confirmed_by, held.finished_at) == (BatchStatus.HELD, None, None)
    assert index_as_it_is() == before
    assert Source.objects.get().mapping == "as last imported"
    assert not AuditEvent.objects.filter(verb__in=["confirmed_withdrawal", "imported_extract"], object_id=str(batch.pk))


def test_an_undo_whose_audit_fails_restores_nothing(loaded, administrator, monkeypatch):
    loaded.header_only()
    batch = confirm_withdrawal(batch=loaded.load(), confirmed_by=administrator)
    record = services.audit.record

    def failing(**event):
        if event["verb"] == "undid_withdrawal":
            raise RuntimeError("the audit log is full")
        return record(**event)

    monkeypatch.setattr(services.audit, "record", failing)

    with pytest.raises(RuntimeError):
        undo_withdrawal(batch=batch, undone_by=administrator)

    assert not current_records().exists()
    assert ImportBatch.objects.get(pk=batch.pk).withdrawal_undone_at is None


def test_a_hold_whose_audit_fails_leaves_no_held_batch(loaded, monkeypatch):
    loaded.header_only()
    record = services.audit.record

    def failing(**event):
        if event["verb"] == "held_extract":
            raise RuntimeError("the audit log is full")
        return record(**event)

    monkeypatch.setattr(services.audit, "record", failing)

    with pytest.raises(RuntimeError):
        loaded.load()

    assert ImportBatch.objects.count() == 1
    assert not ImportBatch.withdrawn_records.through.objects.exists()
