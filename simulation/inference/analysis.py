"""Analysis of a batch: policy comparisons with confidence intervals, and sensitivity indices.

:func:`compare` answers "which policy works, and how sure are we": for each scenario and outcome,
the mean over replications with a bootstrap confidence interval (``scipy.stats.bootstrap``, BCa,
fixed seed so the numbers are reproducible), the difference from the baseline with its interval,
the relative change, and whether the interval excludes zero; and the cost per victim-year of
exploitation averted. When the batch used common random numbers (run *r* of every scenario has
the same seed), the difference is bootstrapped over matched pairs; otherwise the two samples are
resampled independently.

:func:`sensitivity` answers "which assumptions does the answer hinge on": Sobol first-order and
total indices (Saltelli 2010 estimators) or Morris elementary effects (mu*, sigma; Campolongo et
al. 2007), computed by SALib from a batch whose design was ``sobol`` or ``morris``. Replications
of a design point are averaged first.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from simulation.inference.batch_runs import (COST_EFFECTIVENESS, KEY_OUTCOMES, as_results,
                                             check_bootstrap, chosen_outcomes, cost_row, part_runs,
                                             verdict)
from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.errors import UserError
from simulation.model.registry import label

def compare(results, baseline: str = "baseline", outcomes=None, *, confidence: float = 0.95,
            n_resamples: int = 2000, seed: int = 0, paired: bool | None = None,
            form: str | None = None, group: str | None = None) -> pd.DataFrame:
    """A tidy table: one row per scenario and outcome.

    Columns: ``scenario, outcome, label, n, mean, ci_low, ci_high, difference, difference_low,
    difference_high, relative_change, excludes_zero, paired, verdict`` (verdict: "better" or
    "worse" by the registry's direction of good when the interval excludes zero). The
    baseline's rows have no difference. For every other scenario one more row,
    ``cost_per_victim_year_averted``:
    the extra ``policy_cost`` divided by the victim-years of exploitation averted (fewer
    ``victim_weeks_exploited`` / 52), with a bootstrap interval when the averted victim-years are
    clearly positive (otherwise the ratio has no meaning and is left empty).

    ``results`` is a :class:`~simulation.studies.store.Results` or a results directory.
    ``paired=None`` pairs runs when the batch used common random numbers. ``form`` (sexual, labour,
    criminal) or ``group`` (female, male, adult, child) compares that part of the victims only, on
    the outcomes reported for it (``registry.FORM_OUTCOMES``, ``GROUP_OUTCOMES``)."""
    check_bootstrap(confidence, n_resamples)
    results = as_results(results)
    runs = results.runs
    if runs.empty:
        raise UserError(f"{results.path}: no finished runs to compare")
    scenarios = [s for s in results.scenarios if s in set(runs["scenario"])]
    if baseline not in scenarios:
        raise UserError(f"--baseline {baseline!r}: no such scenario in {results.path} "
                        f"(scenarios: {', '.join(scenarios)})")
    runs, available = part_runs(results, form, group)
    outcomes = chosen_outcomes(results, outcomes, available)
    if results.manifest.get("uncertainty"):
        # parameters drawn per replication: intervals of randomness and parameters together
        from simulation.inference.conclusions import comparison_rows

        rows = comparison_rows(results, runs, scenarios, baseline, outcomes, confidence)
        return pd.DataFrame(rows)
    if paired is None:
        paired = bool(results.manifest.get("seeds", {}).get("common_random_numbers", False))
    keys = ["point", "replication"]
    base = runs[runs["scenario"] == baseline].set_index(keys)
    rows = []
    for scenario in scenarios:
        this = runs[runs["scenario"] == scenario].set_index(keys)
        for outcome in outcomes:
            y = this[outcome].to_numpy(float)
            y = y[np.isfinite(y)]
            mean, low, high = _mean_ci(y, confidence, n_resamples, seed)
            row = {"scenario": scenario, "outcome": outcome, "label": label(outcome),
                   "n": len(y), "mean": mean, "ci_low": low, "ci_high": high,
                   "difference": np.nan, "difference_low": np.nan, "difference_high": np.nan,
                   "relative_change": np.nan, "excludes_zero": False, "paired": paired,
                   "verdict": ""}
            if scenario != baseline:
                diff, dlow, dhigh = bootstrap_difference(base[outcome], this[outcome], paired,
                                                confidence, n_resamples, seed)
                b = base[outcome].to_numpy(float)
                base_mean = float(np.mean(b[np.isfinite(b)])) if np.isfinite(b).any() else 0.0
                row |= {"difference": diff, "difference_low": dlow, "difference_high": dhigh,
                        "relative_change": diff / base_mean if base_mean else np.nan,
                        "excludes_zero": bool(dlow > 0 or dhigh < 0)}
                row["verdict"] = verdict(outcome, diff, row["excludes_zero"])
            rows.append(row)
        if scenario != baseline and {"policy_cost", "victim_weeks_exploited"} <= set(runs):
            rows.append(_cost_effectiveness(scenario, base, this, paired, confidence,
                                            n_resamples, seed))
    return pd.DataFrame(rows)


def _mean_ci(y: np.ndarray, confidence: float, n_resamples: int, seed: int):
    if len(y) == 0:
        return np.nan, np.nan, np.nan
    mean = float(np.mean(y))
    if len(y) < 2:
        return mean, np.nan, np.nan
    low, high = _bootstrap((y,), _mean, confidence, n_resamples, seed)
    return mean, low, high


def bootstrap_difference(base: pd.Series, this: pd.Series, paired: bool, confidence: float,
                n_resamples: int, seed: int):
    if paired:
        both = pd.concat([base.rename("b"), this.rename("t")], axis=1, join="inner").dropna()
        d = (both["t"] - both["b"]).to_numpy(float)
        if len(d) >= 2:
            return _mean_ci(d, confidence, n_resamples, seed)
    b = base.dropna().to_numpy(float)
    t = this.dropna().to_numpy(float)
    if len(b) == 0 or len(t) == 0:
        return np.nan, np.nan, np.nan
    diff = float(np.mean(t) - np.mean(b))
    if len(b) < 2 or len(t) < 2:
        return diff, np.nan, np.nan
    low, high = _bootstrap((b, t), _mean_difference, confidence, n_resamples, seed)
    return diff, low, high


def _cost_effectiveness(scenario: str, base: pd.DataFrame, this: pd.DataFrame, paired: bool,
                        confidence: float, n_resamples: int, seed: int) -> dict:
    """Extra cost per victim-year of exploitation averted, with a bootstrap interval.

    Resampling indices (not values) keeps each run's cost and victim-weeks together."""
    cols = ["policy_cost", "victim_weeks_exploited"]
    b = base[cols].dropna()
    t = this[cols].dropna()
    if paired:
        joined = b.merge(t, left_index=True, right_index=True, suffixes=("_b", "_t"))
        if len(joined) >= 2:
            b = joined[[c + "_b" for c in cols]].set_axis(cols, axis=1)
            t = joined[[c + "_t" for c in cols]].set_axis(cols, axis=1)
        else:
            paired = False
    bc, bv = b["policy_cost"].to_numpy(float), b["victim_weeks_exploited"].to_numpy(float)
    tc, tv = t["policy_cost"].to_numpy(float), t["victim_weeks_exploited"].to_numpy(float)

    def ratio(ib, it, axis=-1):
        extra = tc[it].mean(axis) - bc[ib].mean(axis)
        averted = (bv[ib].mean(axis) - tv[it].mean(axis)) / WEEKS_PER_YEAR
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(averted > 0, extra / averted, np.nan)

    row = cost_row(scenario, len(t), paired)
    if len(b) == 0 or len(t) == 0:
        return row
    ib, it = np.arange(len(b)), np.arange(len(t))
    row["mean"] = float(ratio(ib, it))
    if len(b) < 2 or len(t) < 2 or not np.isfinite(row["mean"]):
        return row
    # The ratio means something only when exploitation is clearly averted: judged by the same
    # interval that compare() reports for victim_weeks_exploited, so the two rows agree.
    _, _, d_high = bootstrap_difference(base["victim_weeks_exploited"],
                                        this["victim_weeks_exploited"], paired, confidence,
                                        n_resamples, seed)
    if d_high < 0:
        row["ci_low"], row["ci_high"] = _bootstrap((ib, it), ratio, confidence, n_resamples,
                                                   seed, paired=paired, method="percentile")
    return row


def _mean(x, axis=-1):
    return np.mean(x, axis=axis)


def _mean_difference(b, t, axis=-1):
    return np.mean(t, axis=axis) - np.mean(b, axis=axis)


def _bootstrap(data: tuple, statistic, confidence: float, n_resamples: int, seed: int,
               paired: bool = False, method: str = "BCa") -> tuple[float, float]:
    """A bootstrap confidence interval; a sample without spread has a zero-width interval."""
    if all(np.ptp(d) == 0 for d in data) and data[0].dtype.kind == "f":
        value = float(statistic(*data))
        return value, value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for how in dict.fromkeys((method, "percentile")):
            res = stats.bootstrap(data, statistic, n_resamples=n_resamples, vectorized=True,
                                  paired=paired, confidence_level=confidence, method=how,
                                  rng=np.random.default_rng(seed))
            low, high = res.confidence_interval
            if np.isfinite(low) and np.isfinite(high):
                return float(low), float(high)
    return float(low), float(high)


# -- sensitivity ------------------------------------------------------------------------------


def sensitivity(results, outcomes=None, *, scenario: str | None = None,
                confidence: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Sensitivity indices of each outcome to each swept input, for a sobol or morris batch.

    Sobol: columns ``S1, S1_conf, ST, ST_conf`` (the ``_conf`` columns are half-widths of the
    confidence interval). Morris: ``mu, mu_star, mu_star_conf, sigma``. One row per scenario,
    outcome and input, the most influential input (largest ST or mu*) first. An outcome that
    never varies gets empty indices."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    results = as_results(results)
    design = results.manifest.get("design", {})
    method = design.get("method")
    if method not in ("sobol", "morris"):
        raise UserError(f"{results.path}: sensitivity needs a batch with a sobol or morris design "
                        f"(this one's design is {method or 'none'})")
    names = design["inputs"]
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[design["ranges"][n]["low"], design["ranges"][n]["high"]]
                          for n in names]}
    settings = design.get("settings", {})
    runs = results.runs
    scenarios = [scenario] if scenario else [s for s in results.scenarios
                                             if s in set(runs["scenario"])]
    outcomes = chosen_outcomes(results, outcomes)
    rows = []
    for name in scenarios:
        these = runs[runs["scenario"] == name]
        if these.empty:
            raise UserError(f"--scenario {name!r}: no finished runs in {results.path}")
        by_point = these.groupby("point")
        missing = design["points"] - by_point.ngroups
        if missing:
            raise UserError(f"{results.path}: scenario {name!r} lacks {missing} of its "
                            f"{design['points']} design points (failed or not yet run); "
                            "resume the batch before computing sensitivity")
        means = by_point[outcomes].mean().sort_index()
        x = by_point[names].first().sort_index().to_numpy(float)
        for outcome in outcomes:
            y = means[outcome].to_numpy(float)
            base = {"scenario": name, "outcome": outcome}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if method == "sobol":
                    idx = None if np.ptp(y) == 0 or not np.isfinite(y).all() else \
                        sobol_analyze.analyze(problem, y, calc_second_order=settings.get(
                            "second_order", False), conf_level=confidence, seed=seed)
                    for i, inp in enumerate(names):
                        rows.append(base | {"input": inp, **{
                            k: (float(idx[k][i]) if idx is not None else np.nan)
                            for k in ("S1", "S1_conf", "ST", "ST_conf")}})
                else:
                    idx = None if np.ptp(y) == 0 or not np.isfinite(y).all() else \
                        morris_analyze.analyze(problem, x, y, conf_level=confidence,
                                               num_levels=settings.get("levels", 4), seed=seed)
                    for i, inp in enumerate(names):
                        rows.append(base | {"input": inp, **{
                            k: (float(idx[k][i]) if idx is not None else np.nan)
                            for k in ("mu", "mu_star", "mu_star_conf", "sigma")}})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    # most influential input first within each outcome
    rank = "ST" if method == "sobol" else "mu_star"
    table["_order"] = table["scenario"].map({s: i for i, s in enumerate(scenarios)})
    table["_outcome"] = table["outcome"].map({o: i for i, o in enumerate(outcomes)})
    table = table.sort_values(["_order", "_outcome", rank], ascending=[True, True, False],
                              na_position="last", kind="stable")
    return table.drop(columns=["_order", "_outcome"]).reset_index(drop=True)


# KEY_OUTCOMES, COST_EFFECTIVENESS, part_runs and cost_row live in simulation.inference.batch_runs
# (shared with simulation.inference.conclusions) and are still importable from here
__all__ = ["COST_EFFECTIVENESS", "KEY_OUTCOMES", "bootstrap_difference", "compare", "cost_row",
           "part_runs", "sensitivity"]
