"""A return's specification as read from its publisher: each table's columns in order, what each
means, the codes it allows, and joinedup's explicit table from its own codes to them. The TOML files
in `specs/` name the repository, path and commit each was read from."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from joinedup.common.dates import parse_date

SPECS = Path(__file__).parent / "specs"


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    type: str
    required: bool = False
    codes: dict[str, str] = field(default_factory=dict)
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str
    source: str
    columns: list[Column]
    from_joinedup: dict[str, dict[str, str]]
    date_format: str
    excel_date_format: str

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


def load(return_name: str) -> dict[str, TableSpec]:
    """The tables of `specs/<return_name>.toml`, keyed by the publisher's table name."""
    raw = tomllib.loads((SPECS / f"{return_name}.toml").read_text(encoding="utf-8"))
    source = raw["source"]
    return {
        name: TableSpec(
            name=name,
            title=table["title"],
            source=f"{source['repository']} {table['path']} at commit {source['commit']}",
            columns=[
                Column(
                    name=column["name"],
                    meaning=column["meaning"],
                    type=column["type"],
                    required=column.get("required", False),
                    codes=column.get("codes", {}),
                    minimum=column.get("minimum"),
                    maximum=column.get("maximum"),
                )
                for column in table["columns"]
            ],
            from_joinedup=table.get("from_joinedup", {}),
            date_format=source["date_format"],
            excel_date_format=source["excel_date_format"],
        )
        for name, table in raw["tables"].items()
    }


class CannotBeReturned(ValueError):
    """Raised with every row that cannot be written in the return's codes, so a person can put
    them all right in one pass rather than meet them one at a time."""

    def __init__(self, table: str, problems: list[str]):
        self.problems = problems
        shown = problems[:50] + ([f"... and {len(problems) - 50} more"] if len(problems) > 50 else [])
        super().__init__(f"{table}: {len(problems)} value(s) cannot be returned:\n" + "\n".join(shown))


class Problems:
    """Collects a table's problems, each naming the row (its 1-based position in the caller's frame,
    and its own id) and the value. `input_rows` gives each row's position in the caller's frame when
    `frame` is a selection of it."""

    def __init__(self, spec: TableSpec, frame: pd.DataFrame, *, row_id: str, input_rows: list[int] | None = None):
        self.spec = spec
        self.frame = frame
        self.row_id = row_id
        self.input_rows = input_rows if input_rows is not None else list(range(len(frame)))
        self.found: list[str] = []
        self.rows: set[int] = set()

    def add(self, position: int, message: str) -> None:
        self.rows.add(position)
        row_id = self.frame[self.row_id].iloc[position] if self.row_id in self.frame else None
        self.found.append(f"row {self.input_rows[position] + 1} ({self.row_id} {row_id!r}): {message}")

    def raise_any(self) -> None:
        if self.found:
            raise CannotBeReturned(self.spec.title, self.found)


def require_columns(frame: pd.DataFrame, columns: list[str], *, table: str) -> None:
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise CannotBeReturned(table, [f"the input has no column {name!r}" for name in missing])


def is_blank(value: object) -> bool:
    return (
        value is None
        or (not isinstance(value, str) and pd.isna(value))
        or (isinstance(value, str) and not value.strip())
    )


def mapped(
    frame: pd.DataFrame, *, input_column: str, spec: TableSpec, output_column: str, problems: Problems
) -> list[str | None]:
    """Each row's joinedup code in `input_column`, written in the spec's code through the explicit
    table `from_joinedup.<input_column>`; a code the table lacks is a problem, never a guess."""
    table = spec.from_joinedup[input_column]
    out: list[str | None] = []
    for position, value in enumerate(frame[input_column]):
        key = "" if is_blank(value) else str(value).strip()
        if key in table:
            out.append(table[key])
        elif key == "":
            out.append(None)
        else:
            problems.add(
                position,
                f"{input_column} {value!r} has no {output_column} code in {spec.title}; "
                f"joinedup can write {', '.join(repr(k) for k in table if k)}",
            )
            out.append(None)
    return out


def allowed(values: list[str | None], *, column: Column, problems: Problems) -> list[str | None]:
    """Values passed through unchanged, each checked against the column's code list."""
    for position, value in enumerate(values):
        if value is not None and value not in column.codes:
            problems.add(position, f"{column.name} {value!r} is not one of the spec's codes {', '.join(column.codes)}")
    return values


def to_date(value: object) -> date | None:
    """A date, datetime, Timestamp or ISO text as a `date`; blank as None; ValueError otherwise."""
    if is_blank(value):
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date(str(value), "iso")


def dates(frame: pd.DataFrame, *, input_column: str, problems: Problems) -> list[date | None]:
    """A column of dates; a value that is not a date is a problem."""
    out: list[date | None] = []
    for position, value in enumerate(frame[input_column]):
        try:
            out.append(to_date(value))
        except ValueError as error:
            problems.add(position, f"{input_column}: {error}")
            out.append(None)
    return out


def texts(frame: pd.DataFrame, *, input_column: str) -> list[str | None]:
    """A column as text. A whole-number float is written without ".0": pandas turns a column of
    integer ids with a gap in it into floats."""
    return [
        None
        if is_blank(value)
        else str(int(value))
        if isinstance(value, float) and value.is_integer()
        else str(value).strip()
        for value in frame[input_column]
    ]


def shaped(columns: dict[str, list], *, spec: TableSpec, problems: Problems, dates_as_text: bool) -> pd.DataFrame:
    """The return's frame: exactly the spec's columns in its order, required ones filled, dates
    written in the spec's format (or kept as dates for a workbook, which formats them itself)."""
    for column in spec.columns:
        if column.required:
            for position, value in enumerate(columns[column.name]):
                # A row already reported is told of its first problems only: a code that could not
                # be written is blank here, and saying so twice would hide the cause.
                if is_blank(value) and position not in problems.rows:
                    problems.add(position, f"{column.name} is required and is blank")
    problems.raise_any()
    frame = pd.DataFrame(
        {name: columns[name] for name in spec.column_names}, dtype=object, index=range(len(problems.frame))
    )
    for column in spec.columns:
        if column.type in {"date", "datetime"} and dates_as_text:
            frame[column.name] = [None if v is None else v.strftime(spec.date_format) for v in frame[column.name]]
    return frame
