"""Link children's records: train a Splink model on the records themselves (no labels), score the
pairs that blocking finds, and cluster records into children.

Runs on DuckDB on one machine, or on Spark when `JOINEDUP_LINKAGE_BACKEND=spark`; the model, the
blocking rules and the clusters are the same on both.
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from . import model
from .prepare import linkage_table

BACKENDS = ("duckdb", "spark")
# A pair at or above this probability is the same child. Chosen on the synthetic authority at its
# default error rates (benchmarks/linkage.py): precision stays above 0.995 down to about 0.9.
DEFAULT_THRESHOLD = 0.95
# Pairs kept for clerical review: below the threshold, but worth a person's look.
REVIEW_THRESHOLD = 0.5
# Fewer records than this are not a population to learn m and u (or name frequencies) from; such
# a batch is scored with the starting parameters in default_model.json.
MIN_RECORDS_TO_TRAIN = 1_000
# The prior comes from exact rules (identifier, or first name + surname + date of birth) that find
# about this share of the true pairs on the synthetic authority.
DETERMINISTIC_RECALL = 0.8
# Every pair of this many random records (about 245,000) for u. F1 was the same to four places with
# 2 million, 1 million, 400,000 and 245,000 pairs on FEBRL1, FEBRL3, FEBRL4 and both synthetic
# profiles; on a small file u is most of training, and Splink's cost is per comparison and query.
U_SAMPLE_RECORDS = 700
# About this many blocked pairs for each EM session, from a random share of the records.
EM_PAIRS = 2e6
TRAINING_SEED = 1

# Splink checks a model's columns and SQL each time a linker is made, about a second for this
# model (sqlglot parses every level), several times a run. The comparisons are model.py's and the
# columns prepare.py's, the same every run, and the tests make linkers from them: skipped.
VALIDATE_EVERY_LINKER = False

PAIR_COLUMNS = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]

logger = logging.getLogger(__name__)
# Splink's messages at this level and above reach the log: its warnings (no matches from the exact
# rules, a prior estimated at 1, EM sampling that failed) and errors, not its progress.
SPLINK_LOG_LEVEL = logging.WARNING


class UnobservedLevels(logging.Filter):
    """Leaves out Splink's "Level ... on comparison ... not observed in dataset, unable to train m
    value": on children's records an EM session's sample often holds no pair at a rare level (a day
    and month swap, a forename and surname swap, an earlier postcode), and training then takes that
    level's probability at the floor, as for any probability learnt as zero (model.PROBABILITY_FLOOR).
    Expected every run, so not worth a warning; Splink's other warnings and its errors still show."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "not observed in dataset" not in record.getMessage()


def quiet_unobserved_levels() -> None:
    """Filter Splink's training log once per process (idempotent)."""
    training_log = logging.getLogger("splink.internals.expectation_maximisation")
    if not any(isinstance(f, UnobservedLevels) for f in training_log.filters):
        training_log.addFilter(UnobservedLevels())


@dataclass(frozen=True)
class LinkageConfig:
    backend: str = "duckdb"
    threads: int = 2
    memory_limit: str = "6GB"
    spark_master: str = "local[2]"
    # Where Spark writes linkage tables and Splink's checkpoints; "" is a temporary folder on the
    # driver, which only a local master can use (executors elsewhere cannot read it).
    spark_scratch: str = ""
    spark_driver_memory: str = "4g"


