"""Reads for the review queue."""

from __future__ import annotations

from itertools import chain

from django.db.models import QuerySet

from joinedup.index.canonical import CANONICAL_FIELDS
from joinedup.index.linkage.explain import explain_pairs
from joinedup.index.linkage.model import Parameters
from joinedup.index.linking import records_frame
from joinedup.index.models import IndexRecord, LinkageRun

from .models import ChildMerge, ChildSplit, PairStatus, ReviewPair

# The identifying fields a reviewer compares, in the order they read them.
COMPARED = [
    ("source", "Source"),
    ("record_id", "Record"),
    ("forenames", "Forenames"),
    ("surname", "Surname"),
    ("former_surname", "Former surnames"),
    ("date_of_birth", "Date of birth"),
    ("sex", "Sex"),
    ("postcode", "Postcode"),
    ("address_line_1", "Address"),
    ("nhs_number", "NHS number"),
    ("upn", "UPN"),
    ("la_child_id", "LA child ID"),
    ("other_id", "Other identifier"),
]


COMPARISON_NAMES = {"nhs_number": "NHS number", "upn": "UPN", "date_of_birth": "Date of birth"}


def waiting_pairs() -> QuerySet[ReviewPair]:
    return (
        ReviewPair.objects.filter(status=PairStatus.WAITING)
        .select_related("record_a__source", "record_b__source")
        .order_by("-match_probability", "id")
    )


def recent_changes(limit: int = 20) -> list:
    """Merges and separations, newest first, so a mistake can be undone."""
    merges = ChildMerge.objects.select_related("kept", "merged", "merged_by").order_by("-merged_at")[:limit]
    splits = ChildSplit.objects.select_related("original", "separated", "split_by").order_by("-split_at")[:limit]
    changes = chain(((m.merged_at, "merge", m) for m in merges), ((s.split_at, "split", s) for s in splits))
    return sorted(changes, key=lambda change: change[0], reverse=True)[:limit]


def _shown(record: IndexRecord, field: str) -> str:
    value = record.source.name if field == "source" else getattr(record, field)
    return "" if value is None else str(value)


def side_by_side(a: IndexRecord, b: IndexRecord) -> list[dict]:
    """One row per identifying field, marked where the two records agree; two records that both
    lack a detail do not agree on it, since neither knows it."""
    rows = []
    for field, label in COMPARED:
        left, right = _shown(a, field), _shown(b, field)
        rows.append(
            {
                "label": label,
                "a": left or "Not known",
                "b": right or "Not known",
                "agree": bool(left) and left.casefold() == right.casefold() and field not in ("source", "record_id"),
            }
        )
    return rows


def explained(pair: ReviewPair) -> list[dict]:
    """The match weight, comparison by comparison, with the model of the latest linkage run;
    worked out when a reviewer first opens the pair, then kept with it."""
    if pair.comparisons:
        return list(pair.comparisons)
    run = LinkageRun.objects.first()
    if run is None:
        return []
    frame = records_frame(IndexRecord.objects.filter(pk__in=[pair.record_a_id, pair.record_b_id]))
    uid = {
        pk: f"{source}:{record_id}"
        for pk, source, record_id in frame[["pk", "source", "record_id"]].itertuples(index=False)
    }
    [explanation] = explain_pairs(
        frame[CANONICAL_FIELDS],
        [(uid[pair.record_a_id], uid[pair.record_b_id])],
        parameters=Parameters.from_dict(run.parameters),
    )
    pair.comparisons = [
        {
            "comparison": COMPARISON_NAMES.get(e.comparison, e.comparison.replace("_", " ").capitalize()),
            "level": e.level,
            "match_weight": round(e.match_weight, 2),
        }
        for e in explanation.evidence
    ] + [
        {
            "comparison": "Starting odds",
            "level": "Two records picked at random",
            "match_weight": round(explanation.prior_weight, 2),
        }
    ]
    pair.save(update_fields=["comparisons"])
    return pair.comparisons
