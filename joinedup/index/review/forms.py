from django import forms


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Are these records the same child?",
        choices=[("same", "Yes, the same child"), ("different", "No, different children")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether these records are the same child"},
    )
    note = forms.CharField(
        label="Why (optional)", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
