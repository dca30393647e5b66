"""How well, how fast and in how much memory the children's index links a synthetic authority:
`python benchmarks/linkage.py --children 250000`.

Generates the authority (joinedup.synth) into a temporary folder, reads every extract through its
source file (joinedup/index/sources/synthetic), links the records (joinedup.index.linkage) and
scores the links against ground_truth.csv: pairs of records in one cluster against pairs of
records of one child, counted from group sizes. The baseline is the rule authorities commonly use:
exact first forename + surname + date of birth (case and spacing ignored). Prints, as its last line,
records=... seconds=... peak_rss_mb=... precision=... recall=... f1=... baseline_precision=...
baseline_recall=... baseline_f1=...
where seconds is reading and linking (generation is reported on the line before). The line before
also gives recall over the pairs of records other than the social care person report's
(`recall_other_extracts`), and with --by-threshold precision and recall at other thresholds
(connected components of the scored pairs, as the engine clusters). --leave-out SOURCE links
without an extract, to see what it adds.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from joinedup.common.identifiers import is_valid_nhs_number, is_valid_upn  # noqa: E402
from joinedup.index.linkage.engine import DEFAULT_THRESHOLD, link  # noqa: E402
from joinedup.index.sources import load_mapping, read_source  # noqa: E402
from joinedup.synth.generate import generate  # noqa: E402
from joinedup.synth.options import options_from_arguments  # noqa: E402

SOURCES = ROOT / "joinedup" / "index" / "sources" / "synthetic"
# Where each synthetic source file's extract sits in the generator's output.
EXTRACTS = {
    "school_census": lambda la: la / "school_census",
    "child_health": lambda la: la / "child_health" / "child_health_records.csv",
    "youth_offending": lambda la: la / "youth_offending" / "yot_caseload.csv",
    "ssda903": lambda la: la / "ssda903",
    "cin_census": lambda la: next((la / "cin_census").glob("CIN_Census_*.xml")),
    "social_care": lambda la: la / "social_care" / "persons.csv",
}


THRESHOLDS = (0.5, 0.9, 0.95, 0.99, 0.999)
PERSON_REPORT = "social_care"


def read_authority(la: Path, *, with_register: bool = False, leave_out: tuple[str, ...] = ()) -> pd.DataFrame:
    names = [name for name in EXTRACTS if name not in leave_out] + (["register"] if with_register else [])
    frames = []
    for name in names:
        path = la / "register" if name == "register" else EXTRACTS[name](la)
        frames.append(read_source(load_mapping(SOURCES / f"{name}.toml"), path).records)
    return pd.concat(frames, ignore_index=True)


def truth(la: Path, *, with_register: bool = False) -> pd.Series:
    """child_id by unique_id (source:record_id)."""
    known = pd.read_csv(la / "ground_truth.csv", dtype=str, keep_default_na=False)
    if with_register:
        register = pd.read_csv(la / "register" / "children.csv", dtype=str, usecols=["child_id"])
        known = pd.concat([known, register.assign(source="register", record_id=register["child_id"])])
    return pd.Series(known["child_id"].to_numpy(), index=(known["source"] + ":" + known["record_id"]).to_numpy())


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(clusters: pd.Series, children: pd.Series) -> tuple[float, float, float]:
    """Precision, recall and F1 of the pairs within clusters against the pairs within children;
    both Series share an index (the records)."""
    frame = pd.DataFrame({"cluster": clusters, "child": children})
    found = _pairs(frame.groupby("cluster").size())
    true = _pairs(frame.groupby("child").size())
    both = _pairs(frame.groupby(["cluster", "child"]).size())
    precision = both / found if found else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def clusters_at(pairs: pd.DataFrame, records: pd.Index, threshold: float) -> pd.Series:
    """Connected components of the pairs at or above a threshold: a cluster label per record."""
    linked = pairs[pairs["match_probability"] >= threshold]
    position = pd.Series(np.arange(len(records)), index=records)
    left = position.reindex(linked["unique_id_l"]).to_numpy()
    right = position.reindex(linked["unique_id_r"]).to_numpy()
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(len(records), len(records)))
    _, labels = connected_components(graph, directed=False)
    return pd.Series(labels, index=records)


def baseline_clusters(frame: pd.DataFrame) -> pd.Series:
    """Exact first forename + surname + date of birth; a record missing any of them stands alone."""
    first = frame["forenames"].str.strip().str.split().str[0].fillna("").str.lower()
    surname = frame["surname"].str.strip().str.lower()
    key = first + "|" + surname + "|" + frame["date_of_birth"]
    complete = (first != "") & (surname != "") & (frame["date_of_birth"] != "")
    unique_id = frame["source"] + ":" + frame["record_id"]
    return pd.Series(key.where(complete, "alone:" + unique_id).to_numpy(), index=unique_id.to_numpy())


def recall_ceiling(frame: pd.DataFrame, children: pd.Series) -> float:
    """The share of true pairs any linkage could find from names or identifiers: records of one
    child are reachable when both carry a name, or they share a valid identifier (a CIN census
    record of an under-five without a UPN carries neither, only a date of birth and sex)."""
    unique_id = (frame["source"] + ":" + frame["record_id"]).to_numpy()
    records = pd.DataFrame(
        {
            "child": children.reindex(unique_id).to_numpy(),
            "named": (frame["forenames"] != "").to_numpy(),
            "nhs": frame["nhs_number"].where(frame["nhs_number"].map(is_valid_nhs_number), "").to_numpy(),
            "upn": frame["upn"].where(frame["upn"].map(is_valid_upn), "").to_numpy(),
            "la": frame["la_child_id"].to_numpy(),
        }
    )
    total = _pairs(records.groupby("child").size())
    some_nameless = records.groupby("child")["named"].transform("all") == False  # noqa: E712
    reachable = _pairs(records[~some_nameless].groupby("child").size())
    for _, group in records[some_nameless].groupby("child"):
        reachable += _pairs(pd.Series(_reachable_groups(group.to_dict("records"))).value_counts())
    return reachable / total if total else 1.0


def _reachable_groups(rows: list[dict]) -> list[int]:
    """Union-find over one child's records: a group label for each."""
    parent = list(range(len(rows)))

    def find(node: int) -> int:
        while parent[node] != node:
            node = parent[node]
        return node

    for a in range(len(rows)):
        for b in range(a + 1, len(rows)):
            shared = any(rows[a][k] and rows[a][k] == rows[b][k] for k in ("nhs", "upn", "la"))
            if shared or (rows[a]["named"] and rows[b]["named"]):
                parent[find(b)] = find(a)
    return [find(node) for node in range(len(rows))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=["duckdb", "spark"], default=None)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument(
        "--with-register", action="store_true", help="link the authority's register too, as the demo does"
    )
    parser.add_argument("--save-default-model", type=Path, help="write the learnt parameters as JSON here")
    parser.add_argument(
        "--by-threshold",
        action="store_true",
        help=f"also print precision and recall at {', '.join(map(str, THRESHOLDS))}",
    )
    parser.add_argument(
        "--leave-out", action="append", default=[], choices=list(EXTRACTS), help="link without this extract"
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="linkage-benchmark-") as folder:
        la = Path(folder) / "la"
        started = time.perf_counter()
        generate(options_from_arguments(children=arguments.children, seed=arguments.seed, out=la), show_progress=False)
        generated = time.perf_counter()
        frame = read_authority(la, with_register=arguments.with_register, leave_out=tuple(arguments.leave_out))
        read = time.perf_counter()
        result = link(frame, backend=arguments.backend, threshold=arguments.threshold)
        linked = time.perf_counter()
        children = truth(la, with_register=arguments.with_register)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes
    clusters = pd.Series(result.clusters["cluster_id"].to_numpy(), index=result.clusters["unique_id"].to_numpy())
    scored = children.reindex(clusters.index)
    precision, recall, f1 = pairwise_scores(clusters, scored)
    base = baseline_clusters(frame)
    base_precision, base_recall, base_f1 = pairwise_scores(base, children.reindex(base.index))
    others = ~clusters.index.str.startswith(PERSON_REPORT + ":")
    _, recall_others, _ = pairwise_scores(clusters[others], scored[others])
    if arguments.save_default_model:
        arguments.save_default_model.write_text(result.parameters.to_json(), encoding="utf-8")
    if arguments.by_threshold:
        for threshold in THRESHOLDS:
            at = pairwise_scores(clusters_at(result.pairs, clusters.index, threshold), scored)
            print(f"threshold={threshold} precision={at[0]:.4f} recall={at[1]:.4f} f1={at[2]:.4f}")
    print(
        f"children={arguments.children} generate_seconds={generated - started:.1f} "
        f"read_seconds={read - generated:.1f} link_seconds={linked - read:.1f} "
        f"threshold={arguments.threshold} clusters={clusters.nunique()} "
        f"recall_ceiling={recall_ceiling(frame, scored):.4f} recall_other_extracts={recall_others:.4f} "
        f"review_pairs={len(result.pairs)}"
    )
    print(
        f"records={len(frame)} seconds={linked - generated:.1f} peak_rss_mb={peak_mb:.0f} "
        f"precision={precision:.4f} recall={recall:.4f} f1={f1:.4f} "
        f"baseline_precision={base_precision:.4f} baseline_recall={base_recall:.4f} baseline_f1={base_f1:.4f}"
    )


if __name__ == "__main__":
    main()
