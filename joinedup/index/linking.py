"""Linking the index: every current agency record belongs to one child, and a child's id never
changes because a new extract arrived.

The engine (index.linkage) scores and clusters records; this module turns clusters into children.
A record keeps the child it was given; only a person's review moves it (review.services). A
cluster that reaches two children is a question for a person, not a silent merge.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from django.db import connection, transaction
from django.db.models import FloatField
from django.utils import timezone

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.agencies.models import Service
from joinedup.audit import services as audit
from joinedup.common.identifiers import is_valid_nhs_number, is_valid_upn
from joinedup.people.models import Child, Practitioner
from joinedup.people.services import refresh_name_keys

from . import changes
from .canonical import CANONICAL_FIELDS
from .linkage import engine, incremental, model
from .models import ChangeKind, IndexRecord, LinkageRun

# Involvements the index writes are labelled with the record they come from, so a merge, split or
# newer extract moves or replaces exactly those.
INDEX_RECORD_PREFIX = "index-record:"
# The authority's own register of children, imported as a source like any other.
REGISTER_SOURCE = "register"
INDEX_BASIS = "Linked by the children's index from agency records"
# Records written per UPDATE: 3 parameters each, under SQLite's 32,766 and PostgreSQL's 65,535.
WRITE_BATCH = 5_000


@dataclass
class LinkSummary:
    mode: str = ""
    records: int = 0
    children_created: int = 0
    records_assigned: int = 0
    review_pairs_raised: int = 0
    involvements_created: int = 0
    involvements_removed: int = 0
    bridging_clusters: int = 0
    notes: list[str] = field(default_factory=list)


def current_records():
    return IndexRecord.objects.filter(withdrawn_at__isnull=True).select_related("source")


def records_frame(records) -> pd.DataFrame:
    """The canonical frame the engine takes, from index records."""
    columns = [c for c in CANONICAL_FIELDS if c != "source"]
    rows = list(records.values("pk", "source__name", *columns))
    frame = pd.DataFrame(rows, columns=["pk", "source__name", *columns]).rename(columns={"source__name": "source"})
    for column in CANONICAL_FIELDS:
        frame[column] = frame[column].map(_as_text)
    return frame


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class IndexChangedWhileLinking(Exception):
    """A person's review or another link moved a record while the engine worked: what it found
    is not written over their decision. Nothing was written; link again."""


@dataclass
class _Found:
    """What the engine found, before anything is written."""

    mode: str
    parameters: model.Parameters | None = None
    uid_to_pk: dict[str, int] = field(default_factory=dict)
    everything: engine.LinkResult | None = None
    new: incremental.IncrementalResult | None = None


def link_index(*, actor: Any = None, backend: str | None = None, full: bool = False) -> LinkSummary:
    """Give every current record a child, raise review pairs, and record who is involved.

    The first run (or `full=True`) trains the model on every record and clusters them all. Later
    runs link only the records that have no child yet against the index, with the model the last
    full run learnt, so a new extract never relinks everyone.

    The engine works outside any transaction: SQLite has one writer at a time, and a transaction
    held through minutes of Splink stopped every page from writing its audit row ("database is
    locked"). What it found is written in one short transaction, if no record's child changed
    meanwhile (IndexChangedWhileLinking otherwise; records imported meanwhile wait for the next run).
    """
    summary = LinkSummary()
    by_pk = {record.pk: record for record in current_records()}
    children_before = {pk: record.child_id for pk, record in by_pk.items()}
    summary.records = len(by_pk)
    anchors = _register_anchors(by_pk.values())
    for pk, child_id in anchors.items():
        if by_pk[pk].child_id is None:
            by_pk[pk].child_id = child_id
    previous = LinkageRun.objects.filter(mode="full").first()
    found = _run_engine(by_pk, previous, backend, full)
    with transaction.atomic():
        _check_unchanged(children_before, previous)
        _write_links([by_pk[pk] for pk in anchors], ["child"])
        summary.mode = found.mode
        pairs = None
        if found.everything is not None:
            pairs = _assign_clusters(found.everything, found.uid_to_pk, by_pk, summary)
        elif found.new is not None:
            pairs = _assign_new(found.new, found.uid_to_pk, by_pk, summary)
        if pairs is not None:
            summary.review_pairs_raised = _raise_review_pairs(pairs, found.uid_to_pk, by_pk)
        linked: dict[int, list[int]] = defaultdict(list)
        for pk, record in by_pk.items():
            if record.child_id is not None and record.child_id != children_before[pk]:
                linked[record.child_id].append(pk)
        changes.record_links(linked)
        summary.involvements_created, summary.involvements_removed = refresh_involvements(by_pk.values())
        details = {key: value for key, value in summary.__dict__.items() if key != "notes"}
        if found.parameters is not None:
            LinkageRun.objects.create(mode=summary.mode, parameters=found.parameters.to_dict(), summary=details)
        audit.record(actor=actor, verb="linked_index", legal_basis=INDEX_BASIS, detail=details)
    return summary


def _run_engine(by_pk: dict[int, IndexRecord], previous: LinkageRun | None, backend, full: bool) -> _Found:
    """Run the engine on the records as read: all of them, or those without a child against the index."""
    frame = records_frame(current_records())
    frame = frame[frame["pk"].isin(by_pk)]  # a record imported since they were read waits for the next run
    uid_to_pk = dict(zip(frame["source"] + ":" + frame["record_id"], frame["pk"], strict=True))
    if full or previous is None:
        everything = engine.link(frame[CANONICAL_FIELDS], backend=backend)
        return _Found("full", everything.parameters, uid_to_pk, everything=everything)
    if all(record.child_id is not None for record in by_pk.values()):
        return _Found("nothing new")
    parameters = model.Parameters.from_dict(previous.parameters)
    assigned = frame["pk"].map(lambda pk: by_pk[pk].child_id is not None)
    index, new = frame[assigned], frame[~assigned]
    entry_ids = pd.DataFrame(
        {
            "unique_id": index["source"] + ":" + index["record_id"],
            "cluster_id": index["pk"].map(lambda pk: str(by_pk[pk].child_id)),
        }
    )
    result = incremental.link_new_records(
        index=index[CANONICAL_FIELDS],
        entry_ids=entry_ids,
        new=new[CANONICAL_FIELDS],
        parameters=parameters,
        backend=backend,
    )
    return _Found("incremental", parameters, uid_to_pk, new=result)


def _check_unchanged(children_before: dict[int, int | None], previous: LinkageRun | None) -> None:
    """Inside the writing transaction: every record read still current and with the child it had,
    and no full run since. On SQLite the transaction holds the write lock, so this holds until the
    result is written; on PostgreSQL a decision in those few moments can still slip past."""
    now = dict(IndexRecord.objects.filter(withdrawn_at__isnull=True).values_list("pk", "child_id"))
    moved = [pk for pk, child_id in children_before.items() if pk not in now or now[pk] != child_id]
    latest = LinkageRun.objects.filter(mode="full").first()
    another_run = (latest.pk if latest else None) != (previous.pk if previous else None)
    if moved or another_run:
        raise IndexChangedWhileLinking(
            f"The index changed while it was being linked ({len(moved):,} records moved or withdrawn"
            f"{', and another full link ran' if another_run else ''}): nothing was written. Link again."
        )


def _assign_clusters(result: engine.LinkResult, uid_to_pk, by_pk, summary) -> pd.DataFrame:
    from .review.models import PairStatus, ReviewPair

    clusters = result.clusters.assign(pk=result.clusters["unique_id"].map(uid_to_pk))
    decided_apart = {
        frozenset(pair)
        for pair in ReviewPair.objects.filter(status=PairStatus.DIFFERENT_CHILDREN).values_list("record_a", "record_b")
    }
    changed: list[IndexRecord] = []
    for _, members in clusters.groupby("cluster_id", sort=True):
        cluster = [by_pk[pk] for pk in members["pk"]]
        probability = dict(zip(members["pk"], members["match_probability"], strict=True))
        children = {r.child_id for r in cluster if r.child_id}
        if len(children) > 1:
            summary.bridging_clusters += 1
        target = min(children) if len(children) == 1 else None
        unassigned = [r for r in cluster if r.child_id is None]
        if target is None and not children and unassigned:
            target = child_from_records(unassigned).pk
            summary.children_created += 1
        for record in unassigned:
            record_target = target or _closest_child(record, cluster, result.pairs)
            kept_apart = any(
                frozenset((record.pk, other.pk)) in decided_apart
                for other in cluster
                if other.child_id == record_target
            )
            if record_target is None or kept_apart:
                record_target = child_from_records([record]).pk
                summary.children_created += 1
            record.child_id = record_target
            changed.append(record)
        for record in cluster:
            best = probability.get(record.pk)
            record.match_probability = None if pd.isna(best) else float(best)
    _write_links(changed, ["child"])
    _write_links(list(by_pk.values()), ["match_probability"])
    summary.records_assigned = len(changed)
    return result.pairs


def _assign_new(result: incremental.IncrementalResult, uid_to_pk, by_pk, summary) -> pd.DataFrame:
    """The records without a child, against the index: each group joins the child it links to,
    becomes a new child, or (linking to two children) joins the first and goes to review."""
    # Grouped once: filtering the assignments for each new child is quadratic in a big extract.
    groups = result.assignments.groupby("cluster_id", sort=False)["unique_id"]
    new_children: dict[str, int] = {}
    changed = []
    for uid, cluster_id, status, probability in result.assignments[
        ["unique_id", "cluster_id", "status", "match_probability"]
    ].itertuples(index=False):
        record = by_pk[uid_to_pk[uid]]
        if status == incremental.NEW:
            if cluster_id not in new_children:
                group = groups.get_group(cluster_id)
                new_children[cluster_id] = child_from_records([by_pk[uid_to_pk[u]] for u in group]).pk
                summary.children_created += 1
            record.child_id = new_children[cluster_id]
        else:
            record.child_id = int(cluster_id)
        record.match_probability = None if pd.isna(probability) else float(probability)
        changed.append(record)
    summary.bridging_clusters = len(result.merges)
    _write_links(changed, ["child", "match_probability"])
    summary.records_assigned = len(changed)
    return result.pairs


def _write_links(records: list[IndexRecord], fields: list[str]) -> None:
    """Write `fields` of each record, a batch at a time, as one UPDATE … FROM (VALUES …) joined on
    the primary key. Django's bulk_update writes a CASE with a branch per record, which PostgreSQL
    walks for every row it updates: quadratic in the batch, and most of half an hour's linkage
    for a 250,000-child authority."""
    table = connection.ops.quote_name(IndexRecord._meta.db_table)
    pk_column = connection.ops.quote_name(IndexRecord._meta.pk.column)
    columns = [IndexRecord._meta.get_field(name) for name in fields]
    casts = ["bigint"] + ["double precision" if isinstance(f, FloatField) else "bigint" for f in columns]
    row = "(" + ", ".join(f"CAST(%s AS {cast})" for cast in casts) + ")"
    # VALUES names its columns column1, column2, … on both databases.
    assignments = ", ".join(
        f"{connection.ops.quote_name(f.column)} = v.column{n}" for n, f in enumerate(columns, start=2)
    )
    with connection.cursor() as cursor:
        for start in range(0, len(records), WRITE_BATCH):
            batch = records[start : start + WRITE_BATCH]
            values = [
                value for record in batch for value in (record.pk, *(getattr(record, f.attname) for f in columns))
            ]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(batch))}) AS v"
                f" WHERE {table}.{pk_column} = v.column1",
                values,
            )


def _register_anchors(records) -> dict[int, int]:
    """Register records belong to the register's child with the same LA child ID."""
    wanted = {r.la_child_id: r.pk for r in records if r.source.name == REGISTER_SOURCE and r.la_child_id}
    found = Child.objects.current().filter(la_child_id__in=list(wanted)).values_list("la_child_id", "pk")
    return {wanted[la_child_id]: child_pk for la_child_id, child_pk in found}


def _closest_child(record: IndexRecord, cluster: list[IndexRecord], pairs: pd.DataFrame) -> int | None:
    """In a cluster that reaches several children, a new record joins the child of the record it
    matches best."""
    assigned = {f"{r.source.name}:{r.record_id}": r.child_id for r in cluster if r.child_id}
    uid = f"{record.source.name}:{record.record_id}"
    mine = pairs[(pairs["unique_id_l"] == uid) | (pairs["unique_id_r"] == uid)]
    best_child, best_probability = None, -1.0
    for left, right, probability in mine[["unique_id_l", "unique_id_r", "match_probability"]].itertuples(index=False):
        other = right if left == uid else left
        if other in assigned and probability > best_probability:
            best_child, best_probability = assigned[other], probability
    return best_child


def _raise_review_pairs(pairs: pd.DataFrame, uid_to_pk: dict[str, int], by_pk: dict[int, IndexRecord]) -> int:
    """Pairs that reach across two children go to a person, whether the engine was unsure (below
    the threshold) or sure and the records were kept apart; a pair already raised, decided or not,
    is never raised again."""
    from .review.models import ReviewPair

    existing = set(ReviewPair.objects.values_list("record_a", "record_b"))
    new = []
    for left, right, weight, probability in pairs[
        ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    ].itertuples(index=False):
        a, b = sorted((uid_to_pk[left], uid_to_pk[right]))
        if (a, b) in existing or by_pk[a].child_id == by_pk[b].child_id:
            continue
        new.append(
            ReviewPair(record_a_id=a, record_b_id=b, match_weight=float(weight), match_probability=float(probability))
        )
        existing.add((a, b))
    ReviewPair.objects.bulk_create(new, batch_size=2000)
    return len(new)


def child_from_records(records: list[IndexRecord]) -> Child:
    """A child the index found that no register holds, described by its most complete record.
    Identifiers are kept only when their check digits are valid and no other child holds them; a
    name or date of birth that record lacks stays unknown (null)."""
    best = max(records, key=lambda r: sum(bool(getattr(r, f, "")) for f in CANONICAL_FIELDS))
    nhs = next((r.nhs_number for r in records if r.nhs_number and is_valid_nhs_number(r.nhs_number)), None)
    upn = next((r.upn for r in records if r.upn and is_valid_upn(r.upn)), None)
    if nhs and Child.objects.filter(nhs_number=nhs).exists():
        nhs = None
    if upn and Child.objects.filter(upn=upn).exists():
        upn = None
    child = Child.objects.create(
        forenames=best.forenames or None,
        surname=best.surname or None,
        date_of_birth=_as_date(best.date_of_birth) if best.date_of_birth else None,
        sex=best.sex or "U",
        nhs_number=nhs,
        upn=upn,
    )
    former = sorted({s for r in records for s in (r.former_surname or "").split("|") if s and s != child.surname})
    refresh_name_keys(child, former)
    changes.record_change(kind=ChangeKind.ENTRY_CREATED, child_id=child.pk)
    audit.record(
        actor=None,
        verb="created_child",
        child_id=child.pk,
        target=child,
        legal_basis=INDEX_BASIS,
        detail={"records": [r.pk for r in records]},
    )
    return child


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _practitioners_by_name() -> dict[str, int]:
    """Agencies name their workers by username, email or full name; a name two people share
    identifies neither."""
    keys: dict[str, set[int]] = defaultdict(set)
    for practitioner in Practitioner.objects.select_related("user").filter(user__is_active=True):
        user = practitioner.user
        for key in (user.username, user.email, user.get_full_name()):
            if key:
                keys[key.casefold()].add(practitioner.pk)
    return {key: next(iter(pks)) for key, pks in keys.items() if len(pks) == 1}


def refresh_involvements(records) -> tuple[int, int]:
    """A record naming a practitioner who has an account makes them involved with the child, for
    as long as the record says; a record that changed or went away takes its involvement with it."""
    practitioners = _practitioners_by_name()
    services = dict(Service.objects.values_list("code", "pk"))
    wanted: dict[str, tuple] = {}
    for record in records:
        practitioner = practitioners.get((record.practitioner or "").lower()) or practitioners.get(
            (record.practitioner_contact or "").lower()
        )
        if practitioner is None or record.child_id is None:
            continue
        started = _as_date(record.involvement_start) if record.involvement_start else timezone.localdate()
        ended = _as_date(record.involvement_end) if record.involvement_end else None
        wanted[f"{INDEX_RECORD_PREFIX}{record.pk}"] = (
            record.child_id,
            practitioner,
            services.get(record.service),
            started,
            ended,
        )
    held = defaultdict(list)
    for involvement in Involvement.objects.filter(recorded_by__startswith=INDEX_RECORD_PREFIX):
        held[involvement.recorded_by].append(involvement)
    stale = [
        i.pk
        for label, rows in held.items()
        for i in rows
        if label not in wanted or (i.child_id, i.practitioner_id, i.service_id, i.started, i.ended) != wanted[label]
    ]
    Involvement.objects.filter(pk__in=stale).delete()
    kept = {label for label, rows in held.items() if any(i.pk not in stale for i in rows)}
    created = [
        Involvement(
            child_id=c,
            practitioner_id=p,
            service_id=s,
            started=start,
            ended=end,
            kind=InvolvementKind.AGENCY_RECORD,
            recorded_by=label,
        )
        for label, (c, p, s, start, end) in wanted.items()
        if label not in kept and (end is None or end >= start)
    ]
    Involvement.objects.bulk_create(created, batch_size=2000)
    return len(created), len(stale)
