"""Instrument and codebook content read from the TOML files in instruments/, checked and resolved
into plain data (no Django), so a researcher's mistake in a file is reported with its place."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from joinedup.common.tables import FileProblems, Problem

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"
KINDS = ("text", "choice", "checklist", "grid", "score")
RESPONDENT_GROUPS = ("dcs", "manager", "practitioner", "parent", "child")
AUDIENCES = ("staff", "family", "child")
INSTRUMENT_CODES = ("dcs", "manager", "practitioner", "parent", "child")


@dataclass(frozen=True)
class CodeSpec:
    scheme: str
    key: str
    label: str
    description: str
    short_label: str = ""
    level: int | None = None
    key_feature: bool = False
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodebookSpec:
    code: str
    version: int
    title: str
    schemes: dict[str, str]
    codes: tuple[CodeSpec, ...]
    checksum: str

    def keys(self, scheme: str) -> list[str]:
        return [c.key for c in self.codes if c.scheme == scheme]

    def find(self, scheme: str, key: str) -> CodeSpec:
        return next(c for c in self.codes if c.scheme == scheme and c.key == key)


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    section_key: str
    section_title: str
    kind: str
    text: str
    hint: str = ""
    measure: str = ""
    scheme: str = ""
    required: bool = False
    options: tuple[dict, ...] = ()
    columns: tuple[dict, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    unknown_label: str = ""
    evidence_label: str = ""


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    intro: str = ""
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstrumentSpec:
    code: str
    version: int
    title: str
    respondent_group: str
    audience: str
    intro: str
    source: str
    terms: str
    sections: tuple[SectionSpec, ...]
    questions: tuple[QuestionSpec, ...] = field(default=())
    checksum: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _read_toml(path: Path, problems: list[Problem]) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(path), None, None, "the file does not exist"))
    except tomllib.TOMLDecodeError as error:
        problems.append(Problem(str(path), None, None, f"not valid TOML: {error}"))
    return {}


def _checksum(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def read_codebook(path: Path | None = None) -> CodebookSpec:
    path = path or INSTRUMENTS_DIR / "codebook.toml"
    problems: list[Problem] = []
    data = _read_toml(path, problems)
    codes: list[CodeSpec] = []
    schemes: dict[str, str] = {}
    for scheme, body in (data.get("schemes") or {}).items():
        schemes[scheme] = body.get("title", scheme)
        seen: set[str] = set()
        for index, item in enumerate(body.get("codes", [])):
            where = f"schemes.{scheme}.codes[{index}]"
            missing = [name for name in ("key", "label", "description") if not item.get(name)]
            if missing:
                problems.append(Problem(str(path), None, where, f"needs {', '.join(missing)}"))
                continue
            if item["key"] in seen:
                problems.append(Problem(str(path), None, where, f"the key {item['key']!r} is used twice"))
            seen.add(item["key"])
            level = item.get("level")
            if level is not None and level not in (1, 2, 3, 4):
                problems.append(Problem(str(path), None, where, "level must be 1, 2, 3 or 4"))
            codes.append(
                CodeSpec(
                    scheme=scheme,
                    key=item["key"],
                    label=item["label"],
                    description=item["description"],
                    short_label=item.get("short_label", ""),
                    level=level,
                    key_feature=bool(item.get("key_feature", False)),
                    examples=tuple(item.get("examples", ())),
                )
            )
    for name in ("code", "version", "title"):
        if name not in data:
            problems.append(Problem(str(path), None, name, "is missing"))
    if problems:
        raise FileProblems(problems)
    return CodebookSpec(
        code=data["code"],
        version=data["version"],
        title=data["title"],
        schemes=schemes,
        codes=tuple(codes),
        checksum=_checksum(data),
    )


def read_key_groups(path: Path | None = None) -> list[dict[str, str]]:
    path = path or INSTRUMENTS_DIR / "key_groups.toml"
    problems: list[Problem] = []
    groups = _read_toml(path, problems).get("key_groups", [])
    if problems:
        raise FileProblems(problems)
    return groups


def read_instrument(path: Path, codebook: CodebookSpec | None = None) -> InstrumentSpec:
    """Read an instrument with its blocks and scales, checking every question; options taken from
    the codebook (`options_from`, `rows_from`) are copied in, so the version keeps its wording."""
    codebook = codebook or read_codebook()
    problems: list[Problem] = []
    data = _read_toml(path, problems)
    blocks_dir = path.parent / "blocks"
    scales = _read_toml(blocks_dir / "scales.toml", problems) if data else {}
    for name in ("code", "version", "title", "respondent_group", "audience", "intro", "source", "terms", "sections"):
        if name not in data:
            problems.append(Problem(str(path), None, name, "is missing"))
    if problems:
        raise FileProblems(problems)
    if data["respondent_group"] not in RESPONDENT_GROUPS:
        problems.append(Problem(str(path), None, "respondent_group", f"must be one of {', '.join(RESPONDENT_GROUPS)}"))
    if data["audience"] not in AUDIENCES:
        problems.append(Problem(str(path), None, "audience", f"must be one of {', '.join(AUDIENCES)}"))
    if not isinstance(data["version"], int) or data["version"] < 1:
        problems.append(Problem(str(path), None, "version", "must be a whole number from 1"))

    sections: list[SectionSpec] = []
    questions: list[QuestionSpec] = []
    resolved_blocks: dict[str, Any] = {}
    for block_name in data["sections"]:
        block_path = blocks_dir / f"{block_name}.toml"
        block = _read_toml(block_path, problems)
        if not block:
            continue
        resolved_blocks[block_name] = block
        section = SectionSpec(
            key=block.get("key", block_name),
            title=block.get("title", ""),
            intro=block.get("intro", ""),
            details=tuple(block.get("details", ())),
        )
        if not section.title:
            problems.append(Problem(str(block_path), None, "title", "is missing"))
        sections.append(section)
        for index, item in enumerate(block.get("questions", [])):
            question = _question(item, section, codebook, scales, str(block_path), f"questions[{index}]", problems)
            if question is not None:
                questions.append(question)

    keys = [q.key for q in questions]
    for key in {k for k in keys if keys.count(k) > 1}:
        problems.append(Problem(str(path), None, "sections", f"the question key {key!r} appears twice"))
    if problems:
        raise FileProblems(problems)
    checksum = _checksum(
        {"instrument": data, "blocks": resolved_blocks, "scales": scales, "codebook": codebook.checksum}
    )
    return InstrumentSpec(
        code=data["code"],
        version=data["version"],
        title=data["title"],
        respondent_group=data["respondent_group"],
        audience=data["audience"],
        intro=data["intro"],
        source=data["source"],
        terms=data["terms"],
        sections=tuple(sections),
        questions=tuple(questions),
        checksum=checksum,
    )


def _question(
    item: dict,
    section: SectionSpec,
    codebook: CodebookSpec,
    scales: dict,
    file: str,
    where: str,
    problems: list[Problem],
) -> QuestionSpec | None:
    missing = [name for name in ("key", "kind", "text") if not item.get(name)]
    if missing:
        problems.append(Problem(file, None, where, f"needs {', '.join(missing)}"))
        return None
    where = f"{where} ({item['key']})"
    kind = item["kind"]
    if kind not in KINDS:
        problems.append(Problem(file, None, where, f"kind must be one of {', '.join(KINDS)}"))
        return None
    scheme = item.get("scheme", "")
    if scheme and scheme not in codebook.schemes:
        problems.append(Problem(file, None, where, f"the codebook has no scheme {scheme!r}"))
        return None

    options: list[dict] = []
    columns: list[dict] = []
    min_value = max_value = None
    unknown = ""
    if kind in ("choice", "checklist"):
        options = _options(item, codebook, "options_from", "options", file, where, problems)
    elif kind == "grid":
        options = _options(item, codebook, "rows_from", "rows", file, where, problems)
        columns = [dict(c) for c in item.get("columns", [])]
        if not columns:
            problems.append(Problem(file, None, where, "a grid needs columns"))
    elif kind == "score":
        scale = scales.get(item.get("scale", ""))
        if scale is None:
            problems.append(Problem(file, None, where, f"scales.toml has no scale {item.get('scale')!r}"))
            return None
        options = [
            {"key": str(p["value"]), "label": p["label"], **({"hint": p["hint"]} if p.get("hint") else {})}
            for p in scale["points"]
        ]
        values = [p["value"] for p in scale["points"]]
        min_value, max_value = min(values), max(values)
        if values != list(range(min_value, max_value + 1)):
            problems.append(Problem(file, None, where, "a scale's points must run without gaps"))
        unknown = scale.get("unknown", "")
    if kind in ("choice", "checklist", "grid", "score") and not options:
        problems.append(Problem(file, None, where, "has no options"))
    if scheme and kind in ("checklist", "grid", "choice"):
        known = set(codebook.keys(scheme))
        strays = [o["key"] for o in options if o["key"] not in known and not o.get("exclusive")]
        if strays:
            problems.append(Problem(file, None, where, f"options not in the codebook's {scheme} scheme: {strays}"))
    return QuestionSpec(
        key=item["key"],
        section_key=section.key,
        section_title=section.title,
        kind=kind,
        text=item["text"],
        hint=item.get("hint", ""),
        measure=item.get("measure", ""),
        scheme=scheme,
        required=bool(item.get("required", kind in ("choice", "score"))),
        options=tuple(options),
        columns=tuple(columns),
        min_value=min_value,
        max_value=max_value,
        unknown_label=unknown,
        evidence_label=item.get("evidence", ""),
    )


def _options(
    item: dict, codebook: CodebookSpec, from_name: str, list_name: str, file: str, where: str, problems: list[Problem]
) -> list[dict]:
    source = item.get(from_name)
    if source is None:
        options = [dict(o) for o in item.get(list_name, [])]
        for option in options:
            if not option.get("key") or not option.get("label"):
                problems.append(Problem(file, None, where, "every option needs a key and a label"))
        return options
    scheme = source.get("scheme", "")
    if scheme not in codebook.schemes:
        problems.append(Problem(file, None, where, f"the codebook has no scheme {scheme!r}"))
        return []
    codes = [c for c in codebook.codes if c.scheme == scheme]
    if source.get("key_feature"):
        codes = [c for c in codes if c.key_feature]
    return [{"key": c.key, "label": c.label} for c in codes]


def instrument_paths(directory: Path | None = None) -> list[Path]:
    directory = directory or INSTRUMENTS_DIR
    return [directory / f"{code}.toml" for code in INSTRUMENT_CODES if (directory / f"{code}.toml").exists()]
