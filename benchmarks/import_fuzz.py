"""Importing malformed extracts: `python benchmarks/import_fuzz.py [--variants 10000] [--workers 2]`.

Takes every real-format sample in samples/formats (the SSDA903 CSV tables and XML, the CIN census
XML, the school census tables), trimmed to their first children so that a variant imports in tens
of milliseconds, and mutates one file of each into variants as a council's files go wrong:
truncation at a random byte, other encodings, other delimiters, huge values, unbalanced quotes,
columns dropped, doubled, reordered, renamed or in another case, rows with values missing or
extra, bad dates and codes, NUL bytes and binary junk, and for XML entities, a DOCTYPE, the wrong
root, deep nesting and unclosed tags. Variant i is made from its own seed, so a run is the same
whatever the number of workers.

Each variant is imported alone, with joinedup's own import (`import_file`), into a fresh state:
each worker migrates an in-memory SQLite database once and rolls every import back. Prints, as
its last line, key=value:
  variants   how many were imported
  loaded     imported (good rows loaded, bad rows listed as rejects)
  refused    refused whole with FileProblems
  crashes    any other exception (goal 0)
  partial_loads  a refused file that left rows in the database, or a loaded file whose candidate
             records do not account for every record the file holds (goal 0)
  refusals_without_location  a refusal of a row-level fault naming no row or column (goal 0)
  seconds    the whole run (wall clock), and cpu_seconds, the workers' and this process's CPU time
             (on a machine other work shares, seconds grows but cpu_seconds does not)
"""

from __future__ import annotations

import argparse
import csv
import io
import multiprocessing
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

SAMPLES = ROOT / "samples" / "formats"
STANDARD = ROOT / "joinedup" / "index" / "sources" / "standard"
CHILDREN = 30  # per base: enough for every table to have rows, few enough to import in milliseconds
DATABASE_EVERY = 10  # every tenth variant also goes through the database import, rolled back


@dataclass(frozen=True)
class Base:
    """One sample format, trimmed: the file or folder to import, the file a mutation usually
    targets (others in the folder sometimes), and the main table's shape for the oracle."""

    name: str
    source_file: str
    folder: Path
    target: str  # the file imported (or, for folder formats, the main table in the folder)
    imports_folder: bool
    record: str  # the XML element of one record; "" for CSV
    date_column: str
    code_column: str


def build_bases(into: Path) -> list[Base]:
    bases = []
    folder = into / "ssda903_csv"
    folder.mkdir()
    header = _csv_rows(SAMPLES / "ssda903" / "header.csv")
    kept = {row[0] for row in header[1 : CHILDREN + 1]}
    for table in sorted((SAMPLES / "ssda903").glob("*.csv")):
        rows = _csv_rows(table)
        _write_csv(folder / table.name, [rows[0], *(r for r in rows[1:] if r and r[0] in kept)])
    bases.append(Base("ssda903_csv", "ssda903_csv.toml", folder, "header.csv", True, "", "DOB", "SEX"))

    folder = into / "school_census"
    folder.mkdir()
    pupils = _csv_rows(SAMPLES / "school_census" / "2025_spring_pupilonroll.csv")
    kept = {row[0] for row in pupils[1 : CHILDREN + 1]}
    for table in sorted((SAMPLES / "school_census").glob("*.csv")):
        rows = _csv_rows(table)
        key = rows[0].index("pupilonrolltableid")
        _write_csv(folder / table.name, [rows[0], *(r for r in rows[1:] if r and r[key] in kept)])
    bases.append(
        Base("school_census", "school_census.toml", folder, "2025_spring_pupilonroll.csv", True, "", "dob", "sex")
    )

    for name, sample, record in (
        ("ssda903_xml", SAMPLES / "ssda903" / "fake_903.xml", "CHILD"),
        ("cin_census_xml", SAMPLES / "cin_census" / "fake_CIN_data.xml", "Child"),
        ("cin_census_2024", SAMPLES / "cin_census" / "CIN_Census_2024.xml", "Child"),
    ):
        folder = into / name
        folder.mkdir()
        (folder / sample.name).write_bytes(_trimmed_xml(sample, record))
        source_file = "ssda903_xml.toml" if name == "ssda903_xml" else "cin_census.toml"
        date, code = ("DOB", "SEX") if name == "ssda903_xml" else ("PersonBirthDate", "Sex")
        bases.append(Base(name, source_file, folder, sample.name, False, record, date, code))
    return bases


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def _write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> None:
    path.write_bytes(_csv_bytes(rows, delimiter))


