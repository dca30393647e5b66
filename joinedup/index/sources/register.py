"""The authority's own register of children, as `joinedup synth` writes it and `joinedup
load-authority` loads it: register/children.csv, with each child's current address (the row of
addresses.csv with no moved_out) as the columns address_line_1, address_line_2, town and postcode.
FILE is children.csv or the register folder."""

from __future__ import annotations

from pathlib import Path

from joinedup.common.tables import FileProblems, Problem

from . import normalise
from .extract import FILE, ROW, Extract, csv_table, missing_columns, without_broken
from .mapping import SourceMapping

CHILDREN, ADDRESSES = "children.csv", "addresses.csv"
ADDRESS_COLUMNS = ["address_line_1", "address_line_2", "town", "postcode"]


def files(mapping: SourceMapping, path: Path) -> list[Path]:
    children = _children_file(Path(path))
    addresses = children.with_name(ADDRESSES)
    return [children, addresses] if addresses.is_file() else [children]


def read(mapping: SourceMapping, path: Path) -> Extract:
    encoding = mapping.options.get("encoding", "utf-8-sig")
    children_file = _children_file(Path(path))
    names = ["child_id", "moved_out", *ADDRESS_COLUMNS, *mapping.columns_named()]
    children, broken = csv_table(children_file, encoding=encoding, columns=names)
    problems: list[Problem] = []
    if missing := missing_columns(children, {"child_id": "the register format"}, str(children_file)):
        raise FileProblems(missing)
    read_files = [children_file]
    for column in ADDRESS_COLUMNS:
        children[column] = ""
    addresses_file = children_file.with_name(ADDRESSES)
    if addresses_file.is_file():
        read_files.append(addresses_file)
        addresses, unreadable = csv_table(addresses_file, encoding=encoding, columns=names)
        addresses, address_problems = without_broken(addresses, unreadable, "address")
        wanted = {c: "the register format" for c in ["child_id", "moved_out", *ADDRESS_COLUMNS]}
        if missing := missing_columns(addresses, wanted, str(addresses_file)):
            raise FileProblems(missing)
        problems += address_problems
        current = addresses[normalise.mask(addresses["moved_out"].str.strip() == "")]
        repeated = current["child_id"].duplicated(keep=False)
        problems += [
            Problem(current.at[i, FILE], int(current.at[i, ROW]), "moved_out", "a second current address; left out")
            for i in current.index[repeated.to_numpy()]
        ]
        current = current[~repeated].set_index("child_id")
        for column in ADDRESS_COLUMNS:
            children[column] = children["child_id"].map(current[column]).fillna("")
    extract = Extract(frame=children, files=read_files, problems=problems)
    extract.broken = [(index, None, reason) for index, reason in broken.items()]
    return extract


def _children_file(path: Path) -> Path:
    candidate = path / CHILDREN if path.is_dir() else path
    if not candidate.is_file():
        raise FileProblems([Problem(str(candidate), None, None, "the file does not exist")])
    return candidate
