"""What can go wrong in self-evaluation, each with a message a person can act on."""

from __future__ import annotations


class RuleBroken(Exception):
    """A request that breaks one of the toolkit's rules; the message says what to do instead."""


class LinkProblem(RuleBroken):
    """An invitation link that cannot be used (unknown, already used, expired). `title` is the
    page heading; the message says what has happened to any answers already saved."""

    def __init__(self, title: str, message: str):
        self.title = title
        super().__init__(message)


class Unfinished(RuleBroken):
    """A questionnaire sent before every required question was answered. Nothing is lost: the
    saved answers stay, and `missing` lists what is still needed, section by section."""

    def __init__(self, missing: list):
        self.missing = missing
        count = len(missing)
        super().__init__(
            f"You have not answered {count} required question{'s' if count != 1 else ''} yet. "
            "Your other answers are saved."
        )
