"""Forms for the front door and the panel: short, with GOV.UK error messages that say what to do."""

from __future__ import annotations

from django import forms

from joinedup.agencies.models import LevelOfNeed, Locality
from joinedup.people.models import Practitioner

from .models import ConsentGiver, PanelDecision, Route

YES_NO = [("yes", "Yes"), ("no", "No")]
SHARING = [
    ("all_partners", "To an assessment and to sharing with the partner agencies on the panel and in the plan"),
    ("assess_only", "To an assessment only"),
]


class FindChildForm(forms.Form):
    name = forms.CharField(label="Child's name", required=False, max_length=200)
    identifier = forms.CharField(label="NHS number, UPN or LA child ID", required=False, max_length=20)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("name") or cleaned.get("identifier")):
            self.add_error("name", "Enter the child's name or an identifier to find them")
        return cleaned


class ReferralForm(forms.Form):
    route = forms.ChoiceField(
        label="Where should this referral go?",
        choices=Route.choices,
        widget=forms.RadioSelect,
        initial=Route.EARLY_HELP,
    )
    locality = forms.ModelChoiceField(
        label="Locality", queryset=Locality.objects.all(), empty_label=None, help_text="Where the family lives"
    )
    concern = forms.CharField(
        label="What is your concern?",
        widget=forms.Textarea,
        help_text="What you have seen or heard, and what you think the child and family need",
        error_messages={"required": "Describe your concern about the child"},
    )
    level_of_need = forms.ChoiceField(
        label="What level of need do you see?",
        choices=LevelOfNeed.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the level of need you see"},
    )
    consent = forms.ChoiceField(
        label="Has the family agreed to this referral?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the family has agreed to this referral"},
    )
    consent_given_by = forms.ChoiceField(
        label="Who agreed?", choices=ConsentGiver.choices, widget=forms.RadioSelect, required=False
    )
    consent_given_by_name = forms.CharField(label="Name of the person who agreed", required=False, max_length=160)
    consent_scope = forms.ChoiceField(
        label="What did they agree to?", choices=SHARING, widget=forms.RadioSelect, required=False
    )
    lawful_reason = forms.CharField(
        label="Lawful reason for referring without consent",
        widget=forms.Textarea,
        required=False,
        help_text="Only where there is a risk of significant harm. Your manager will be told.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("consent") == "yes":
            if not cleaned.get("consent_given_by"):
                self.add_error("consent_given_by", "Select who agreed to the referral")
            if not cleaned.get("consent_given_by_name", "").strip():
                self.add_error("consent_given_by_name", "Enter the name of the person who agreed")
            if not cleaned.get("consent_scope"):
                self.add_error("consent_scope", "Select what they agreed to")
        elif cleaned.get("consent") == "no" and not cleaned.get("lawful_reason", "").strip():
            self.add_error(
                "lawful_reason", "Enter the lawful reason for referring without consent, or ask the family first"
            )
        return cleaned


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="What has the panel decided?",
        choices=PanelDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the panel's decision"},
    )
    reasons = forms.CharField(
        label="Reasons",
        widget=forms.Textarea,
        error_messages={"required": "Enter the panel's reasons for its decision"},
    )
    lead_professional = forms.ModelChoiceField(
        label="Lead professional",
        queryset=Practitioner.objects.none(),
        required=False,
        empty_label="Choose a lead professional",
        help_text="Needed when the panel allocates: the family's single point of contact",
    )

    def __init__(self, *args, lead_professionals=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lead_professionals is not None:
            self.fields["lead_professional"].queryset = lead_professionals
        self.fields["lead_professional"].label_from_instance = lambda p: f"{p.name}, {p.job_role} ({p.agency})"

    def clean(self):
        cleaned = super().clean()
        allocating = cleaned.get("decision") == PanelDecision.ALLOCATE
        if allocating and not cleaned.get("lead_professional"):
            self.add_error("lead_professional", "Choose the lead professional for this family")
        if not allocating and cleaned.get("lead_professional"):
            self.add_error("lead_professional", "Only an allocation names a lead professional: leave this empty")
        return cleaned
