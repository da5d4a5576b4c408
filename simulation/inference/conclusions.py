"""Policy conclusions under parameter uncertainty, for a whole batch: each effect's two intervals,
parameter share, probability of being better and what it depends on; which policy beats which,
the ranks, and the acceptability curves (``tipsim compare`` of a batch with an ``[uncertainty]``
table).

The methods are in :mod:`simulation.inference.effect_statistics` (the analysis of variance over the
draws, the probabilities, the rank correlations) and the sentences in
:mod:`simulation.inference.effect_sentences`; their names are importable from here too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from simulation.inference.batch_runs import (as_results, check_bootstrap, chosen_outcomes, cost_row,
                                             part_runs, verdict)
from simulation.model.clock import WEEKS_PER_YEAR
from simulation.inference.effect_sentences import (MOSTLY, MOSTLY_RANDOMNESS, depends_sentence,
                                                   parameter_phrase)
from simulation.inference.effect_statistics import (CLEAR_LEVEL, MIN_DRAWS_FOR_INDICES,
                                                    acceptability, conformal_draws,
                                                    conformal_half_width, decompose,
                                                    default_thresholds, depends_on, direction,
                                                    predictive_intervals, probability_beats,
                                                    probability_better, rank_probabilities)
from simulation.model.errors import UserError
from simulation.model.registry import PARAMETERS, label
from simulation.studies.uncertainty import PREFIX

KEYS = ["point", "replication"]
COSTS = frozenset({"policy_cost", "victim_weeks_exploited"})
"""What cost-effectiveness needs: the cost, and the victim-weeks it averts."""
HEADLINE_OUTCOME = "victim_weeks_exploited"
"""The outcome whose "depends on" sentence a policy's card shows."""


# -- a whole batch ----------------------------------------------------------------------------


def is_uncertainty_batch(results) -> bool:
    return bool((results.manifest or {}).get("uncertainty"))


def conclusions(results, baseline: str = "baseline", outcomes=None, *,
                confidence: float = 0.95, form: str | None = None, group: str | None = None,
                thresholds=None) -> dict[str, Any]:
    """Every statement of an uncertainty batch, JSON-ready: ``effects`` (one per policy and
    outcome: the two intervals, parameter share, probability of being better, what it depends
    on and the sentence), ``beats`` and ``ranks`` per outcome, ``acceptability`` (the curves),
    and what was drawn. ``form`` or ``group`` restricts it to that part of the victims, as
    :func:`simulation.inference.analysis.compare` does."""
    check_bootstrap(confidence, 1)

    results = as_results(results)
    info = results.manifest.get("uncertainty") or {}
    if not info:
        raise UserError(f"{results.path}: this batch did not draw parameters (no [uncertainty] "
                        "table in its experiment); its comparison shows the model's randomness "
                        "only")
    runs, available = part_runs(results, form, group)
    scenarios = [s for s in results.scenarios if s in set(runs["scenario"])]
    if baseline not in scenarios:
        raise UserError(f"--baseline {baseline!r}: no such scenario in {results.path} "
                        f"(scenarios: {', '.join(scenarios)})")
    outcomes = chosen_outcomes(results, outcomes, available)
    policies = [s for s in scenarios if s != baseline]
    fitted = set((info.get("ensemble") or {}).get("parameters", []))
    wide, complete, draws, fixed = draw_setting(runs, scenarios)

    base_means = {o: decompose(wide[baseline][o], confidence, fixed=fixed)["mean"]
                  for o in outcomes}
    effects = []
    for policy in policies:
        for outcome in outcomes:
            e = _effect(wide, policy, baseline, outcome, complete, draws, fixed, confidence,
                        base_means[outcome])
            effects.append({
                "scenario": policy, "outcome": outcome, "label": label(outcome),
                "difference": e["mean"], "relative_change": e["relative_change"],
                **{k: e.get(k, math.nan) for k in (
                    "randomness_low", "randomness_high", "combined_low", "combined_high",
                    "parameter_share", "parameter_share_low", "parameter_share_high",
                    "parameters_clear", "probability_better")},
                "depends_on": [
                    {"parameter": r.parameter.removeprefix(PREFIX),
                     "label": PARAMETERS[r.parameter.removeprefix(PREFIX)].label,
                     "fitted": r.parameter.removeprefix(PREFIX) in fitted,
                     "index": r.index, "rho": r.rho, "p_adjusted": r.p_adjusted,
                     "clear": bool(r.clear)}
                    for r in e["indices"].head(5).itertuples()],
                "sentence": depends_sentence(e["indices"], e["parameter_share"], fitted,
                                             e["draws"]),
                "draws": e["draws"], "runs": e["runs"]})

    beats, ranks = {}, {}
    for outcome in outcomes:
        levels = _draw_levels(wide, scenarios, outcome, complete)
        if levels.empty:
            continue
        matrix = probability_beats(levels, outcome)
        beats[outcome] = [{"scenario": a, "other": b, "probability": matrix.loc[a, b]}
                          for a in scenarios for b in scenarios if a != b]
        rp = rank_probabilities(levels, outcome)
        ranks[outcome] = [{"scenario": s, "probabilities": rp.loc[s].tolist()}
                          for s in scenarios]

    return {"baseline": baseline, "confidence": confidence,
            "draws": int(len(draws)), "replications": int(results.manifest.get(
                "replications", 0)),
            "fixed_parameters": fixed,
            "ensemble": info.get("ensemble"), "sampled": info.get("sampled", {}),
            "effects": effects, "beats": beats, "ranks": ranks,
            "acceptability": _acceptability(wide, baseline, policies, complete, thresholds)}


