"""Sharing without consent, after the fact: the sharer's manager reviews it and upholds it or
ends it at once. Nobody else learns that the review exists."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.access.models import SharingReview
from joinedup.audit import services as audit
from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.forms import SharingReviewForm


@login_required
@require_http_methods(["GET", "POST"])
def review_sharing(request: HttpRequest, sharing_id: int) -> HttpResponse:
    """A manager of the practitioner who shared reads the child's name, the reason, the agencies
    and the period, and records the review; anyone else gets a 404."""
    sharing = queries.sharing_for_review(request.user, sharing_id)
    if sharing is None:
        raise Http404("Not found")
    audit.record(
        actor=request.user,
        verb="viewed_sharing_for_review",
        child_id=sharing.child_id,
        target=sharing,
        legal_basis="Manager's review of sharing without consent",
    )
    form = None if sharing.reviewed else SharingReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.review_sharing_without_consent(
                sharing=sharing,
                reviewed_by=request.user,
                outcome=SharingReview(form.cleaned_data["outcome"]),
                note=form.cleaned_data["note"],
            )
        except NotAllowed as refused:
            raise Http404("Not found") from refused
        except RuleBroken as broken:
            form.add_error(None, str(broken))
        else:
            ended = form.cleaned_data["outcome"] == SharingReview.ENDED
            messages.success(
                request,
                "The sharing has ended" if ended else "The sharing continues until its end date",
            )
            return redirect("casework:review_sharing", sharing.pk)
    context = {"sharing": sharing, "ended": bool(queries.sharing_ended([sharing]))}
    return render(request, "casework/review_sharing.html", context | ({"form": form} if form is not None else {}))
