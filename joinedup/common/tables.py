"""Reading tables from files with problems reported by file, row and column."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class FileProblems(Exception):
    """Raised with every problem found, so a person can fix a file in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            "\n".join(str(p) for p in problems[:50])
            + (f"\n... and {len(problems) - 50} more" if len(problems) > 50 else "")
        )


def read_csv(path: Path, required_columns: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number as a spreadsheet shows it, row) for each data row; the header is row 1.
    A file that is not UTF-8 CSV, or a row with more or fewer values than the header, is refused
    whole (FileProblems, with the row): a row padded with blanks would load as if it were whole."""
    where = str(path)
    if not path.exists():
        raise FileProblems([Problem(where, None, None, "the file does not exist")])
    number = 1
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            if missing := [c for c in required_columns if c not in header]:
                raise FileProblems([Problem(where, 1, c, "this column is missing from the header") for c in missing])
            for number, row in enumerate(reader, start=2):
                values = len(header) + len(row.get(None) or []) - sum(value is None for value in row.values())
                if values != len(header):
                    problem = f"this row has {values} values where the header has {len(header)}"
                    raise FileProblems([Problem(where, number, None, problem)])
                yield number, row
    except UnicodeDecodeError:
        raise FileProblems([Problem(where, None, None, "the file is not UTF-8 text: save it as CSV UTF-8")]) from None
    except csv.Error as error:
        raise FileProblems([Problem(where, number + 1, None, f"the file is not well-formed CSV ({error})")]) from None


def write_problems(path: Path, problems: list[Problem]) -> Path:
    """Write problems as a CSV a person can sort and filter: file, row, column, reason."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "row", "column", "reason"])
        for problem in problems:
            writer.writerow(
                [problem.file, "" if problem.row is None else problem.row, problem.column or "", problem.message]
            )
    return path


class RowChecker:
    """Collects problems while converting the cells of one file."""

    def __init__(self, path: Path):
        self.path = str(path)
        self.problems: list[Problem] = []

    def cell(
        self, row_number: int, row: dict[str, str], column: str, convert: Callable[[str], Any], required: bool = True
    ) -> Any:
        value = (row.get(column) or "").strip()
        if not value:
            if required:
                self.problems.append(Problem(self.path, row_number, column, "a value is required"))
            return None
        try:
            return convert(value)
        except (ValueError, KeyError) as error:
            # str(KeyError("x")) is "'x'"; a ValueError's message may itself end in a quoted value.
            message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
            self.problems.append(Problem(self.path, row_number, column, message))
            return None

    def problem(self, row_number: int, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.path, row_number, column, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise FileProblems(self.problems)
