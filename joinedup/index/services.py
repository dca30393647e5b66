"""Importing an agency's extract into the children's index.

Everything is read and checked before anything is written; then one transaction creates, updates,
withdraws and restores records and writes one audit event. Rows that break a rule are rejected and
listed (file, row, column, reason) in a rejects CSV while the good rows load; a file that is not
the declared format loads nothing. The same file again changes nothing; a re-export with the same
content finds every record unchanged; a newer extract changes only what changed.

A full extract that would withdraw more than JOINEDUP_WITHDRAWAL_LIMIT of its source's current
records, or that holds none, is held: it changes nothing until an index administrator confirms
it, and any withdrawal can be undone until a later import of the source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from joinedup.access.policy import ROLE_ACTIONS, Action, decide
from joinedup.agencies.models import Agency
from joinedup.audit import services as audit
from joinedup.common.tables import FileProblems, write_problems
from joinedup.people.models import Role

from .canonical import CANONICAL_FIELDS
from .models import BatchStatus, ImportBatch, IndexRecord, Source
from .queries import current_records, latest_batch
from .sources import ReadResult, SourceMapping, load_mapping, read_source, source_files

IMPORT_BASIS = "The authority's information sharing agreement with the agency that sent the extract"
WITHDRAWAL_BASIS = "Index administrator deciding whether records have left an agency's extract"
# The canonical values a record's hash covers: all but the source and the key, which locate it.
HASHED = [f for f in CANONICAL_FIELDS if f not in ("source", "record_id")]
DATE_COLUMNS = ("date_of_birth", "involvement_start", "involvement_end")
WRITE_BATCH = 2000
SQLITE_CACHE_KIB = 256 * 1024
Progress = Callable[..., AbstractContextManager[Callable[..., None]]]


@dataclass(frozen=True)
class _Plan:
    """What an extract changes: rows to create and to update, ids to withdraw, how many are unchanged."""

    create: pd.DataFrame
    update: pd.DataFrame  # with the held record's id
    withdraw: list[int]
    unchanged: int


class NotAllowed(Exception):
    """The access policy refused; the message is the policy's reason."""


class Refused(Exception):
    """A held import cannot be confirmed, or a withdrawal undone; the message says why, for a person."""


def import_file(
    *,
    mapping_path: Path,
    path: Path,
    imported_by: Any = None,
    progress: Progress | None = None,
    rejects_path: Path | None = None,
) -> ImportBatch:
    """Import one extract as its source file describes it. Raises FileProblems, having changed
    nothing, when the source file or the extract's structure is wrong. Returns the batch; for a
    file already imported unchanged, the earlier batch (nothing is written, not even audit). A
    batch returned HELD says why in `held_reason` and has changed nothing but itself."""
    stage = progress or _silent
    mapping = load_mapping(Path(mapping_path))
    files = source_files(mapping, Path(path))
    digest = _sha256(files)
    held_source = Source.objects.filter(name=mapping.name).first()
    if held_source is not None:
        latest = latest_batch(held_source)
        if latest is not None and latest.sha256 == digest and latest.mapping_sha256 == mapping.digest:
            return latest
    started = timezone.now()
    result, records = _read(mapping, Path(path), stage)
    written_rejects = ""
    if result.rejects:
        target = rejects_path or _default_rejects_path(mapping, started)
        written_rejects = str(write_problems(target, result.rejects))
    with transaction.atomic():
        # A held import leaves a source it already knows as it was; a new one is registered so
        # that the batch has a source to belong to.
        source = held_source or _save_source(mapping)
        plan = _plan(source, mapping, records, result.rejected_ids)
        held_reason = _reason_to_hold(mapping, source, records, plan)
        if not held_reason:
            source = _save_source(mapping)
        batch = ImportBatch.objects.create(
            source=source,
            status=BatchStatus.HELD if held_reason else BatchStatus.IMPORTED,
            held_reason=held_reason,
            file_path=str(Path(path).resolve()),
            mapping_path=str(Path(mapping_path).resolve()),
            sha256=digest,
            mapping_sha256=mapping.digest,
            rejects_path=written_rejects,
            rows_read=result.rows_read,
            rejected=result.rows_read - len(records),
            created=len(plan.create),
            updated=len(plan.update),
            unchanged=plan.unchanged,
            withdrawn=len(plan.withdraw),
            started_at=started,
            imported_by=imported_by,
        )
        _list_withdrawals(batch, plan.withdraw)
        if held_reason:
            audit.record(
                actor=imported_by,
                verb="held_extract",
                target=batch,
                legal_basis=IMPORT_BASIS,
                detail={"source": source.name, "file": batch.file_path, "sha256": digest, "reason": held_reason},
            )
        else:
            _apply(batch, plan, actor=imported_by, stage=stage)
    return batch


