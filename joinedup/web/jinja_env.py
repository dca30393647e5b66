"""The Jinja2 environment: GOV.UK Frontend macros beside the app templates, and the globals
that Django's Jinja2 backend does not provide (user, messages)."""

from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader
from markupsafe import Markup

from .govuk import date_field, error_summary, field


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def link(href: str, text: object) -> Markup:
    """A GOV.UK link for a table cell's html, with the text escaped."""
    return Markup('<a class="govuk-link" href="{}">{}</a>').format(href, text)


def with_hint(text: object, hint: str) -> Markup:
    return Markup('{}<br><span class="govuk-hint govuk-body-s">{}</span>').format(text, hint)


def environment(**options) -> Environment:
    app_loader = options.pop("loader", None)
    env = Environment(**options)
    env.loader = ChoiceLoader(
        [
            app_loader or env.loader,
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    env.globals.update(
        {
            "static": static,
            "url": url,
            "field": field,
            "date_field": date_field,
            "error_summary": error_summary,
            "get_messages": get_messages,
            "STATIC_URL": settings.STATIC_URL,
            "link": link,
            "with_hint": with_hint,
        }
    )
    env.filters["uk_date"] = lambda value: f"{value:%-d %B %Y}" if value else ""
    env.filters["uk_datetime"] = lambda value: f"{value:%-d %b %Y, %H:%M}" if value else ""
    env.filters["table_row"] = lambda pair: [{"text": pair[0]}, {"text": f"{pair[1]:,}", "format": "numeric"}]
    return env
