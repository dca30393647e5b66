"""The same linkage on Spark: a setting, not a fork. Starts a local Spark session, so it is slow."""

import pytest

from joinedup.index.linkage.engine import link

from .conftest import read_authority


def partition(clusters) -> set[frozenset[str]]:
    return {frozenset(members) for _, members in clusters.groupby("cluster_id")["unique_id"]}


@pytest.mark.spark
def test_duckdb_and_spark_give_the_same_clusters(authority):
    """Each backend trains its own model (on the same random records, drawn by the engine) and
    scores the pairs its own SQL finds; the children found must be the same."""
    frame = read_authority(authority(5000))

    on_duckdb = link(frame, backend="duckdb")
    on_spark = link(frame, backend="spark")

    assert len(on_spark.clusters) == len(frame)
    assert partition(on_spark.clusters) == partition(on_duckdb.clusters)
    assert on_duckdb.clusters["cluster_id"].nunique() < 0.7 * len(frame)
