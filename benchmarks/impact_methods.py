"""Do the comparison methods give the right answer, with honest intervals, when the truth is known?
`python benchmarks/impact_methods.py --runs 50 --children 4000 --seed 1`.

Simulates (joinedup.evidence.methods.simulation) children over 10 terms with staggered starts of
help, `--runs` panels with an injected effect of 3 attendance points and `--runs` with none, in two
regimes: (i) who is helped depends only on stable characteristics; (ii) as (i), but children are
referred after a 9-point drop, 30% of which lasts, and those whose drop lasts are helped later.
For each regime and method it prints bias, rmse, coverage of the 95% interval, false_finding_rate
(share of no-effect runs whose interval excludes 0 and which the method did not flag; methods with
no checks cannot flag), flagged_rate and covered_or_flagged. The candidates: the naive before/after,
two-way fixed effects (static, child and term effects), and the stacked matched
difference-in-differences with no covariates, with the stable covariates (recommended), and with the
prior outcome band as well. Then it times the recommended method on 250,000 children × 9 terms.
The last line is key=value pairs.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from joinedup.evidence.methods.before_after import naive_before_after  # noqa: E402
from joinedup.evidence.methods.comparison import Z  # noqa: E402
from joinedup.evidence.methods.matched import compare_with_similar_children  # noqa: E402
from joinedup.evidence.methods.panel import NEVER, to_wide  # noqa: E402
from joinedup.evidence.methods.simulation import simulate_panel  # noqa: E402

EFFECT = 3.0
COVARIATES = ["age_band", "sex", "key_group", "school", "referrals_before"]
REGIMES = {"i": 0.0, "ii": 9.0}  # the size of the drop before help, in points
# Smaller drops are harder to see in the pre-help terms: does the method still never give a
# confident wrong answer?
SMALLER_DIPS = (1.0, 2.0, 4.0)


def two_way_fixed_effects(*, panel: pd.DataFrame) -> tuple[float, float, float, bool]:
    """Outcome on helped-since-start with child and term effects (within transformation by
    alternating demeaning), child-clustered. The conventional estimator, with no checks."""
    wide = to_wide(panel=panel)
    outcome = wide.outcome
    term = np.arange(wide.terms)
    helped = ((wide.first_helped[:, None] <= term[None, :]) & (wide.first_helped[:, None] != NEVER)).astype(float)
    observed = ~np.isnan(outcome)
    helped = np.where(observed, helped, np.nan)
    outcome_within, helped_within = _within(outcome), _within(helped)
    effect = np.nansum(helped_within * outcome_within) / np.nansum(helped_within**2)
    residual = np.nan_to_num(outcome_within - effect * helped_within)
    scores = np.nansum(np.nan_to_num(helped_within) * residual, axis=1)
    clusters = int(observed.any(axis=1).sum())
    variance = clusters / (clusters - 1) * (scores @ scores) / np.nansum(helped_within**2) ** 2
    error = float(np.sqrt(variance))
    return float(effect), effect - Z * error, effect + Z * error, False


def _within(values: np.ndarray, *, sweeps: int = 20) -> np.ndarray:
    demeaned = values.copy()
    for _ in range(sweeps):
        demeaned -= np.nanmean(demeaned, axis=1, keepdims=True)
        demeaned -= np.nanmean(demeaned, axis=0, keepdims=True)
    return demeaned


def _from_comparison(compare: Callable) -> Callable:
    def run(*, panel: pd.DataFrame) -> tuple[float, float, float, bool]:
        result = compare(panel=panel)
        return result.estimate, result.low, result.high, not result.reliable

    return run


METHODS: dict[str, tuple[Callable, bool]] = {
    # name: (run, whether the method has checks that can flag its result)
    "naive_before_after": (_from_comparison(naive_before_after), False),
    "two_way_fixed_effects": (two_way_fixed_effects, False),
    "matched_no_covariates": (_from_comparison(lambda panel: compare_with_similar_children(panel=panel)), True),
    "matched_recommended": (
        _from_comparison(lambda panel: compare_with_similar_children(panel=panel, covariates=COVARIATES)),
        True,
    ),
    "matched_with_prior_outcome": (
        _from_comparison(
            lambda panel: compare_with_similar_children(panel=panel, covariates=COVARIATES, prior_outcome_band=5.0)
        ),
        True,
    ),
}


def run_regime(*, dip: float, runs: int, children: int, seed: int, methods: dict = METHODS) -> pd.DataFrame:
    rows = []
    for effect in (EFFECT, 0.0):
        for run in range(runs):
            panel = simulate_panel(
                children=children,
                effect=effect,
                dip=dip,
                seed=seed * 1_000_000 + int(dip * 10) * 10_000 + int(effect) * 1_000 + run,
            )
            for name, (method, has_checks) in methods.items():
                estimate, low, high, flagged = method(panel=panel)
                rows.append(
                    {
                        "method": name,
                        "truth": effect,
                        "estimate": estimate,
                        "covered": bool(low <= effect <= high),
                        "excludes_zero": bool(low > 0 or high < 0),
                        "flagged": bool(flagged and has_checks) or bool(np.isnan(estimate)),
                    }
                )
    return pd.DataFrame(rows)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    def per_method(group: pd.DataFrame) -> pd.Series:
        error = group["estimate"] - group["truth"]
        no_effect = group[group["truth"] == 0]
        return pd.Series(
            {
                "bias": error.mean(),
                "rmse": float(np.sqrt((error**2).mean())),
                "coverage": group["covered"].mean(),
                "false_finding_rate": (no_effect["excludes_zero"] & ~no_effect["flagged"]).mean(),
                "flagged_rate": group["flagged"].mean(),
                "covered_or_flagged": (group["covered"] | group["flagged"]).mean(),
            }
        )

    return runs.groupby("method", sort=False)[list(runs.columns)].apply(per_method)


def time_250k(*, seed: int) -> tuple[float, float]:
    panel = simulate_panel(children=250_000, terms=9, effect=EFFECT, seed=seed)
    started = time.perf_counter()
    result = compare_with_similar_children(panel=panel, covariates=COVARIATES)
    seconds = time.perf_counter() - started
    return seconds, result.estimate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--children", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()

    started = time.perf_counter()
    figures = {}
    for regime, dip in REGIMES.items():
        table = summarise(run_regime(dip=dip, runs=arguments.runs, children=arguments.children, seed=arguments.seed))
        print(
            f"regime {regime} ({f'a {dip:g}-point drop before help' if dip else 'stable characteristics'}), "
            f"effect {EFFECT} and 0, "
            f"{arguments.runs} runs each, {arguments.children} children:"
        )
        print(table.round(3).to_string())
        for prefix, method in (("", "matched_recommended"), ("naive_", "naive_before_after")):
            row = table.loc[method]
            figures[f"{prefix}regime_{regime}_bias"] = row["bias"]
            figures[f"{prefix}regime_{regime}_rmse"] = row["rmse"]
            figures[f"{prefix}regime_{regime}_coverage"] = row["coverage"]
            figures[f"{prefix}regime_{regime}_false_findings"] = row["false_finding_rate"]
            figures[f"{prefix}regime_{regime}_covered_or_flagged"] = row["covered_or_flagged"]
    recommended = {"matched_recommended": METHODS["matched_recommended"]}
    for dip in SMALLER_DIPS:
        runs = max(arguments.runs // 2, 1)
        row = summarise(
            run_regime(dip=dip, runs=runs, children=arguments.children, seed=arguments.seed, methods=recommended)
        ).loc["matched_recommended"]
        print(
            f"smaller drop of {dip:g} points ({runs} runs each with effect {EFFECT} and 0), recommended method: "
            + " ".join(f"{key}={value:.3f}" for key, value in row.items())
        )
        figures[f"dip_{dip:g}_covered_or_flagged"] = row["covered_or_flagged"]
    simulation_seconds = time.perf_counter() - started
    seconds, estimate = time_250k(seed=arguments.seed)
    print(
        f"simulation runs took {simulation_seconds:.0f} s; "
        f"250,000 children × 9 terms: {seconds:.2f} s (estimate {estimate:.2f})"
    )
    figures["runs_seconds"] = simulation_seconds
    figures["time_250k_seconds"] = seconds
    print(" ".join(f"{key}={value:.3f}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