def linkage_config(environ: Mapping[str, str] = os.environ) -> LinkageConfig:
    """The backend and its limits from the environment: JOINEDUP_LINKAGE_BACKEND (duckdb or spark),
    JOINEDUP_LINKAGE_THREADS and JOINEDUP_LINKAGE_MEMORY (DuckDB's memory_limit, e.g. 6GB); for
    Spark JOINEDUP_SPARK_MASTER (local[2], spark://host:7077, yarn), JOINEDUP_SPARK_SCRATCH (storage
    every executor reads: file:///shared/path, s3a://bucket/prefix, hdfs://..., dbfs:/...) and
    JOINEDUP_SPARK_DRIVER_MEMORY (4g)."""
    backend = environ.get("JOINEDUP_LINKAGE_BACKEND", "duckdb").strip().lower() or "duckdb"
    if backend not in BACKENDS:
        raise ValueError(f"JOINEDUP_LINKAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    scratch = environ.get("JOINEDUP_SPARK_SCRATCH", "").strip()
    # A relative path would resolve against each machine's own working folder.
    if scratch and "://" not in scratch and not scratch.startswith(("/", "dbfs:/")):
        raise ValueError(
            f"JOINEDUP_SPARK_SCRATCH must be a URI (file:///..., s3a://...) or an absolute path, not {scratch!r}"
        )
    return LinkageConfig(
        backend=backend,
        threads=int(environ.get("JOINEDUP_LINKAGE_THREADS", LinkageConfig.threads)),
        memory_limit=environ.get("JOINEDUP_LINKAGE_MEMORY", LinkageConfig.memory_limit),
        spark_master=environ.get("JOINEDUP_SPARK_MASTER", "").strip() or LinkageConfig.spark_master,
        spark_scratch=scratch.rstrip("/"),
        spark_driver_memory=environ.get("JOINEDUP_SPARK_DRIVER_MEMORY", "").strip()
        or LinkageConfig.spark_driver_memory,
    )


@dataclass(frozen=True)
class LinkResult:
    pairs: pd.DataFrame  # unique_id_l, unique_id_r, match_weight, match_probability (>= REVIEW_THRESHOLD)
    clusters: pd.DataFrame  # unique_id, source, record_id, cluster_id, match_probability (best link; NaN alone)
    parameters: model.Parameters
    threshold: float


@contextmanager
def database(backend: str | None = None) -> Iterator:
    """A Splink database API for the backend, cleaned up afterwards."""
    config = linkage_config()
    backend = backend or config.backend
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "spark":
        from .spark import spark_api

        yield spark_api()
        return
    import duckdb
    from splink import DuckDBAPI

    spill = tempfile.mkdtemp(prefix="joinedup-duckdb-")
    connection = duckdb.connect()
    try:
        connection.execute(f"SET memory_limit = '{config.memory_limit}'")
        connection.execute(f"SET threads = {config.threads}")
        connection.execute(f"SET temp_directory = '{spill}'")
        # Insertion order means nothing to linkage and keeping it costs memory on large joins.
        connection.execute("SET preserve_insertion_order = false")
        yield DuckDBAPI(connection=connection)
    finally:
        connection.close()
        shutil.rmtree(spill, ignore_errors=True)


def register(db_api, table: pd.DataFrame):
    """A linkage table registered with the backend, as a Splink dataframe."""
    if db_api.sql_dialect.sql_dialect_str == "spark":
        from .spark import spark_table

        return db_api.register(spark_table(table))
    return db_api.register(table)


def link(
    frame: pd.DataFrame,
    *,
    backend: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    parameters: model.Parameters | None = None,
) -> LinkResult:
    """Link the records of a canonical frame (joinedup.index.canonical) into children.

    Without `parameters` the model is trained on the frame itself when it is large enough, else
    the starting parameters are used. Cluster ids are the smallest unique_id in each cluster: stable
    for the same input, not across extracts (see incremental.py for that).
    """
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be a probability between 0 and 1, not {threshold}")
    clock = _Clock()
    table = linkage_table(frame)
    clock.lap("prepared %s records", len(table))
    if len(table) < 2:
        alone = table[["unique_id", "source", "record_id"]].assign(
            cluster_id=table["unique_id"], match_probability=None
        )
        return LinkResult(
            _pairs(pd.DataFrame(columns=PAIR_COLUMNS)), alone, parameters or model.default_parameters(), threshold
        )
    with database(backend) as db_api:
        records = register(db_api, table)
        linker, parameters = trained_linker(db_api, table, records, parameters=parameters)
        clock.lap("trained")
        predictions = linker.inference.predict(
            threshold_match_probability=min(threshold, REVIEW_THRESHOLD), warning_mode="never"
        )
        clock.lap("scored")
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        pairs = _pairs(predictions.as_pandas_dataframe())
        clusters = clustered.as_pandas_dataframe()[["unique_id", "cluster_id"]]
        clock.lap("clustered")
        linker.table_management.delete_tables_created_by_splink_from_db()
    clusters = table[["unique_id", "source", "record_id"]].merge(clusters, on="unique_id", how="left")
    clusters["match_probability"] = clusters["unique_id"].map(best_links(pairs, threshold))
    return LinkResult(pairs=pairs, clusters=clusters, parameters=parameters, threshold=threshold)


def trained_linker(db_api, table: pd.DataFrame, records, *, parameters: model.Parameters | None):
    """A Splink linker over registered records, with parameters learnt from them (unless given)."""
    from splink import Linker

    enough = len(table) >= MIN_RECORDS_TO_TRAIN
    if parameters is None and enough:
        parameters = train(db_api, table, records)
    parameters = parameters or model.default_parameters()
    linker = Linker(
        records,
        model.settings(parameters, term_frequencies=enough),
        log_level=SPLINK_LOG_LEVEL,
        validate_settings=VALIDATE_EVERY_LINKER,
    )
    return linker, parameters


def train(db_api, table: pd.DataFrame, records) -> model.Parameters:
    """Unsupervised: the prior from exact rules, u from random pairs, m by EM in two sessions.

    The random records are drawn here (numpy, seed TRAINING_SEED), not by the backend, so DuckDB
    and Spark learn from the same pairs and give the same clusters at any size."""
    from splink import Linker, block_on

    quiet_unobserved_levels()
    whole = Linker(records, model.settings(), log_level=SPLINK_LOG_LEVEL, validate_settings=VALIDATE_EVERY_LINKER)
    whole.training.estimate_probability_two_random_records_match(
        model.deterministic_rules(), recall=DETERMINISTIC_RECALL
    )
    parameters = model.Parameters.from_splink(whole.misc.save_model_to_json())
    sample = table.sample(n=min(len(table), U_SAMPLE_RECORDS), random_state=TRAINING_SEED)
    every_pair = len(sample) * (len(sample) - 1) / 2 + 1
    clock = _Clock()
    parameters = _learn(
        db_api,
        sample,
        parameters,
        # Every pair of the sample, in one chunk: Splink draws no records of its own.
        lambda training: training.estimate_u_using_random_sampling(max_pairs=every_pair, num_chunks=1),
    )
    clock.lap("u from %s random pairs", f"{every_pair:,.0f}")
    for columns in model.TRAINING_BLOCKS:
        share = min(1.0, (EM_PAIRS / max(_blocked_pairs(table, columns), 1)) ** 0.5)
        parameters = _learn(
            db_api,
            table.sample(frac=share, random_state=TRAINING_SEED),
            parameters,
            lambda training, columns=columns: training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), estimate_without_term_frequencies=True
            ),
        )
        clock.lap("m by EM blocked on %s", " and ".join(columns))
    return parameters


