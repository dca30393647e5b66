"""Why the model thinks two records are (or are not) the same child, comparison by comparison, for
the clerical review screen: "Same date of birth +12.3, First names differ -40.0, ...".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from . import model
from .engine import SPLINK_LOG_LEVEL, database, register
from .prepare import linkage_table


@dataclass(frozen=True)
class Evidence:
    comparison: str  # e.g. "forename"
    level: str  # the level's label, e.g. "Nickname (Bill ~ William)"
    match_weight: float  # bits: positive for the same child, negative against


@dataclass(frozen=True)
class Explanation:
    unique_id_l: str
    unique_id_r: str
    prior_weight: float  # what two records picked at random start with
    evidence: list[Evidence]
    match_weight: float
    match_probability: float


def explain_pairs(
    frame: pd.DataFrame,
    pairs: list[tuple[str, str]],
    *,
    parameters: model.Parameters | None = None,
    backend: str | None = None,
) -> list[Explanation]:
    """Score each (unique_id, unique_id) pair of records in a canonical frame and say why.

    Name frequencies come from `frame`, so pass the population the records were linked in (the
    index), not just the two records."""
    table = linkage_table(frame).set_index("unique_id", drop=False)
    parameters = parameters or model.default_parameters()
    use_frequencies = len(table) >= _min_records_for_frequencies()
    settings = model.settings(parameters, term_frequencies=use_frequencies, explain=True)
    labels = _level_labels(settings)
    with database(backend) as db_api:
        from splink import Linker

        linker = Linker(register(db_api, table.reset_index(drop=True)), settings, log_level=SPLINK_LOG_LEVEL)
        if use_frequencies:
            for column in model.TERM_FREQUENCY_COLUMNS:
                linker.table_management.compute_tf_table(column)
        explanations = []
        for left, right in pairs:
            scored = linker.inference.score_pair(
                _record(table.loc[left]), _record(table.loc[right])
            ).as_pandas_dataframe()
            explanations.append(_explanation(scored.iloc[0], labels, left, right))
        linker.table_management.delete_tables_created_by_splink_from_db()
    return explanations


def _min_records_for_frequencies() -> int:
    from .engine import MIN_RECORDS_TO_TRAIN

    return MIN_RECORDS_TO_TRAIN


def _record(row: pd.Series) -> dict:
    return {key: (None if _missing(value) else value) for key, value in row.items()}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _level_labels(settings) -> dict[str, dict[int, str]]:
    """comparison -> gamma value -> label. Splink numbers levels from the last (0, the else level)
    up, with -1 for the null level."""
    labels = {}
    for comparison in settings.comparisons:
        levels = comparison.create_comparison_levels()
        named = {}
        value = len([level for level in levels if not level.is_null_level]) - 1
        for level in levels:
            if level.is_null_level:
                named[-1] = "Missing on one record or both"
            else:
                named[value] = level.create_level_dict("duckdb")["label_for_charts"]
                value -= 1
        labels[comparison.create_output_column_name()] = named
    return labels


def _explanation(scored: pd.Series, labels: dict[str, dict[int, str]], left: str, right: str) -> Explanation:
    evidence = []
    prior = 0.0
    for comparison, named in labels.items():
        gamma = int(scored[f"gamma_{comparison}"])
        weight = float(scored[f"mw_{comparison}"])
        tf_column = f"mw_tf_adj_{comparison}"
        if tf_column in scored.index and not _missing(scored[tf_column]):
            weight += float(scored[tf_column])
        evidence.append(Evidence(comparison=comparison, level=named[gamma], match_weight=weight))
    total = float(scored["match_weight"])
    prior = total - sum(item.match_weight for item in evidence)
    return Explanation(
        unique_id_l=left,
        unique_id_r=right,
        prior_weight=prior,
        evidence=evidence,
        match_weight=total,
        match_probability=float(scored["match_probability"]),
    )
