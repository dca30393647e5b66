"""Importing an agency's extract into the children's index.

Everything is read and checked before anything is written; then one transaction creates, updates,
withdraws and restores records and writes one audit event. Rows that break a rule are rejected and
listed (file, row, column, reason) in a rejects CSV while the good rows load; a file that is not
the declared format loads nothing. The same file again changes nothing; a re-export with the same
content finds every record unchanged; a newer extract changes only what changed.
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

from joinedup.agencies.models import Agency
from joinedup.audit import services as audit
from joinedup.common.tables import write_problems

from .canonical import CANONICAL_FIELDS
from .models import ImportBatch, IndexRecord, Source
from .queries import latest_batch
from .sources import SourceMapping, load_mapping, read_source, source_files

IMPORT_BASIS = "The authority's information sharing agreement with the agency that sent the extract"
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
    file already imported unchanged, the earlier batch (nothing is written, not even audit)."""
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
    with stage(total=1, description=f"Reading {Path(path).name}") as advance:
        result = read_source(mapping, Path(path))
        advance(1)
    records = result.records.assign(row_hash=_row_hashes(result.records))
    written_rejects = ""
    if result.rejects:
        target = rejects_path or _default_rejects_path(mapping, started)
        written_rejects = str(write_problems(target, result.rejects))
    with transaction.atomic():
        source = _save_source(mapping)
        batch = ImportBatch.objects.create(
            source=source,
            file_path=str(path),
            sha256=digest,
            mapping_sha256=mapping.digest,
            rejects_path=written_rejects,
            rows_read=result.rows_read,
            rejected=result.rows_read - len(records),
            started_at=started,
            imported_by=imported_by,
        )
        plan = _plan(source, mapping, records, result.rejected_ids)
        total = len(plan.create) + len(plan.update) + len(plan.withdraw)
        with stage(total=max(total, 1), description=f"Loading {mapping.name}") as advance, _sqlite_cache():
            _create(source, batch, plan.create, advance)
            _update(batch, plan.update, advance)
            _withdraw(batch, plan.withdraw, advance)
        batch.created, batch.updated = len(plan.create), len(plan.update)
        batch.unchanged, batch.withdrawn = plan.unchanged, len(plan.withdraw)
        batch.finished_at = timezone.now()
        batch.save(update_fields=["created", "updated", "unchanged", "withdrawn", "finished_at"])
        # One event per extract: auditing each of a million records would bury the log; the batch
        # names the file and every record names the batch that last changed it.
        audit.record(
            actor=imported_by,
            verb="imported_extract",
            target=batch,
            legal_basis=IMPORT_BASIS,
            detail={
                "source": source.name,
                "file": str(path),
                "sha256": digest,
                **{k: getattr(batch, k) for k in ("rows_read", "created", "updated", "unchanged", "withdrawn")},
                "rejected": batch.rejected,
                "rejects_file": written_rejects,
            },
        )
    return batch


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


def _withdraw(batch: ImportBatch, ids: list[int], advance) -> None:
    now = timezone.now()
    for start in range(0, len(ids), WRITE_BATCH):
        chunk = ids[start : start + WRITE_BATCH]
        IndexRecord.objects.filter(id__in=chunk).update(withdrawn_at=now, last_batch=batch)
        advance(len(chunk))
