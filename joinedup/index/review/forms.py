from django import forms

from joinedup.common.forms import FreeText


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Are these records the same child?",
        choices=[("same", "Yes, the same child"), ("different", "No, different children")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether these records are the same child"},
    )
    note = FreeText(
        what="The reason",
        max_length=500,
        label="Why (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
