"""benchmarks/linkage_generalization.py scores what it claims: its pairwise scoring against a
hand-made truth, and both methods run end to end (each in a child process) on 300 + 300 FEBRL4
records. The accuracy goals belong to the benchmark, not here."""

import sys
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[4] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))  # spawned children inherit sys.path, so they find it too

import linkage_generalization as bench  # noqa: E402


def brute_force_scores(clusters: pd.Series, true_pairs: pd.DataFrame, records: pd.Index):
    """Every pair within every cluster, listed and intersected with the truth."""
    found = set()
    for _, members in clusters[clusters.index.isin(records)].groupby(clusters):
        found |= {frozenset(pair) for pair in combinations(members.index, 2)}
    true = {frozenset(pair) for pair in zip(true_pairs["left"], true_pairs["right"], strict=True)}
    true = {pair for pair in true if pair <= set(records)}
    correct = len(found & true)
    precision = correct / len(found) if found else 1.0
    recall = correct / len(true) if true else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if correct else 0.0


def test_pairwise_scores_against_a_hand_made_truth():
    records = pd.Index(["a", "b", "c", "d", "e", "f"])
    # a, b and c in one cluster (pairs ab, ac, bc), d alone, e never returned (a reject), f alone.
    clusters = pd.Series([1, 1, 1, 2, 3], index=["a", "b", "c", "d", "f"])
    truth = pd.DataFrame({"left": ["a", "d", "x"], "right": ["b", "e", "a"]})  # x is not a record: ignored

    precision, recall, f1 = bench.pairwise_scores(clusters, truth, records)

    assert (precision, recall) == (pytest.approx(1 / 3), pytest.approx(1 / 2))
    assert f1 == pytest.approx(0.4)
    assert (precision, recall, f1) == pytest.approx(brute_force_scores(clusters, truth, records))


def test_pairwise_scores_of_a_perfect_and_of_an_empty_linkage():
    records = pd.Index(["a", "b", "c"])
    truth = pd.DataFrame({"left": ["a"], "right": ["b"]})
    assert bench.pairwise_scores(pd.Series([1, 1, 2], index=records), truth, records) == (1.0, 1.0, 1.0)
    assert bench.pairwise_scores(pd.Series([1, 2, 3], index=records), truth, records) == (1.0, 0.0, 0.0)


def test_true_pairs_within_entities_are_each_unordered_pair_once():
    labels = pd.Series(["x", "x", "x", "y", "z", "z"], index=["r1", "r2", "r3", "r4", "r5", "r6"])
    pairs = bench.pairs_within(labels)
    assert sorted(zip(pairs["left"], pairs["right"], strict=True)) == [
        ("r1", "r2"),
        ("r1", "r3"),
        ("r2", "r3"),
        ("r5", "r6"),
    ]


@pytest.fixture(scope="module")
def febrl4_subset(tmp_path_factory):
    return bench.write_febrl(tmp_path_factory.mktemp("febrl4"), 4, limit=300)


def test_the_febrl4_subset_is_two_files_with_their_true_links(febrl4_subset):
    task, true_pairs, records = febrl4_subset
    assert task.kind == "febrl_link" and len(task.files) == 2
    assert set(task.specs) == {"joinedup", "joinedup_la_id"}
    assert len(records) == 600 and records.is_unique
    inside = true_pairs["left"].isin(records) & true_pairs["right"].isin(records)
    assert inside.sum() > 5  # the first 300 of each file share some people
    assert (true_pairs["left"].str.startswith("febrl4a:") & true_pairs["right"].str.startswith("febrl4b:")).all()


@pytest.mark.parametrize("method", ["joinedup", "splink"])
def test_each_method_scores_as_a_brute_force_count_of_its_clusters(febrl4_subset, method):
    task, true_pairs, records = febrl4_subset
    clusters, rejected, seconds = bench.METHODS[method](task, method)

    assert clusters.index.isin(records).all() and seconds > 0
    assert len(clusters) + rejected == len(records)
    assert bench.pairwise_scores(clusters, true_pairs, records) == pytest.approx(
        brute_force_scores(clusters, true_pairs, records)
    )


def test_the_benchmark_measures_each_method_in_a_child_process_and_prints_every_figure(febrl4_subset):
    task, true_pairs, records = febrl4_subset
    assert bench.methods_for(task) == ["joinedup", "joinedup_la_id", "splink"]
    # The LA child id variant is joinedup again with another spec: two children are enough here.
    results = [bench.measure(task, method, true_pairs, records) for method in ("joinedup", "splink")]
    in_process, _, _ = bench.run_joinedup(task, "joinedup")
    for m in results:
        assert m.dataset == "febrl4" and m.records == 600
        assert 0 <= m.precision <= 1 and 0 <= m.recall <= 1
        assert m.f1 == pytest.approx(2 * m.precision * m.recall / (m.precision + m.recall))
        assert m.seconds > 0
        assert m.peak_mb > 100  # a child that imported pandas and DuckDB, not this process's figure of 0
        assert len(bench.row(m).split()) == len(bench.HEADER.split()) - 1  # "peak MB" is two words
    # Below 1,000 records joinedup uses its default model, so the child's scores are this process's.
    assert (results[0].precision, results[0].recall) == bench.pairwise_scores(in_process, true_pairs, records)[:2]
    line = bench.key_values(results, 12.0)
    figures = dict(part.split("=") for part in line.split())
    assert len(figures) == 5 * len(results) + 1 and figures["seconds"] == "12"
    assert float(figures["febrl4_splink_f1"]) == pytest.approx(results[1].f1, abs=5e-5)
    assert float(figures["febrl4_joinedup_recall"]) == pytest.approx(results[0].recall, abs=5e-5)
