"""Spark for linkage beyond one machine: a local session by default, a cluster named by
JOINEDUP_SPARK_MASTER, or the cluster a SparkSession is already attached to (Databricks).

Splink's string similarity functions (Jaro-Winkler, Damerau-Levenshtein) are Scala UDFs in a jar
shipped with Splink; without it on the session, name comparisons fail with UNRESOLVED_ROUTINE.
`spark.jars` names it by its path on the driver: the driver serves it and every executor fetches
it into its own working folder (standalone and YARN), so the executors need no copy of their own.

Linkage tables and Splink's checkpoints go under JOINEDUP_SPARK_SCRATCH (one folder per process,
deleted when the session stops): executors write them and other executors read them back, so on
a cluster it must be storage they all reach (shared disk, S3, HDFS, DBFS).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from .engine import linkage_config
from .prepare import ARRAY_COLUMNS

CORES = 2


@dataclass(frozen=True)
class _Run:
    session: object
    scratch: str  # this process's folder under the scratch location, a URI or absolute path
    local: str  # driver-only files: the metastore's Derby database and the (unused) warehouse


def is_local(master: str) -> bool:
    return master.startswith("local")


def check_scratch(master: str, scratch: str) -> None:
    """Refuse a cluster whose scratch is a temporary folder on the driver: each executor would
    write its share of a checkpoint to its own disk and the others would not find it."""
    if not is_local(master) and not scratch:
        raise ValueError(
            f"Spark master {master!r} is a cluster: set JOINEDUP_SPARK_SCRATCH to storage every "
            "executor can read (file:///shared/path, s3a://bucket/prefix, hdfs://..., dbfs:/...)"
        )


@lru_cache(maxsize=1)
def _run() -> _Run:
    """The session linkage runs on; started once per process (starting Spark takes ~10 seconds)."""
    config = linkage_config()
    if is_local(config.spark_master):
        # Without this Spark binds the machine's external address, which sandboxes and laptops
        # refuse. Not on a cluster: executors elsewhere must reach the driver.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    local = tempfile.mkdtemp(prefix="joinedup-spark-")
    builder = (
        SparkSession.builder.appName("joinedup-linkage")
        .master(config.spark_master)
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", config.spark_driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", os.path.join(local, "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={local}")
    )
    if is_local(config.spark_master):
        # On a cluster Spark's default is the executors' cores, which is what we want there.
        builder = builder.config("spark.default.parallelism", str(2 * CORES))
    session = builder.getOrCreate()
    context = session.sparkContext
    context.setLogLevel("ERROR")
    # The session's master, not the setting: on Databricks getOrCreate returns the cluster's own.
    check_scratch(context.master, config.spark_scratch)
    # A few partitions a core: Spark's 200 would be 200 tiny tasks on a small cluster.
    partitions = 2 * (CORES if is_local(context.master) else context.defaultParallelism)
    session.conf.set("spark.sql.shuffle.partitions", str(partitions))
    scratch = f"{config.spark_scratch or 'file://' + local}/joinedup-{uuid.uuid4().hex}"
    # Splink breaks long query lineages by writing parquet under the checkpoint folder.
    context.setCheckpointDir(f"{scratch}/checkpoints")
    run = _Run(session, scratch, local)
    atexit.register(_clean, run)
    return run


def spark_session():
    return _run().session


def scratch_folder() -> str:
    """This process's folder under the scratch location (its tables and checkpoints)."""
    return _run().scratch


def stop_spark_session() -> None:
    """Stop the session and delete its scratch; the next use starts a new one, reading the
    settings again (a test pointing linkage at another master)."""
    if _run.cache_info().currsize:
        run = _run()
        _clean(run)
        run.session.stop()
        _run.cache_clear()


def _clean(run: _Run) -> None:
    # Through Hadoop's file system, which knows s3a://, hdfs:// and file:// alike.
    try:
        jvm = run.session.sparkContext._jvm
        path = jvm.org.apache.hadoop.fs.Path(run.scratch)
        path.getFileSystem(run.session.sparkContext._jsc.hadoopConfiguration()).delete(path, True)
    except Exception:  # noqa: BLE001 - at exit the JVM may be gone already; the local folder still goes
        pass
    shutil.rmtree(run.local, ignore_errors=True)


def spark_table(table: pd.DataFrame):
    """A linkage table as a Spark DataFrame read from parquet. Spark turns a pandas frame into a
    local relation held in the query plan, which every later query copies and re-optimises
    (100,000 children ran the driver out of memory); parquet leaves the plan small."""
    from pyspark.sql.types import ArrayType, StringType, StructField, StructType

    schema = StructType(
        [
            StructField(column, ArrayType(StringType()) if column in ARRAY_COLUMNS else StringType())
            for column in table.columns
        ]
    )
    path = f"{scratch_folder()}/table-{uuid.uuid4().hex}"
    session = spark_session()
    session.createDataFrame(table.astype(object).where(table.notna(), None), schema=schema).write.parquet(path)
    return session.read.parquet(path)


def spark_api():
    from splink.backends.spark import SparkAPI

    session = spark_session()
    # Blocked pairs are repartitioned to one partition a core (2 locally, as before).
    partitions = int(session.conf.get("spark.sql.shuffle.partitions")) // 2
    return SparkAPI(spark_session=session, num_partitions_on_repartition=partitions)
