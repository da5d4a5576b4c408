"""Costs (ODD 6.13): what a scenario's levers cost, week by week, from the unit costs in the
registry (which a
scenario's ``[costs]`` table may override).

Bases (see ``registry.LEVERS[...].cost_basis``): capacities (officers, shelter places, outreach
workers, inspectors) cost per unit per year; training per trained officer per year; sentences
per prisoner-year actually served; reintegration per victim enrolled; capability and
implementation levers (0-1) per unit per year, times the run's scale; residence permits per
permit granted and compensation per victim compensated; pair levers per pair,
split equally between the two jurisdictions; criminalisation costs nothing to run.
"""

from __future__ import annotations

import numpy as np

from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.registry import JURISDICTION_LEVERS, LEVERS, PAIR_LEVERS, WEEKLY_INDEX

READS = ("cooperation", "costs", "index_of", "jurisdictions", "prisoners", "scale", "weekly_tally")
CHANGES = ("lever_costs",)
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""

_SPECIAL = {"training", "sentence_years", "reintegration", "criminalisation", "residence_permit",
            "targeting",
            "compensation"}
_CAPACITIES = tuple(n for n in JURISDICTION_LEVERS if LEVERS[n].scales)
_INTENSITIES = tuple(n for n in JURISDICTION_LEVERS if not LEVERS[n].scales and n not in _SPECIAL)


def weekly_cost(model) -> np.ndarray:
    """Cost of this week's levers in each jurisdiction (currency units)."""
    costs = model.costs
    fixed, pairs = model.lever_costs or _lever_costs(model)
    model.lever_costs = fixed, pairs
    tally = model.weekly_tally
    per_person = (np.array(tally[ENROLMENTS]) * costs["reintegration"]
                  + np.array(tally[PERMITS]) * costs["residence_permit"]
                  + np.array(tally[COMPENSATED]) * costs["compensation"])
    out = ((np.array(fixed) + model.prisoners * costs["sentence_years"]) / WEEKS_PER_YEAR
           + per_person).tolist()
    for a, b, share in pairs:
        out[a] += share
        out[b] += share
    return np.array(out)


def _lever_costs(model) -> tuple[list[float], list[tuple[int, int, float]]]:
    """The yearly cost of each jurisdiction's levers but prison, and each pair's weekly share.

    Levers change only when a policy moves them, so the model keeps this until then: a cache
    that ``policy.apply_policies`` alone invalidates (``model.lever_costs = None``)."""
    costs = model.costs
    scale = model.scale
    fixed = []
    for jur in model.jurisdictions:
        lv = jur.levers
        yearly = sum(jur.scaled(n) * costs[n] for n in _CAPACITIES)
        yearly += jur.scaled("officers") * lv["training"] * costs["training"]
        yearly += scale * sum(lv[n] * costs[n] for n in _INTENSITIES)
        fixed.append(yearly)
    pairs = []
    for key, levers in model.cooperation.items():
        a, b = (model.index_of[name] for name in key.split(":"))
        yearly = scale * sum(levers[n] * costs[n] for n in PAIR_LEVERS)
        pairs.append((a, b, yearly / WEEKS_PER_YEAR / 2))
    return fixed, pairs


ENROLMENTS = WEEKLY_INDEX["reintegration_enrolments"]
PERMITS = WEEKLY_INDEX["permits_granted"]
COMPENSATED = WEEKLY_INDEX["compensation_awarded"]
