"""The bridge between Django forms and the GOV.UK macros: every error in the summary links to
the control it is about, including radios and checkboxes, whose first option carries the id."""

from django import forms

from joinedup.web.govuk import error_summary, field


class MeetingForm(forms.Form):
    place = forms.CharField()
    cycle = forms.ChoiceField(choices=[("7", "Weekly"), ("14", "Fortnightly")], widget=forms.RadioSelect)
    agencies = forms.MultipleChoiceField(
        choices=[("health", "Health"), ("school", "School")], widget=forms.CheckboxSelectMultiple
    )


def links(form: forms.Form) -> list[str]:
    return [item["href"] for item in error_summary(form)["errorList"]]


def test_every_error_links_to_an_element_the_page_has():
    form = MeetingForm(data={})
    assert not form.is_valid()

    hrefs = set(links(form))

    assert hrefs == {"#id_place", "#id_cycle", "#id_agencies"}
    # govukRadios gives its first option the idPrefix: the same id the summary links to.
    assert field(form["cycle"])["idPrefix"] == "id_cycle"


def test_forms_without_the_id_prefix_link_the_same_way():
    form = MeetingForm(data={}, auto_id="%s")
    form.is_valid()

    assert set(links(form)) == {"#place", "#cycle", "#agencies"}
    assert field(form["cycle"])["idPrefix"] == "cycle"


class NoteForm(forms.Form):
    note = forms.CharField(max_length=500, widget=forms.Textarea)
    name = forms.CharField(max_length=120)


def test_a_textarea_with_a_limit_gives_the_character_count_its_maxlength():
    form = NoteForm()

    assert field(form["note"])["maxlength"] == 500
    assert "maxlength" not in field(form["name"])


def test_checkboxes_tick_every_option_chosen():
    form = MeetingForm(data={"place": "Hall", "cycle": "7", "agencies": ["health", "school"]})

    assert [item["checked"] for item in field(form["agencies"])["items"]] == [True, True]
    assert [item["checked"] for item in field(form["cycle"])["items"]] == [True, False]


def test_an_option_can_reveal_more_under_it():
    form = MeetingForm()

    items = field(form["cycle"], conditional={"14": "<p>Which week?</p>"})["items"]

    assert "conditional" not in items[0]
    assert items[1]["conditional"] == {"html": "<p>Which week?</p>"}
