"""What a scenario's levers cost, week by week, from the unit costs in the registry (which a
scenario's ``[costs]`` table may override).

Bases (see ``registry.LEVERS[...].cost_basis``): capacities (officers, shelter places, outreach
workers, inspectors) cost per unit per year; training per trained officer per year; sentences
per prisoner-year actually served; reintegration per victim enrolled; capability and
implementation levers (0-1) per unit per year, times the run's scale; pair levers per pair,
split equally between the two jurisdictions; criminalisation costs nothing to run.
"""

from __future__ import annotations

import numpy as np

from simulation.registry import JURISDICTION_LEVERS, LEVERS, PAIR_LEVERS

_SPECIAL = {"training", "sentence_years", "reintegration", "criminalisation"}
_CAPACITIES = tuple(n for n in JURISDICTION_LEVERS if LEVERS[n].scales)
_INTENSITIES = tuple(n for n in JURISDICTION_LEVERS if not LEVERS[n].scales and n not in _SPECIAL)


def weekly_cost(model) -> np.ndarray:
    """Cost of this week's levers in each jurisdiction (currency units)."""
    costs = model.costs
    scale = model.scale
    out = np.zeros(len(model.jurisdictions))
    for jur in model.jurisdictions:
        lv = jur.levers
        yearly = sum(jur.scaled(n) * costs[n] for n in _CAPACITIES)
        yearly += jur.scaled("officers") * lv["training"] * costs["training"]
        yearly += scale * sum(lv[n] * costs[n] for n in _INTENSITIES)
        yearly += model.prisoners[jur.index] * costs["sentence_years"]
        out[jur.index] = yearly / 52
    enrolled = model._tally[model_column("reintegration_enrolments")]
    out += enrolled * costs["reintegration"]
    for key, levers in model.cooperation.items():
        a, b = (model.index_of[name] for name in key.split(":"))
        share = scale * sum(levers[n] * costs[n] for n in PAIR_LEVERS) / 52 / 2
        out[a] += share
        out[b] += share
    return out


def model_column(name: str) -> int:
    from simulation.registry import WEEKLY_COLUMNS
    return WEEKLY_COLUMNS.index(name)
