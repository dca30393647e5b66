"""A password must not be built from words anyone could guess from where its holder works: the
service's own name, the council's, its agencies' and localities' (ASVS 6.1.2). What is left once
those words are taken out must still be as long as a whole password has to be."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError

from joinedup.agencies.models import Agency, LocalAuthority, Locality, Team

# Words of the service itself, whichever council runs it.
SERVICE_WORDS = {"joinedup", "joined", "earlyhelp", "early", "help", "password", "children", "childrens", "council"}
# Shorter words of a name ("of", "the", "NHS") are too common to refuse.
SHORTEST_WORD = 4


def context_words() -> set[str]:
    names = [
        *LocalAuthority.objects.values_list("name", flat=True),
        *Agency.objects.values_list("name", flat=True),
        *Locality.objects.values_list("name", flat=True),
        *Team.objects.values_list("name", flat=True),
    ]
    words = {word for name in names for word in re.findall(r"[a-z]+", name.lower())}
    return SERVICE_WORDS | {word for word in words if len(word) >= SHORTEST_WORD}


class ContextWordsValidator:
    def __init__(self, min_length: int | None = None):
        self.min_length = min_length or _minimum_length()

    def validate(self, password: str, user=None) -> None:
        rest = password.lower()
        # Longest first, so "earlyhelp" goes whole rather than leaving "early" half of it.
        for word in sorted(context_words(), key=len, reverse=True):
            rest = rest.replace(word, "")
        if len(rest) < self.min_length:
            raise ValidationError(
                "Your password is mostly the name of this service or of where you work: "
                "add words of your own that nobody could guess",
                code="password_from_context_words",
            )

    def get_help_text(self) -> str:
        return "Your password must not be made mostly of the name of this service or of where you work."


def _minimum_length() -> int:
    for validator in settings.AUTH_PASSWORD_VALIDATORS:
        if validator["NAME"].endswith("MinimumLengthValidator"):
            return validator.get("OPTIONS", {}).get("min_length", 8)
    return 8
