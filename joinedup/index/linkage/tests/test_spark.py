"""The same linkage on Spark: a setting, not a fork. The Spark test runs on a standalone cluster, a
master and a worker started on loopback as separate processes, as an authority's cluster would be,
with its scratch in a folder standing in for shared storage."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from joinedup.index.linkage.engine import MIN_RECORDS_TO_TRAIN, link, linkage_config
from joinedup.index.linkage.spark import check_scratch

from .conftest import read_authority

# Children for the cluster test: about 1,100 records, enough for the engine to train
# (MIN_RECORDS_TO_TRAIN). Spark's time is mostly jobs, not records: 1,500 children (3,400 records)
# took 20 s longer, most of it scoring every pair of 2,000 records for u.
CLUSTER_CHILDREN = 500
# Seconds for the master to start and the worker to register with it (5 to 10 here).
CLUSTER_START_TIMEOUT = 90


def partition(clusters) -> set[frozenset[str]]:
    return {frozenset(members) for _, members in clusters.groupby("cluster_id")["unique_id"]}


def test_spark_settings_from_the_environment():
    default = linkage_config({})
    assert (default.spark_master, default.spark_scratch, default.spark_driver_memory) == ("local[2]", "", "4g")
    cluster = linkage_config(
        {
            "JOINEDUP_SPARK_MASTER": "spark://10.0.0.5:7077",
            "JOINEDUP_SPARK_SCRATCH": "s3a://la-linkage/scratch/",
            "JOINEDUP_SPARK_DRIVER_MEMORY": "8g",
        }
    )
    assert (cluster.spark_master, cluster.spark_scratch, cluster.spark_driver_memory) == (
        "spark://10.0.0.5:7077",
        "s3a://la-linkage/scratch",
        "8g",
    )
    assert linkage_config({"JOINEDUP_SPARK_SCRATCH": "/mnt/shared/linkage"}).spark_scratch == "/mnt/shared/linkage"
    with pytest.raises(ValueError, match="JOINEDUP_SPARK_SCRATCH"):
        linkage_config({"JOINEDUP_SPARK_SCRATCH": "scratch/linkage"})


def test_a_cluster_needs_shared_scratch():
    check_scratch("local[2]", "")
    check_scratch("yarn", "s3a://la-linkage/scratch")
    with pytest.raises(ValueError, match="JOINEDUP_SPARK_SCRATCH"):
        check_scratch("spark://10.0.0.5:7077", "")


@dataclass(frozen=True)
class Cluster:
    master: str
    shared: Path  # the scratch location, as the cluster's shared storage would be
    work: Path  # the worker's folder: each executor's working folder is under it
    seconds_to_start: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alive_workers(ui_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as response:
            return json.load(response).get("aliveworkers", 0)
    except (OSError, ValueError):  # not listening yet, or a master still starting answers an empty page
        return 0


@pytest.fixture(scope="module")
def loopback_cluster(tmp_path_factory):
    """A standalone master and one worker (2 cores) on 127.0.0.1, each its own JVM; linkage is
    pointed at them through JOINEDUP_SPARK_MASTER and JOINEDUP_SPARK_SCRATCH."""
    java = shutil.which("java") or (
        os.environ.get("JAVA_HOME") and shutil.which(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    )
    if not java:
        pytest.skip("Spark needs Java 17 or later: no java on PATH or under JAVA_HOME")
    import pyspark

    from joinedup.index.linkage.spark import stop_spark_session

    home = Path(pyspark.__file__).parent
    root = tmp_path_factory.mktemp("spark-cluster")
    master_port, master_ui, worker_ui = free_port(), free_port(), free_port()
    master = f"spark://127.0.0.1:{master_port}"
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_LOG_DIR": str(root)}
    daemons: list[subprocess.Popen] = []

    def start(name: str, *arguments: str) -> None:
        with open(root / f"{name}.log", "w") as log:
            daemons.append(
                subprocess.Popen(
                    [str(home / "bin" / "spark-class"), *arguments], env=env, stdout=log, stderr=subprocess.STDOUT
                )
            )

    try:
        started = time.perf_counter()
        start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(master_port),
              "--webui-port", str(master_ui))  # fmt: skip
        start("worker", "org.apache.spark.deploy.worker.Worker", master, "--host", "127.0.0.1", "--webui-port",
              str(worker_ui), "--cores", "2", "--memory", "2g", "--work-dir", str(root / "work"))  # fmt: skip
        while alive_workers(master_ui) < 1:
            dead = [
                name for name, daemon in zip(("master", "worker"), daemons, strict=False) if daemon.poll() is not None
            ]
            if dead or time.perf_counter() - started > CLUSTER_START_TIMEOUT:
                logs = "\n".join((root / f"{name}.log").read_text()[-2000:] for name in ("master", "worker"))
                pytest.fail(f"loopback Spark cluster did not start ({', '.join(dead) or 'timed out'}):\n{logs}")
            time.sleep(0.2)
        cluster = Cluster(master, root / "shared", root / "work", time.perf_counter() - started)
        print(f"\nloopback Spark cluster up in {cluster.seconds_to_start:.1f} s")
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("JOINEDUP_SPARK_MASTER", master)
            patch.setenv("JOINEDUP_SPARK_SCRATCH", cluster.shared.as_uri())
            # The driver binds loopback too, where the worker's executors can reach it.
            patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
            # A local session started earlier in this process would otherwise be reused.
            stop_spark_session()
            try:
                yield cluster
            finally:
                stop_spark_session()
    finally:
        # SIGTERM: each JVM runs its shutdown hooks (the worker kills its executors).
        for daemon in reversed(daemons):
            daemon.terminate()
        for daemon in daemons:
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()


@pytest.fixture(scope="module")
def on_duckdb(tmp_path_factory):
    """A small synthetic authority and its linkage on DuckDB, trained on the records."""
    from joinedup.synth.generate import generate
    from joinedup.synth.options import options_from_arguments

    out = tmp_path_factory.mktemp("authority")
    generate(options_from_arguments(children=CLUSTER_CHILDREN, seed=7, out=out), show_progress=False)
    frame = read_authority(out)
    return frame, link(frame, backend="duckdb")


@pytest.mark.spark
def test_a_standalone_cluster_links_as_duckdb_does(on_duckdb, loopback_cluster):
    """Each backend trains its own model on the same random records (drawn by the engine, not the
    backend) and the children found must be the same. The work runs in the worker's executor,
    which must have fetched Splink's UDF jar from the driver, and the tables and checkpoints go to
    the shared scratch, not the driver's temporary folder. One test, training included: most of
    its minute is training's many small queries, each a Spark job."""
    from joinedup.index.linkage.spark import scratch_folder, spark_session, stop_spark_session

    frame, duckdb = on_duckdb
    assert len(frame) >= MIN_RECORDS_TO_TRAIN
    on_spark = link(frame, backend="spark")

    assert spark_session().sparkContext.master == loopback_cluster.master
    assert len(on_spark.clusters) == len(frame)
    assert partition(on_spark.clusters) == partition(duckdb.clusters)
    assert duckdb.clusters["cluster_id"].nunique() < 0.7 * len(frame)
    both = duckdb.pairs.merge(on_spark.pairs, on=["unique_id_l", "unique_id_r"], suffixes=("_duckdb", "_spark"))
    # Only the string similarity functions differ (DuckDB's own against Splink's Scala UDFs), and
    # the parameters learnt through them.
    assert len(both) >= 0.99 * max(len(duckdb.pairs), len(on_spark.pairs))
    assert (both["match_probability_duckdb"] - both["match_probability_spark"]).abs().max() < 0.01

    # Name comparisons ran in the executor, so it holds the jar: the driver's path is not on its
    # class path, it fetched the file from the driver.
    assert list(loopback_cluster.work.glob("app-*/*/scala-udf-similarity-*.jar"))
    assert scratch_folder().startswith(loopback_cluster.shared.as_uri())
    scratch = next(loopback_cluster.shared.glob("joinedup-*"))
    assert list(scratch.glob("table-*/*.parquet"))
    assert list(scratch.glob("checkpoints/*/__splink__df_predict*/*.parquet"))

    stop_spark_session()
    assert not list(loopback_cluster.shared.glob("joinedup-*"))
