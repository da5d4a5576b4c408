"""What an effect depends on, in words: the sentence under each effect of an uncertainty batch
(``tipsim compare --format json`` carries it, the dashboard's cards show it), from the indices
of :func:`simulation.inference.effect_statistics.depends_on`."""

from __future__ import annotations

import math

import pandas as pd

from simulation.inference.effect_statistics import MIN_DRAWS_FOR_INDICES
from simulation.model.registry import PARAMETERS
from simulation.studies.uncertainty import PREFIX

MOSTLY_RANDOMNESS = 0.25
"""Below this parameter share, the sentence says the effect's uncertainty is mostly randomness."""
MOSTLY = 0.5
"""A parameter whose squared rank correlation reaches this is what the effect "depends mostly
on" (it explains at least half the spread); a smaller clear one is what it depends on "above
all"."""


def parameter_phrase(name: str, fitted: bool) -> str:
    """A parameter in words: its label, range and evidence."""
    p = PARAMETERS[name]
    what = p.label[0].lower() + p.label[1:]
    low, high = _value(p.low, p.unit), _value(p.high, p.unit)
    if fitted:
        return f"{what} (calibrated to published figures; prior range {low} to {high})"
    from simulation.model.evidence import kind_phrase

    return f"{what} (assumed {low} to {high}; evidence: {kind_phrase(name)})"


def _value(x: float, unit: str) -> str:
    if unit in ("share", "probability") and -1 <= x <= 1:
        return f"{100 * x:.0f}%"
    return f"{x:g}"


def depends_sentence(table: pd.DataFrame, parameter_share: float, fitted: set[str],
                     n_draws: int) -> str:
    """The card's sentence: what the size of an effect depends on, in plain words."""
    if not math.isfinite(parameter_share):
        return ""
    if parameter_share == 0:
        return ("The draws differ no more than the model's randomness could make them, so "
                "this batch cannot tell how much of this effect's uncertainty is the "
                "parameters'; the wider interval allows for both, and more draws and "
                "replications would tell them apart.")
    if parameter_share < MOSTLY_RANDOMNESS:
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
    first = ("This effect depends mostly on " if clear["index"].iloc[0] >= MOSTLY
             else "This effect depends above all on ")
    text = first + phrases[0]
    if len(phrases) > 1:
        text += ", then on " + phrases[1]
    return text + "."
