"""A lever swept under parameter uncertainty: how a policy's effect, and the chance that it is
better, change with the lever's level.

An experiment with both a ``[design]`` and an ``[uncertainty]`` table runs every design point
over the same parameter draws (:mod:`simulation.studies.experiment`). For each design point this
module compares each policy with the baseline on the draws of that point alone, with the statistics
of :mod:`simulation.inference.conclusions`: the two intervals, the parameters' share and the
probability of being better. ``tipsim sweep RESULTS`` prints it.
"""

from __future__ import annotations

import pandas as pd

from simulation.model.errors import UserError


def by_design_point(results, baseline: str = "baseline", outcome: str = "victim_weeks_exploited",
                    confidence: float = 0.95) -> pd.DataFrame:
    """One row per design point and policy: the swept inputs, the effect against the baseline
    (mean, interval of randomness, interval of randomness and parameters), the parameters'
    share and the probability of being better."""
    from simulation.inference.batch_runs import as_results
    from simulation.inference.conclusions import KEYS, decompose, probability_better

    results = as_results(results)
    runs = results.runs
    if "design_point" not in runs.columns:
        raise UserError(f"{results.path}: not a sweep under uncertainty (an experiment with "
                        "both [design] and [uncertainty]); allowed: such a batch")
    if outcome not in runs.columns:
        raise UserError(f"--outcome {outcome!r}: not in {results.path}")
    scenarios = [s for s in results.scenarios if s in set(runs["scenario"])]
    if baseline not in scenarios:
        raise UserError(f"--baseline {baseline!r}: no such scenario in {results.path} "
                        f"(scenarios: {', '.join(scenarios)})")
    swept = list((results.manifest.get("design") or {}).get("inputs", []))
    rows = []
    for dp, part in runs.groupby("design_point", sort=True):
        part = part.assign(point=part["draw"])
        wide = {s: part[part["scenario"] == s].set_index(KEYS)[outcome] for s in scenarios}
        levels = {c: part[c].iloc[0] for c in swept if c in part}
        for policy in scenarios:
            if policy == baseline:
                continue
            d = (wide[policy] - wide[baseline]).dropna()
            if d.empty:
                continue
            parts = decompose(d, confidence)
            per_draw = d.groupby(level="point").mean()
            rows.append({"design_point": int(dp), **levels, "scenario": policy,
                         "outcome": outcome, "difference": parts["mean"],
                         "randomness_low": parts["randomness_low"],
                         "randomness_high": parts["randomness_high"],
                         "combined_low": parts["combined_low"],
                         "combined_high": parts["combined_high"],
                         "parameter_share": parts["parameter_share"],
                         "probability_better": probability_better(per_draw, outcome),
                         "draws": parts["draws"]})
    return pd.DataFrame(rows)


__all__ = ["by_design_point"]
