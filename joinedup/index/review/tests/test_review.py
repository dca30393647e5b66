"""A person decides whether two records are one child; the index obeys, and each merge or
separation can be undone exactly."""

from datetime import date

import pytest

from joinedup.access.models import Involvement
from joinedup.access.policy import Action, decide
from joinedup.access.tests.factories import InvolvementFactory
from joinedup.audit.models import AuditEvent
from joinedup.index.linking import INDEX_RECORD_PREFIX
from joinedup.index.review.models import ChildMerge, PairStatus, ReviewPair
from joinedup.index.review.queries import side_by_side
from joinedup.index.review.services import AlreadyDecided, decide_pair, undo_merge, undo_split
from joinedup.people.models import Child, Role
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

from .factories import IndexRecordFactory

pytestmark = pytest.mark.django_db


def pair_between(child_a, child_b, **record_b):
    a = IndexRecordFactory(child=child_a)
    b = IndexRecordFactory(child=child_b, **record_b)
    first, second = sorted((a, b), key=lambda r: r.pk)
    return ReviewPair.objects.create(record_a=first, record_b=second, match_probability=0.8, match_weight=2.0)


def test_same_child_decision_merges_two_children_and_moves_everything():
    kept, other = ChildFactory(la_child_id="LA1"), ChildFactory()
    pair = pair_between(kept, other)
    worker = InvolvementFactory(child=other)
    reviewer = PractitionerFactory(role=Role.ADMINISTRATOR).user

    decide_pair(pair=pair, decided_by=reviewer, same_child=True)

    other.refresh_from_db()
    assert other.merged_into == kept
    assert set(kept.index_records.all()) == {pair.record_a, pair.record_b}
    assert Involvement.objects.get(pk=worker.pk).child == kept
    assert AuditEvent.objects.filter(verb="merged_children", child_id=other.pk).exists()


def test_undoing_a_merge_puts_back_exactly_what_moved():
    kept, other = ChildFactory(la_child_id="LA1"), ChildFactory()
    pair = pair_between(kept, other)
    worker = InvolvementFactory(child=other)
    reviewer = PractitionerFactory(role=Role.ADMINISTRATOR).user
    decide_pair(pair=pair, decided_by=reviewer, same_child=True)

    undo_merge(merge=ChildMerge.objects.get(), undone_by=reviewer)

    other.refresh_from_db()
    assert other.merged_into is None
    assert Involvement.objects.get(pk=worker.pk).child == other
    assert {r.child for r in (pair.record_a, pair.record_b)} == {kept, other}
    with pytest.raises(AlreadyDecided):
        undo_merge(merge=ChildMerge.objects.get(), undone_by=reviewer)


def test_different_children_decision_separates_a_record_with_its_involvement():
    child = ChildFactory()
    pair = pair_between(child, child, forenames="Alfie", nhs_number="9434765919")
    separated_record = pair.record_b
    involvement = InvolvementFactory(child=child, recorded_by=f"{INDEX_RECORD_PREFIX}{separated_record.pk}")
    reviewer = PractitionerFactory(role=Role.ADMINISTRATOR).user

    decide_pair(pair=pair, decided_by=reviewer, same_child=False)

    separated_record.refresh_from_db()
    assert separated_record.child != child
    assert separated_record.child.nhs_number == "9434765919"
    assert Involvement.objects.get(pk=involvement.pk).child == separated_record.child
    assert pair.record_a.child == child


def test_undoing_a_separation_rejoins_the_records():
    from joinedup.index.review.models import ChildSplit

    child = ChildFactory()
    pair = pair_between(child, child)
    reviewer = PractitionerFactory(role=Role.ADMINISTRATOR).user
    decide_pair(pair=pair, decided_by=reviewer, same_child=False)

    split = undo_split(split=ChildSplit.objects.get(), undone_by=reviewer)

    pair.record_b.refresh_from_db()
    assert pair.record_b.child == child
    assert Child.objects.get(pk=split.separated_id).merged_into == child


def test_a_decision_is_never_made_twice():
    pair = pair_between(ChildFactory(), ChildFactory())
    reviewer = PractitionerFactory(role=Role.ADMINISTRATOR).user
    decide_pair(pair=pair, decided_by=reviewer, same_child=False)

    with pytest.raises(AlreadyDecided):
        decide_pair(pair=pair, decided_by=reviewer, same_child=True)
    assert ReviewPair.objects.get().status == PairStatus.DIFFERENT_CHILDREN


