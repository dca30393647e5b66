from django import forms

from .queries import SourceChoice


class ExtractFilesInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ExtractFilesField(forms.FileField):
    """One file, or the several tables of one return (a school census, an SSDA903 CSV return)."""

    widget = ExtractFilesInput

    def clean(self, data, initial=None):
        files = (data if isinstance(data, list | tuple) else [data]) or [None]  # none chosen: "required"
        cleaned = [super(ExtractFilesField, self).clean(file, initial) for file in files]
        names = [file.name for file in cleaned]
        if len(set(names)) != len(names):
            raise forms.ValidationError("Two of the files have the same name: choose each table once")
        return cleaned


class ImportForm(forms.Form):
    source = forms.ChoiceField(
        label="Which agency's extract is it?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which agency's extract it is"},
    )
    extract = ExtractFilesField(
        label="The extract",
        help_text="A CSV, XLSX or XML file as the agency sent it; for a return in several tables, choose every table",
        error_messages={"required": "Choose the extract's file", "empty": "The file you chose is empty"},
    )

    def __init__(self, *args, sources: list[SourceChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = {source.file_name: source for source in sources}
        self.fields["source"].choices = [(source.file_name, source.label) for source in sources]

    def chosen_source(self) -> SourceChoice:
        return self.sources[self.cleaned_data["source"]]
