"""Policy schedule (ODD 6.1): timed policies set lever values, ramping if asked, until their end.

Implements ``TraffickingModel.step`` step 1.
"""

from __future__ import annotations

from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.registry import PAIR_LEVERS
from simulation.model.scenario import pair_key

READS = ("cooperation", "cooperation_base", "index_of", "jurisdictions", "params", "spec",
         "week")
CHANGES = ("lever_costs",)
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""


def apply_policies(model) -> None:
    """Set every lever to its base value or to the value of the latest policy in force, and
    refresh what depends on the levers that changed; at the start of each policy year after
    the first, with first responders' referrals growing (``first_responder_growth``), refresh
    every jurisdiction (:func:`identification.responder_growth`)."""
    if (model.params["first_responder_growth"] and model.week > 0
            and model.week % WEEKS_PER_YEAR == 0):
        for jur in model.jurisdictions:
            jur.refresh()
    if not model.spec.policies:
        return
    targets: dict[tuple, object] = {}
    for policy in model.spec.policies:
        if model.week < policy.start_week:
            continue
        if policy.end_week is not None and model.week >= policy.end_week:
            continue
        for place in _places(model, policy):
            targets[(place, policy.lever)] = policy
    for place in [j.name for j in model.jurisdictions] + list(model.cooperation):
        if ":" in place:  # a pair's levers
            jur = None
            base, current = model.cooperation_base[place], model.cooperation[place]
        else:
            jur = model.jurisdictions[model.index_of[place]]
            base, current = jur.base_levers, jur.levers
        changed = False
        for lever in base:
            policy = targets.get((place, lever))
            value = base[lever] if policy is None else _ramped(model, policy, base[lever])
            if current[lever] != value:
                current[lever] = value
                changed = True
        if changed:
            model.lever_costs = None  # the one place that invalidates costs' cache
            if jur is not None:
                jur.refresh()


def _places(model, policy) -> list[str]:
    if policy.where == "*":
        return list(model.cooperation) if policy.lever in PAIR_LEVERS else [
            j.name for j in model.jurisdictions]
    if ":" in policy.where:
        return [pair_key(*policy.where.split(":"))]
    return [policy.where]


def _ramped(model, policy, base):
    done = model.week - policy.start_week + 1
    if policy.ramp_weeks and done < policy.ramp_weeks and not isinstance(base, list):
        return base + (policy.value - base) * done / policy.ramp_weeks
    return policy.value