@pytest.mark.parametrize(
    "role, allowed",
    [(Role.ADMINISTRATOR, True), (Role.PRACTITIONER, False), (Role.SERVICE_MANAGER, False), (Role.DIRECTOR, False)],
)
def test_only_the_index_administrator_reviews_links(role, allowed):
    assert decide(PractitionerFactory(role=role).user, Action.REVIEW_INDEX_LINKS).allowed is allowed


def test_queue_and_decision_pages(client):
    pair = pair_between(ChildFactory(), ChildFactory(), forenames="Alfie")
    admin = PractitionerFactory(role=Role.ADMINISTRATOR).user
    client.force_login(admin)

    queue = client.get("/index/review/")
    assert "1 pairs waiting" in queue.text
    page = client.get(f"/index/review/pairs/{pair.pk}")
    assert "Are these the same child?" in page.text and "Alfie" in page.text
    assert "Choose whether" in client.post(f"/index/review/pairs/{pair.pk}", {}).text
    response = client.post(f"/index/review/pairs/{pair.pk}", {"decision": "same", "note": "Same NHS number"})
    assert response.status_code == 302
    assert ReviewPair.objects.get().status == PairStatus.SAME_CHILD


def test_the_queue_and_a_pair_shown_to_the_index_administrator_are_audited_on_each_child(client):
    """Names, dates of birth and NHS numbers on the page are a read of the children they belong to."""
    alfie, alfred = ChildFactory(), ChildFactory()
    pair = pair_between(alfie, alfred, forenames="Alfie")
    client.force_login(PractitionerFactory(role=Role.ADMINISTRATOR).user)

    client.get("/index/review/")
    client.get(f"/index/review/pairs/{pair.pk}")

    listed = AuditEvent.objects.filter(verb="listed_for_linkage_review")
    compared = AuditEvent.objects.filter(verb="compared_for_linkage")
    assert sorted(listed.values_list("child_id", flat=True)) == sorted([alfie.pk, alfred.pk])
    assert sorted(compared.values_list("child_id", flat=True)) == sorted([alfie.pk, alfred.pk])
    assert {e.legal_basis for e in compared} == {"Index administrator deciding whether two records are one child"}


def test_practitioners_cannot_open_the_queue(client):
    client.force_login(PractitionerFactory().user)
    assert client.get("/index/review/").status_code == 403


def test_a_pair_is_explained_comparison_by_comparison_with_the_last_runs_model():
    from joinedup.index.linkage.model import default_parameters
    from joinedup.index.models import LinkageRun
    from joinedup.index.review.queries import explained

    LinkageRun.objects.create(mode="full", parameters=default_parameters().to_dict())
    pair = pair_between(ChildFactory(), ChildFactory(), forenames="Alfie", date_of_birth=date(2012, 4, 3))

    evidence = explained(pair)

    by_comparison = {line["comparison"]: line for line in evidence}
    assert by_comparison["Starting odds"]["match_weight"] < 0
    assert "Date of birth" in by_comparison and "swap" in by_comparison["Date of birth"]["level"].lower()
    assert ReviewPair.objects.get(pk=pair.pk).comparisons == evidence  # kept: worked out once


def test_a_record_without_a_name_or_date_of_birth_is_shown_as_not_known_and_agrees_on_neither(client):
    pair = pair_between(ChildFactory(), ChildFactory(index_only_unknown=True), forenames="", surname="",
                        date_of_birth=None)  # fmt: skip
    client.force_login(PractitionerFactory(role=Role.ADMINISTRATOR).user)

    queue = client.get("/index/review/").text
    page = client.get(f"/index/review/pairs/{pair.pk}").text
    # Two records that both lack a detail do not agree on it.
    rows = {row["label"]: row for row in side_by_side(pair.record_b, pair.record_b)}

    assert "Alfred Smith / Name not known" in queue
    assert "Not known" in page
    assert rows["Date of birth"]["a"] == rows["Surname"]["b"] == "Not known"
    assert not rows["Date of birth"]["agree"] and not rows["Forenames"]["agree"] and rows["Sex"]["agree"]