def _csv_bytes(rows: list[list[str]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def _trimmed_xml(path: Path, record: str) -> bytes:
    """The sample with only its first records, one element a line, as a return is written."""
    tree = ET.parse(path)
    root = tree.getroot()
    for parent in root.iter():
        records = [e for e in parent if e.tag == record]
        for extra in records[CHILDREN:]:
            parent.remove(extra)
    ET.indent(tree)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


# Mutations: each takes (rng, the target's bytes, its base) and gives the new bytes. `LOCATED`
# names those whose fault sits in a row, so a refusal must say where.
Mutation = Callable[[random.Random, bytes, Base], bytes]


def _rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _body_row(rng: random.Random, rows: list[list[str]]) -> int:
    return rng.randrange(1, len(rows)) if len(rows) > 1 else 0


def _with_cell(rng: random.Random, data: bytes, column: str | None, value: str) -> bytes:
    rows = _rows_of(data)
    row = _body_row(rng, rows)
    index = rows[0].index(column) if column in rows[0] else rng.randrange(len(rows[0]))
    rows[row][index] = value
    return _csv_bytes(rows)


def _insert(rng: random.Random, data: bytes, piece: bytes, after_header: bool = True) -> bytes:
    start = data.find(b"\n") + 1 if after_header else 0
    at = rng.randrange(start, len(data)) if len(data) > start else len(data)
    return data[:at] + piece + data[at:]


def _columns(change: Callable[[list[list[str]], random.Random], list[list[str]]]) -> Mutation:
    return lambda rng, data, base: _csv_bytes(change(_rows_of(data), rng))


def _drop(rows, rng):
    index = rng.randrange(len(rows[0]))
    return [r[:index] + r[index + 1 :] for r in rows]


def _double(rows, rng):
    index = rng.randrange(len(rows[0]))
    return [r + [r[index]] if index < len(r) else r for r in rows]


def _reorder(rows, rng):
    order = list(range(len(rows[0])))
    rng.shuffle(order)
    return [[r[i] for i in order if i < len(r)] for r in rows]


def _rename(rows, rng):
    index = rng.randrange(len(rows[0]))
    rows[0][index] += "_OLD"
    return rows


def _header_case(rows, rng):
    case = rng.choice([str.upper, str.lower, str.title, lambda h: f"  {h} "])
    return [[case(h) for h in rows[0]], *rows[1:]]


def _extra_value(rows, rng):
    rows[_body_row(rng, rows)].append("surplus")
    return rows


def _missing_value(rows, rng):
    row = _body_row(rng, rows)
    rows[row] = rows[row][:-1]
    return rows


def _one_row_other_delimiter(rng, data, base):
    lines = data.split(b"\n")
    row = rng.randrange(1, max(len(lines) - 1, 2))
    lines[row] = lines[row].replace(b",", b";")
    return b"\n".join(lines)


def _unbalanced_quote(rng, data, base):
    lines = data.split(b"\n")
    row = rng.randrange(1, max(len(lines) - 1, 2))
    cells = lines[row].split(b",")
    cell = rng.randrange(len(cells))
    cells[cell] = b'"' + cells[cell]
    lines[row] = b",".join(cells)
    return b"\n".join(lines)


def _cut_last_value(rng, data, base):
    body = data.rstrip(b"\r\n")
    return body[: len(body) - rng.randint(0, min(3, len(body) - 1))]


def _cp1252_name(rng, data, base):
    return _with_cell(rng, data, None, "Zoë Brontë").decode().encode("cp1252")


def _junk(rng, data, base):
    at = rng.randrange(len(data))
    return data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at + rng.randint(0, 64) :]


def _blank_lines(rng, data, base):
    return _insert(rng, data.replace(b"\n", b"\n\n", rng.randint(1, 3)), b"\n")


CSV_MUTATIONS: dict[str, Mutation] = {
    "truncated": lambda rng, data, base: data[: rng.randrange(1, len(data))],
    "cut_last_value": _cut_last_value,
    "utf16": lambda rng, data, base: data.decode().encode("utf-16"),
    "cp1252": _cp1252_name,
    "invalid_utf8_byte": lambda rng, data, base: _insert(rng, data, b"\xff"),
    "bom": lambda rng, data, base: b"\xef\xbb\xbf" + data,
    "crlf": lambda rng, data, base: data.replace(b"\n", b"\r\n"),
    "semicolons": lambda rng, data, base: _csv_bytes(_rows_of(data), ";"),
    "tabs": lambda rng, data, base: _csv_bytes(_rows_of(data), "\t"),
    "one_row_semicolons": _one_row_other_delimiter,
    "huge_value": lambda rng, data, base: _with_cell(rng, data, None, "x" * rng.choice([200_000, 2_000_000])),
    "long_value": lambda rng, data, base: _with_cell(rng, data, None, "y" * 100_000),
    "unbalanced_quote": _unbalanced_quote,
    "dropped_column": _columns(_drop),
    "doubled_column": _columns(_double),
    "reordered_columns": _columns(_reorder),
    "renamed_column": _columns(_rename),
    "header_case": _columns(_header_case),
    "extra_value": _columns(_extra_value),
    "missing_value": _columns(_missing_value),
    "bad_date": lambda rng, data, base: _with_cell(
        rng, data, base.date_column, rng.choice(["31/02/2015", "2015-13-01", "yesterday", "0", "99/99/9999"])
    ),
    "bad_code": lambda rng, data, base: _with_cell(rng, data, base.code_column, rng.choice(["X", "7", "male?"])),
    "nul": lambda rng, data, base: _insert(rng, data, b"\0"),
    "junk": _junk,
    "empty": lambda rng, data, base: b"",
    "header_only": lambda rng, data, base: data[: data.find(b"\n") + 1],
    "blank_lines": _blank_lines,
    "duplicated_row": lambda rng, data, base: data + rng.choice(data.split(b"\n")[1:-1] or [b""]) + b"\n",
}
CSV_LOCATED = {"invalid_utf8_byte", "cp1252", "huge_value", "unbalanced_quote", "nul", "one_row_semicolons"}


def _xml_text(change: Callable[[str, random.Random, Base], str]) -> Mutation:
    return lambda rng, data, base: change(data.decode(), rng, base).encode()


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    + "]>"
)


