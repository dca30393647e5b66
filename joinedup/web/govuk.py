"""The one bridge from Django forms to GOV.UK Frontend macro parameters, so a field is one call:
{{ govukInput(field(form.surname, classes="govuk-input--width-20")) }}."""

from __future__ import annotations

from typing import Any

from django import forms


def _first_error(bound: forms.BoundField) -> dict | None:
    return {"text": bound.errors[0]} if bound.errors else None


def anchor(bound: forms.BoundField) -> str:
    """The id the error summary links to. Django gives radios and checkboxes no id_for_label (each
    option has its own); the GOV.UK macros give the first option the idPrefix, so use that."""
    return bound.id_for_label or bound.auto_id or bound.html_name


def field(bound: forms.BoundField, **params: Any) -> dict[str, Any]:
    """Parameters for govukInput/govukSelect/govukRadios/govukCheckboxes/govukTextarea from a bound field."""
    widget = bound.field.widget
    value = bound.value()
    result: dict[str, Any] = {
        "id": anchor(bound),
        "name": bound.html_name,
        "label": {"text": bound.label, "classes": params.pop("label_classes", "govuk-label--s")},
        "errorMessage": _first_error(bound),
    }
    if bound.help_text:
        result["hint"] = {"text": str(bound.help_text)}
    if isinstance(widget, forms.PasswordInput):
        result["type"] = "password"
    if isinstance(widget, (forms.Select, forms.RadioSelect)):
        # Checkboxes (a RadioSelect that allows several) hold a list; the rest hold one value.
        chosen = {str(v) for v in value or []} if widget.allow_multiple_selected else {str(value)}
        # `conditional={"no": html}` reveals html under that option (a GOV.UK conditional reveal).
        reveals = params.pop("conditional", {})
        items = [
            {"value": str(v), "text": str(t), "selected": str(v) in chosen, "checked": str(v) in chosen}
            | ({"conditional": {"html": reveals[str(v)]}} if str(v) in reveals else {})
            for v, t in bound.field.choices
        ]
        result["items"] = items
        result["idPrefix"] = result["id"]
        result["fieldset"] = {"legend": {"text": bound.label, "classes": "govuk-fieldset__legend--s"}}
    elif not isinstance(widget, forms.PasswordInput):
        result["value"] = "" if value is None else str(value)
    if isinstance(widget, forms.Textarea) and getattr(bound.field, "max_length", None):
        # govukCharacterCount reads this; govukTextarea ignores it.
        result["maxlength"] = bound.field.max_length
    if widget.attrs.get("autocomplete"):
        result["autocomplete"] = widget.attrs["autocomplete"]
    if widget.attrs.get("spellcheck") is not None:
        result["spellcheck"] = widget.attrs["spellcheck"]
    if widget.attrs.get("inputmode"):
        result["inputmode"] = widget.attrs["inputmode"]
    result.update(params)
    return result


def date_field(form: forms.Form, prefix: str, legend: str, hint: str = "", **params: Any) -> dict[str, Any]:
    """govukDateInput parameters for the {prefix}_day, _month and _year fields of a form; the
    error belongs to the date as a whole. `params` override the result (an `id` for a second
    form on the page with a date of the same name)."""
    error = form.errors.get(prefix)
    items = []
    for part, width in (("day", 2), ("month", 2), ("year", 4)):
        bound = form[f"{prefix}_{part}"]
        classes = f"govuk-input--width-{width}" + (" govuk-input--error" if error or bound.errors else "")
        items.append(
            {
                "id": bound.id_for_label,
                "name": bound.html_name,
                "label": part.capitalize(),
                "value": bound.value() or "",
                "classes": classes,
                "inputmode": "numeric",
            }
        )
    errors = error or [e for part in ("day", "month", "year") for e in form[f"{prefix}_{part}"].errors]
    result: dict[str, Any] = {
        "id": prefix,
        "items": items,
        "fieldset": {"legend": {"text": legend, "classes": "govuk-fieldset__legend--s"}},
        "errorMessage": {"text": errors[0]} if errors else None,
    }
    if hint:
        result["hint"] = {"text": hint}
    result.update(params)
    return result


def error_summary(form: forms.Form) -> dict[str, Any] | None:
    """govukErrorSummary parameters linking each error to its field, or None when valid."""
    if not form.errors:
        return None
    errors = []
    for name, messages in form.errors.items():
        if name == "__all__":
            errors += [{"text": m, "href": "#main-content"} for m in messages]
            continue
        target = name if name in form.fields else f"{name}_day"
        bound = form[target] if target in form.fields else None
        target_id = anchor(bound) if bound is not None else name
        errors += [{"text": m, "href": f"#{target_id}"} for m in messages]
    return {"titleText": "There is a problem", "errorList": errors}
