"""Policy conclusions under parameter uncertainty: what survives what is not known.

A batch run with an ``[uncertainty]`` table (:mod:`simulation.uncertainty`) gives each scenario
*K* parameter draws, each run with *M* seeds, paired across scenarios. This module turns it into
the statements a policymaker needs:

**Two intervals for every effect.** The runs of one draw differ only by chance; the draws differ
by their parameters. A one-way random-effects analysis of variance over the draws separates the
two (the method O'Hagan, Stevenson and Madan 2007, *Health Economics* 16(10), recommend for
probabilistic sensitivity analysis of patient-level simulations): the within-draw variance
:math:`\\sigma^2_w` (the model's randomness) and the between-draw variance
:math:`\\sigma^2_b` (the parameters'; method of moments, floored at zero). With
:math:`\\hat\\mu` the mean of the draws' means,

- *randomness only*: :math:`\\hat\\mu \\pm t\\,\\sqrt{\\sigma^2_w / N}` (for *N* = *KM* runs),
  the interval the batch would give if the parameters were known: what ``tipsim compare`` gave
  before this table existed;
- *randomness and parameters*: :math:`\\hat\\mu \\pm t\\,\\sqrt{\\sigma^2_b (1 + 1/K) +
  \\sigma^2_w / N}`, where the effect may lie given both (Satterthwaite's degrees of freedom);
- *parameter share*: the part of the second variance that comes from the parameters. Near 1,
  more replications would not narrow the interval; better evidence on the parameters would.

When every draw has the same parameter values the between-draw variance is zero by
construction and the two intervals are the same.

**Probabilities** are proportions over the draws, each draw's effect being the mean of its *M*
paired runs (so they include some of the randomness, less with more replications): that a policy
is better than the baseline, that one policy beats another, that a scenario holds each rank,
and, for cost-effectiveness, that the extra cost per victim-year of exploitation averted is
below a threshold *λ*, i.e. that the net benefit *λ*·(victim-years averted) − (extra cost) is
positive: the cost-effectiveness acceptability curve of health economics (Fenwick, Claxton and
Sculpher 2001, *Health Economics* 10(8)).

**What each conclusion depends on.** For each effect and each parameter that varies over the
draws, the squared Spearman rank correlation between the parameter and the draws' effects: the
share of the effect's spread that the parameter explains alone when the effect is monotone in
it (Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*, section 1.2.5; Helton and
Davis 2003, *Reliability Engineering and System Safety* 81). A parameter counts as deciding the
effect when its correlation is distinguishable from zero after Holm's correction over all the
parameters varied, so chance correlations among many parameters and few draws do not make a
sentence.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulation.errors import UserError
from simulation.registry import OUTCOMES, PARAMETERS, label
from simulation.uncertainty import PREFIX

WEEKS_PER_YEAR = 52.0
KEYS = ["point", "replication"]
HEADLINE_OUTCOME = "victim_weeks_exploited"
"""The outcome whose "depends on" sentence a policy's card shows."""
MIN_DRAWS_FOR_INDICES = 10
"""Fewer draws than this give rank correlations too coarse to name what an effect depends on."""


# -- the analysis of variance -----------------------------------------------------------------