def _after_prolog(text: str, piece: str) -> str:
    end = text.find("?>") + 2
    return text[:end] + "\n" + piece + text[end:]


def _leaf(text: str, rng: random.Random) -> re.Match | None:
    leaves = list(re.finditer(r"<(\w+)>([^<]*)</\1>", text))
    return rng.choice(leaves) if leaves else None


def _drop_leaf(text, rng, base):
    found = _leaf(text, rng)
    return text[: found.start()] + text[found.end() :] if found else text


def _unclosed(text, rng, base):
    closing = list(re.finditer(r"</\w+>", text))
    found = rng.choice(closing)
    return text[: found.start()] + text[found.end() :]


def _element_text(tag_pattern: str, values: list[str]) -> Callable[[str, random.Random, Base], str]:
    def change(text, rng, base):
        found = [m for m in re.finditer(rf"<({tag_pattern})>([^<]*)</\1>", text)]
        if not found:
            return text
        match = rng.choice(found)
        return text[: match.start(2)] + rng.choice(values) + text[match.end(2) :]

    return change


def _deep(text, rng, base):
    depth = rng.choice([1_000, 100_000])
    at = text.find(f"<{base.record}>") + len(base.record) + 2
    return text[:at] + "<x>" * depth + "</x>" * depth + text[at:]


