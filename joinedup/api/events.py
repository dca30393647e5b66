"""The children's index change events as one token may see them: only changes to children its
account may view now (access.policy.children_for), an entry it may not view left out, and of the
records moved only its own agency's, by its own keys."""

from __future__ import annotations

from typing import Any

from joinedup.access.policy import Action, children_for
from joinedup.index import queries as index_queries
from joinedup.index.models import IndexChange

from .models import ApiToken


def visible_changes(token: ApiToken, *, since: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Up to `limit` events after `since`, and where to read on from."""
    # Read the newest id first: a change made while this runs is left for the next read, not skipped.
    latest = index_queries.latest_change_id()
    changes = index_queries.changes_since(
        since, until=latest, about=children_for(token.acts_as, Action.VIEW_CHILD), limit=limit
    )
    next_since = changes[-1].pk if len(changes) == limit else max(latest, since)
    return as_seen_by(token, changes), next_since


def as_seen_by(token: ApiToken, changes: list[IndexChange]) -> list[dict[str, Any]]:
    child_ids = {c.child_id for c in changes} | {c.other_child_id for c in changes if c.other_child_id}
    viewable = set(children_for(token.acts_as, Action.VIEW_CHILD).filter(pk__in=child_ids).values_list("pk", flat=True))
    own = index_queries.records_held_by(token.agency_id, {pk for c in changes for pk in c.record_ids})
    return [
        {
            "id": change.pk,
            "type": change.kind,
            "at": change.at,
            "child_id": change.child_id if change.child_id in viewable else None,
            "other_child_id": change.other_child_id if change.other_child_id in viewable else None,
            "your_records": [{"source": own[pk][0], "record_id": own[pk][1]} for pk in change.record_ids if pk in own],
        }
        for change in changes
    ]


def children_named(events: list[dict[str, Any]]) -> list[int]:
    return sorted({e[key] for e in events for key in ("child_id", "other_child_id") if e[key] is not None})
