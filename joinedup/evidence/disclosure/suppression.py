"""Small counts in frequency tables: cells of 1 to 9 children are withheld (primary suppression), then
further cells are withheld (secondary suppression) until no withheld cell can be worked out from the
totals. Display strings use the GSS table symbols, so a page and an export show the same thing."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# GSS symbols in tables (https://analysisfunction.civilservice.gov.uk/policy-store/symbols-in-tables-definitions-and-help/):
# [c] confidential, [x] not available, [z] not applicable.
CONFIDENTIAL = "[c]"
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"

SMALL_COUNT = 10

Subtotals = Mapping[Hashable, Sequence[Hashable]]
# A line is a sum the reader can check: flat positions of its parts and of the total they make.
Line = tuple[tuple[int, ...], int]


@dataclass(frozen=True)
class ProtectedTable:
    """What may be shown: `display` holds strings ("12", "[c]"); `suppressed` says which cells are withheld."""

    display: pd.DataFrame
    suppressed: pd.DataFrame


def suppress_table(
    *,
    table: pd.DataFrame,
    threshold: int = SMALL_COUNT,
    zeros_disclosive: bool = False,
    total: Hashable = "Total",
    row_subtotals: Subtotals | None = None,
    column_subtotals: Subtotals | None = None,
) -> ProtectedTable:
    """Withhold counts of 1 to `threshold - 1`, then the smallest further cells needed so that no
    withheld count can be recovered by subtraction from the totals shown.

    `table` holds counts with a `total` row (a one-way table down the rows), a `total` column (a
    one-way table across), or both (a two-way table with its grand total). Subtotals name their
    parts, e.g. `row_subtotals={"North": ["N1", "N2"]}`; the total is then the sum of the rows
    that are not parts of a subtotal.

    Zeros are shown unless `zeros_disclosive`. We follow the GSS "Disclosure control guidance for
    tables produced from administrative sources" (Government Statistical Service, 2014), which
    treats a zero as disclosive only when it tells the reader something about a group (every child
    in a row shares one attribute) and needs no protection for structural zeros; the caller knows
    which its table has. Threshold 10 is the authority's rule for pages and exports that leave its
    analysts (issue 14)."""
    lines = _lines(table=table, total=total, row_subtotals=row_subtotals, column_subtotals=column_subtotals)
    values = _counts(table=table, lines=lines)
    small = (values > 0) & (values < threshold)
    primary = small | (values == 0) if zeros_disclosive else small
    hidden = _secondary(values=values, hidden=primary, lines=lines)
    return _protected(table=table, values=values, hidden=hidden)


def round_table(*, table: pd.DataFrame, base: int = 5) -> ProtectedTable:
    """Every count rounded to the nearest `base` (halves up), for exports that ask for rounding
    instead of suppression. Totals are rounded on their own, so they need not add up."""
    values = table.to_numpy(dtype=np.int64)
    rounded = (values + base // 2) // base * base
    return _protected(table=table, values=rounded.ravel(), hidden=np.zeros(values.size, dtype=bool))


def displayed_count(
    count: int, *, threshold: int = SMALL_COUNT, zeros_disclosive: bool = False, rounding_base: int | None = None
) -> str:
    """One count on its own (a headline N): rounded when `rounding_base` is given, else withheld when small."""
    if rounding_base:
        return f"{(count + rounding_base // 2) // rounding_base * rounding_base:,}"
    if 0 < count < threshold or (count == 0 and zeros_disclosive):
        return CONFIDENTIAL
    return f"{count:,}"


def recoverable_cells(
    table: pd.DataFrame,
    suppressed_mask: pd.DataFrame,
    *,
    total: Hashable = "Total",
    row_subtotals: Subtotals | None = None,
    column_subtotals: Subtotals | None = None,
) -> list[tuple[Hashable, Hashable]]:
    """The (row, column) labels of withheld cells whose value the published cells fix exactly.

    Each total is one linear equation (parts minus total = 0). With the published cells moved to
    the right-hand side, the withheld cells solve A x = b. A withheld cell is recovered when it
    takes the same value in every solution: its coordinate is zero across the null space of A."""
    lines = _lines(table=table, total=total, row_subtotals=row_subtotals, column_subtotals=column_subtotals)
    aligned = suppressed_mask.reindex(index=table.index, columns=table.columns, fill_value=False)
    hidden = aligned.to_numpy(dtype=bool).ravel()
    positions = np.flatnonzero(hidden)[_determined(constraints=_constraints(lines, hidden.size), hidden=hidden)]
    width = table.shape[1]
    return [(table.index[position // width], table.columns[position % width]) for position in positions]


def _lines(
    *, table: pd.DataFrame, total: Hashable, row_subtotals: Subtotals | None, column_subtotals: Subtotals | None
) -> list[Line]:
    width = table.shape[1]
    lines: list[Line] = []
    for parts, whole in _sums(labels=table.index, total=total, subtotals=row_subtotals):
        for column in range(width):
            lines.append((tuple(part * width + column for part in parts), whole * width + column))
    for parts, whole in _sums(labels=table.columns, total=total, subtotals=column_subtotals):
        for row in range(table.shape[0]):
            lines.append((tuple(row * width + part for part in parts), row * width + whole))
    return lines


def _sums(*, labels: pd.Index, total: Hashable, subtotals: Subtotals | None) -> list[tuple[list[int], int]]:
    """Along one axis: (positions of the parts, position of their total) for the total and each subtotal."""
    if not labels.is_unique:
        raise ValueError(f"Table labels must be unique: {list(labels)}")
    subtotals = subtotals or {}
    position = {label: index for index, label in enumerate(labels)}
    in_subtotal = {part for parts in subtotals.values() for part in parts}
    if missing := [label for label in [*subtotals, *in_subtotal] if label not in position]:
        raise ValueError(f"Subtotals name labels the table does not have: {missing}")
    sums = [([position[part] for part in parts], position[subtotal]) for subtotal, parts in subtotals.items()]
    if total in position:
        top = [position[label] for label in labels if label != total and label not in in_subtotal]
        sums.append((top, position[total]))
    return sums


def _counts(*, table: pd.DataFrame, lines: list[Line]) -> np.ndarray:
    """The table's counts, flat, after checking they are whole, not negative, and add up."""
    if table.isna().to_numpy().any():
        raise ValueError("A frequency table to protect must have a count in every cell")
    values = table.to_numpy()
    if not np.all(values == np.round(values)) or (values < 0).any():
        raise ValueError("A frequency table holds whole counts of zero or more")
    flat = values.astype(np.int64).ravel()
    if wrong := [whole for parts, whole in lines if flat[list(parts)].sum() != flat[whole]]:
        width = table.shape[1]
        cells = [(table.index[cell // width], table.columns[cell % width]) for cell in wrong]
        raise ValueError(f"These totals are not the sum of their parts: {cells}")
    return flat


def _constraints(lines: list[Line], size: int) -> np.ndarray:
    matrix = np.zeros((len(lines), size))
    for row, (parts, whole) in enumerate(lines):
        matrix[row, list(parts)] = 1.0
        matrix[row, whole] = -1.0
    return matrix


def _determined(*, constraints: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Indexes (among the hidden cells) of those the equations fix to one value."""
    unknowns = constraints[:, hidden]
    if unknowns.shape[1] == 0 or unknowns.shape[0] == 0:
        return np.array([], dtype=int)
    _, singular, right = np.linalg.svd(unknowns)
    rank = int((singular > 1e-9).sum())
    null_space = right[rank:]
    return np.flatnonzero(np.all(np.abs(null_space) < 1e-9, axis=0))


def _secondary(*, values: np.ndarray, hidden: np.ndarray, lines: list[Line]) -> np.ndarray:
    """Withhold complements until every line has none or at least two withheld cells (one withheld
    cell beside its total is a subtraction away), then until the checker finds nothing recoverable:
    lines with two each can still expose a cell that joins two separate groups of withheld cells."""
    hidden = hidden.copy()
    constraints = _constraints(lines, values.size)
    while True:
        while exposed := [line for line in lines if hidden[[*line[0], line[1]]].sum() == 1]:
            hidden[_complement(values=values, hidden=hidden, cells=[*exposed[0][0], exposed[0][1]])] = True
        recovered = _determined(constraints=constraints, hidden=hidden)
        if not recovered.size:
            return hidden
        cell = np.flatnonzero(hidden)[recovered[0]]
        beside = [other for parts, whole in lines if cell in (*parts, whole) for other in (*parts, whole)]
        hidden[_complement(values=values, hidden=hidden, cells=beside)] = True


def _complement(*, values: np.ndarray, hidden: np.ndarray, cells: list[int]) -> int:
    """The smallest shown cell among `cells` (or in the table, when all of those are withheld). Shown
    zeros come last: a reader often knows a zero is structural, so withholding it protects nothing."""
    shown = [cell for cell in cells if not hidden[cell]] or list(np.flatnonzero(~hidden))
    return min(shown, key=lambda cell: (values[cell] == 0, values[cell], cell))


def _protected(*, table: pd.DataFrame, values: np.ndarray, hidden: np.ndarray) -> ProtectedTable:
    shape = table.shape
    shown = np.array([f"{value:,}" for value in values.tolist()], dtype=object)
    display = np.where(hidden, CONFIDENTIAL, shown).reshape(shape)
    return ProtectedTable(
        display=pd.DataFrame(display, index=table.index, columns=table.columns),
        suppressed=pd.DataFrame(hidden.reshape(shape), index=table.index, columns=table.columns),
    )