def _wrong_root(text, rng, base):
    root = re.search(r"<(\w+)[ >]", text[text.find("?>") :]).group(1)
    return text.replace(f"<{root}", "<Return", 1).replace(f"</{root}>", "</Return>")


def _duplicate_record(text, rng, base):
    found = re.search(rf"<{base.record}>.*?</{base.record}>", text, re.DOTALL)
    return text[: found.end()] + found.group(0) + text[found.end() :] if found else text


XML_MUTATIONS: dict[str, Mutation] = {
    "truncated": lambda rng, data, base: data[: rng.randrange(1, len(data))],
    "entities": _xml_text(lambda text, rng, base: _after_prolog(text, LAUGHS).replace("</", "&lol9;</", 1)),
    "external_entity": _xml_text(
        lambda text, rng, base: _after_prolog(text, '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>').replace(
            "</", "&e;</", 1
        )
    ),
    "undeclared_entity": _xml_text(lambda text, rng, base: text.replace("</", "&nbsp;</", 1)),
    "wrong_root": _xml_text(_wrong_root),
    "deep_nesting": _xml_text(_deep),
    "unclosed_tag": _xml_text(_unclosed),
    "invalid_utf8_byte": lambda rng, data, base: _insert(rng, data, b"\xff"),
    "utf16": lambda rng, data, base: data.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
    "bad_date": _xml_text(_element_text(r"\w*(?:Date|DOB|DECOM|DEC)\w*", ["2021-02-30", "30/02/2021", "soon"])),
    "bad_code": _xml_text(_element_text(r"Sex|SEX|GenderCurrent", ["Q", "7"])),
    "dropped_element": _xml_text(_drop_leaf),
    "duplicated_record": _xml_text(_duplicate_record),
    "huge_text": _xml_text(_element_text(r"\w+", ["z" * 2_000_000])),
    "nul": lambda rng, data, base: _insert(rng, data, b"\0"),
    "junk": _junk,
    "empty": lambda rng, data, base: b"",
}
XML_LOCATED = set(XML_MUTATIONS) - {"empty", "wrong_root"}


@dataclass(frozen=True)
class Outcome:
    variant: int
    base: str
    mutation: str
    kind: str  # loaded, refused, crash
    partial: bool
    unlocated: bool
    detail: str


def variant(number: int, seed: int, bases: list[Base], work: Path) -> tuple[Base, str, Path]:
    """Variant `number`: its base, its mutation, and the path to import (a fresh copy)."""
    rng = random.Random(seed * 1_000_003 + number)
    base = bases[number % len(bases)]
    mutations = XML_MUTATIONS if base.record else CSV_MUTATIONS
    name = rng.choice(sorted(mutations))
    folder = work / f"v{number}"
    shutil.copytree(base.folder, folder)
    targets = sorted(p.name for p in folder.iterdir())
    target = base.target if rng.random() < 0.7 else rng.choice(targets)
    path = folder / target
    path.write_bytes(mutations[name](rng, path.read_bytes(), base))
    imported = folder if base.imports_folder else folder / base.target
    return base, f"{name}" + ("" if target == base.target else f"@{target}"), imported


def expected_records(base: Base, imported: Path) -> int:
    """What a person opening the file sees: its non-blank rows (the csv module's records), or its
    record elements."""
    if base.record:
        return sum(1 for e in ET.parse(imported).getroot().iter(base.record))
    main = imported / base.target
    text = main.read_bytes().decode("utf-8-sig", errors="replace")
    limit = csv.field_size_limit(sys.maxsize)  # the importer's own limit is the global one: restore it
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    finally:
        csv.field_size_limit(limit)
    return sum(1 for row in rows[1:] if any(cell.strip() for cell in row))


_STATE: dict = {}


def _start_worker(work: str, bases: list[Base], seed: int) -> None:
    os.environ["JOINEDUP_MODE"] = "test"
    os.environ["DATABASE_URL"] = "sqlite://:memory:"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.test_settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _STATE.update(work=Path(work), bases=bases, seed=seed)


