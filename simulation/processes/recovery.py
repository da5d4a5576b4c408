"""Recovery and re-trafficking (ODD 6.12): when a person leaves the pathway, the time until
they are trafficked again (if ever) is drawn from a fading hazard; at that time a network
recruiting in their origin takes them.

Implements ``TraffickingModel.step`` step 12 (``events.Retrafficking``).
"""

from __future__ import annotations

import math

from simulation import events
from simulation.clock import weeks_from_years
from simulation.processes import online
from simulation.agents.victim import MISIDENTIFIED, RECRUITED, RETURNED
from simulation.registry import WEEKLY_INDEX
from simulation.streams import chain

NEW_VICTIMS, RETRAFFICKED = WEEKLY_INDEX["new_victims"], WEEKLY_INDEX["victims_retrafficked"]
RELATIVE_RISK = {MISIDENTIFIED: "retrafficking_risk_misidentified",
                 "returned_supported": "retrafficking_risk_supported",
                 "reintegrated": "retrafficking_risk_reintegrated"}
"""How a person left, where it changes their risk; every other way out (released,
self-rescued, returned without support) has relative risk 1."""


def leave_pathway(model, victim, status: str, supported: bool) -> None:
    """Leave support: reintegrated, or returned with or without support."""
    victim.set_status(status)
    how = status if status != RETURNED or not supported else "returned_supported"
    schedule_retrafficking(model, victim, how)


def schedule_retrafficking(model, victim, how: str) -> None:
    """Draw when (if ever) this person is trafficked again.

    The hazard ``h * exp(-t / T)`` (T = ``risk_fade_years``) fades after exit; its integral
    gives the chance of ever being re-trafficked, ``1 - exp(-h * T)``, and inverting it gives
    the time. ``h`` is the base hazard times the relative risk of how they left, lowered by
    awareness in their origin.
    """
    p = model.params
    awareness = model.jurisdictions[victim.origin].levers["awareness"]
    fade = p["risk_fade_years"]
    risk = RELATIVE_RISK.get(how)
    h = (p["retrafficking_hazard"] * (1.0 if risk is None else p[risk])
         * (1 - p["awareness_retrafficking"] * awareness))
    total = h * fade
    e = -math.log(1.0 - model.streams.uniform("retrafficking time", victim.rkey))  # Exp(1)
    if e >= total:
        return
    years = -fade * math.log(1 - e / total)
    model.recovery_calendar.schedule(model.week + weeks_from_years(years),
                                     events.Retrafficking(victim, victim.times_trafficked))


def recover(model) -> None:
    model.network_index.new_week_of_recruiting()
    model.recovery_calendar.fire_due(model.week, model)


def retraffic(model, victim) -> None:
    """A former victim is trafficked again by a network recruiting where they live (chosen in
    proportion to recruitment rates), if any."""
    candidates, keys, rates = model.network_index.recruiting_in(victim.origin)
    if not candidates:
        return
    network = candidates[model.streams.race("retrafficking network", (victim.rkey,), keys,
                                            rates)]
    victim.times_trafficked += 1
    victim.rkey = chain(victim.key, victim.times_trafficked)
    victim.network = network
    victim.online = online.recruited_online(model, network, victim.rkey)
    victim.form = network.form
    victim.location = network.origin
    victim.identified_by = None
    victim.testified = False
    victim.set_status(RECRUITED)
    network.victims.add(victim)
    tally = model.weekly_tally
    tally[NEW_VICTIMS][network.origin] += 1
    tally[RETRAFFICKED][network.origin] += 1
    model.tally_victim("new_victims", victim)
    model.move_calendar.schedule(model.week + 1,
                                 events.Departure(victim, victim.times_trafficked))
