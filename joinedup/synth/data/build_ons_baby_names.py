"""Rebuild ons_baby_names.csv.gz from the ONS baby-name workbooks for England and Wales.

    python joinedup/synth/data/build_ons_baby_names.py FOLDER

FOLDER holds the ONS workbooks for boys and girls, one per year (as in rossbowen/babynames's
`data-raw`; see SOURCE.md). Reading the older .xls workbooks needs xlrd, which joinedup itself does
not: install it where you run this. Each workbook's full list of names for England and Wales is
the sheet with the longest Rank/Name/Count table. Per year and sex the file keeps the most common
names until they cover COVERAGE of the babies the table lists, which keeps it small.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

COVERAGE = 0.90
OUT = Path(__file__).with_name("ons_baby_names.csv.gz")


def _names_table(sheet: pd.DataFrame) -> pd.DataFrame | None:
    """The Rank/Name/Count columns under the first header row that has them (some sheets have two
    side by side)."""
    for row in range(min(len(sheet), 20)):
        cells = ["" if pd.isna(value) else str(value).strip().lower() for value in sheet.iloc[row]]
        starts = [
            column
            for column in range(len(cells) - 2)
            if cells[column : column + 2] == ["rank", "name"] and cells[column + 2].startswith("count")
        ]
        if starts:
            blocks = []
            for column in starts:
                block = sheet.iloc[row + 1 :, column : column + 3].set_axis(["rank", "name", "count"], axis=1)
                counted = pd.to_numeric(block["count"], errors="coerce").notna() & block["name"].notna()
                blocks.append(block[counted])
            return pd.concat(blocks)
    return None


def read_workbook(path: Path) -> pd.DataFrame:
    found = re.search(r"(\d{4})(boys|girls)|(boys|girls)names(\d{4})", path.name)
    year = int(found.group(1) or found.group(4))
    sex = "M" if (found.group(2) or found.group(3)) == "boys" else "F"
    tables = [
        table
        for sheet in pd.read_excel(path, sheet_name=None, header=None, keep_default_na=False, na_values=[""]).values()
        if (table := _names_table(sheet)) is not None
    ]
    longest = max(tables, key=len)
    names = longest["name"].astype(str).str.strip()
    return pd.DataFrame({"year": year, "sex": sex, "name": names, "count": longest["count"].astype(int)})


def _spelling(names: pd.Series, years: pd.Series) -> pd.Series:
    """One spelling per name: ONS wrote names in capitals until 2010, so use the later mixed-case
    spelling (McKenzie), else title case."""
    key = names.str.lower()
    mixed = names[(names != names.str.upper()) & (years > 2010)]
    later = mixed.groupby(key[mixed.index]).agg(lambda spellings: spellings.mode().iloc[0])
    return key.map(later).fillna(names.str.title())


def main(folder: Path) -> None:
    workbooks = sorted(p for p in folder.iterdir() if re.search(r"\d{4}", p.name) and "historic" not in p.name)
    names = pd.concat([read_workbook(path) for path in workbooks], ignore_index=True)
    names["name"] = _spelling(names["name"], names["year"])
    names = names.groupby(["year", "sex", "name"], as_index=False)["count"].sum()
    names = names.sort_values(["year", "sex", "count", "name"], ascending=[True, True, False, True])
    listed = names.groupby(["year", "sex"])["count"]
    covered_before = (listed.cumsum() - names["count"]) / listed.transform("sum")
    names[covered_before < COVERAGE].to_csv(OUT, index=False, compression={"method": "gzip", "mtime": 0})


if __name__ == "__main__":
    main(Path(sys.argv[1]))