def import_variant(number: int) -> Outcome:
    """Read the variant as the import does (everything is read and checked before anything is
    written); every DATABASE_EVERY-th also imports into the database, to check that a refused file
    writes nothing and a loaded one writes every record it read."""
    from joinedup.common.tables import FileProblems
    from joinedup.index.sources import load_mapping, read_source

    work = _STATE["work"] / str(os.getpid())
    work.mkdir(exist_ok=True)
    base, mutation, imported = variant(number, _STATE["seed"], _STATE["bases"], work)
    mapping_path = STANDARD / base.source_file
    kind, partial, unlocated, detail = "loaded", False, False, ""
    try:
        try:
            result = read_source(load_mapping(mapping_path), imported)
            expected = expected_records(base, imported)
            if result.rows_read != expected:
                partial, detail = True, f"{result.rows_read} records read of {expected} in the file"
        except FileProblems as problems:
            kind = "refused"
            located = any(p.row is not None or p.column for p in problems.problems)
            unlocated = mutation.split("@")[0] in (XML_LOCATED if base.record else CSV_LOCATED) and not located
            detail = str(problems).splitlines()[0]
        if number % DATABASE_EVERY == 0:
            written = _written(mapping_path, imported, work)
            if written != ((len(result.records), 1) if kind == "loaded" else (0, 0)):
                partial, detail = True, f"(records, batches) written {written} ({kind}): {detail}"
    except Exception:
        kind, detail = "crash", traceback.format_exc(limit=-3)
    finally:
        shutil.rmtree(imported if imported.is_dir() else imported.parent, ignore_errors=True)
    return Outcome(number, base.name, mutation, kind, partial, unlocated, detail)


def _written(mapping_path: Path, imported: Path, work: Path) -> tuple[int, int]:
    """How many records and batches an import of the variant leaves in a fresh database."""
    from django.db import transaction

    from joinedup.common.tables import FileProblems
    from joinedup.index.models import ImportBatch, IndexRecord
    from joinedup.index.services import import_file

    with transaction.atomic():
        try:
            import_file(mapping_path=mapping_path, path=imported, rejects_path=work / "rejects.csv")
        except FileProblems:
            pass
        written = IndexRecord.objects.count(), ImportBatch.objects.count()
        transaction.set_rollback(True)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--show", type=int, default=5, help="outcomes of each bad kind to print")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        bases = build_bases(work)
        context = multiprocessing.get_context("spawn")  # a fresh Django per worker
        with context.Pool(args.workers, _start_worker, (str(work), bases, args.seed)) as pool:
            outcomes = list(pool.imap_unordered(import_variant, range(args.variants), chunksize=20))
    seconds = time.perf_counter() - started
    cpu = sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )
    kinds = Counter(o.kind for o in outcomes)
    by_mutation = Counter((o.mutation.split("@")[0], o.kind) for o in outcomes)
    for name in sorted({m for m, _ in by_mutation}):
        counts = ", ".join(f"{kind} {by_mutation[(name, kind)]}" for kind in ("loaded", "refused", "crash"))
        print(f"{name:22} {counts}")
    for label, bad in (
        ("crash", [o for o in outcomes if o.kind == "crash"]),
        ("partial load", [o for o in outcomes if o.partial]),
        ("refusal without location", [o for o in outcomes if o.unlocated]),
    ):
        for outcome in sorted(bad, key=lambda o: o.variant)[: args.show]:
            print(f"{label}: variant {outcome.variant} {outcome.base} {outcome.mutation}: {outcome.detail}")
    print(
        f"variants={len(outcomes)} loaded={kinds['loaded']} refused={kinds['refused']} crashes={kinds['crash']} "
        f"partial_loads={sum(o.partial for o in outcomes)} "
        f"refusals_without_location={sum(o.unlocated for o in outcomes)} seconds={seconds:.0f} cpu_seconds={cpu:.0f}"
    )


if __name__ == "__main__":
    main()
