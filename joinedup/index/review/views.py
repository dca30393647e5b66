"""The clerical review queue: two records side by side, the match weight explained, one decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from joinedup.access.policy import Action, decide

from . import queries, services
from .forms import DecisionForm
from .models import ChildMerge, ChildSplit, PairStatus, ReviewPair


def _index_administrator(request: HttpRequest) -> None:
    decision = decide(request.user, Action.REVIEW_INDEX_LINKS)
    if not decision:
        raise PermissionDenied(decision.reason)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _index_administrator(request)
    waiting = list(queries.waiting_pairs()[:200])
    services.record_pairs_shown(shown_to=request.user, pairs=waiting, verb="listed_for_linkage_review")
    return render(
        request,
        "index_review/queue.html",
        {"waiting": waiting, "waiting_count": queries.waiting_pairs().count(), "recent": queries.recent_changes()},
    )


@login_required
def pair_detail(request: HttpRequest, pair_id: int) -> HttpResponse:
    _index_administrator(request)
    pair = (
        ReviewPair.objects.select_related("record_a__source", "record_b__source", "decided_by")
        .filter(pk=pair_id)
        .first()
    )
    if pair is None:
        raise Http404("No such pair")
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_pair(
                pair=pair,
                decided_by=request.user,
                same_child=form.cleaned_data["decision"] == "same",
                note=form.cleaned_data["note"],
            )
        except services.AlreadyDecided as refusal:
            messages.error(request, str(refusal))
            return redirect("index_review:pair", pair_id=pair.pk)
        messages.success(request, "Decision saved")
        following = queries.waiting_pairs().first()
        return redirect("index_review:pair", pair_id=following.pk) if following else redirect("index_review:queue")
    services.record_pairs_shown(shown_to=request.user, pairs=[pair], verb="compared_for_linkage")
    return render(
        request,
        "index_review/pair.html",
        {
            "pair": pair,
            "form": form,
            "waiting": pair.status == PairStatus.WAITING,
            "rows": queries.side_by_side(pair.record_a, pair.record_b),
            "comparisons": queries.explained(pair),
        },
    )


@login_required
@require_POST
def undo_merge(request: HttpRequest, merge_id: int) -> HttpResponse:
    _index_administrator(request)
    merge = ChildMerge.objects.filter(pk=merge_id).first()
    if merge is None:
        raise Http404("No such merge")
    try:
        services.undo_merge(merge=merge, undone_by=request.user)
        messages.success(request, "The merge was undone: the two children are separate again")
    except services.AlreadyDecided as refusal:
        messages.error(request, str(refusal))
    return redirect("index_review:queue")


@login_required
@require_POST
def undo_split(request: HttpRequest, split_id: int) -> HttpResponse:
    _index_administrator(request)
    split = ChildSplit.objects.filter(pk=split_id).first()
    if split is None:
        raise Http404("No such separation")
    try:
        services.undo_split(split=split, undone_by=request.user)
        messages.success(request, "The separation was undone: the records are one child again")
    except services.AlreadyDecided as refusal:
        messages.error(request, str(refusal))
    return redirect("index_review:queue")
