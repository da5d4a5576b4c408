"""A batch's runs as the comparisons read them: which runs (the region's, a form's or a victim
group's), which outcomes, the checks of the bootstrap options, and the words of a verdict.

Shared by :func:`simulation.inference.analysis.compare` (randomness alone) and
:func:`simulation.inference.conclusions.conclusions` (randomness and parameters), which import it
and not each other.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from simulation.model.errors import UserError
from simulation.model.registry import FORM_OUTCOMES, FORMS, GROUP_OUTCOMES, OUTCOMES, VICTIM_GROUPS

KEY_OUTCOMES = (
    "new_victims", "victims_in_exploitation", "victim_weeks_exploited", "mean_weeks_exploited",
    "victims_identified", "victims_referred", "identification_rate", "victims_misidentified",
    "victims_supported", "victims_reintegrated", "victims_retrafficked", "arrests",
    "prosecutions", "convictions", "conviction_ratio", "networks_dismantled",
    "enforcement_share_of_endings", "disruptions_major", "central_members_arrested",
    "criminal_revenue", "share_confiscated", "displacement_index", "identified_online",
    "cross_border_refused", "trials_dropped",
    "policy_cost",
)
"""Outcomes :func:`simulation.inference.analysis.compare` reports unless told otherwise
(``outcomes="all"`` gives every one)."""

COST_EFFECTIVENESS = "cost_per_victim_year_averted"


def part_runs(results, form: str | None = None, group: str | None = None):
    """The runs to compare: the region's, or one form's or one victim group's (with the
    outcomes reported for it; None for the region)."""
    runs = results.runs
    if form is not None and group is not None:
        raise UserError("--form and --group: give one of them, not both")
    available = None
    for option, key, names, table in (("--form", "form", FORMS, "forms"),
                                      ("--group", "group", VICTIM_GROUPS, "groups")):
        value = form if key == "form" else group
        if value is None:
            continue
        if value not in names:
            raise UserError(f"{option} {value!r}: allowed: {', '.join(names)}")
        part = getattr(results, table)
        if part.empty or key not in part:
            raise UserError(f"{results.path}: has no results by {key} (written before they "
                            "existed); rerun the batch with --restart")
        runs = results.with_inputs(part[part[key] == value].drop(columns=[key]))
        available = [c for c in (FORM_OUTCOMES if key == "form" else GROUP_OUTCOMES)
                     if c in runs]
    return runs, available


def check_bootstrap(confidence: Any, n_resamples: Any) -> None:
    """A confidence level outside (0, 1) blanks every interval and so flips verdicts without an
    error; refuse it, and a number of resamples that is not a whole number of at least 1."""
    if (isinstance(confidence, bool) or not isinstance(confidence, (int, float, np.floating))
            or not math.isfinite(confidence) or not 0 < confidence < 1):
        raise UserError(f"--confidence {confidence!r}: allowed: a number between 0 and 1 "
                        "(exclusive), e.g. 0.95")
    from simulation.model.limits import MAX_RESAMPLES

    if (isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer))
            or not 1 <= n_resamples <= MAX_RESAMPLES):
        raise UserError(f"--resamples {n_resamples!r}: allowed: a whole number from 1 to "
                        f"{MAX_RESAMPLES:,}, e.g. 2000")


def cost_row(scenario: str, n: int, paired: bool) -> dict:
    """The ``cost_per_victim_year_averted`` row of :func:`simulation.inference.analysis.compare`,
    its numbers still empty."""
    return {"scenario": scenario, "outcome": COST_EFFECTIVENESS,
            "label": "Cost per victim-year of exploitation averted", "n": n,
            "mean": np.nan, "ci_low": np.nan, "ci_high": np.nan, "difference": np.nan,
            "difference_low": np.nan, "difference_high": np.nan, "relative_change": np.nan,
            "excludes_zero": False, "paired": paired, "verdict": ""}


def as_results(results):
    """``results`` itself, or the results a results directory holds."""
    from simulation.studies.store import load_results

    return load_results(results) if isinstance(results, (str, Path)) else results


def chosen_outcomes(results, outcomes, available: list[str] | None = None) -> list[str]:
    """The outcomes to report: the key ones by default (for a form or group, all it has)."""
    breakdown = available is not None
    available = results.outcomes if available is None else available
    if outcomes is None:
        chosen = available if breakdown else ([o for o in KEY_OUTCOMES if o in available]
                                              or available)
    elif outcomes == "all":
        chosen = available
    else:
        chosen = [outcomes] if isinstance(outcomes, str) else list(outcomes)
        unknown = [o for o in chosen if o not in available]
        if unknown:
            raise UserError(f"--outcomes: {', '.join(unknown)} not in {results.path} "
                            f"(available: {', '.join(available)})")
    return chosen


def verdict(outcome: str, difference: float, clear: bool) -> str:
    """'better' or 'worse' when the interval excludes zero and the registry says which way is
    good; 'higher'/'lower' when it does not say; 'no clear change' otherwise."""
    if not clear:
        return "no clear change"
    better = OUTCOMES[outcome].higher_is_better if outcome in OUTCOMES else None
    if better is None:
        return "higher" if difference > 0 else "lower"
    return "better" if (difference > 0) == better else "worse"