def comparison_rows(results, runs: pd.DataFrame, scenarios: list[str], baseline: str,
                    outcomes: list[str], confidence: float) -> list[dict[str, Any]]:
    """The rows of :func:`simulation.inference.analysis.compare` for an uncertainty batch.

    ``ci_low, ci_high`` and ``difference_low, difference_high`` are the intervals of randomness
    and parameters together (so every verdict takes the parameters into account);
    ``randomness_low, randomness_high`` the model's randomness alone; ``parameter_share``,
    ``probability_better`` and ``depends_on`` (the sentence) as in :func:`conclusions`. After
    each policy's rows, its ``cost_per_victim_year_averted`` (:func:`_cost_row`)."""
    info = results.manifest.get("uncertainty") or {}
    fitted = set((info.get("ensemble") or {}).get("parameters", []))
    wide, complete, draws, fixed = draw_setting(runs, scenarios)
    levels = {(s, o): decompose(wide[s][o], confidence, fixed=fixed)
              for s in scenarios for o in outcomes}
    rows = []
    for scenario in scenarios:
        for outcome in outcomes:
            level = levels[scenario, outcome]
            row = {"scenario": scenario, "outcome": outcome, "label": label(outcome),
                   "n": level["runs"], "mean": level["mean"], "ci_low": level["combined_low"],
                   "ci_high": level["combined_high"], "difference": math.nan,
                   "difference_low": math.nan, "difference_high": math.nan,
                   "relative_change": math.nan, "excludes_zero": False, "paired": True,
                   "verdict": "", "randomness_low": math.nan, "randomness_high": math.nan,
                   "parameter_share": math.nan, "probability_better": math.nan,
                   "depends_on": ""}
            if scenario != baseline:
                e = _effect(wide, scenario, baseline, outcome, complete, draws, fixed,
                            confidence, levels[baseline, outcome]["mean"])
                low, high = e["combined_low"], e["combined_high"]
                clear = bool(low > 0 or high < 0)
                row |= {"difference": e["mean"], "difference_low": low,
                        "difference_high": high, "relative_change": e["relative_change"],
                        "excludes_zero": clear, "verdict": verdict(outcome, e["mean"], clear),
                        "randomness_low": e["randomness_low"],
                        "randomness_high": e["randomness_high"],
                        "parameter_share": e["parameter_share"],
                        "probability_better": e["probability_better"],
                        "depends_on": depends_sentence(e["indices"], e["parameter_share"],
                                                       fitted, e["draws"])}
            rows.append(row)
        if scenario != baseline and COSTS <= set(runs):
            rows.append(_cost_row(scenario, wide[baseline], wide[scenario], confidence))
    return rows


def _cost_row(scenario: str, base: pd.DataFrame, this: pd.DataFrame, confidence: float) -> dict:
    """Extra cost per victim-year of exploitation averted over the draws: the ratio of the mean
    extra cost to the mean victim-years averted, and the central ``confidence`` range of the
    draws' own ratios (each draw's mean over its paired runs), given only when every draw
    averts exploitation; the acceptability curve says the rest."""
    d = (this[list(COSTS)] - base[list(COSTS)]).dropna()
    row = cost_row(scenario, len(d), True)
    averted_all = -d["victim_weeks_exploited"].mean() / WEEKS_PER_YEAR
    if len(d) and averted_all > 0:
        row["mean"] = float(d["policy_cost"].mean() / averted_all)
    per_draw = d.groupby(level="point").mean()
    averted = -per_draw["victim_weeks_exploited"] / WEEKS_PER_YEAR
    if len(per_draw) >= 2 and (averted > 0).all():
        tail = (1 - confidence) / 2
        row["ci_low"], row["ci_high"] = (
            float(v) for v in np.quantile(per_draw["policy_cost"] / averted, [tail, 1 - tail]))
    return row


