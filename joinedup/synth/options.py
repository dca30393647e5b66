"""What a person asks the generator for, checked with messages they can act on."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from .errors import PROFILES, ErrorRateProblem, ErrorRates, parse_error_rate

DEFAULT_AS_OF = date(2025, 3, 31)
FEWEST_CHILDREN = 100  # below this an authority has no services to speak of
MOST_CHILDREN = 1_000_000  # nearly three times Kent, the largest authority (355,390 children, S12)
EARLIEST_AS_OF, LATEST_AS_OF = date(2010, 4, 1), date(2099, 12, 31)
OUTPUTS = (
    "authority.json",
    "manifest.json",
    "ground_truth.csv",
    "register",
    "school_census",
    "ssda903",
    "cin_census",
    "child_health",
    "youth_offending",
    "social_care",
    "pupil_attendance",
    "history",
    "injected_errors",
)
FEWEST_HISTORY_YEARS, MOST_HISTORY_YEARS = 1, 10
SELECTIONS = {
    "dip": "a transitory dip in attendance comes before the referral (the realistic case)",
    "stable": "help is chosen on stable characteristics only",
}
EFFECT_OUTCOMES = {
    "attendance": "percentage points of attendance",
    "sdq": "SDQ total difficulties points",
    "wellbeing": "points on each answer of the wellbeing check (0-10)",
}


class OptionProblem(ValueError):
    """An argument the generator cannot use; the message says why."""


@dataclass(frozen=True)
class Effect:
    """A known effect of early help, injected so an estimator can be checked against the truth:
    `attendance` percentage points, `sdq` points (negative is better) and `wellbeing` points on each
    answer of the wellbeing check (0-10, positive is better) from the `after_terms`-th term of help
    on (the term help starts is the first), shrinking by `fade` each later term."""

    attendance: float = 0.0
    sdq: float = 0.0
    wellbeing: float = 0.0
    after_terms: int = 2
    fade: float = 0.0

    def share_in(self, term_of_help: np.ndarray) -> np.ndarray:
        """The share of the full effect in each term of help (1 = the term help started, 0 or less
        = before help)."""
        later = np.maximum(term_of_help - self.after_terms, 0)
        return np.where(term_of_help >= self.after_terms, (1 - self.fade) ** later, 0.0)

    def as_dict(self) -> dict:
        return {
            "attendance": self.attendance,
            "sdq": self.sdq,
            "wellbeing": self.wellbeing,
            "after_terms": self.after_terms,
            "fade": self.fade,
        }


@dataclass(frozen=True)
class SynthOptions:
    children: int
    seed: int
    out: Path
    as_of: date = DEFAULT_AS_OF
    error_rates: ErrorRates = field(default_factory=ErrorRates)
    force: bool = False
    history_years: int = 3
    effect: Effect = field(default_factory=Effect)
    selection: str = "dip"


def options_from_arguments(
    *,
    children,
    seed,
    out,
    as_of: str | None = None,
    error_rates: Iterable[str] = (),
    error_profile: str = "first",
    force: bool = False,
    history_years=3,
    effect: str | None = None,
    selection: str = "dip",
) -> SynthOptions:
    """Check the command line's arguments and turn them into options, or say what is wrong."""
    return SynthOptions(
        children=_children(children),
        seed=_seed(seed),
        out=_out(out, force),
        as_of=_as_of(as_of),
        error_rates=_error_rates(error_rates, error_profile),
        force=force,
        history_years=_history_years(history_years),
        effect=_effect(effect),
        selection=_selection(selection),
    )


def _history_years(value) -> int:
    number = _integer(value, "--history-years")
    if not FEWEST_HISTORY_YEARS <= number <= MOST_HISTORY_YEARS:
        raise OptionProblem(
            f"--history-years must be from {FEWEST_HISTORY_YEARS} to {MOST_HISTORY_YEARS} school years, not {value}"
        )
    return number


