"""The comparison as a person reads it: one function for ``tipsim compare`` and the report.

:func:`simulation.analysis.compare` gives numbers in the model's own units and at full
precision (what ``--format csv`` and ``--format json`` print, for other programs). A person
reads them after :func:`reading_rows`, which both the command line's table and markdown and the
report's cards and summary use, so the two can never show different figures:

- exploitation in **victim-years** (the stored ``victim_weeks_exploited`` divided by 52), the
  one unit of time for exploitation in the report, the command line and the docs;
- a relative change only where the baseline's level is large enough to make a percentage
  meaningful (:data:`MIN_BASE_FOR_PERCENT`);
- no chance of being better for the policy cost (a dearer policy is not worse for victims; the
  acceptability curves say whether it is worth its cost) nor for the cost per victim-year;
- nothing in the baseline's own rows that only a comparison has (verdict, pairing);

and :func:`cost_per_victim_year` is the one reading of the cost-effectiveness row.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from simulation.clock import WEEKS_PER_YEAR

if TYPE_CHECKING:
    import pandas as pd

READING_UNITS = {"victim_weeks_exploited": ("victim_years_exploited",
                                            "Victim-years of exploitation", WEEKS_PER_YEAR)}
"""Stored outcome -> (name, label, divisor) as read: exploitation in victim-years."""

AMOUNTS = ("mean", "ci_low", "ci_high", "difference", "difference_low", "difference_high",
           "randomness_low", "randomness_high")
"""Columns in the outcome's unit (divided when the unit changes)."""

MIN_BASE_FOR_PERCENT = 10.0
"""A relative change is shown only where the baseline's mean is at least this many of the
outcome's units (people, networks, victim-years, CU): below it one event more or less moves the
percentage by 10 points or more, so a percentage says more about the small count than about the
policy (a baseline of 0.7 networks dismantled gave '+618%'). Outcomes that are shares
(``registry.SHARE_OUTCOMES``) always have theirs."""

NO_CHANCE = ("policy_cost", "cost_per_victim_year_averted")
"""Rows without a chance of being better (see the module's text)."""

BASELINE_ONLY_BLANK = ("excludes_zero", "paired", "verdict")
"""Columns a baseline row leaves blank: it is not compared with itself."""


def reading_name(outcome: str) -> str:
    """The name an outcome is read under ('victim_weeks_exploited' -> 'victim_years_exploited')."""
    return READING_UNITS.get(outcome, (outcome,))[0]


def stored_name(outcome: str) -> str:
    """The stored outcome a reading name stands for (the inverse of :func:`reading_name`)."""
    for stored, (name, _, _) in READING_UNITS.items():
        if outcome == name:
            return stored
    return outcome


def reading_rows(table: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """``compare``'s table in the units and with the cells a person reads (see the module's
    text); numbers stay floats (``readable`` in :mod:`simulation.commands.batch` writes them)."""
    from simulation.registry import SHARE_OUTCOMES

    out = table.copy()
    if out.empty:
        return out
    for stored, (name, label, per) in READING_UNITS.items():
        rows = out["outcome"] == stored
        for column in AMOUNTS:
            if column in out:
                out.loc[rows, column] = out.loc[rows, column] / per
        out.loc[rows, "outcome"] = name
        if "label" in out:
            out.loc[rows, "label"] = label
    if "relative_change" in out and "difference" in out:
        base = {o: m for s, o, m in zip(out["scenario"], out["outcome"], out["mean"])
                if s == baseline}
        small = [o not in SHARE_OUTCOMES and not abs(base.get(o, math.nan)) >= MIN_BASE_FOR_PERCENT
                 for o in out["outcome"]]
        out.loc[small, "relative_change"] = math.nan
    for column in ("probability_better", "parameter_share"):
        if column in out:
            out.loc[out["outcome"].isin(NO_CHANCE)
                    if column == "probability_better" else
                    out["outcome"] == "cost_per_victim_year_averted", column] = math.nan
    is_base = out["scenario"] == baseline
    for column in BASELINE_ONLY_BLANK:
        if column in out:
            out[column] = out[column].astype(object)
            out.loc[is_base, column] = ""
    return out


def cost_per_victim_year(row: dict[str, Any] | None) -> dict[str, Any]:
    """The cost-effectiveness row read one way everywhere: ``value`` (the extra cost divided by
    the victim-years averted, both means over the runs or draws; NaN when the policy averts no
    exploitation on average), ``low`` and ``high`` (its interval, NaN when there is none) and
    ``why`` (why there is no interval, '' when there is one)."""
    nan = math.nan
    if row is None:
        return {"value": nan, "low": nan, "high": nan, "why": "no policy cost recorded"}
    value, low, high = (float(row.get(k, nan)) for k in ("mean", "ci_low", "ci_high"))
    if not math.isfinite(value):
        why = "the policy does not avert exploitation on average"
    elif not (math.isfinite(low) and math.isfinite(high)):
        why = "no interval: exploitation is not clearly averted in every case"
    else:
        why = ""
    return {"value": value, "low": low, "high": high, "why": why}


__all__ = ["MIN_BASE_FOR_PERCENT", "READING_UNITS", "cost_per_victim_year", "reading_name",
           "reading_rows", "stored_name"]
