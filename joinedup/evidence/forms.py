"""The evidence pages' forms: which area, which measure and grouping, and a cohort's filters."""

from __future__ import annotations

from django import forms

from joinedup.agencies.models import Locality
from joinedup.common.forms import DateInputs, FreeText

from .cohorts import AGE_BANDS, LEVELS_OF_NEED, SEXES, SUPPORTED, Definition
from .definitions import KEY_GROUPS, measures
from .queries import COMPARABLE, GROUPINGS


class OutcomesForm(forms.Form):
    measure = forms.ChoiceField(label="Measure", choices=[])
    by = forms.ChoiceField(label="Group by", choices=list(GROUPINGS.items()), required=False)
    cohort = forms.TypedChoiceField(label="Cohort", coerce=int, empty_value=None, required=False, choices=[])

    def __init__(self, *args, cohorts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [(code, m.label) for code, m in measures().items()]
        self.fields["cohort"].choices = [("", "Every child")] + [(c.id, c.name) for c in cohorts]


class ComparisonForm(forms.Form):
    measure = forms.ChoiceField(label="Outcome", choices=[])
    cohort = forms.TypedChoiceField(label="Cohort", coerce=int, empty_value=None, required=False, choices=[])

    def __init__(self, *args, cohorts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [(code, measures()[code].label) for code in COMPARABLE]
        self.fields["cohort"].choices = [("", "Every child")] + [(c.id, c.name) for c in cohorts]


class CohortForm(DateInputs):
    dates = {"help_from": "Start of the period", "help_to": "End of the period"}
    optional_dates = frozenset(dates)

    name = forms.CharField(label="Name of the cohort", max_length=120)
    key_groups = forms.MultipleChoiceField(
        label="Key groups", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(code, label) for code, (label, _, _) in KEY_GROUPS.items()],
    )  # fmt: skip
    localities = forms.TypedMultipleChoiceField(
        label="Localities", coerce=int, required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )
    schools = forms.CharField(
        label="Schools", required=False, help_text="Unique reference numbers (URN), separated by commas"
    )
    age_bands = forms.MultipleChoiceField(
        label="Age", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(code, label) for code, (label, _, _) in AGE_BANDS.items()],
    )  # fmt: skip
    sexes = forms.MultipleChoiceField(
        label="Sex", required=False, widget=forms.CheckboxSelectMultiple, choices=list(SEXES.items())
    )
    ethnicities = forms.CharField(
        label="Ethnicity", required=False, help_text="DfE ethnicity codes, e.g. WBRI, MWBC, separated by commas"
    )
    levels_of_need = forms.MultipleChoiceField(
        label="Level of need at referral", required=False, widget=forms.CheckboxSelectMultiple,
        choices=list(LEVELS_OF_NEED.items()),
    )  # fmt: skip
    supported = forms.ChoiceField(
        label="Team around the child", required=False, widget=forms.RadioSelect,
        choices=[("", "Either"), *SUPPORTED.items()],
    )  # fmt: skip
    shared = forms.BooleanField(label="Share with colleagues who see evidence pages", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["localities"].choices = list(Locality.objects.order_by("name").values_list("id", "name"))

    def clean_schools(self) -> list[str]:
        return _codes(self.cleaned_data["schools"], "school URN", digits=True)

    def clean_ethnicities(self) -> list[str]:
        return [code.upper() for code in _codes(self.cleaned_data["ethnicities"], "ethnicity code")]

    def clean(self):
        data = super().clean()
        if data.get("help_from") and data.get("help_to") and data["help_from"] > data["help_to"]:
            self.add_error("help_to", "The end of the period must be the same as or after its start")
        return data

    def definition(self) -> Definition:
        data = self.cleaned_data
        return Definition(
            key_groups=data["key_groups"],
            localities=data["localities"],
            schools=data["schools"],
            age_bands=data["age_bands"],
            sexes=data["sexes"],
            ethnicities=data["ethnicities"],
            levels_of_need=data["levels_of_need"],
            supported=data["supported"],
            help_from=data["help_from"],
            help_to=data["help_to"],
        )


def _codes(text: str, what: str, *, digits: bool = False) -> list[str]:
    codes = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    for code in codes:
        if (digits and not code.isdigit()) or len(code) > 8 or not code.isalnum():
            raise forms.ValidationError(f"“{code}” is not a {what}: use letters and digits only, separated by commas")
    return codes


class ReturnForm(DateInputs):
    dates = {"period_start": "Start of the period", "period_end": "End of the period"}
    child_id = forms.ChoiceField(
        label="Identify children by",
        widget=forms.RadioSelect,
        choices=[
            ("la_child_id", "The authority's social care id (matches its other Annex A lists and its SSD)"),
            ("child_id", "joinedup's own id"),
        ],
    )

    def clean(self):
        data = super().clean()
        if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
            self.add_error("period_end_day", "The end of the period must be the same as or after its start")
        return data


class ResearchExtractForm(forms.Form):
    use = forms.ChoiceField(label="What the extract is for", widget=forms.RadioSelect, choices=[])
    project = forms.CharField(
        label="Research project", max_length=120, help_text="As the data sharing agreement names it"
    )
    purpose = FreeText(what="The purpose", max_length=1000, label="Purpose", widget=forms.Textarea)
    cohort = forms.TypedChoiceField(label="Cohort", coerce=int, empty_value=None, required=False, choices=[])

    def __init__(self, *args, uses=(), cohorts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["use"].choices = [(use.code, use.label) for use in uses]
        self.fields["cohort"].choices = [("", "Every child")] + [(c.id, c.name) for c in cohorts]