def confirm_withdrawal(*, batch: ImportBatch, confirmed_by: Any, progress: Progress | None = None) -> ImportBatch:
    """Apply a held import exactly as it was planned: the same extract (by hash), read with the
    same source file, with no import of the source applied since. Refuses, changing nothing,
    otherwise: the extract is then imported again and judged afresh."""
    _may_manage_withdrawals(confirmed_by)
    _refuse_unless_held(batch)
    try:
        mapping = load_mapping(Path(batch.mapping_path))
        files = source_files(mapping, Path(batch.file_path))
    except FileProblems as problems:
        raise Refused(f"Batch {batch.pk} cannot be confirmed: its files cannot be read again.\n{problems}") from None
    if mapping.digest != batch.mapping_sha256 or _sha256(files) != batch.sha256:
        raise Refused(
            f"Batch {batch.pk} cannot be confirmed: {batch.file_path} or its source file has changed since it "
            "was held, so it is not the extract that was checked. Import it again. Nothing was changed."
        )
    result, records = _read(mapping, Path(batch.file_path), progress or _silent)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("source").get(pk=batch.pk)
        _refuse_unless_held(batch)
        later = _later_import(batch)
        if later is not None:
            raise Refused(
                f"Batch {batch.pk} cannot be confirmed: {_described(later)} came after it, so its plan no longer "
                "applies. Import the extract again if it is still wanted. Nothing was changed."
            )
        plan = _plan(batch.source, mapping, records, result.rejected_ids)
        held_withdrawals = set(batch.withdrawn_records.values_list("pk", flat=True))
        if _counts(plan) != (batch.created, batch.updated, batch.unchanged) or set(plan.withdraw) != held_withdrawals:
            raise Refused(
                f"Batch {batch.pk} cannot be confirmed: the index's records of {batch.source.name} have changed "
                "since it was held. Import the extract again. Nothing was changed."
            )
        _save_source(mapping)
        batch.status, batch.confirmed_by, batch.confirmed_at = BatchStatus.IMPORTED, confirmed_by, timezone.now()
        batch.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        _apply(batch, plan, actor=confirmed_by, stage=progress or _silent)
        audit.record(
            actor=confirmed_by,
            verb="confirmed_withdrawal",
            target=batch,
            legal_basis=WITHDRAWAL_BASIS,
            detail={"source": batch.source.name, "withdrawn": batch.withdrawn, "held_because": batch.held_reason},
        )
    return batch


@transaction.atomic
def undo_withdrawal(*, batch: ImportBatch, undone_by: Any) -> ImportBatch:
    """Put back the records an import withdrew, as they were. Refused once a later import of the
    source has been applied: the index then follows that extract, which may have changed them."""
    _may_manage_withdrawals(undone_by)
    batch = ImportBatch.objects.select_for_update().select_related("source").get(pk=batch.pk)
    if batch.status == BatchStatus.HELD:
        raise Refused(f"Batch {batch.pk} is held: it has withdrawn nothing, so there is nothing to undo")
    if batch.withdrawal_undone_at is not None:
        raise Refused(
            f"Batch {batch.pk}'s withdrawal was already undone on "
            f"{timezone.localtime(batch.withdrawal_undone_at):%d/%m/%Y %H:%M} by {batch.withdrawal_undone_by}"
        )
    withdrawn = batch.withdrawn_records.all()
    total = withdrawn.count()
    if not total:
        raise Refused(f"Batch {batch.pk} withdrew no records, so there is nothing to undo")
    later = _later_import(batch)
    if later is not None:
        changed = withdrawn.exclude(last_batch=batch).count()
        raise Refused(
            f"Batch {batch.pk}'s withdrawal cannot be undone: {_described(later)} came after it and has already "
            f"changed {changed:,} of the {total:,} records it withdrew; the index follows the latest extract. "
            "Nothing was restored."
        )
    withdrawn.update(withdrawn_at=None)
    batch.withdrawal_undone_by, batch.withdrawal_undone_at = undone_by, timezone.now()
    batch.save(update_fields=["withdrawal_undone_by", "withdrawal_undone_at"])
    audit.record(
        actor=undone_by,
        verb="undid_withdrawal",
        target=batch,
        legal_basis=WITHDRAWAL_BASIS,
        detail={"source": batch.source.name, "restored": total},
    )
    return batch


def who_may_confirm() -> str:
    """The roles that may confirm a held import, in words, for the message that says it was held."""
    return " or ".join(sorted(Role(role).label for role in ROLE_ACTIONS[Action.CONFIRM_WITHDRAWAL]))


def _may_manage_withdrawals(user: Any) -> None:
    decision = decide(user, Action.CONFIRM_WITHDRAWAL)
    if not decision:
        raise NotAllowed(decision.reason)


