"""Administrators' pages for staff accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.access.policy import Action, decide
from joinedup.people import accounts
from joinedup.people.models import Practitioner

from .forms import SetPasswordByEmailForm, StaffAccountForm


def _administrator(request: HttpRequest) -> None:
    decision = decide(request.user, Action.MANAGE_ACCOUNTS)
    if not decision:
        raise PermissionDenied(decision.reason)


def _account(account_id: int) -> Practitioner:
    practitioner = Practitioner.objects.select_related("user", "agency", "team").filter(pk=account_id).first()
    if practitioner is None:
        raise Http404("No such account")
    return practitioner


def _send_set_password_link(request: HttpRequest, email: str) -> None:
    form = SetPasswordByEmailForm(data={"email": email})
    if form.is_valid():
        form.save(
            request=request,
            use_https=request.is_secure(),
            email_template_name="web/password_reset_email.txt",
            subject_template_name="web/password_reset_subject.txt",
        )


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    _administrator(request)
    staff = Practitioner.objects.select_related("user", "agency", "team").order_by(
        "user__last_name", "user__first_name"
    )
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    return render(request, "web/accounts.html", {"staff": staff, "enrolled": enrolled})


@login_required
def account_new(request: HttpRequest) -> HttpResponse:
    _administrator(request)
    form = StaffAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        practitioner = accounts.create_staff_account(
            created_by=request.user,
            username=data["username"],
            given_name=data["given_name"],
            family_name=data["family_name"],
            email=data["email"],
            agency=data["agency"],
            team=data["team"],
            job_role=data["job_role"],
            role=data["role"],
        )
        _send_set_password_link(request, practitioner.user.email)
        messages.success(
            request,
            f"Account {practitioner.user.username} created: we emailed "
            f"{practitioner.user.email} a link to set a password",
        )
        return redirect("web:accounts")
    return render(request, "web/account_form.html", {"form": form, "account": None})


@login_required
def account_change(request: HttpRequest, account_id: int) -> HttpResponse:
    _administrator(request)
    practitioner = _account(account_id)
    initial = {
        "team": practitioner.team_id,
        "job_role": practitioner.job_role,
        "role": practitioner.role,
        "active": practitioner.user.is_active,
    }
    form = StaffAccountForm(
        request.POST if request.method == "POST" else None, initial=initial, agency=practitioner.agency
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if practitioner.user == request.user and not data["active"]:
            form.add_error("active", "You cannot switch off your own account")
        else:
            accounts.change_staff_account(
                changed_by=request.user,
                practitioner=practitioner,
                team=data["team"],
                job_role=data["job_role"],
                role=data["role"],
                active=data["active"],
            )
            messages.success(request, f"Account {practitioner.user.username} saved")
            return redirect("web:accounts")
    return render(request, "web/account_form.html", {"form": form, "account": practitioner})


@login_required
@require_POST
def account_reset_two_factor(request: HttpRequest, account_id: int) -> HttpResponse:
    _administrator(request)
    practitioner = _account(account_id)
    accounts.reset_two_factor(reset_by=request.user, practitioner=practitioner)
    messages.success(request, f"{practitioner.name} will set up a new authenticator app at their next sign-in")
    return redirect("web:account_change", account_id=practitioner.pk)


@login_required
@require_POST
def account_unlock(request: HttpRequest, account_id: int) -> HttpResponse:
    _administrator(request)
    practitioner = _account(account_id)
    accounts.unlock_sign_in(unlocked_by=request.user, practitioner=practitioner)
    messages.success(request, f"{practitioner.name} can sign in again")
    return redirect("web:account_change", account_id=practitioner.pk)
