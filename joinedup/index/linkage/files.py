"""Headless linking: link any set of files described by source mappings, without the web
application or its database, and write `source,record_id,cluster_id,match_probability`.

A spec is a TOML file listing the sources, each a source mapping (joinedup/index/sources) and
the file it reads, with paths relative to the spec:

```toml
threshold = 0.95          # optional: the probability at which two records are one child
backend = "duckdb"        # optional: or "spark"; default JOINEDUP_LINKAGE_BACKEND

[[sources]]
mapping = "sources/child_health.toml"
file = "extracts/child_health_records.csv"
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from joinedup.common.tables import FileProblems, Problem

from .engine import BACKENDS, DEFAULT_THRESHOLD, LinkResult, link

OUTPUT_COLUMNS = ["source", "record_id", "cluster_id", "match_probability"]


@dataclass(frozen=True)
class SourceFile:
    mapping: Path
    file: Path


@dataclass(frozen=True)
class LinkSpec:
    sources: tuple[SourceFile, ...]
    threshold: float = DEFAULT_THRESHOLD
    backend: str | None = None


@dataclass(frozen=True)
class FilesLinked:
    result: LinkResult
    records_by_source: dict[str, int]
    rejects: list[Problem]  # rows not linked
    unknown: list[Problem]  # values that could not be read, left unknown in records that were linked


def read_spec(path: Path) -> LinkSpec:
    """The spec at `path`; FileProblems names everything wrong with it in one go."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise FileProblems([Problem(str(path), None, None, f"not a readable TOML file: {error}")]) from None
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(str(path), None, key, message))

    for key in sorted(set(data) - {"sources", "threshold", "backend"}):
        problem(key, "not a setting of a link spec; the settings are sources, threshold and backend")
    sources = []
    entries = data.get("sources")
    if not isinstance(entries, list) or not entries:
        problem("sources", 'list the files to link, each as [[sources]] with mapping = "..." and file = "..."')
        entries = []
    for number, entry in enumerate(entries, start=1):
        where = f"sources[{number}]"
        if not isinstance(entry, dict) or set(entry) != {"mapping", "file"}:
            problem(where, 'give exactly mapping = "a source TOML" and file = "the extract it reads"')
            continue
        mapping, file = (path.parent / entry["mapping"]), (path.parent / entry["file"])
        if not mapping.is_file():
            problem(f"{where}.mapping", f"no source file at {mapping}")
        if not file.exists():
            problem(f"{where}.file", f"no file or folder at {file}")
        sources.append(SourceFile(mapping=mapping, file=file))
    threshold = data.get("threshold", DEFAULT_THRESHOLD)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 < threshold < 1:
        problem("threshold", f"a probability between 0 and 1, e.g. {DEFAULT_THRESHOLD}")
        threshold = DEFAULT_THRESHOLD
    backend = data.get("backend")
    if backend is not None and backend not in BACKENDS:
        problem("backend", f"one of {', '.join(BACKENDS)}")
    if problems:
        raise FileProblems(problems)
    return LinkSpec(sources=tuple(sources), threshold=float(threshold), backend=backend)


def read_records(spec: LinkSpec) -> tuple[pd.DataFrame, dict[str, int], list[Problem], list[Problem]]:
    """Every source's accepted records as one canonical frame, with counts, rejected rows and
    values left unknown."""
    from joinedup.index.sources import load_mapping, read_source

    frames, counts, rejects, unknown = [], {}, [], []
    for source in spec.sources:
        read = read_source(load_mapping(source.mapping), source.file)
        frames.append(read.records)
        name = read.records["source"].iloc[0] if len(read.records) else load_mapping(source.mapping).name
        counts[name] = counts.get(name, 0) + len(read.records)
        rejects.extend(read.rows_rejected)
        unknown.extend(read.kept)
    return pd.concat(frames, ignore_index=True), counts, rejects, unknown


def link_files(spec: LinkSpec, *, backend: str | None = None) -> FilesLinked:
    frame, counts, rejects, unknown = read_records(spec)
    result = link(frame, backend=backend or spec.backend, threshold=spec.threshold)
    return FilesLinked(result=result, records_by_source=counts, rejects=rejects, unknown=unknown)


def write_clusters(result: LinkResult, out: Path) -> None:
    """One row per record; match_probability is the record's strongest link into its cluster,
    empty for a record that links to no other."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clusters = result.clusters.sort_values(["cluster_id", "source", "record_id"])
    clusters[OUTPUT_COLUMNS].to_csv(out, index=False, float_format="%.6f", lineterminator="\n")