def decompose(values: pd.Series, confidence: float = 0.95, *, fixed: bool = False
              ) -> dict[str, float]:
    """The two intervals of a mean over draws: ``values`` indexed by (point, replication).

    Returns ``mean, randomness_low, randomness_high, combined_low, combined_high,
    parameter_share, within_variance, between_variance, draws, runs``. ``fixed``: the draws
    share their parameters, so no variance is theirs."""
    v = pd.Series(values, dtype=float).dropna()
    out = dict.fromkeys(("mean", "randomness_low", "randomness_high", "combined_low",
                         "combined_high", "parameter_share", "within_variance",
                         "between_variance"), math.nan)
    point = v.index.get_level_values("point")
    sizes = v.groupby(point).size()
    k, n = len(sizes), int(sizes.sum())
    out |= {"draws": k, "runs": n}
    if k == 0:
        return out
    means = v.groupby(point).mean()
    mean = float(means.mean())  # each draw counts once: draws are the parameter distribution
    out["mean"] = mean
    df_w = n - k
    if df_w < 1:
        return out
    deviations = v.to_numpy() - means.reindex(point).to_numpy()
    within = float(np.sum(deviations ** 2) / df_w)
    between = 0.0
    if k >= 2 and not fixed:
        msb = float(np.sum(sizes * (means - v.mean()) ** 2) / (k - 1))
        n0 = (n - float(np.sum(sizes ** 2)) / n) / (k - 1)
        between = max(0.0, (msb - within) / n0)
    var_random = within * float(np.sum(1.0 / sizes)) / k ** 2
    var_params = between * (1.0 + 1.0 / k)
    var_total = var_random + var_params
    if var_params > 0 and k >= 2:  # Satterthwaite: each part with its own degrees of freedom
        df_c = var_total ** 2 / (var_params ** 2 / (k - 1) + var_random ** 2 / df_w)
    else:
        df_c = df_w
    q = 0.5 + confidence / 2
    half_r = float(stats.t.ppf(q, df_w)) * math.sqrt(var_random)
    half_c = float(stats.t.ppf(q, df_c)) * math.sqrt(var_total)
    out |= {"randomness_low": mean - half_r, "randomness_high": mean + half_r,
            "combined_low": mean - half_c, "combined_high": mean + half_c,
            "parameter_share": var_params / var_total if var_total > 0 else 0.0,
            "within_variance": within, "between_variance": between}
    return out


# -- probabilities ----------------------------------------------------------------------------


def direction(outcome: str) -> int:
    """+1 when more is better, -1 when less is, 0 when the registry does not say."""
    if outcome == "cost_per_victim_year_averted":
        return -1
    better = OUTCOMES[outcome].higher_is_better if outcome in OUTCOMES else None
    return 0 if better is None else (1 if better else -1)


def _share_true(better: np.ndarray, tie: np.ndarray) -> float:
    """A proportion where ties count half."""
    if len(better) == 0:
        return math.nan
    return float((np.sum(better) + 0.5 * np.sum(tie)) / len(better))


def probability_better(effects, outcome: str) -> float:
    """The share of draws whose effect (policy minus baseline) is better; ties count half.
    NaN when the registry does not say which way is better."""
    sign = direction(outcome)
    d = np.asarray(effects, dtype=float)
    d = d[np.isfinite(d)]
    if sign == 0:
        return math.nan
    return _share_true(sign * d > 0, d == 0)


