"""A backtest's simulated statistics per year: each compared series as the country publishes it
(:func:`yearly`), the prediction's table over draws and replications (:func:`prediction_table`),
one held-out run (:func:`held_out_run`) and the worked example's observed series
(:func:`observed_example`). :mod:`simulation.studies.backtest` describes the backtest file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from simulation.model.clock import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from simulation.studies.backtest import Backtest, Compare

def yearly(weekly: pd.DataFrame, compare: Compare, first_year: int, n_years: int,
           scale: float, statistics: pd.DataFrame | None = None) -> pd.DataFrame:
    """``run_id, year, value`` of one statistic from a store's (or a run's) weekly rows, or
    for a breakdown from its published statistics (:mod:`simulation.model.statistics`; every run and
    year is counted, with 0 where there were none)."""
    if compare.published_column is not None:
        return _published(weekly, statistics, compare, first_year, n_years, scale)
    rows = weekly[(weekly["week"] >= 0) & (weekly["week"] < n_years * WEEKS_PER_YEAR)]
    if compare.jurisdictions:
        rows = rows[rows["jurisdiction"].astype(str).isin(compare.jurisdictions)]
    per_week = rows.groupby(["run_id", "week"], observed=True)[compare.statistic].sum()
    frame = per_week.reset_index()
    frame["year"] = first_year + frame["week"] // WEEKS_PER_YEAR
    how = "mean" if compare.kind == "stock" else "sum"
    out = frame.groupby(["run_id", "year"])[compare.statistic].agg(how).reset_index()
    out["value"] = out.pop(compare.statistic) * compare.factor / scale
    return out


def _published(weekly: pd.DataFrame, statistics: pd.DataFrame | None, compare: Compare,
               first_year: int, n_years: int, scale: float) -> pd.DataFrame:
    column = str(compare.published_column)
    found = statistics if statistics is not None else pd.DataFrame(
        columns=["run_id", "year", "jurisdiction", column])
    found = found[(found["year"] >= 1) & (found["year"] <= n_years)]  # policy years 1, 2...
    if compare.jurisdictions:
        found = found[found["jurisdiction"].astype(str).isin(compare.jurisdictions)]
    counts = (found.assign(year=first_year + found["year"].astype(int) - 1)
              .groupby(["run_id", "year"])[column].sum())
    runs = pd.unique(weekly["run_id"])
    grid = pd.MultiIndex.from_product([runs, range(first_year, first_year + n_years)],
                                      names=["run_id", "year"])
    out = counts.reindex(grid, fill_value=0).rename("value").reset_index()
    out["value"] = out["value"].astype(float) * compare.factor / scale
    return out


def prediction_table(bt: Backtest, results) -> pd.DataFrame:
    """The prediction: one row per series, year, draw and replication, from a finished store."""
    runs = results.runs[["run_id", "point", "replication"]]
    weekly = results.weekly
    statistics = (results.statistics if any(c.published_column for c in bt.compare)
                  else None)
    scale = bt.experiment.scenario_objects[0].scale if bt.run.scale is None else bt.run.scale
    parts = []
    for c in bt.compare:
        part = yearly(weekly, c, bt.first_year, len(bt.years), scale, statistics).merge(
            runs, on="run_id")
        part.insert(0, "series", c.key)
        parts.append(part.rename(columns={"point": "draw"}))
    table = pd.concat(parts, ignore_index=True)
    table = table[["series", "year", "draw", "replication", "value"]]
    return table.sort_values(["series", "year", "draw", "replication"]).reset_index(drop=True)


def held_out_run(bt: Backtest, seed: int, member: int,
                 source_id: str = "synthetic_held_out") -> pd.DataFrame:
    """Observed-series rows (every compared series, every year) made by one more run of the
    model itself under the lever file, with a seed and an ensemble member of one's choosing:
    the worked example's "observations", whose score is known in advance."""
    from simulation.model.runner import run
    from simulation.model.scenario import with_overrides

    members = bt.experiment.uncertainty.members
    overrides = {f"parameters.{k}": float(v) for k, v in members.iloc[member].items()}
    overrides["run.weeks"] = len(bt.years) * WEEKS_PER_YEAR
    overrides |= {f"run.{k}": v for k, v in bt.run.model_dump(exclude_none=True).items()}
    scenario = with_overrides(bt.lever_scenario, overrides)
    result = run(scenario, seed=seed)
    weekly = result.timeseries.assign(run_id="held_out")
    statistics = result.statistics().assign(run_id="held_out")
    rows = []
    for c in bt.compare:
        per_year = yearly(weekly, c, bt.first_year, len(bt.years), scenario.scale,
                          statistics)
        for _, r in per_year.iterrows():
            rows.append({"year": int(r["year"]), "series": c.series, "breakdown": c.breakdown,
                         "category": c.category, "value": round(float(r["value"]), 3),
                         "source_id": source_id,
                         "note": f"tipsim run seed {seed}, ensemble member {member}"})
    return pd.DataFrame(rows)


HELD_OUT_SEED, HELD_OUT_MEMBER, WRONG_FACTOR = 7_777, 7, 3.0
"""The worked example's held-out run (a seed no prediction run uses: theirs are spawned from
the backtest's seed) and how wrong its wrong series is."""


def observed_example(bt: Backtest) -> pd.DataFrame:
    """The worked example's observed series: the held-out run for every compared series, and
    every series whose name ends in ``_wrong`` multiplied by :data:`WRONG_FACTOR`."""
    rows = held_out_run(bt, HELD_OUT_SEED, HELD_OUT_MEMBER)
    wrong = rows["series"].str.endswith("_wrong")
    rows.loc[wrong, "value"] = (rows.loc[wrong, "value"] * WRONG_FACTOR).round(3)
    rows.loc[wrong, "source_id"] = "synthetic_wrong"
    rows.loc[wrong, "note"] += f", times {WRONG_FACTOR:g} (deliberately wrong)"
    return rows


__all__ = ["held_out_run", "observed_example", "prediction_table", "yearly"]
