"""What a person asks the generator for, checked with messages they can act on."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import ErrorRateProblem, ErrorRates, parse_error_rate

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
)


class OptionProblem(ValueError):
    """An argument the generator cannot use; the message says why."""


@dataclass(frozen=True)
class SynthOptions:
    children: int
    seed: int
    out: Path
    as_of: date = DEFAULT_AS_OF
    error_rates: ErrorRates = field(default_factory=ErrorRates)
    force: bool = False


def options_from_arguments(
    *, children, seed, out, as_of: str | None = None, error_rates: Iterable[str] = (), force: bool = False
) -> SynthOptions:
    """Check the command line's arguments and turn them into options, or say what is wrong."""
    return SynthOptions(
        children=_children(children),
        seed=_seed(seed),
        out=_out(out, force),
        as_of=_as_of(as_of),
        error_rates=_error_rates(error_rates),
        force=force,
    )


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


def _error_rates(values: Iterable[str]) -> ErrorRates:
    try:
        return ErrorRates.with_overrides(dict(parse_error_rate(v) for v in values))
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
