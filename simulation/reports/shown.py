"""The comparison as a person reads it: one function for ``tipsim compare`` and the report.

:func:`simulation.inference.analysis.compare` gives numbers in the model's own units and at full
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
from typing import TYPE_CHECKING, Any, cast

from simulation.model.clock import WEEKS_PER_YEAR

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
    text); numbers stay floats (:func:`readable` writes them)."""
    from simulation.model.registry import SHARE_OUTCOMES

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


INTERVAL = ("mean", "ci_low", "ci_high")
"""Columns of ``compare`` that are an estimate and its confidence interval."""
DIFFERENCES = ("difference", "difference_low", "difference_high")
"""Columns of ``compare`` that are differences from the baseline, shown with their sign."""
RANDOMNESS = ("difference", "randomness_low", "randomness_high")
"""Under parameter uncertainty: the difference and its interval of randomness alone."""
ROUNDED_TOGETHER = ((INTERVAL, True), (DIFFERENCES, True), (RANDOMNESS, False))
"""Estimate-and-interval columns rounded alike, and whether the group writes the estimate's own
cell (the randomness interval shares ``difference`` with :data:`DIFFERENCES`, which writes it)."""
RELATIVE = ("relative_change",)
"""Columns that are fractions of the baseline's level, shown as signed percentages."""
PROPORTIONS = ("parameter_share", "probability_better")
"""Columns that are proportions, shown as unsigned percentages."""


def readable(table: pd.DataFrame, minus: str = "-") -> pd.DataFrame:
    """Every cell as text a person reads easily: numbers to three significant figures with
    thousands separators (M and bn for millions and billions), differences signed, relative
    changes as percentages, outcomes that are shares (``registry.SHARE_OUTCOMES``) as
    percentages with their differences in percentage points, chances as whole percentages
    (``display.fmt_chance``), whole numbers as they are, yes or no for flags and blank for a
    missing number. Minus signs are ASCII by default so terminals and pipes show them anywhere
    (the report passes the true minus sign).

    >>> import pandas as pd
    >>> shown = readable(pd.DataFrame({"outcome": ["victims_identified", "conviction_ratio"],
    ...                                "mean": [703612.4, 0.4213], "difference": [-1234.5, 0.031],
    ...                                "relative_change": [-0.0525, 0.08]}))
    >>> shown.iloc[0].tolist()
    ['victims_identified', '704,000', '-1,230', '-5.2%']
    >>> shown.iloc[1].tolist()
    ['conviction_ratio', '42%', '+3.1 pp', '+8.0%']
    """
    import pandas as pd

    from simulation.model.registry import SHARE_OUTCOMES

    share = (table["outcome"].isin(SHARE_OUTCOMES) if "outcome" in table
             else pd.Series(False, index=table.index))
    shown = pd.DataFrame({column: [_cell(value, column, is_share, minus=minus)
                                   for value, is_share
                                   in zip(table[column], share)]
                          for column in table.columns}, index=table.index)
    # an estimate and its interval are rounded alike, with as many figures as it takes (up to
    # six) to tell the three apart
    for columns, owns_estimate in ROUNDED_TOGETHER:
        if not set(columns) <= set(table.columns):
            continue
        written = slice(0 if owns_estimate else 1, 3)
        for i, (value, low, high), is_share in zip(table.index, table[list(columns)].values,
                                                   share):
            for figures in range(3, 7):
                cells = [_cell(v, columns[0], is_share, figures, minus)
                         for v in (value, low, high)]
                if len(set(cells)) == 3 or not high - low > 1e-9 * abs(value):
                    break
            shown.loc[i, list(columns[written])] = cells[written]
    return shown


def _cell(value, column: str = "", share: bool = False, figures: int = 3,
          minus: str = "-") -> str:
    import numpy as np

    from simulation.model.display import fmt_chance, fmt_number, fmt_percent, fmt_points

    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        value = cast(float, value)  # a numpy float formats as the float it is
        if math.isnan(value):
            return ""
        if column in RELATIVE:
            return fmt_percent(value, minus=minus)
        if column in PROPORTIONS:
            return fmt_chance(value)
        signed = column in DIFFERENCES + RANDOMNESS
        if share:  # percentages; more decimals when more figures are needed
            decimals = None if figures == 3 else figures - 3
            return (fmt_points(value, minus=minus, decimals=decimals) if signed else
                    fmt_percent(value, signed=False, minus=minus, decimals=decimals))
        return fmt_number(value, signed, minus=minus, figures=figures)
    return str(value)


__all__ = ["MIN_BASE_FOR_PERCENT", "READING_UNITS", "cost_per_victim_year", "readable",
           "reading_name", "reading_rows", "stored_name"]
