"""New records against the index: link a new extract's records to the children already indexed
without relinking everyone, keeping every index entry's id.

Splink keeps no ids between runs, so this module does: new records are scored against the index
(`predict_between`) and against each other (`predict_within`); a group of linked new records
joins the entry it links to, or becomes a new entry; a group that links to two or more entries
is a proposed merge for a person to confirm, never a silent renumbering.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from . import model
from .engine import (
    DEFAULT_THRESHOLD,
    MIN_RECORDS_TO_TRAIN,
    REVIEW_THRESHOLD,
    SPLINK_LOG_LEVEL,
    best_links,
    database,
    register,
)
from .prepare import linkage_table, unique_ids

logger = logging.getLogger(__name__)

ATTACHED, NEW, MERGE = "attached", "new", "merge"


@dataclass(frozen=True)
class Merge:
    """New records that link to more than one index entry: the entries may be one child."""

    entry_ids: tuple[str, ...]  # the entries the new records link to, proposed survivor first
    unique_ids: tuple[str, ...]  # the new records that bridge them


@dataclass(frozen=True)
class IncrementalResult:
    # One row per new record: unique_id, source, record_id, cluster_id, match_probability (its
    # strongest link, NaN when it links to nothing), status (attached, new or merge).
    assignments: pd.DataFrame
    pairs: pd.DataFrame  # scored pairs with a new record: unique_id_l, unique_id_r, match_weight, match_probability
    merges: list[Merge]


def link_new_records(
    *,
    index: pd.DataFrame,
    entry_ids: pd.DataFrame,
    new: pd.DataFrame,
    parameters: model.Parameters,
    threshold: float = DEFAULT_THRESHOLD,
    backend: str | None = None,
    make_id: Callable[[], str] | None = None,
) -> IncrementalResult:
    """Link `new` (a canonical frame) to the `index` (the canonical records already indexed) whose
    entry ids are in `entry_ids` (unique_id, cluster_id). A new record with the unique_id of an
    indexed one is a newer version of it: it keeps that record's entry unless it links elsewhere."""
    make_id = make_id or (lambda: uuid.uuid4().hex)
    entry_of = dict(zip(entry_ids["unique_id"], entry_ids["cluster_id"], strict=True))
    new_table = linkage_table(new)
    updated = {uid: entry_of[uid] for uid in new_table["unique_id"] if uid in entry_of}
    index = index[~unique_ids(index).isin(updated)]
    index_table = _with_entry_postcodes(linkage_table(index), entry_of)
    pairs = _score(index_table, new_table, parameters, backend=backend)
    groups = _groups(new_table["unique_id"].tolist(), pairs, threshold, entry_of, updated)
    assignments, merges = _assign(new_table, groups, make_id)
    assignments["match_probability"] = assignments["unique_id"].map(best_links(pairs, threshold))
    return IncrementalResult(assignments=assignments, pairs=pairs, merges=merges)


def _with_entry_postcodes(table: pd.DataFrame, entry_of: dict[str, str]) -> pd.DataFrame:
    """Every indexed record carries every postcode its entry has held: a new record at the
    family's previous address still finds them."""
    entries = table["unique_id"].map(entry_of)
    held = table.assign(entry=entries).explode("postcodes_all").dropna(subset=["postcodes_all"])
    by_entry = held.groupby("entry")["postcodes_all"].agg(lambda values: sorted(set(values)))
    table = table.copy()
    table["postcodes_all"] = [
        by_entry.get(entry, own) if isinstance(entry, str) else own
        for entry, own in zip(entries, table["postcodes_all"], strict=True)
    ]
    return table


def _score(
    index_table: pd.DataFrame, new_table: pd.DataFrame, parameters: model.Parameters, *, backend
) -> pd.DataFrame:
    from splink import Linker

    everyone = pd.concat([index_table, new_table], ignore_index=True)
    frequencies = len(everyone) >= MIN_RECORDS_TO_TRAIN
    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    with database(backend) as db_api:
        linker = Linker(
            register(db_api, everyone),
            model.settings(parameters, term_frequencies=frequencies),
            log_level=SPLINK_LOG_LEVEL,
        )
        if frequencies:
            # Name frequencies over the index and the new records together.
            for column in model.TERM_FREQUENCY_COLUMNS:
                linker.table_management.compute_tf_table(column)
        new_records = register(db_api, new_table)
        found = [
            linker.inference.predict_within(
                new_records, threshold_match_probability=REVIEW_THRESHOLD, warning_mode="never"
            ).as_pandas_dataframe()[columns]
        ]
        if len(index_table):
            found.append(
                linker.inference.predict_between(
                    new_records,
                    register(db_api, index_table),
                    threshold_match_probability=REVIEW_THRESHOLD,
                    warning_mode="never",
                ).as_pandas_dataframe()[columns]
            )
        linker.table_management.delete_tables_created_by_splink_from_db()
    return pd.concat(found, ignore_index=True)


class _Groups:
    """Union-find over new records and index entries."""

    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        self.parent.setdefault(node, node)
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def join(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def _groups(
    new_ids: list[str], pairs: pd.DataFrame, threshold: float, entry_of: dict[str, str], updated: dict[str, str]
) -> dict[str, tuple[list[str], list[str]]]:
    """Groups of linked new records, each with the entries it links to (root -> (records, entries))."""
    groups = _Groups()
    new = set(new_ids)
    for uid in new_ids:
        groups.find("r:" + uid)
    for uid, entry in updated.items():
        groups.join("r:" + uid, "e:" + entry)
    links = pairs[pairs["match_probability"] >= threshold]
    for left, right in zip(links["unique_id_l"], links["unique_id_r"], strict=True):
        ends = ["r:" + uid if uid in new else "e:" + entry_of[uid] for uid in (left, right)]
        groups.join(*ends)
    members: dict[str, tuple[list[str], list[str]]] = {}
    for node in list(groups.parent):
        records, entries = members.setdefault(groups.find(node), ([], []))
        (records if node.startswith("r:") else entries).append(node[2:])
    return {root: (sorted(records), sorted(entries)) for root, (records, entries) in members.items() if records}


def _assign(
    new_table: pd.DataFrame, groups: dict[str, tuple[list[str], list[str]]], make_id: Callable[[], str]
) -> tuple[pd.DataFrame, list[Merge]]:
    cluster_of, status_of, merges = {}, {}, []
    for records, entries in groups.values():
        if not entries:
            cluster, status = make_id(), NEW
        elif len(entries) == 1:
            cluster, status = entries[0], ATTACHED
        else:
            # Proposed survivor: the first id; the other entries keep their ids until a person decides.
            cluster, status = entries[0], MERGE
            merges.append(Merge(entry_ids=tuple(entries), unique_ids=tuple(records)))
        for uid in records:
            cluster_of[uid], status_of[uid] = cluster, status
    assignments = new_table[["unique_id", "source", "record_id"]].copy()
    assignments["cluster_id"] = assignments["unique_id"].map(cluster_of)
    assignments["status"] = assignments["unique_id"].map(status_of)
    return assignments, merges