def probability_beats(levels: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """P(row scenario better than column scenario): ``levels`` is one row per draw, one column
    per scenario (each draw's mean). The diagonal is empty."""
    sign = direction(outcome) or 1
    names = list(levels.columns)
    x = levels.to_numpy(float)
    out = pd.DataFrame(np.nan, index=names, columns=names)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                out.loc[a, b] = _share_true(sign * (x[:, i] - x[:, j]) > 0, x[:, i] == x[:, j])
    return out


def rank_probabilities(levels: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """P(scenario holds rank r), rank 1 the best: one row per scenario, one column per rank.
    Tied scenarios in a draw share their ranks equally."""
    sign = direction(outcome) or 1
    x = -sign * levels.to_numpy(float)  # smaller is better after this
    n_draws, n = x.shape
    counts = np.zeros((n, n))
    for row in x:
        for value in np.unique(row):
            tied = np.flatnonzero(row == value)
            first = int(np.sum(row < value))
            counts[np.ix_(tied, np.arange(first, first + len(tied)))] += 1.0 / len(tied)
    return pd.DataFrame(counts / max(n_draws, 1), index=list(levels.columns),
                        columns=range(1, n + 1))


def acceptability(extra_cost, averted, thresholds) -> np.ndarray:
    """The cost-effectiveness acceptability curve: for each threshold λ (cost per victim-year
    averted), the share of draws whose net benefit λ·averted − extra_cost is positive (ties
    count half)."""
    cost = np.asarray(extra_cost, dtype=float)
    gain = np.asarray(averted, dtype=float)
    keep = np.isfinite(cost) & np.isfinite(gain)
    cost, gain = cost[keep], gain[keep]
    out = []
    for lam in np.asarray(thresholds, dtype=float):
        net = lam * gain - cost
        out.append(_share_true(net > 0, net == 0))
    return np.array(out)


def default_thresholds(ratios, n: int = 41) -> np.ndarray:
    """0 and ``n - 1`` thresholds evenly spaced in log scale around the draws' positive cost
    ratios, from a tenth of the smallest to ten times the largest (rounded to powers of 10)."""
    r = np.asarray(ratios, dtype=float)
    r = r[np.isfinite(r) & (r > 0)]
    if len(r) == 0:
        return np.array([0.0])
    low = 10.0 ** (math.floor(math.log10(r.min())) - 1)
    high = 10.0 ** (math.ceil(math.log10(r.max())) + 1)
    return np.concatenate([[0.0], np.geomspace(low, high, n - 1)])


# -- what an effect depends on ----------------------------------------------------------------


def depends_on(effects: pd.Series, draws: pd.DataFrame, confidence: float = 0.95
               ) -> pd.DataFrame:
    """Which varied parameters decide an effect: ``effects`` (one value per draw, indexed by
    point) against ``draws`` (one row per point, one column per parameter).

    Columns ``parameter, index`` (squared Spearman correlation), ``rho, p_value, p_adjusted``
    (Holm over the parameters) and ``clear`` (adjusted p below 1 − confidence), the largest
    index first. Parameters that do not vary over the draws are left out."""
    columns = ["parameter", "index", "rho", "p_value", "p_adjusted", "clear"]
    y = pd.Series(effects, dtype=float)
    x = draws.reindex(y.index)
    keep = y.notna().to_numpy()
    y, x = y[keep], x[keep]
    varied = [c for c in x.columns if x[c].nunique() > 1]
    if len(y) < MIN_DRAWS_FOR_INDICES or not varied or y.nunique() < 2:
        return pd.DataFrame(columns=columns)
    rows = []
    for name in varied:
        rho, p = stats.spearmanr(x[name].to_numpy(float), y.to_numpy(float))
        rows.append({"parameter": name, "rho": float(rho), "p_value": float(p)})
    table = pd.DataFrame(rows)
    table["index"] = table["rho"] ** 2
    finite = table["p_value"].notna()
    table["p_adjusted"] = np.nan
    if finite.any():
        table.loc[finite, "p_adjusted"] = holm(table.loc[finite, "p_value"])
    table["clear"] = table["p_adjusted"] < (1 - confidence)
    table = table.sort_values("index", ascending=False, kind="stable").reset_index(drop=True)
    return table[columns]


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment of p-values (Holm 1979, *Scandinavian Journal of
    Statistics* 6(2)): the k-th smallest of m times (m - k + 1), made non-decreasing, at most 1.

    The same numbers as statsmodels' ``multipletests(method="holm")``, which calls
    ``gc.collect()`` on every call: about 0.13 s each in a process holding a batch, so five of
    the seven seconds ``compare`` took on a 72-run batch."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    return adjusted


def parameter_phrase(name: str, fitted: bool) -> str:
    """A parameter in words: its label, range and evidence."""
    p = PARAMETERS[name]
    what = p.label[0].lower() + p.label[1:]
    low, high = _value(p.low, p.unit), _value(p.high, p.unit)
    if fitted:
        return f"{what} (calibrated to published figures; prior range {low} to {high})"
    source = p.source.strip()
    if source.lower().startswith("assumption"):
        evidence = "an assumption, no direct evidence"
    else:
        evidence = f"source: {source.rstrip('.')}"
    return f"{what} (assumed {low} to {high}; {evidence})"


def _value(x: float, unit: str) -> str:
    if unit in ("share", "probability") and 0 <= x <= 1:
        return f"{100 * x:.0f}%"
    return f"{x:g}"


def depends_sentence(table: pd.DataFrame, parameter_share: float, fitted: set[str],
                     n_draws: int) -> str:
    """The card's sentence: what the size of an effect depends on, in plain words."""
    if not math.isfinite(parameter_share):
        return ""
    if parameter_share < 0.25:
        return (f"Most of the uncertainty in this effect is the model's randomness "
                f"({100 * (1 - parameter_share):.0f}% of its variance); more replications "
                "would narrow it.")
    clear = table[table["clear"]] if len(table) else table
    if n_draws < MIN_DRAWS_FOR_INDICES:
        return (f"The parameters account for {100 * parameter_share:.0f}% of the uncertainty "
                f"in this effect; {n_draws} draws are too few to say which (at least "
                f"{MIN_DRAWS_FOR_INDICES} are needed).")
    if clear.empty:
        return (f"The parameters account for {100 * parameter_share:.0f}% of the uncertainty "
                f"in this effect, but with {n_draws} draws no single parameter stands out.")
    names = [p.removeprefix(PREFIX) for p in clear["parameter"][:2]]
    phrases = [parameter_phrase(n, n in fitted) for n in names]
    first = ("This effect depends mostly on " if clear["index"].iloc[0] >= 0.5
             else "This effect depends above all on ")
    text = first + phrases[0]
    if len(phrases) > 1:
        text += ", then on " + phrases[1]
    return text + "."


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
    :func:`simulation.analysis.compare` does."""
    from simulation.analysis import _check_bootstrap, _outcomes, _results, part_runs

    _check_bootstrap(confidence, 1)

    results = _results(results)
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
    outcomes = _outcomes(results, outcomes, available)
    policies = [s for s in scenarios if s != baseline]
    fitted = set((info.get("ensemble") or {}).get("parameters", []))
    wide, complete, draws, fixed = _setting(runs, scenarios)

    effects = []
    for policy in policies:
        for outcome in outcomes:
            e = _effect(wide, policy, baseline, outcome, complete, draws, fixed, confidence)
            effects.append({
                "scenario": policy, "outcome": outcome, "label": label(outcome),
                "difference": e["mean"], "relative_change": e["relative_change"],
                **{k: e[k] for k in ("randomness_low", "randomness_high", "combined_low",
                                     "combined_high", "parameter_share",
                                     "probability_better")},
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
    """The rows of :func:`simulation.analysis.compare` for an uncertainty batch.

    ``ci_low, ci_high`` and ``difference_low, difference_high`` are the intervals of randomness
    and parameters together (so every verdict takes the parameters into account);
    ``randomness_low, randomness_high`` the model's randomness alone; ``parameter_share``,
    ``probability_better`` and ``depends_on`` (the sentence) as in :func:`conclusions`."""
    from simulation.analysis import _verdict

    info = results.manifest.get("uncertainty") or {}
    fitted = set((info.get("ensemble") or {}).get("parameters", []))
    wide, complete, draws, fixed = _setting(runs, scenarios)
    rows = []
    for scenario in scenarios:
        for outcome in outcomes:
            level = decompose(wide[scenario][outcome], confidence, fixed=fixed)
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
                            confidence)
                low, high = e["combined_low"], e["combined_high"]
                clear = bool(low > 0 or high < 0)
                row |= {"difference": e["mean"], "difference_low": low,
                        "difference_high": high, "relative_change": e["relative_change"],
                        "excludes_zero": clear, "verdict": _verdict(outcome, e["mean"], clear),
                        "randomness_low": e["randomness_low"],
                        "randomness_high": e["randomness_high"],
                        "parameter_share": e["parameter_share"],
                        "probability_better": e["probability_better"],
                        "depends_on": depends_sentence(e["indices"], e["parameter_share"],
                                                       fitted, e["draws"])}
            rows.append(row)
    return rows


def _effect(wide, policy, baseline, outcome, complete, draws, fixed, confidence) -> dict:
    """One policy's effect on one outcome: the two intervals (:func:`decompose`), the relative
    change, the probability of being better and the indices of what it depends on."""
    d = (wide[policy][outcome] - wide[baseline][outcome]).dropna()
    d = d[d.index.isin(complete)]
    parts = decompose(d, confidence, fixed=fixed)
    per_draw = d.groupby(level="point").mean()
    base_mean = decompose(wide[baseline][outcome], confidence, fixed=fixed)["mean"]
    return parts | {
        "relative_change": parts["mean"] / base_mean if base_mean else math.nan,
        "probability_better": probability_better(per_draw, outcome),
        "indices": depends_on(per_draw, draws, confidence)}


def _setting(runs: pd.DataFrame, scenarios: list[str]):
    """The runs by scenario, the pairs all have, the draws' parameters, and whether they vary."""
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
    need = {"policy_cost", "victim_weeks_exploited"}
    if not policies or not need <= set(wide[baseline].columns):
        return {"thresholds": [], "curves": []}
    per_policy = {}
    for policy in policies:
        diff = (wide[policy][list(need)] - wide[baseline][list(need)]).dropna()
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


__all__ = ["acceptability", "conclusions", "decompose", "depends_on", "depends_sentence",
           "holm", "is_uncertainty_batch", "probability_beats", "probability_better",
           "rank_probabilities"]