def _effect(value: str | None) -> Effect:
    """`attendance=3,after_terms=2,fade=0`: every part optional, none repeated."""
    if value is None or not str(value).strip():
        return Effect()
    example = "like attendance=3,after_terms=2,fade=0 or sdq=-2,wellbeing=1.5"
    names = {*EFFECT_OUTCOMES, "after_terms", "fade"}
    parts: dict[str, float] = {}
    for part in str(value).split(","):
        name, equals, number = part.partition("=")
        name = name.strip()
        if not equals or name not in names:
            raise OptionProblem(
                f"--effect: {part.strip()!r} is not NAME=NUMBER with NAME one of {', '.join(sorted(names))} ({example})"
            )
        if name in parts:
            raise OptionProblem(f"--effect names {name} twice")
        try:
            parts[name] = float(number)
        except ValueError:
            raise OptionProblem(f"--effect: {name} must be a number, not {number.strip()!r} ({example})") from None
    if not -20 <= parts.get("attendance", 0) <= 20:
        raise OptionProblem("--effect: attendance is in percentage points and must be from -20 to 20")
    if not -10 <= parts.get("sdq", 0) <= 10:
        raise OptionProblem("--effect: sdq is in SDQ total difficulties points (0-40) and must be from -10 to 10")
    if not -5 <= parts.get("wellbeing", 0) <= 5:
        raise OptionProblem(
            "--effect: wellbeing is in points on the wellbeing check's answers (0-10) and must be from -5 to 5"
        )
    after_terms = parts.get("after_terms", 2)
    if after_terms != int(after_terms) or not 1 <= after_terms <= 9:
        raise OptionProblem(
            f"--effect: after_terms is the term of help the effect starts in (1 = the term help starts), "
            f"a whole number from 1 to 9, not {after_terms:g}"
        )
    if not 0 <= parts.get("fade", 0) <= 1:
        raise OptionProblem("--effect: fade is the share lost each later term, from 0 (lasting) to 1 (one term only)")
    return Effect(
        attendance=parts.get("attendance", 0.0),
        sdq=parts.get("sdq", 0.0),
        wellbeing=parts.get("wellbeing", 0.0),
        after_terms=int(after_terms),
        fade=parts.get("fade", 0.0),
    )


def _selection(value) -> str:
    chosen = str(value).strip().lower()
    if chosen not in SELECTIONS:
        described = "; ".join(f"{name}: {meaning}" for name, meaning in SELECTIONS.items())
        raise OptionProblem(f"--selection must be dip or stable, not {value!r} ({described})")
    return chosen


def _children(value) -> int:
    number = _integer(value, "--children")
    if number <= 0:
        raise OptionProblem(f"--children must be a positive number of children, not {value}")
    if number < FEWEST_CHILDREN:
        raise OptionProblem(f"--children must be at least {FEWEST_CHILDREN}; an authority needs some children")
    if number > MOST_CHILDREN:
        raise OptionProblem(
            f"--children {number:,} is absurdly large: the largest authority has about 355,000 "
            f"children; the limit is {MOST_CHILDREN:,}"
        )
    return number


def _seed(value) -> int:
    number = _integer(value, "--seed")
    if not 0 <= number < 2**63:
        raise OptionProblem(f"--seed must be a whole number from 0 to 2**63-1, not {value}")
    return number


def _integer(value, name: str) -> int:
    if isinstance(value, bool):
        raise OptionProblem(f"{name} must be a whole number, not {value!r}")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise OptionProblem(f"{name} must be a whole number, not {value!r}") from None


def _as_of(value: str | date | None) -> date:
    if value is None:
        return DEFAULT_AS_OF
    if isinstance(value, date):
        chosen = value
    else:
        try:
            chosen = date.fromisoformat(str(value).strip())
        except ValueError:
            raise OptionProblem(f"--as-of must be a date written YYYY-MM-DD, like 2025-03-31, not {value!r}") from None
    if not EARLIEST_AS_OF <= chosen <= LATEST_AS_OF:
        raise OptionProblem(f"--as-of must be between {EARLIEST_AS_OF} and {LATEST_AS_OF}, not {chosen}")
    return chosen


def _error_rates(values: Iterable[str], profile) -> ErrorRates:
    chosen = str(profile).strip().lower()
    if chosen not in PROFILES:
        raise OptionProblem(
            f"--error-profile must be first (the errors joinedup has always made) or second (errors the first "
            f"never makes, and other date formats), not {profile!r}"
        )
    try:
        return ErrorRates.with_overrides(dict(parse_error_rate(v) for v in values), chosen)
    except ErrorRateProblem as problem:
        raise OptionProblem(f"--error-rate: {problem}") from None


def _out(value, force: bool) -> Path:
    if value is None or not str(value).strip():
        raise OptionProblem("--out must name a folder to write the authority into")
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise OptionProblem(f"--out {path} is a file, not a folder")
    if path.is_dir() and any(path.iterdir()) and not force:
        raise OptionProblem(f"--out {path} is not empty; choose an empty folder or add --force to overwrite")
    existing = next((p for p in [path, *path.parents] if p.exists()), None)
    if existing is None or not _writable(existing):
        raise OptionProblem(f"--out {path} cannot be written: no permission to write in {existing}")
    return path


def _writable(folder: Path) -> bool:
    """Try it: permission bits say nothing to root, and some file systems refuse everyone."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False
