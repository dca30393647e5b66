"""Forms for the front door and the panel: short, with GOV.UK error messages that say what to do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from joinedup.access.models import ConsentGiver, SharingReview
from joinedup.agencies.models import Agency, LevelOfNeed, Locality
from joinedup.common.forms import DateInputs, FreeText
from joinedup.common.instruments import larc_items, wellbeing_questions
from joinedup.people.models import Practitioner

from . import services
from .models import ClosureReason, PanelCycle, PanelDecision, Progress, Route, SdqInformant
from .services import ConsentGiven, LawfulSharing

YES_NO = [("yes", "Yes"), ("no", "No")]
SHARING = [
    ("all_partners", "To an assessment and to sharing with the partner agencies on the panel and in the plan"),
    ("assess_only", "To an assessment only"),
]
CONSENT_SCOPES = [
    ("all_partners", "To an assessment and to sharing with every partner agency on the panel and in the plan"),
    ("assess_and_named", "To an assessment and to sharing with the agencies they named"),
    ("named_only", "To sharing with the agencies they named only, with no assessment"),
    ("assess_only", "To an assessment only"),
]
NAMED_SCOPES = frozenset({"assess_and_named", "named_only"})


class OpenedAtVersion(forms.Form):
    """A form on a record two people may change at once (a plan, an assessment): it carries the
    version the person opened, so that a save after someone else's is refused and explained
    rather than written over theirs (services.plans.ChangedMeanwhile). Every page sends it; a post
    without one (a page opened before versions existed, a script) is saved unchecked, as before."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        error_messages={problem: "This page is out of date: open it again" for problem in ("invalid", "min_value")},
    )

    def __init__(self, *args, version: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = version

    def carry(self, version: int) -> None:
        """Carry `version` when the page is shown again, so that saving again keeps what was typed."""
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = str(version)

    def overtaken(self, changed) -> None:
        """Someone saved since the page was opened: say who changed what and when, above what the
        person typed (kept in the form), and let their next save stand."""
        self.add_error(None, str(changed))
        self.carry(changed.version)

    def tell_if_changed(self, changed_since: Callable[[int], Any]) -> None:
        """A form refused for its own errors is told too of a save someone made meanwhile, which
        may be why (a new outcome to rate)."""
        opened = self.cleaned_data.get("version")
        if opened is not None and (changed := changed_since(opened)):
            self.overtaken(changed)


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
        label="Locality",
        queryset=Locality.objects.all(),
        empty_label=None,
        help_text="Where the family lives",
        error_messages={
            "required": "Choose the locality where the family lives",
            "invalid_choice": "Choose a locality from the list",
        },
    )
    concern = FreeText(
        what="Your concern",
        max_length=5_000,
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
    lawful_reason = FreeText(
        what="The lawful reason",
        max_length=2_000,
        label="Lawful reason for referring without consent",
        widget=forms.Textarea,
        required=False,
        help_text="Only where there is a risk of significant harm. Your manager will be told.",
    )

    def __init__(self, *args, assessment=None, **kwargs):
        super().__init__(*args, **kwargs)
        if assessment is not None:
            self.fields["attach_assessment"] = forms.ChoiceField(
                label=f"Send your early help assessment of {assessment.completed_at:%-d %B %Y} with the referral?",
                choices=YES_NO,
                widget=forms.RadioSelect,
                initial="yes",
                help_text="The panel reads it with your referral, as far as the family agreed to share it",
                error_messages={"required": "Select whether to send your early help assessment with the referral"},
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

    def send(self, *, referrer, child, assessment=None):
        """The valid referral, sent with services.refer: the front door's page and the partner
        API both send it this way."""
        data = self.cleaned_data
        consent = consent_given_today(data)
        return services.refer(
            referrer=referrer,
            child=child,
            locality=data["locality"],
            route=data["route"],
            concern=data["concern"],
            level_of_need=data["level_of_need"],
            consent=consent,
            lawful_reason=data["lawful_reason"] if consent is None else "",
            assessment=assessment,
        )


def consent_given_today(data: dict) -> ConsentGiven | None:
    """The family's consent as a form with consent, consent_given_by, _name and _scope heard it
    today; None unless they said yes."""
    if data.get("consent") != "yes":
        return None
    return ConsentGiven(
        given_by=data["consent_given_by"],
        given_by_name=data["consent_given_by_name"],
        given_on=timezone.localdate(),
        share_with_all_partners=data["consent_scope"] == "all_partners",
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="What has the panel decided?",
        choices=PanelDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the panel's decision"},
    )
    reasons = FreeText(
        what="The reasons",
        max_length=2_000,
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
        error_messages={"invalid_choice": "Choose a lead professional from the list"},
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


class InviteForm(forms.Form):
    practitioner = forms.ModelChoiceField(
        label="Who should join the team around the child?",
        queryset=Practitioner.objects.none(),
        empty_label="Choose a practitioner",
        error_messages={
            "required": "Choose the practitioner to invite",
            "invalid_choice": "Choose a practitioner from the list",
        },
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = candidates
        self.fields["practitioner"].label_from_instance = lambda p: f"{p.name}, {p.job_role} ({p.agency})"


class LeadProfessionalForm(forms.Form):
    lead_professional = forms.ModelChoiceField(
        label="New lead professional",
        queryset=Practitioner.objects.none(),
        empty_label="Choose a member of the team",
        help_text="Chosen with the family from the team around the child",
        error_messages={
            "required": "Choose the new lead professional",
            "invalid_choice": "The lead professional must be a member of the team around the child",
        },
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_professional"].queryset = members
        self.fields["lead_professional"].label_from_instance = lambda p: f"{p.name}, {p.job_role} ({p.agency})"


class TacMeetingForm(DateInputs):
    dates = {"held_on": "Date of the meeting"}
    family_attended = forms.ChoiceField(
        label="Did the family take part?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the family took part"},
    )
    notes = FreeText(what="The notes", max_length=5_000, label="Notes", widget=forms.Textarea, required=False)


class OutcomeForm(OpenedAtVersion):
    need = FreeText(
        what="The need",
        max_length=2_000,
        label="Need",
        widget=forms.Textarea,
        help_text="In the family's words where you can",
        error_messages={"required": "Enter the need"},
    )
    desired_outcome = FreeText(
        what="The outcome",
        max_length=2_000,
        label="Outcome the family wants",
        widget=forms.Textarea,
        error_messages={"required": "Enter the outcome the family wants"},
    )


class ActionForm(OpenedAtVersion, DateInputs):
    dates = {"due_on": "Due date"}
    outcome = forms.ModelChoiceField(
        label="Which outcome is it for?",
        queryset=None,
        empty_label=None,
        error_messages={"required": "Choose the outcome", "invalid_choice": "Choose an outcome from the list"},
    )
    description = FreeText(
        what="What will be done",
        max_length=2_000,
        label="What will be done",
        widget=forms.Textarea,
        error_messages={"required": "Enter what will be done"},
    )
    owner = forms.ModelChoiceField(
        label="Who will do it?",
        queryset=Practitioner.objects.none(),
        empty_label="Choose a member of the team",
        error_messages={
            "required": "Choose who will do it",
            "invalid_choice": "The owner of an action must be a member of the team around the child",
        },
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].queryset = case.outcomes.all()
        self.fields["owner"].queryset = Practitioner.objects.filter(
            tac_memberships__case=case, tac_memberships__left_on__isnull=True
        )
        self.fields["owner"].label_from_instance = lambda p: f"{p.name} ({p.agency})"


def in_their_own_words(what: str, *, max_length: int) -> FreeText:
    return FreeText(
        what=what, max_length=max_length, label=f"{what}, in their own words", widget=forms.Textarea, required=False
    )


class ReviewForm(OpenedAtVersion, DateInputs):
    dates = {"held_on": "Date of the review"}
    child_views = in_their_own_words("The child's views", max_length=5_000)
    parents_views = in_their_own_words("The parents' or carers' views", max_length=5_000)
    what_changed = forms.MultipleChoiceField(
        label="What has the support changed, as the family sees it?",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="What parents and children said in the LARC study; tick all the family names",
    )
    sdq_informant = forms.ChoiceField(
        label="SDQ completed by", choices=[("", "No SDQ this time"), *SdqInformant.choices], required=False
    )
    sdq_total = forms.IntegerField(
        label="SDQ total difficulties score",
        required=False,
        min_value=0,
        max_value=40,
        help_text="From the scored paper form, 0 to 40",
        error_messages={
            "min_value": "The SDQ total is between 0 and 40",
            "max_value": "The SDQ total is between 0 and 40",
        },
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["what_changed"].choices = [(item.code, item.text) for item in larc_items()]
        for question in wellbeing_questions():
            self.fields[f"wellbeing_{question.code}"] = forms.IntegerField(
                label=question.text,
                required=False,
                min_value=0,
                max_value=10,
                help_text="The child's answer, 0 (not at all) to 10 (completely)",
                error_messages={"min_value": "Answers are from 0 to 10", "max_value": "Answers are from 0 to 10",
                                "invalid": "Answers are a number from 0 to 10"},
            )  # fmt: skip
        self.outcomes = list(case.outcomes.all())
        for outcome in self.outcomes:
            self.fields[f"progress_{outcome.pk}"] = forms.ChoiceField(
                label=f"Progress: {outcome.desired_outcome}",
                choices=Progress.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Select the progress towards: {outcome.desired_outcome}"},
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("sdq_total") is not None and not cleaned.get("sdq_informant"):
            self.add_error("sdq_informant", "Select who completed the SDQ")
        return cleaned

    def wellbeing(self) -> dict:
        return {q.code: self.cleaned_data[f"wellbeing_{q.code}"] for q in wellbeing_questions()}

    def progress(self) -> dict:
        return {o: self.cleaned_data[f"progress_{o.pk}"] for o in self.outcomes}


RATINGS = [
    ("4", "4: fully achieved"),
    ("3", "3: mostly achieved"),
    ("2", "2: partly achieved"),
    ("1", "1: not achieved"),
]


class CloseForm(OpenedAtVersion):
    reason = forms.ChoiceField(
        label="Why is the case closing?",
        choices=ClosureReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the case is closing"},
    )
    needs_met_at = forms.ChoiceField(
        label="At what level were the family's needs met?",
        choices=LevelOfNeed.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the level at which needs were met"},
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = list(case.outcomes.all())
        for outcome in self.outcomes:
            self.fields[f"rating_{outcome.pk}"] = forms.ChoiceField(
                label=f"How far was this achieved: {outcome.desired_outcome}",
                choices=RATINGS,
                widget=forms.RadioSelect,
                error_messages={"required": f"Rate how far this was achieved: {outcome.desired_outcome}"},
            )

    def ratings(self) -> dict:
        return {o: int(self.cleaned_data[f"rating_{o.pk}"]) for o in self.outcomes}


class FamilyViewForm(forms.Form):
    text = FreeText(
        what="What you write",
        max_length=2_000,
        label="What would you like the team to know before the next review?",
        widget=forms.Textarea,
        help_text="For example, what is going well, what is still hard, and what you would like to change",
        error_messages={"required": "Write what you would like the team to know"},
    )


class AssessmentDomainForm(OpenedAtVersion):
    """Strengths and needs for each element of one domain; every box may be left empty."""

    def __init__(self, *args, domain=None, held=None, **kwargs):
        super().__init__(*args, **kwargs)
        held = held or {}
        for element in domain.elements:
            strengths, needs = held.get(element.code, ("", ""))
            self.fields[f"strengths_{element.code}"] = FreeText(
                what=f"{element.title}: strengths",
                max_length=10_000,
                label=f"{element.title}: strengths",
                widget=forms.Textarea,
                required=False,
                initial=strengths,
            )
            self.fields[f"needs_{element.code}"] = FreeText(
                what=f"{element.title}: needs",
                max_length=10_000,
                label=f"{element.title}: needs",
                widget=forms.Textarea,
                required=False,
                initial=needs,
            )
        self.domain = domain

    def elements(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {e.code: (data[f"strengths_{e.code}"], data[f"needs_{e.code}"]) for e in self.domain.elements}


class AssessmentFinishForm(OpenedAtVersion):
    child_views = in_their_own_words("The child's views", max_length=10_000)
    parents_views = in_their_own_words("The parents' or carers' views", max_length=10_000)
    level_of_need = forms.ChoiceField(
        label="What level of need does the assessment show?",
        choices=LevelOfNeed.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if self.data.get("complete") and not cleaned.get("level_of_need"):
            self.add_error("level_of_need", "Select the level of need the assessment shows")
        return cleaned


class MinutesForm(forms.Form):
    minutes = FreeText(
        what="The minutes",
        max_length=10_000,
        label="Minutes",
        widget=forms.Textarea,
        help_text="Who attended, for which agency, and anything agreed beyond the decisions on each case",
        error_messages={"required": "Enter the minutes of the meeting"},
    )


def agency_checkboxes(*, error_messages: dict | None = None, **kwargs) -> forms.ModelMultipleChoiceField:
    """The authority's agencies as checkboxes, by name: who information about a child may go to."""
    return forms.ModelMultipleChoiceField(
        queryset=Agency.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Select agencies from the list",
            "invalid_pk_value": "Select agencies from the list",
            **(error_messages or {}),
        },
        **kwargs,
    )


class ConsentForm(DateInputs):
    """What the family agreed to: an assessment, sharing with every partner or with the agencies
    they name, until a date if they chose one."""

    dates = {"given_on": "Date consent was given", "until": "Date they agreed to share until"}
    optional_dates = frozenset({"until"})
    given_by = forms.ChoiceField(
        label="Who gave consent?",
        choices=ConsentGiver.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who gave consent"},
    )
    given_by_name = forms.CharField(
        label="Their name",
        max_length=160,
        error_messages={
            "required": "Enter the name of the person who gave consent",
            "max_length": "Their name must be 160 characters or fewer",
        },
    )
    scope = forms.ChoiceField(
        label="What did they agree to?",
        choices=CONSENT_SCOPES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what they agreed to"},
    )
    agencies = agency_checkboxes(
        label="Which agencies did they agree to share with?",
        help_text="Only when they agreed to share with the agencies they named",
        required=False,
    )

    def date_problem(self, prefix, value):
        if prefix == "until" and value < timezone.localdate():
            return "The date they agreed to share until must be today or later"
        return None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") in NAMED_SCOPES and not cleaned.get("agencies"):
            self.add_error("agencies", "Select the agencies the family agreed to share with")
        return cleaned

    def consent_given(self) -> ConsentGiven:
        """What the family agreed to, as the consent services take it; agencies ticked under a
        scope that names none are not shared with."""
        data = self.cleaned_data
        scope = data["scope"]
        return ConsentGiven(
            given_by=data["given_by"],
            given_by_name=data["given_by_name"],
            given_on=data["given_on"],
            until=data["until"],
            to_assess=scope != "named_only",
            share_with_all_partners=scope == "all_partners",
            shared_with=list(data["agencies"]) if scope in NAMED_SCOPES else [],
        )


class LawfulReasonForm(DateInputs):
    """Sharing without consent: why the law allows it, with which agencies, until when (at most
    JOINEDUP_LAWFUL_SHARING_DAYS ahead), and whether the family can safely be told."""

    dates = {"until": "Date the sharing ends"}
    lawful_reason = FreeText(
        what="The lawful reason",
        max_length=2_000,
        label="Lawful reason for sharing without consent",
        widget=forms.Textarea,
        help_text="Only where there is a risk of significant harm. Your manager will review it and it will be audited.",
        error_messages={"required": "Enter the lawful reason for sharing without consent"},
    )
    agencies = agency_checkboxes(
        label="Which agencies may the information go to?",
        help_text="Only those who need it to keep the child safe",
        error_messages={"required": "Select the agencies the information may go to"},
    )
    family_told = forms.ChoiceField(
        label="Will the family be told?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text="Tell them unless telling them would put the child at risk. They will see it on their plan page.",
        error_messages={"required": "Select whether the family will be told"},
    )
    not_told_because = FreeText(
        what="Why the family will not be told",
        max_length=2_000,
        label="Why would telling the family put the child at risk?",
        widget=forms.Textarea,
        required=False,
    )

    @property
    def latest_end(self) -> date:
        return timezone.localdate() + timedelta(days=settings.JOINEDUP_LAWFUL_SHARING_DAYS)

    @property
    def until_hint(self) -> str:
        latest = self.latest_end
        return (
            f"At most {settings.JOINEDUP_LAWFUL_SHARING_DAYS} days from today, "
            f"for example, {latest.day} {latest.month} {latest.year}"
        )

    def date_problem(self, prefix, value):
        if not timezone.localdate() <= value <= self.latest_end:
            return f"The date the sharing ends must be between today and {self.latest_end:%-d %B %Y}"
        return None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("family_told") == "no" and not cleaned.get("not_told_because", "").strip():
            self.add_error("not_told_because", "Enter why telling the family would put the child at risk")
        return cleaned

    def lawful_sharing(self) -> LawfulSharing:
        data = self.cleaned_data
        told = data["family_told"] == "yes"
        return LawfulSharing(
            lawful_reason=data["lawful_reason"],
            agencies=list(data["agencies"]),
            until=data["until"],
            family_told=told,
            not_told_because="" if told else data["not_told_because"],
        )


class SharingReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What is your decision?",
        choices=SharingReview.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the sharing continues or stops now"},
    )
    note = FreeText(
        what="Your reasons",
        max_length=2_000,
        label="Your reasons",
        widget=forms.Textarea,
        help_text="The practitioner who shared will read them",
        error_messages={"required": "Enter the reasons for your review"},
    )


class FamilyAccountForm(forms.Form):
    who = forms.ChoiceField(
        label="Who is the account for?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select who the account is for"},
    )
    username = forms.CharField(label="Username", max_length=150, error_messages={"required": "Enter a username"})
    email = forms.EmailField(
        label="Email address",
        help_text="They set their password from the sign-in page's forgotten-password link",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address like name@example.com",
        },
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        carers = case.child.carer_links.filter(parental_responsibility=True).select_related("carer")
        self.carers = {str(link.carer_id): link.carer for link in carers}
        self.fields["who"].choices = [
            *[(key, f"{carer.full_name} ({link.get_relationship_display()})") for (key, carer), link
              in zip(self.carers.items(), carers, strict=True)],
            ("young_person", f"{case.child.full_name}, the young person"),
        ]  # fmt: skip

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError("That username is taken: choose another")
        return username


def _practitioner_label(practitioner: Practitioner) -> str:
    left = "" if practitioner.user.is_active else ", has left"
    return f"{practitioner.name}, {practitioner.job_role} ({practitioner.agency}{left})"


class PanelForm(forms.Form):
    """A panel's name (when it is new), cycle, chair and members; the rules that need the database
    (agencies, leavers, a second panel of the same name) are the service's."""

    name = forms.CharField(
        label="Name of the panel",
        max_length=160,
        help_text="For example, North allocation panel",
        error_messages={"required": "Enter the panel's name", "max_length": "The name must be 160 characters or fewer"},
    )
    cycle = forms.TypedChoiceField(
        label="How often does the panel meet?",
        choices=PanelCycle.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how often the panel meets"},
    )
    chair = forms.ModelChoiceField(
        label="Chair",
        queryset=Practitioner.objects.none(),
        empty_label="Choose the chair",
        help_text="A practitioner with the panel chair role",
        error_messages={"required": "Choose the panel's chair", "invalid_choice": "Choose a chair from the list"},
    )
    members = forms.ModelMultipleChoiceField(
        label="Members",
        queryset=Practitioner.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose members from at least 2 agencies. The chair sits on the panel as well.",
        error_messages={
            "required": "Choose the panel's members",
            "invalid_choice": "Choose members from the list",
            "invalid_pk_value": "Choose members from the list",
        },
    )

    def __init__(self, *args, chairs=None, members=None, new=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not new:
            del self.fields["name"]
        self.fields["chair"].queryset = chairs
        self.fields["chair"].label_from_instance = _practitioner_label
        self.fields["members"].queryset = members


class AssessmentConsentForm(forms.Form):
    """Consent to an early help assessment before any case, recorded as the referral form records
    consent; a current consent to assess can be used instead where the practitioner may see it."""

    consent = forms.ChoiceField(
        label="Has the family agreed to an early help assessment?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the family has agreed to an early help assessment"},
    )
    consent_given_by = forms.ChoiceField(
        label="Who agreed?", choices=ConsentGiver.choices, widget=forms.RadioSelect, required=False
    )
    consent_given_by_name = forms.CharField(label="Name of the person who agreed", required=False, max_length=160)
    consent_scope = forms.ChoiceField(
        label="What did they agree to?", choices=SHARING, widget=forms.RadioSelect, required=False
    )

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        recorded = (
            [("current", f"Yes: {current.given_by_name} agreed on {current.given_on:%-d %B %Y}, as recorded")]
            if current is not None
            else []
        )
        self.fields["consent"].choices = [*recorded, ("yes", "Yes, and I am recording it now"), ("no", "No")]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("consent") == "yes":
            if not cleaned.get("consent_given_by"):
                self.add_error("consent_given_by", "Select who agreed to the assessment")
            if not cleaned.get("consent_given_by_name", "").strip():
                self.add_error("consent_given_by_name", "Enter the name of the person who agreed")
            if not cleaned.get("consent_scope"):
                self.add_error("consent_scope", "Select what they agreed to")
        elif cleaned.get("consent") == "no":
            self.add_error(
                "consent",
                "An early help assessment needs the family's consent: ask them first. If you think the child is "
                "at risk of significant harm, refer to children's social care without waiting",
            )
        return cleaned


class SendToPanelForm(forms.Form):
    locality = forms.ModelChoiceField(
        label="Which locality's panel?",
        queryset=Locality.objects.all(),
        empty_label=None,
        help_text="Where the family lives",
        error_messages={
            "required": "Choose the locality where the family lives",
            "invalid_choice": "Choose a locality from the list",
        },
    )
