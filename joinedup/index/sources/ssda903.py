"""The SSDA903 looked-after children return, as CSV tables or the XML form (EXPSSDA903/CHILD with
HEADER and EPISODE). One record per child in the Header table; the other tables join by CHILD.

CSV tables are recognised by their columns, as data-to-insight's csc-validator-be-903 does, so a
council's own file names do not matter (nor the case of the headings, nor a column outside CORE
being absent): FILE is the header table (its folder's other CSVs are read
with it) or the folder. The XML's CHILDID and PL are the CSV's CHILD and PLACE.

Columns the reader adds to each child for the source file to map: DECOM (start of the child's
first episode in the return), DEC (end of the last, empty while it is open), and the last
episode's HOME_POST, PL_POST, LS and PLACE. Facts: the episodes, whether the last is open at the
end of the collection (an open episode has no DEC), the legal status and placement, UASC, SDQ,
missing episodes and care leaver details.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from joinedup.common.tables import FileProblems, Problem

from . import normalise
from .extract import FIELD_LIMIT, FILE, ROW, Extract, csv_table, dated, without_broken
from .mapping import SourceMapping
from .xmlfiles import line_of, records

# Column sets of each table (csc-validator-be-903 config, plus social worker episodes from 2023/24).
TABLES = {
    "Header": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "Episodes": [
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ],
    "Reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
    "UASC": ["CHILD", "SEX", "DOB", "DUC"],
    "OC2": [
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ],
    "OC3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
    "AD1": ["CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"],
    "PlacedAdoption": ["CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"],
    "PrevPerm": ["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
    "Missing": ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
    "SWEpisodes": ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
}
# The columns that make a CSV that table and that its rows cannot be read without; the others may
# be absent (a column a year added, a council's export leaving one out) and are then not known.
CORE = {
    "Header": ["CHILD", "SEX", "DOB", "UPN"],
    "Episodes": ["CHILD", "DECOM", "DEC", "LS", "PLACE"],
    "Reviews": ["CHILD", "REVIEW"],
    "UASC": ["CHILD", "DUC"],
    "OC2": ["CHILD", "SDQ_SCORE"],
    "OC3": ["CHILD", "IN_TOUCH"],
    "AD1": ["CHILD", "DATE_INT"],
    "PlacedAdoption": ["CHILD", "DATE_PLACED"],
    "PrevPerm": ["CHILD", "PREV_PERM"],
    "Missing": ["CHILD", "MIS_START"],
    "SWEpisodes": ["CHILD", "SW_ID"],
}
DERIVED = ["DECOM", "DEC", "HOME_POST", "PL_POST", "LS", "PLACE"]
XML_NAMES = {"CHILDID": "CHILD", "PL": "PLACE"}
# Where each table sits in the XML: elements under HEADER, or the HEADER's own leaves.
XML_BLOCKS = {"AREVIEW": "Reviews", "AMISSING": "Missing", "OC2": "OC2", "PERMANENCE": "PrevPerm"}
XML_BLOCKS |= {"AD_PLACED": "PlacedAdoption"}
XML_HEADER_TABLES = {"DUC": "UASC", "IN_TOUCH": "OC3", "DATE_INT": "AD1"}
EPISODE_FACTS = {
    "DECOM": "start",
    "DEC": "end",
    "RNE": "reason_new",
    "LS": "legal_status",
    "CIN": "category_of_need",
    "PLACE": "placement",
    "PLACE_PROVIDER": "provider",
    "REC": "reason_ended",
    "REASON_PLACE_CHANGE": "reason_place_change",
    "HOME_POST": "home_postcode",
    "PL_POST": "placement_postcode",
    "URN": "urn",
}


def csv_files(mapping: SourceMapping, path: Path) -> list[Path]:
    tables = _recognised(Path(path))
    return [tables["Header"], *(p for name, p in tables.items() if name != "Header")]


def read_csv(mapping: SourceMapping, path: Path) -> Extract:
    encoding = mapping.options.get("encoding", "utf-8-sig")
    names = list(dict.fromkeys([*(c for columns in TABLES.values() for c in columns), *mapping.columns_named()]))
    problems: list[Problem] = []
    tables, header_broken = {}, {}
    for name, table_file in _recognised(Path(path)).items():
        frame, broken = csv_table(table_file, encoding=encoding, columns=names)
        frame = frame.assign(**{c: "" for c in TABLES[name] if c not in frame.columns})
        if name == "Header":
            header_broken = broken
        else:
            frame, left_out = without_broken(frame, broken, name)
            problems += left_out
        tables[name] = frame
    extract = _children(mapping, tables, csv_files(mapping, path), problems)
    extract.broken += [(index, None, reason) for index, reason in header_broken.items()]
    return extract


def read_xml(mapping: SourceMapping, path: Path) -> Extract:
    path = Path(path)
    if not path.is_file():
        raise FileProblems([Problem(str(path), None, None, "the file does not exist")])
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    for child in records(path, root="EXPSSDA903", wanted={"CHILD"}):
        header = child.find("HEADER")
        if header is None:
            rows["Header"].append({"CHILD": "", FILE: str(path), ROW: line_of(child)})
            continue
        leaves = {XML_NAMES.get(e.tag, e.tag): (e.text or "").strip() for e in header if len(e) == 0}
        where = {FILE: str(path), ROW: line_of(header)}
        rows["Header"].append({**leaves, **where})
        for tag, table in XML_HEADER_TABLES.items():
            if leaves.get(tag):
                rows[table].append({**leaves, **where})
        for block in header:
            if block.tag in XML_BLOCKS:
                values = {e.tag: (e.text or "").strip() for e in block}
                rows[XML_BLOCKS[block.tag]].append({**leaves, **values, FILE: str(path), ROW: line_of(block)})
        for episode in child.findall("EPISODE"):
            values = {XML_NAMES.get(e.tag, e.tag): (e.text or "").strip() for e in episode}
            rows["Episodes"].append(
                {"CHILD": leaves.get("CHILD", ""), **values, FILE: str(path), ROW: line_of(episode)}
            )
    tables = {
        name: pd.DataFrame(found, columns=[*TABLES[name], FILE, ROW]).fillna("")
        for name, found in rows.items()
        if found or name == "Header"
    }
    return _children(mapping, tables, [path], [])


def _recognised(path: Path) -> dict[str, Path]:
    """Each CSV of the return, by the table its columns make it."""
    if path.is_dir():
        folder, given = path, None
    elif path.is_file():
        folder, given = path.parent, path
    else:
        raise FileProblems([Problem(str(path), None, None, "the file does not exist")])
    found: dict[str, list[Path]] = {}
    unknown: list[Path] = []
    for candidate in sorted(folder.glob("*.csv")):
        table = _table_of(candidate)
        if table:
            found.setdefault(table, []).append(candidate)
        else:
            unknown.append(candidate)
    if given is not None and given not in found.get("Header", []):
        raise FileProblems(
            [Problem(str(given), 1, None, f"not an SSDA903 Header table (columns {', '.join(TABLES['Header'])})")]
        )
    problems = [
        Problem(
            str(folder),
            None,
            None,
            f"{len(paths)} {name} tables ({', '.join(p.name for p in paths)}): keep one return's tables in a folder",
        )
        for name, paths in found.items()
        if len(paths) > 1
    ]
    # A table that cannot be recognised (saved with semicolons, say) would otherwise be left out
    # of the return without a word, its children loaded without their episodes.
    problems += [
        Problem(
            str(table_file),
            1,
            None,
            "not a table of the SSDA903 return: its header holds no table's columns (the header table's are "
            f"{', '.join(TABLES['Header'])}); keep only the return's comma-separated tables in its folder",
        )
        for table_file in unknown
    ]
    if "Header" not in found:
        problems.append(Problem(str(folder), None, None, "no SSDA903 Header table (CHILD, SEX, DOB, ...) here"))
    if problems:
        raise FileProblems(problems)
    return {name: paths[0] for name, paths in found.items()}


def _table_of(path: Path) -> str | None:
    """The table whose core columns the file's header holds (case aside), the one with most of
    its columns there winning. A file whose first line cannot be read is no table of the return."""
    try:
        with path.open("rb") as handle:
            # Headings are ASCII: a file in another encoding is still recognised, for its reader
            # to say where its text is not what the source file says.
            line = handle.readline(FIELD_LIMIT).decode("utf-8-sig", errors="replace")
        header = {c.strip().upper() for c in next(csv.reader([line], strict=True), [])}
    except (OSError, csv.Error):
        return None
    matches = [(len(header & set(TABLES[name])), name) for name, core in CORE.items() if set(core) <= header]
    return max(matches)[1] if matches else None


def _children(
    mapping: SourceMapping, tables: dict[str, pd.DataFrame], files: list[Path], problems: list[Problem]
) -> Extract:
    header = tables["Header"]
    header["CHILD"] = header["CHILD"].str.strip()
    children = pd.Index(header.loc[header["CHILD"] != "", "CHILD"].unique())
    extract = Extract(frame=header, files=files, problems=problems, iso={"DECOM", "DEC"})
    joined = {name: _joined(extract, frame, children, name) for name, frame in tables.items() if name != "Header"}
    episodes = _episodes(extract, joined.get("Episodes"), mapping)
    uasc = _by_child(extract, joined.get("UASC"), ["DUC"], mapping, "UASC")
    oc2 = _by_child(extract, joined.get("OC2"), [], mapping, "OC2")
    oc3 = _by_child(extract, joined.get("OC3"), [], mapping, "OC3")
    missing = _by_child(extract, joined.get("Missing"), ["MIS_START", "MIS_END"], mapping, "missing episode")
    for column in DERIVED:
        header[column] = ""
    facts: dict[str, dict] = {child: _empty_facts() for child in children}
    for row in episodes.to_dict("records"):  # sorted by child, then start: the last row is the latest
        child_facts = facts[row["CHILD"]]
        child_facts["episodes"].append(
            {name: (row.get(column) or "").strip() for column, name in EPISODE_FACTS.items()}
        )
        child_facts["looked_after_open"] = row["DEC"] == ""
        child_facts["legal_status"], child_facts["placement"] = row["LS"].strip(), row["PLACE"].strip()
    if not episodes.empty:
        latest = episodes.groupby("CHILD").agg(
            DECOM=("DECOM", "first"), **{c: (c, "last") for c in DERIVED if c != "DECOM"}
        )
        for column in DERIVED:
            header[column] = header["CHILD"].map(latest[column]).fillna("")
    for row in uasc.to_dict("records"):
        facts[row["CHILD"]]["uasc_ceases"] = row["DUC"]
    if not oc2.empty:
        scores, _ = normalise.numbers(oc2["SDQ_SCORE"])
        for child, score, reason in zip(oc2["CHILD"], scores, oc2["SDQ_REASON"].str.strip(), strict=True):
            facts[child] |= {"sdq_score": normalise.plain_number(score), "sdq_reason": reason}
    for row in oc3.to_dict("records"):
        facts[row["CHILD"]]["care_leaver"] = {k.lower(): row.get(k, "").strip() for k in ("IN_TOUCH", "ACTIV", "ACCOM")}
    for row in missing.to_dict("records"):
        facts[row["CHILD"]]["missing_episodes"] += 1
    extract.facts = [facts.get(child) or _empty_facts() for child in header["CHILD"]]
    return extract


def _empty_facts() -> dict:
    return {"episodes": [], "looked_after_open": False, "legal_status": "", "placement": "", "missing_episodes": 0}


def _joined(extract: Extract, frame: pd.DataFrame, children: pd.Index, table: str) -> pd.DataFrame:
    """A table's rows for children the Header lists; others are reported and left out."""
    frame = frame.copy()
    frame["CHILD"] = frame["CHILD"].str.strip() if "CHILD" in frame.columns else ""
    orphan = pd.Series(~normalise.mask(frame["CHILD"].isin(children)), index=frame.index)
    extract.problems += [
        Problem(
            row[FILE], int(row[ROW]), "CHILD", f"no Header row for child {row['CHILD']!r}; this {table} row is left out"
        )
        for _, row in frame[orphan].iterrows()
    ]
    return frame[~orphan]


def _episodes(extract: Extract, episodes: pd.DataFrame | None, mapping: SourceMapping) -> pd.DataFrame:
    if episodes is None or episodes.empty:
        return pd.DataFrame(columns=TABLES["Episodes"])
    episodes, problems = dated(episodes, ["DECOM", "DEC"], mapping, table="episode")
    extract.problems += problems
    return episodes.sort_values(["CHILD", "DECOM"], kind="stable")


def _by_child(
    extract: Extract, frame: pd.DataFrame | None, date_columns: list[str], mapping: SourceMapping, table: str
) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["CHILD", *date_columns])
    frame, problems = dated(frame, date_columns, mapping, table=table)
    extract.problems += problems
    return frame