def _refuse_unless_held(batch: ImportBatch) -> None:
    if batch.status != BatchStatus.HELD:
        raise Refused(
            f"Batch {batch.pk} is not held: it was {batch.get_status_display().lower()}, so it needs no confirming"
        )


def _later_import(batch: ImportBatch) -> ImportBatch | None:
    """The first import of the batch's source applied after it (held ones changed nothing)."""
    return (
        ImportBatch.objects.filter(source=batch.source_id, status=BatchStatus.IMPORTED, pk__gt=batch.pk)
        .order_by("pk")
        .first()
    )


def _described(batch: ImportBatch) -> str:
    started = timezone.localtime(batch.started_at)
    return f"a later import of {batch.source.name} (batch {batch.pk}, {started:%d/%m/%Y %H:%M})"


def _counts(plan: _Plan) -> tuple[int, int, int]:
    return len(plan.create), len(plan.update), plan.unchanged


def _reason_to_hold(mapping: SourceMapping, source: Source, records: pd.DataFrame, plan: _Plan) -> str:
    """Why a full extract is held, or "" when it may be applied: a transfer cut short looks like
    an extract from which many children have left, and an empty one like all of them leaving."""
    if mapping.extract != "full":
        return ""
    current = current_records(source).count()
    withdraw = len(plan.withdraw)
    if records.empty:
        leaving = f", so it would withdraw {withdraw:,} of the {current:,} current records of {source.name}"
        return f"The extract holds no records{leaving if current else ''}"
    limit = settings.JOINEDUP_WITHDRAWAL_LIMIT
    if withdraw > limit * current:
        return (
            f"It would withdraw {withdraw:,} of the {current:,} current records of {source.name} "
            f"({withdraw / current:.0%}), more than the {limit * 100:g}% an import may withdraw unconfirmed"
        )
    return ""


def _read(mapping: SourceMapping, path: Path, stage: Progress) -> tuple[ReadResult, pd.DataFrame]:
    with stage(total=1, description=f"Reading {path.name}") as advance:
        result = read_source(mapping, path)
        advance(1)
    return result, result.records.assign(row_hash=_row_hashes(result.records))


def _apply(batch: ImportBatch, plan: _Plan, *, actor: Any, stage: Progress) -> None:
    """Write an import's plan to the index, inside the caller's transaction, and audit it."""
    total = len(plan.create) + len(plan.update) + len(plan.withdraw)
    with stage(total=max(total, 1), description=f"Loading {batch.source.name}") as advance, _sqlite_cache():
        _create(batch.source, batch, plan.create, advance)
        _update(batch, plan.update, advance)
        _withdraw(batch, plan.withdraw, advance)
    batch.finished_at = timezone.now()
    batch.save(update_fields=["finished_at"])
    # One event per extract: auditing each of a million records would bury the log; the batch
    # names the file and every record names the batch that last changed it.
    audit.record(
        actor=actor,
        verb="imported_extract",
        target=batch,
        legal_basis=IMPORT_BASIS,
        detail={
            "source": batch.source.name,
            "file": batch.file_path,
            "sha256": batch.sha256,
            **{k: getattr(batch, k) for k in ("rows_read", "created", "updated", "unchanged", "withdrawn")},
            "rejected": batch.rejected,
            "rejects_file": batch.rejects_path,
        },
    )


def _silent(*, total: int, description: str) -> AbstractContextManager[Callable[..., None]]:
    return nullcontext(lambda steps=1, description=None: None)


