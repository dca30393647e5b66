"""Forms for self-evaluation pages. A questionnaire section's form is built from its questions
(content is data) and hands each question to a GOV.UK macro as parameters."""

from __future__ import annotations

from typing import Any

from django import forms

from joinedup.agencies.models import LocalAuthority, Locality
from joinedup.common.forms import DateInputs, FreeText

from .models import Answer, Instrument, KeyGroup, Question, QuestionKind
from .services import Given
from .suggestions import SHOWN

UNKNOWN = "unknown"
ANSWER_LENGTH = 5_000
EVIDENCE_LENGTH = 2_000


class ListField(forms.Field):
    """Every value posted under one name (checkboxes)."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        return [str(v) for v in value or []]


def wording(text: str, key_group: KeyGroup | None, audience: str) -> str:
    """A question as its respondent reads it: `{key_group}` becomes the group they are asked about."""
    if "{key_group}" not in text:
        return text
    if key_group is None:
        phrase = {
            "staff": "the children and young people in your key groups",
            "family": "your child",
            "child": "you",
        }[audience]
    elif audience == "staff":
        name = key_group.name
        phrase = name if name[1:2].isupper() else name[:1].lower() + name[1:]
    else:
        phrase = key_group.plain_name
    return text.replace("{key_group}", phrase)


class SectionForm(forms.Form):
    """The questions of one section. Values are parsed here; whether they can be kept is the
    service's decision (services.answer_problem), so one rule serves forms and interviews alike."""

    def __init__(self, *args, questions: list[Question], key_group: KeyGroup | None, audience: str, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.key_group = key_group
        self.audience = audience
        for question in questions:
            if question.kind == QuestionKind.GRID:
                for row in question.options:
                    self.fields[f"{question.key}__{row['key']}"] = ListField(required=False)
            elif question.kind == QuestionKind.CHECKLIST:
                self.fields[question.key] = ListField(required=False)
            elif question.kind == QuestionKind.TEXT:
                self.fields[question.key] = FreeText(
                    what="Your answer", max_length=ANSWER_LENGTH, required=False, strip=False, widget=forms.Textarea
                )
            else:
                self.fields[question.key] = forms.CharField(required=False, max_length=100)
            if question.evidence_label:
                self.fields[f"{question.key}__evidence"] = FreeText(
                    what="Your evidence", max_length=EVIDENCE_LENGTH, required=False, strip=False, widget=forms.Textarea
                )

    @classmethod
    def initial_from(cls, answers: list[Answer]) -> dict[str, Any]:
        """The saved answers as the form's initial values, so a person returns to what they gave."""
        initial: dict[str, Any] = {}
        for answer in answers:
            question = answer.question
            if question.kind == QuestionKind.GRID:
                for row, columns in answer.grid.items():
                    initial[f"{question.key}__{row}"] = columns
            elif question.kind == QuestionKind.CHECKLIST:
                initial[question.key] = answer.choices
            elif question.kind == QuestionKind.CHOICE:
                initial[question.key] = answer.choices[0] if answer.choices else ""
            elif question.kind == QuestionKind.SCORE:
                initial[question.key] = UNKNOWN if answer.dont_know else str(answer.score or "")
            else:
                initial[question.key] = answer.text
            if question.evidence_label:
                initial[f"{question.key}__evidence"] = answer.evidence
        return initial

    def given(self) -> dict[str, Given]:
        """Each question's answer as posted. Call after is_valid(); values that cannot be read as
        an answer at all become form errors."""
        data = self.cleaned_data
        result: dict[str, Given] = {}
        for question in self.questions:
            key = question.key
            evidence = data.get(f"{key}__evidence", "") if question.evidence_label else ""
            if question.kind == QuestionKind.GRID:
                grid = {row["key"]: data.get(f"{key}__{row['key']}", []) for row in question.options}
                result[key] = Given(grid={row: cols for row, cols in grid.items() if cols})
            elif question.kind == QuestionKind.CHECKLIST:
                result[key] = Given(choices=tuple(data.get(key, [])))
            elif question.kind == QuestionKind.CHOICE:
                value = data.get(key, "")
                result[key] = Given(choices=(value,) if value else ())
            elif question.kind == QuestionKind.SCORE:
                value = (data.get(key) or "").strip()
                if value == UNKNOWN:
                    result[key] = Given(dont_know=True, evidence=evidence)
                elif not value:
                    result[key] = Given(evidence=evidence)
                elif value.lstrip("-").isdigit():
                    result[key] = Given(score=int(value), evidence=evidence)
                else:
                    unknown = f", or '{question.unknown_label}'" if question.unknown_label else ""
                    self.add_error(key, f"Choose a score from {question.min_value} to {question.max_value}{unknown}")
            else:
                result[key] = Given(text=data.get(key, ""))
        return result

    # GOV.UK macro parameters

    def _value(self, name: str) -> Any:
        return self[name].value()

    def _error(self, name: str) -> dict | None:
        errors = self.errors.get(name)
        return {"text": errors[0]} if errors else None

    def components(self) -> list[dict[str, Any]]:
        """What to draw, in order: each item names a macro and its parameters."""
        items: list[dict[str, Any]] = []
        for question in self.questions:
            text = wording(question.text, self.key_group, self.audience)
            hint = {"text": wording(question.hint, self.key_group, self.audience)} if question.hint else None
            key = question.key
            if question.kind == QuestionKind.GRID:
                items.append({"macro": "heading", "text": text, "hint": hint["text"] if hint else ""})
                for row in question.options:
                    name = f"{key}__{row['key']}"
                    chosen = self._value(name) or []
                    items.append(
                        {
                            "macro": "checkboxes",
                            "params": {
                                "idPrefix": name,
                                "name": name,
                                "classes": "govuk-checkboxes--small",
                                "fieldset": {"legend": {"text": row["label"], "classes": "govuk-fieldset__legend--s"}},
                                "items": [
                                    {"value": c["key"], "text": c["label"], "checked": c["key"] in chosen}
                                    for c in question.columns
                                ],
                                "errorMessage": self._error(name),
                            },
                        }
                    )
                continue
            legend = {"text": text, "classes": "govuk-fieldset__legend--m"}
            if question.kind in (QuestionKind.SCORE, QuestionKind.CHOICE):
                value = self._value(key) or ""
                options = [
                    {
                        "value": o["key"],
                        "text": o["label"],
                        "checked": str(value) == o["key"],
                        **({"hint": {"text": o["hint"]}} if o.get("hint") else {}),
                    }
                    for o in question.options
                ]
                if question.unknown_label:
                    options += [
                        {"divider": "or"},
                        {"value": UNKNOWN, "text": question.unknown_label, "checked": value == UNKNOWN},
                    ]
                small = question.kind == QuestionKind.SCORE and not any(o.get("hint") for o in question.options)
                items.append(
                    {
                        "macro": "radios",
                        "params": {
                            "idPrefix": key,
                            "name": key,
                            "classes": "govuk-radios--small" if small else "",
                            "fieldset": {"legend": legend},
                            "hint": hint,
                            "items": options,
                            "errorMessage": self._error(key),
                        },
                    }
                )
            elif question.kind == QuestionKind.CHECKLIST:
                chosen = self._value(key) or []
                options = []
                for o in question.options:
                    if o.get("exclusive"):
                        options.append({"divider": "or"})
                    options.append(
                        {
                            "value": o["key"],
                            "text": o["label"],
                            "checked": o["key"] in chosen,
                            **({"behaviour": "exclusive"} if o.get("exclusive") else {}),
                        }
                    )
                items.append(
                    {
                        "macro": "checkboxes",
                        "params": {
                            "idPrefix": key,
                            "name": key,
                            "fieldset": {"legend": legend},
                            "hint": hint,
                            "items": options,
                            "errorMessage": self._error(key),
                        },
                    }
                )
            else:
                items.append(
                    {
                        "macro": "textarea",
                        "params": {
                            "id": key,
                            "name": key,
                            "rows": 4,
                            "maxlength": ANSWER_LENGTH,
                            "label": {"text": text, "classes": "govuk-label--m", "isPageHeading": False},
                            "hint": hint,
                            "value": self._value(key) or "",
                            "errorMessage": self._error(key),
                        },
                    }
                )
            if question.evidence_label:
                name = f"{key}__evidence"
                items.append(
                    {
                        "macro": "textarea",
                        "params": {
                            "id": name,
                            "name": name,
                            "rows": 3,
                            "maxlength": EVIDENCE_LENGTH,
                            "label": {"text": question.evidence_label, "classes": "govuk-label--s"},
                            "value": self._value(name) or "",
                            "errorMessage": self._error(name),
                        },
                    }
                )
        return items


def describe_answer(answer: Answer | None) -> str:
    """An answer in words, for the check-your-answers page."""
    if answer is None:
        return ""
    question = answer.question
    labels = {o["key"]: o["label"] for o in question.options}
    if question.kind == QuestionKind.SCORE:
        text = question.unknown_label if answer.dont_know else labels.get(str(answer.score), str(answer.score))
        return f"{text}. Evidence: {answer.evidence}" if answer.evidence else text
    if question.kind in (QuestionKind.CHOICE, QuestionKind.CHECKLIST):
        return "; ".join(labels.get(c, c) for c in answer.choices)
    if question.kind == QuestionKind.GRID:
        columns = {c["key"]: c["label"].lower() for c in question.columns}
        return "; ".join(
            f"{labels.get(row, row)}: {' and '.join(columns.get(c, c) for c in cols)}"
            for row, cols in answer.grid.items()
        )
    return answer.text


# Researchers' forms


class RoundForm(DateInputs):
    dates = {"opens_on": "Opening date", "closes_on": "Closing date"}
    number = forms.IntegerField(
        label="Round number",
        min_value=1,
        max_value=99,
        help_text="Rounds are compared in number order",
        error_messages={"required": "Enter the round number", "invalid": "The round number must be a whole number"},
    )
    name = forms.CharField(
        label="Name", max_length=120, error_messages={"required": "Enter a name, for example Round 2 (2026 to 2027)"}
    )


class JoinForm(forms.Form):
    authority = forms.ModelChoiceField(
        label="Authority",
        queryset=LocalAuthority.objects.order_by("name"),
        empty_label="Choose an authority",
        error_messages={
            "required": "Choose the authority that is joining",
            "invalid_choice": "Choose an authority from the list",
        },
    )
    locality = forms.ModelChoiceField(
        label="Locality",
        queryset=Locality.objects.select_related("authority").order_by("authority__name", "name"),
        empty_label="Choose a locality",
        help_text="The sub-area in which the authority's front-line teams will take part",
        error_messages={
            "required": "Choose the locality the authority will study",
            "invalid_choice": "Choose a locality from the list",
        },
    )
    key_groups = forms.ModelMultipleChoiceField(
        label="Key groups",
        queryset=KeyGroup.objects.filter(standard=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose key groups from the list",
            "invalid_pk_value": "Choose key groups from the list",
        },
    )
    own_key_group = forms.CharField(
        label="Another key group (optional)",
        max_length=100,
        required=False,
        help_text="A group of children the authority wants to study as well, for example Young carers",
    )
    integrated_since = forms.IntegerField(
        label="Year integrated services began (optional)",
        required=False,
        min_value=1990,
        max_value=2100,
        error_messages={"invalid": "Enter a year, like 2006", "min_value": "Enter a year from 1990"},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.fields["locality"].label_from_instance = lambda loc: f"{loc.authority.name}: {loc.name}"


def instrument_choices() -> list[tuple[str, str]]:
    latest: dict[str, Instrument] = {}
    for instrument in Instrument.objects.order_by("code", "version"):
        latest[instrument.code] = instrument
    order = ["dcs", "manager", "practitioner", "parent", "child"]
    return [
        (code, f"{latest[code].title} (version {latest[code].version})")
        for code in sorted(latest, key=lambda c: order.index(c) if c in order else 99)
    ]


class LinksForm(DateInputs):
    dates = {"expires_on": "Last day the links work"}
    instrument = forms.ChoiceField(
        label="Questionnaire",
        error_messages={
            "required": "Choose the questionnaire",
            "invalid_choice": "Choose a questionnaire from the list",
        },
    )
    key_group = forms.ModelChoiceField(
        label="Key group",
        queryset=KeyGroup.objects.none(),
        required=False,
        empty_label="Not for one key group",
        error_messages={"invalid_choice": "Choose a key group from the list"},
        help_text="Practitioners, parents and children are asked about one key group",
    )
    how_many = forms.IntegerField(
        label="How many links",
        min_value=1,
        max_value=500,
        help_text="One for each person: a link works for one person's answers, once",
        error_messages={
            "required": "Enter how many links you need",
            "invalid": "Enter a whole number",
            "min_value": "Issue at least 1 link",
            "max_value": "Issue at most 500 links at a time",
        },
    )
    batch = forms.CharField(
        label="Label for this set (optional)",
        required=False,
        max_length=80,
        help_text="For your own records, for example 'North locality team meeting, March'",
    )

    def __init__(self, *args, participant, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [("", "Choose a questionnaire")] + instrument_choices()
        self.fields["key_group"].queryset = participant.key_groups.all()


class InterviewForm(forms.Form):
    instrument = forms.ChoiceField(
        label="Interview schedule",
        error_messages={"required": "Choose the schedule", "invalid_choice": "Choose a schedule from the list"},
    )
    key_group = forms.ModelChoiceField(
        label="Key group",
        queryset=KeyGroup.objects.none(),
        required=False,
        empty_label="Not for one key group",
        error_messages={"invalid_choice": "Choose a key group from the list"},
    )

    def __init__(self, *args, participant, **kwargs):
        kwargs.setdefault("auto_id", "interview_%s")
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [("", "Choose a schedule")] + instrument_choices()
        self.fields["key_group"].queryset = participant.key_groups.all()


class CodingForm(forms.Form):
    """The codes one coder gives an answer: any codes of its scheme, or 'No code fits'."""

    codes = ListField(required=False)

    def __init__(self, *args, codes: list, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.code_list = codes
        self.by_id = {str(c.pk): c for c in codes}

    def clean_codes(self):
        values = self.cleaned_data["codes"]
        strays = [v for v in values if v != "none" and v not in self.by_id]
        if strays:
            raise forms.ValidationError("Choose from the codes shown")
        return values

    def chosen(self) -> list[str]:
        return list(self["codes"].value() or [])

    def cleaned_codes(self) -> list:
        return [self.by_id[v] for v in self.cleaned_data["codes"] if v != "none"]

    def no_code_fits(self) -> bool:
        return "none" in self.cleaned_data["codes"]

    def items(self, suggested: list, chosen: list[str]) -> list[dict]:
        """Checkbox items: the top suggestions first, marked with their similarity, then every
        other code in codebook order, then 'No code fits'. None is ticked for the coder."""
        top = [s.code for s in suggested[:SHOWN]]
        items = []
        for code in top:
            similarity = next(s.similarity for s in suggested if s.code_id == code.pk)
            items.append(self._item(code, chosen, f"Suggested: similarity {similarity:.2f}. {code.description}"))
        items += [self._item(c, chosen, c.description) for c in self.code_list if c not in top]
        items += [
            {"divider": "or"},
            {"value": "none", "text": "No code fits", "checked": "none" in chosen, "behaviour": "exclusive"},
        ]
        return items

    @staticmethod
    def _item(code, chosen: list[str], hint: str) -> dict:
        level = f"Level {code.level}: " if code.level else ""
        return {
            "value": str(code.pk),
            "text": f"{level}{code.label}",
            "hint": {"text": hint},
            "checked": str(code.pk) in chosen,
        }
