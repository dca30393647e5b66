"""Thin views: parse the request, ask the policy or a service, render a GOV.UK page."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.access import queries as access_queries
from joinedup.access.policy import Action, capabilities, children_for, decide, get_or_404
from joinedup.audit import services as audit
from joinedup.casework.queries import family_account_of
from joinedup.evidence import pages as evidence
from joinedup.index import involved
from joinedup.index.key_groups import absence_threshold, key_groups
from joinedup.people import queries as people_queries
from joinedup.people.models import Child, Role
from joinedup.people.services import change_child_details

from .forms import (
    ChangePasswordForm,
    ChildDetailsForm,
    ChildSearchForm,
    NewPasswordForm,
    SetPasswordByEmailForm,
    SignInForm,
    TwoFactorForm,
)
from .lockout import client_address


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "web/sign_in.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm
    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form):
        messages.success(self.request, "Your password has been changed")
        return super().form_valid(form)


class PasswordResetView(auth_views.PasswordResetView):
    """New staff set their first password this way too: accounts are created without one."""

    form_class = SetPasswordByEmailForm
    template_name = "web/password_reset.html"
    email_template_name = "web/password_reset_email.txt"
    subject_template_name = "web/password_reset_subject.txt"
    success_url = reverse_lazy("web:password_reset_done")


class NewPasswordView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "web/password_new.html"
    success_url = reverse_lazy("web:sign_in")


def locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this after too many failed sign-ins."""
    hours = settings.AXES_COOLOFF_TIME.total_seconds() / 3600
    return render(request, "web/locked_out.html", {"hours": int(hours)}, status=429)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You have signed out")
    response = redirect("web:sign_in")
    # Pages are never cached (middleware.no_store); this also empties what a browser kept anyway.
    # Not "cookies": the signed-out message travels in one.
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app (first time) or enter its code (every sign-in)."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first() or TOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )
    form = TwoFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            # django-otp doubles the wait after each wrong code, against guessing.
            form.add_error("code", "Too many wrong codes: wait a minute, then enter the newest code")
            _record_refused_code(request, "while waiting after wrong codes")
        elif device.verify_token(form.cleaned_data["code"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            # django-otp only marks the session verified: a new key (and CSRF token) after the
            # second factor means a key seen before it, in a log or on a shared machine, is worth nothing.
            request.session.cycle_key()
            rotate_token(request)
            return redirect(_safe_next(request))
        else:
            form.add_error("code", "The code is not right: check the time on your phone and enter the newest code")
            _record_refused_code(request, "a wrong code")
    context = {"form": form, "enrolling": enrolling}
    if enrolling:
        secret = b32encode(device.bin_key).decode()
        context |= {
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr_svg": segno.make(device.config_url, error="m").svg_inline(
                scale=4, title="QR code for your authenticator app"
            ),
        }
    return render(request, "web/two_factor.html", context)


def _record_refused_code(request: HttpRequest, why: str) -> None:
    """Someone who has the password but not the phone shows up here, in the audit trail beside the
    wrong passwords django-axes keeps."""
    audit.record(
        actor=request.user,
        verb="wrong_two_factor_code",
        legal_basis=f"Sign-in refused at the authenticator code: {why}",
        detail={"address": client_address(request)},
    )


def _safe_next(request: HttpRequest) -> str:
    """Only ever return to a page of this site after sign-in, never to another site."""
    target = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("web:home")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    practitioner = getattr(request.user, "practitioner", None)
    if practitioner is None:
        if family_account_of(request.user) is not None:
            return redirect("casework:family")
        raise PermissionDenied("This account has no practitioner profile")
    role = practitioner.role
    context = {
        "practitioner": practitioner,
        "can_search": decide(request.user, Action.SEARCH_CHILDREN).allowed,
        "casework": {
            "refer": decide(request.user, Action.REFER).allowed,
            "panels": decide(request.user, Action.MANAGE_PANELS).allowed,
            "caseloads": decide(request.user, Action.VIEW_CASELOADS).allowed,
        },
    }
    if role in (Role.PRACTITIONER, Role.PANEL_CHAIR):
        context["my_children"] = list(access_queries.children_worked_with(request.user))
        access_queries.audit_listing(request.user, context["my_children"], listed_on="the home page")
        context["caseload_attendance"] = evidence.caseload_attendance(context["my_children"])
    if role == Role.SERVICE_MANAGER:
        context["managed"] = access_queries.managed_caseloads(practitioner)
    if decide(request.user, Action.VIEW_AGGREGATES):
        context["figures"] = people_queries.authority_figures()
    context["impact"] = evidence.home_impact(request.user)
    if decide(request.user, Action.MANAGE_ACCOUNTS):
        context["accounts"] = access_queries.account_overview()
    return render(request, f"web/home_{role}.html", context)


@login_required
def child_search(request: HttpRequest) -> HttpResponse:
    decision = decide(request.user, Action.SEARCH_CHILDREN)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = ChildSearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        matches = people_queries.search_children_for(
            request.user,
            legal_basis="Search to identify a child before recording or referring",
            name=form.cleaned_data["name"],
            date_of_birth=form.cleaned_data["date_of_birth"],
            identifier=form.cleaned_data["identifier"],
        )
        may_view = set(
            children_for(request.user, Action.VIEW_CHILD)
            .filter(pk__in=[match.child.pk for match in matches])
            .values_list("pk", flat=True)
        )
        districts = people_queries.current_postcode_districts(match.child.pk for match in matches)
        results = [
            {"match": match, "can_view": match.child.pk in may_view, "district": districts[match.child.pk]}
            for match in matches
        ]
    return render(request, "web/child_search.html", {"form": form, "results": results})


@login_required
def child_summary(request: HttpRequest, child_id: int) -> HttpResponse:
    child = get_or_404(request.user, Action.VIEW_CHILD, Child, pk=child_id)
    shield = access_queries.shield_for(request.user, [child.pk])  # once for the page's two lists
    siblings = list(Child.objects.filter(family_id=child.family_id).exclude(pk=child.pk)) if child.family_id else []
    audit.record_each(
        actor=request.user,
        verb="listed_as_sibling",
        child_ids=[sibling.pk for sibling in siblings],
        legal_basis=f"Shown as a sibling on the record of child {child.pk}, which the user may see",
    )
    return render(
        request,
        "web/child_summary.html",
        {
            "child": child,
            "can": capabilities(request.user, child),
            "involvements": access_queries.involvements_as_seen_by(request.user, child, shield),
            "records": involved.records_as_seen_by(request.user, child, shield),
            "key_groups": key_groups(child.pk),
            "absence_threshold": absence_threshold(),
            "addresses": child.addresses.select_related("locality"),
            "carers": child.carer_links.select_related("carer"),
            "siblings": siblings,
            # Any practitioner who may refer a child may start an early help assessment with the family.
            "can_start_assessment": decide(request.user, Action.REFER).allowed,
            "child_reference": people_queries.reference_for(request.user, child, found_by="record"),
            "attendance": evidence.child_attendance(child.pk),
        },
    )


@login_required
def child_edit(request: HttpRequest, child_id: int) -> HttpResponse:
    child = get_or_404(request.user, Action.CHANGE_CHILD, Child, pk=child_id)
    born = child.date_of_birth
    initial = {
        "forenames": child.forenames or "",
        "surname": child.surname or "",
        "sex": child.sex,
        "nhs_number": child.nhs_number or "",
        "upn": child.upn or "",
        "date_of_birth_day": born.day if born else None,
        "date_of_birth_month": born.month if born else None,
        "date_of_birth_year": born.year if born else None,
    }
    form = ChildDetailsForm(request.POST if request.method == "POST" else None, initial=initial, child=child)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change_child_details(
            child=child,
            changed_by=request.user,
            legal_basis=decide(request.user, Action.CHANGE_CHILD, child).reason,
            forenames=data["forenames"],
            surname=data["surname"],
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            nhs_number=data["nhs_number"],
            upn=data["upn"],
        )
        messages.success(request, "The child's details were saved")
        return redirect("web:child_summary", child_id=child.pk)
    return render(request, "web/child_edit.html", {"child": child, "form": form})


@login_required
def child_audit(request: HttpRequest, child_id: int) -> HttpResponse:
    child = get_or_404(request.user, Action.VIEW_CHILD_AUDIT, Child, pk=child_id)
    lines = access_queries.audit_trail_as_seen_by(request.user, child)
    return render(request, "web/child_audit.html", {"child": child, "lines": lines})


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "web/404.html", status=404)


def error_403(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "web/403.html", {"reason": str(exception or "")}, status=403)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "web/500.html", status=500)