@contextmanager
def _sqlite_cache() -> Iterator[None]:
    """SQLite's default 2 MB page cache makes a million inserts into five indexes write the same
    pages over and over; a larger cache for the import halves the time. Other databases manage
    their own memory."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (held,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(held)}")


def _sha256(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0")
        with file.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _row_hashes(records: pd.DataFrame) -> pd.Series:
    """The MD5 of each record's canonical values (unit-separated), equal for a record re-exported
    unchanged; DuckDB reads the Arrow columns without copying and hashes a million rows in a second."""
    if records.empty:
        return pd.Series([], dtype=object)
    with duckdb.connect() as database:
        database.register("records", records[HASHED])
        columns = ", ".join(f'"{name}"' for name in HASHED)
        hashed = database.sql(f"SELECT md5(concat_ws(chr(31), {columns})) FROM records").to_arrow_table()
    return pd.Series(pd.arrays.ArrowStringArray(hashed.column(0).cast(pa.large_string())), index=records.index)


def _default_rejects_path(mapping: SourceMapping, started) -> Path:
    return Path(settings.VAR_DIR) / "rejects" / f"{mapping.name}-{started:%Y%m%d-%H%M%S}-rejects.csv"


def _save_source(mapping: SourceMapping) -> Source:
    agency = Agency.objects.filter(code=mapping.agency).first() if mapping.agency else None
    source, _ = Source.objects.update_or_create(
        name=mapping.name,
        defaults={
            "description": mapping.description,
            "format": mapping.format,
            "agency_kind": mapping.agency_kind,
            "agency": agency,
            "default_service": mapping.service,
            "sensitive": mapping.sensitive,
            "mapping": mapping.text,
        },
    )
    return source


def _plan(source: Source, mapping: SourceMapping, records: pd.DataFrame, rejected_ids: frozenset[str]) -> _Plan:
    rows = list(IndexRecord.objects.filter(source=source).values_list("record_id", "id", "row_hash", "withdrawn_at"))
    if not rows:  # a source's first extract: every record is new
        return _Plan(records.sort_values("record_id", kind="stable"), records.iloc[:0].assign(id=0), [], 0)
    record_ids, ids, hashes, withdrawn_at = (np.array(column, dtype=object) for column in zip(*rows, strict=True))
    ids, withdrawn = ids.astype(np.int64), np.not_equal(withdrawn_at, None)
    position = pd.Index(record_ids).get_indexer(records["record_id"].astype(object))
    new = position < 0
    matched = position[~new]
    changed = np.zeros(len(records), dtype=bool)
    changed[~new] = (records["row_hash"].to_numpy(dtype=object)[~new] != hashes[matched]) | withdrawn[matched]
    withdraw: list[int] = []
    if mapping.extract == "full":
        present = pd.Index(records["record_id"].astype(object)).union(pd.Index(list(rejected_ids), dtype=object))
        absent = (present.get_indexer(record_ids) < 0) & ~withdrawn
        withdraw = ids[absent].tolist()
    # Rows in key order: appending to the (source, record_id) index is faster than scattering into it.
    create = records[new].sort_values("record_id", kind="stable")
    update = records[changed].assign(id=ids[position[changed]])
    return _Plan(create=create, update=update, withdraw=withdraw, unchanged=int((~new & ~changed).sum()))


def _create(source: Source, batch: ImportBatch, frame: pd.DataFrame, advance) -> None:
    """New records, written with one prepared INSERT: building a model instance per row would
    take minutes for a million-row extract, and these rows need no save() logic."""
    fields = [f for f in CANONICAL_FIELDS if f != "source"] + ["row_hash"]
    columns = ["source", *fields, "first_batch", "last_batch"]
    constants = {"source": source.pk, "first_batch": batch.pk, "last_batch": batch.pk}
    _write(_sql_insert(columns), columns, frame, constants, advance)


def _update(batch: ImportBatch, frame: pd.DataFrame, advance) -> None:
    """Changed records (and records back in an extract after being withdrawn), by id."""
    fields = [f for f in CANONICAL_FIELDS if f not in ("source", "record_id")] + ["row_hash"]
    columns = [*fields, "last_batch", "withdrawn_at", "id"]
    _write(_sql_update(columns[:-1]), columns, frame, {"last_batch": batch.pk, "withdrawn_at": None}, advance)


def _write(sql: str, columns: list[str], frame: pd.DataFrame, constants: dict[str, Any], advance) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(frame), WRITE_BATCH):
            chunk = frame.iloc[start : start + WRITE_BATCH]
            values = [
                [constants[c]] * len(chunk) if c in constants else _column_values(chunk[c], dates=c in DATE_COLUMNS)
                for c in columns
            ]
            cursor.executemany(sql, list(zip(*values, strict=True)))
            advance(len(chunk))


def _column_values(values: pd.Series, *, dates: bool) -> list:
    listed = values.tolist()
    return [v or None for v in listed] if dates else listed


def _sql_insert(fields: list[str]) -> str:
    table, columns = _table_and_columns(fields)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"


def _sql_update(fields: list[str]) -> str:
    table, columns = _table_and_columns(fields)
    return f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} WHERE {connection.ops.quote_name('id')} = %s"


def _table_and_columns(fields: list[str]) -> tuple[str, list[str]]:
    quote = connection.ops.quote_name
    meta = IndexRecord._meta
    return quote(meta.db_table), [quote(meta.get_field(f).column) for f in fields]


def _list_withdrawals(batch: ImportBatch, ids: list[int]) -> None:
    """Which records the batch withdraws (or, held, would), kept so the withdrawal can be undone."""
    listed = ImportBatch.withdrawn_records.through
    rows = (listed(importbatch_id=batch.pk, indexrecord_id=record_id) for record_id in ids)
    listed.objects.bulk_create(rows, batch_size=WRITE_BATCH)


def _withdraw(batch: ImportBatch, ids: list[int], advance) -> None:
    now = timezone.now()
    for start in range(0, len(ids), WRITE_BATCH):
        chunk = ids[start : start + WRITE_BATCH]
        IndexRecord.objects.filter(id__in=chunk).update(withdrawn_at=now, last_batch=batch)
        advance(len(chunk))
