"""Spark for linkage beyond one machine: a local session by default, or the cluster a
SparkSession is already attached to (spark-submit, Databricks).

Splink's string similarity functions (Jaro-Winkler, Damerau-Levenshtein) are Scala UDFs in a jar
shipped with Splink; without it on the session, name comparisons fail with UNRESOLVED_ROUTINE.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from functools import lru_cache

import pandas as pd

from .prepare import ARRAY_COLUMNS


@lru_cache(maxsize=1)
def spark_session(*, cores: int = 2, driver_memory: str = "4g"):
    """The session linkage runs on; started once per process (starting Spark takes ~10 seconds)."""
    # Without this Spark binds the machine's external address, which sandboxes and laptops refuse.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    checkpoints = _scratch()
    session = (
        SparkSession.builder.appName("joinedup-linkage")
        .master(os.environ.get("JOINEDUP_SPARK_MASTER", f"local[{cores}]"))
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", os.environ.get("JOINEDUP_SPARK_DRIVER_MEMORY", driver_memory))
        .config("spark.sql.shuffle.partitions", str(2 * cores))
        .config("spark.default.parallelism", str(2 * cores))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", os.path.join(checkpoints, "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={checkpoints}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    # Splink breaks long query lineages by checkpointing to parquet, which needs a folder.
    session.sparkContext.setCheckpointDir(os.path.join(checkpoints, "checkpoints"))
    return session


@lru_cache(maxsize=1)
def _scratch() -> str:
    folder = tempfile.mkdtemp(prefix="joinedup-spark-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


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
    path = os.path.join(_scratch(), f"table-{uuid.uuid4().hex}")
    session = spark_session()
    session.createDataFrame(table.astype(object).where(table.notna(), None), schema=schema).write.parquet(path)
    return session.read.parquet(path)


def spark_api():
    from splink.backends.spark import SparkAPI

    return SparkAPI(spark_session=spark_session(), num_partitions_on_repartition=2)
