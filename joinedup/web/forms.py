"""Forms for the shell's pages; each field's error message says what to do, GOV.UK style."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm

from joinedup.access.policy import ROLE_SENTENCES
from joinedup.agencies.models import Agency, Team
from joinedup.common.forms import DateInputs
from joinedup.common.identifiers import nhs_number_problem, normalise_nhs_number, normalise_upn, upn_problem
from joinedup.people.models import Child, Role, Sex
from joinedup.people.validators import validate_birth_date


class WithDateOfBirth(DateInputs):
    dates = {"date_of_birth": "Date of birth"}
    first_year = 1900

    def date_problem(self, prefix, value):
        try:
            validate_birth_date(value)
        except forms.ValidationError as error:
            return error.messages[0]
        return None


class ChildSearchForm(WithDateOfBirth):
    optional_dates = frozenset({"date_of_birth"})
    name = forms.CharField(
        label="Name",
        required=False,
        max_length=120,
        help_text="Forename and surname, or just a surname. Spelling need not be exact.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": False}),
    )
    identifier = forms.CharField(
        label="NHS number, UPN or LA child ID",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": False}),
    )

    def clean_identifier(self):
        value = self.cleaned_data["identifier"].strip()
        if not value:
            return ""
        digits = normalise_nhs_number(value)
        if digits.isdigit() and nhs_number_problem(digits):
            raise forms.ValidationError(nhs_number_problem(digits))
        if value[:1].isalpha() and len(normalise_upn(value)) == 13 and upn_problem(value):
            raise forms.ValidationError(upn_problem(value))
        return value

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("name") or cleaned.get("identifier") or cleaned.get("date_of_birth")):
            self.add_error("name", "Enter a name, a date of birth or an identifier to search for")
        return cleaned


class ChildDetailsForm(WithDateOfBirth):
    forenames = forms.CharField(
        label="Forenames", max_length=120, error_messages={"required": "Enter the child's forenames"}
    )
    surname = forms.CharField(
        label="Surname",
        max_length=120,
        error_messages={"required": "Enter the child's surname"},
        help_text="If the surname has changed, the old one is kept as a former name",
    )
    sex = forms.ChoiceField(
        label="Sex",
        choices=Sex.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the child's sex"},
    )
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=14,
        help_text="10 digits, for example 943 476 5919",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": False}),
    )
    upn = forms.CharField(
        label="Unique pupil number (UPN)",
        required=False,
        max_length=15,
        help_text="13 characters, for example B801200005001",
        widget=forms.TextInput(attrs={"spellcheck": False}),
    )

    def __init__(self, *args, child: Child, **kwargs):
        """A detail the child's record holds may be corrected but not erased; one it does not hold
        may stay not known, so nobody has to make it up to save the rest."""
        super().__init__(*args, **kwargs)
        for name in ("forenames", "surname"):
            if not getattr(child, name):
                self.fields[name].required = False
                self.fields[name].help_text = "Leave it blank if it is not known"
        if child.date_of_birth is None:
            self.optional_dates = frozenset({"date_of_birth"})

    def clean_forenames(self):
        return self.cleaned_data["forenames"] or None

    def clean_surname(self):
        return self.cleaned_data["surname"] or None

    def clean_nhs_number(self):
        value = self.cleaned_data["nhs_number"]
        if value and (problem := nhs_number_problem(value)):
            raise forms.ValidationError(problem)
        return normalise_nhs_number(value) or None

    def clean_upn(self):
        value = self.cleaned_data["upn"]
        if value and (problem := upn_problem(value)):
            raise forms.ValidationError(problem)
        return normalise_upn(value) or None


class TwoFactorForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=6,
        min_length=6,
        help_text="The 6-digit code the app shows now",
        error_messages={
            "required": "Enter the 6-digit code from your authenticator app",
            "min_length": "The code must be 6 digits",
            "max_length": "The code must be 6 digits",
        },
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("The code must be 6 digits")
        return code


def _say(form: forms.Form, messages: dict[str, dict[str, str]]) -> None:
    """Give Django's built-in forms error messages that say what to do, GOV.UK style."""
    for name, field_messages in messages.items():
        form.fields[name].error_messages.update(field_messages)


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password: both are case-sensitive",
        "inactive": "This account is switched off: ask your joinedup administrator",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _say(self, {"username": {"required": "Enter your username"}, "password": {"required": "Enter your password"}})


class NewPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _say(
            self,
            {
                "new_password1": {"required": "Enter a new password"},
                "new_password2": {"required": "Enter the new password again"},
            },
        )


class ChangePasswordForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _say(
            self,
            {
                "old_password": {"required": "Enter your current password"},
                "new_password1": {"required": "Enter a new password"},
                "new_password2": {"required": "Enter the new password again"},
            },
        )


class SetPasswordByEmailForm(PasswordResetForm):
    """Django's reset form skips accounts without a usable password; joinedup creates staff
    accounts without one, so new staff set their first password through the same link."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _say(
            self,
            {
                "email": {
                    "required": "Enter your work email address",
                    "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
                }
            },
        )

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        # As Django does: compare case-folded, so look-alike Unicode addresses cannot match.
        return (user for user in users if user.email.casefold() == email.casefold())


class StaffAccountForm(forms.Form):
    """An administrator's view of a staff account; identity fields only when creating."""

    username = forms.RegexField(
        label="Username",
        regex=r"^[a-z0-9._-]{3,40}$",
        max_length=40,
        help_text="Lower case letters, numbers, dots and hyphens, for example jo.bloggs",
        error_messages={
            "required": "Enter a username",
            "invalid": "Use 3 to 40 lower case letters, numbers, dots or hyphens",
        },
    )
    given_name = forms.CharField(label="First name", max_length=150, error_messages={"required": "Enter a first name"})
    family_name = forms.CharField(label="Last name", max_length=150, error_messages={"required": "Enter a last name"})
    email = forms.EmailField(
        label="Work email address",
        error_messages={
            "required": "Enter a work email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
        },
    )
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=None,
        empty_label="Choose an agency",
        error_messages={
            "required": "Choose the agency they work for",
            "invalid_choice": "Choose an agency from the list",
        },
    )
    team = forms.ModelChoiceField(
        label="Team",
        queryset=None,
        required=False,
        empty_label="No team",
        error_messages={"invalid_choice": "Choose a team from the list"},
    )
    job_role = forms.CharField(label="Job title", max_length=120, error_messages={"required": "Enter a job title"})
    role = forms.ChoiceField(
        label="What they may do in joinedup",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what they may do in joinedup",
            "invalid_choice": "Choose what they may do from the list",
        },
    )
    active = forms.BooleanField(label="Account is switched on", required=False, initial=True)

    def __init__(self, *args, agency: Agency | None = None, **kwargs):
        """Without an agency the form creates an account; with one it changes that agency's account."""
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.order_by("name")
        teams = Team.objects.order_by("name")
        self.fields["team"].queryset = teams.filter(agency=agency) if agency else teams
        self.fields["role"].choices = [(role.value, f"{role.label}: {ROLE_SENTENCES[role]}") for role in Role]
        if agency is None:
            del self.fields["active"]
        else:
            for name in ("username", "given_name", "family_name", "email", "agency"):
                del self.fields[name]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError("That username is taken: choose another")
        return username

    def clean(self):
        cleaned = super().clean()
        team, agency = cleaned.get("team"), cleaned.get("agency")
        if team and agency and team.agency_id != agency.pk:
            self.add_error("team", f"{team.name} belongs to another agency: choose a team of {agency.name}")
        return cleaned
