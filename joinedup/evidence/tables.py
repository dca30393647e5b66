"""Every evidence table is built once, as a `Table`, and then drawn as a GOV.UK table, a CSV or an
XLSX sheet: the page and the download always show the same cells, suppressed the same way."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .disclosure.suppression import CONFIDENTIAL, NOT_AVAILABLE, SMALL_COUNT, displayed_count
from .figures import Figure

# Counts of fewer than SMALLEST_SHOWN children are not shown outside the authority's analysts;
# the symbols are GSS's (evidence.disclosure.suppression).
SMALLEST_SHOWN = SMALL_COUNT
SUPPRESSED = CONFIDENTIAL


@dataclass
class Table:
    key: str
    caption: str
    head: list[str]
    rows: list[list[str]] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def govuk(self) -> dict:
        """Parameters for govukTable."""
        numeric = self.numeric or [False] * len(self.head)
        return {
            "caption": self.caption,
            "captionClasses": "govuk-table__caption--m",
            "firstCellIsHeader": True,
            "head": [
                {"text": h, **({"format": "numeric"} if n else {})} for h, n in zip(self.head, numeric, strict=True)
            ],
            "rows": [
                [{"text": cell, **({"format": "numeric"} if n else {})} for cell, n in zip(row, numeric, strict=True)]
                for row in self.rows
            ],
        }

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=self.head)


@dataclass(frozen=True)
class Disclosure:
    """How figures are shown to this reader: in full to the authority's analysts; otherwise
    groups under SMALLEST_SHOWN children are suppressed and rates rounded to whole numbers."""

    full: bool

    def figure_cells(self, figure: Figure) -> list[str]:
        """[figure, 95% interval, N]. A share of a small count is withheld too, N shown: a share
        and its N give the count back."""
        if figure.n == 0 or figure.value is None:
            return [NOT_AVAILABLE, NOT_AVAILABLE, str(figure.n)]
        if not self.full and figure.n < SMALLEST_SHOWN:
            return [SUPPRESSED, SUPPRESSED, SUPPRESSED]
        if not self.full and figure.count is not None and 0 < figure.count < SMALLEST_SHOWN:
            return [SUPPRESSED, SUPPRESSED, f"{figure.n:,}"]
        interval = (
            NOT_AVAILABLE
            if figure.low is None or figure.high is None or pd.isna(figure.low)
            else f"{self.number(figure.low, figure.unit)} to {self.number(figure.high, figure.unit)}"
        )
        return [self.number(figure.value, figure.unit, suffix=True), interval, f"{figure.n:,}"]

    def number(self, value: float, unit: str, *, suffix: bool = False) -> str:
        places = 1 if self.full else 0
        if unit == "percent":
            return f"{value:.{places}f}{'%' if suffix else ''}"
        if unit == "days":
            return f"{value:.0f}{' days' if suffix else ''}"
        return f"{value:.{places + 1 if unit == 'score' else places}f}"

    def count(self, n: int) -> str:
        return f"{n:,}" if self.full else displayed_count(n)

    @property
    def note(self) -> str:
        if self.full:
            return "Figures are shown in full, as to the authority's analysts: do not share this page outside them."
        return (
            f"Figures about fewer than {SMALLEST_SHOWN} children are not shown ({SUPPRESSED}) and rates are rounded to "
            f"whole numbers, so that no child can be recognised. {NOT_AVAILABLE} means there are no figures."
        )


FIGURE_HEAD = ["Figure", "95% interval", "Children (N)"]