def _effect(wide, policy, baseline, outcome, complete, draws, fixed, confidence,
            base_mean: float) -> dict:
    """One policy's effect on one outcome: the two intervals (:func:`decompose`), the relative
    change against the baseline's mean ``base_mean``, the probability of being better and the
    indices of what it depends on."""
    d = (wide[policy][outcome] - wide[baseline][outcome]).dropna()
    d = d[d.index.isin(complete)]
    parts = decompose(d, confidence, fixed=fixed)
    per_draw = d.groupby(level="point").mean()
    return parts | {
        "relative_change": parts["mean"] / base_mean if base_mean else math.nan,
        "probability_better": probability_better(per_draw, outcome),
        "indices": depends_on(per_draw, draws)}


def draw_setting(runs: pd.DataFrame, scenarios: list[str]):
    """The runs by scenario, the pairs all have, the draws' parameters, and whether they vary."""
    if "design_point" in runs.columns:
        raise UserError("this batch sweeps a [design] under [uncertainty]: each design point "
                        "has its own draws; see `tipsim sweep RESULTS` "
                        "(simulation.inference.sweep)")
    params = [c for c in runs.columns if c.startswith(PREFIX)]
    draws = runs.groupby("point")[params].first().sort_index()
    fixed = all(draws[c].nunique() <= 1 for c in params)
    wide = {s: runs[runs["scenario"] == s].set_index(KEYS) for s in scenarios}
    return wide, _common_keys(wide), draws, fixed


def _common_keys(wide: dict[str, pd.DataFrame]) -> pd.Index:
    """The (point, replication) pairs every scenario has: paired comparisons use only these."""
    keys = None
    for frame in wide.values():
        keys = frame.index if keys is None else keys.intersection(frame.index)
    return keys


def _draw_levels(wide, scenarios, outcome, complete) -> pd.DataFrame:
    """Each draw's mean of ``outcome`` per scenario, over the pairs every scenario has."""
    cols = {}
    for s in scenarios:
        y = wide[s][outcome]
        cols[s] = y[y.index.isin(complete)].groupby(level="point").mean()
    return pd.DataFrame(cols).dropna()


def _acceptability(wide, baseline, policies, complete, thresholds) -> dict[str, Any]:
    if not policies or not COSTS <= set(wide[baseline].columns):
        return {"thresholds": [], "curves": []}
    per_policy = {}
    for policy in policies:
        diff = (wide[policy][list(COSTS)] - wide[baseline][list(COSTS)]).dropna()
        diff = diff[diff.index.isin(complete)].groupby(level="point").mean()
        extra = diff["policy_cost"]
        averted = -diff["victim_weeks_exploited"] / WEEKS_PER_YEAR
        per_policy[policy] = (extra, averted)
    if thresholds is None:
        ratios = np.concatenate([(e / a)[a > 0].to_numpy(float)
                                 for e, a in per_policy.values()])
        thresholds = default_thresholds(ratios)
    thresholds = np.asarray(thresholds, dtype=float)
    curves = []
    for policy, (extra, averted) in per_policy.items():
        ratio = (extra / averted)[averted > 0]
        curves.append({"scenario": policy,
                       "probabilities": acceptability(extra, averted, thresholds).tolist(),
                       "median_ratio": float(ratio.median()) if len(ratio) else math.nan,
                       "share_averting": float(np.mean(averted > 0)) if len(averted) else
                       math.nan})
    return {"thresholds": thresholds.tolist(), "curves": curves,
            "unit": "cost units (CU) per victim-year of exploitation averted"}


# the statistics (simulation.inference.effect_statistics) and the sentences
# (simulation.inference.effect_sentences) keep their old import path
__all__ = ["CLEAR_LEVEL", "COSTS", "HEADLINE_OUTCOME", "KEYS", "MIN_DRAWS_FOR_INDICES", "MOSTLY",
           "MOSTLY_RANDOMNESS", "acceptability", "comparison_rows", "conclusions",
           "conformal_draws", "conformal_half_width", "decompose", "default_thresholds",
           "depends_on", "depends_sentence", "direction", "draw_setting",
           "is_uncertainty_batch", "parameter_phrase", "predictive_intervals",
           "probability_beats", "probability_better", "rank_probabilities"]