def _learn(db_api, records: pd.DataFrame, parameters: model.Parameters, step) -> model.Parameters:
    """Run one training step on some records, starting from `parameters`; the prior is kept, and
    so are the parameters of comparisons none of the records can take part in."""
    from splink import Linker

    linker = Linker(
        register(db_api, records),
        model.settings(parameters, term_frequencies=False, leave_out=model.empty_comparisons(records)),
        log_level=SPLINK_LOG_LEVEL,
        validate_settings=VALIDATE_EVERY_LINKER,
    )
    step(linker.training)
    learnt = model.Parameters.from_splink(linker.misc.save_model_to_json())
    return model.Parameters(parameters.probability_two_random_records_match, {**parameters.levels, **learnt.levels})


def _blocked_pairs(table: pd.DataFrame, columns: tuple[str, ...]) -> int:
    sizes = table.dropna(subset=list(columns)).groupby(list(columns)).size()
    return int((sizes * (sizes - 1) // 2).sum())


def _pairs(predictions: pd.DataFrame) -> pd.DataFrame:
    return predictions[PAIR_COLUMNS].reset_index(drop=True)


class _Clock:
    """Logs how long each step took, for choosing a backend."""

    def __init__(self):
        self.last = time.perf_counter()

    def lap(self, message: str, *args) -> None:
        now = time.perf_counter()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux gives kilobytes
        logger.info(message + " in %.1f s (peak %.0f MB)", *args, now - self.last, peak_mb)
        self.last = now


def best_links(pairs: pd.DataFrame, threshold: float) -> pd.Series:
    """Each record's strongest link at or above the threshold, by unique_id."""
    linked = pairs[pairs["match_probability"] >= threshold]
    ends = pd.concat(
        [
            linked[["unique_id_l", "match_probability"]].rename(columns={"unique_id_l": "unique_id"}),
            linked[["unique_id_r", "match_probability"]].rename(columns={"unique_id_r": "unique_id"}),
        ]
    )
    return ends.groupby("unique_id")["match_probability"].max()
