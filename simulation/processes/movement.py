"""Movement and border checks (ODD 6.3): recruits travel the network's route; each crossing
is an encounter with border officers, whose training decides whether they see a victim.

Implements ``TraffickingModel.step`` step 3. The journey is a chain of scheduled events
(``events.Departure``, ``events.Crossing``, ``events.Arrival``). At each step, a recruit whose
network has ended meanwhile is let go instead (``journey_ends``).
"""

from __future__ import annotations

from simulation import events
from simulation.agents.victim import EXPLOITED, IN_TRANSIT, RELEASED
from simulation.streams import geometric
from simulation.registry import Channel
from simulation.processes import exploitation, identification


def border_check(p, jur) -> float:
    """Chance that a crossing into ``jur`` is checked: proportional to its inspectors per
    100,000 at-risk people (the parameter is the chance at 10 per 100,000), capped."""
    inspections = jur.per_100k("labour_inspections") / 10
    return min(p["border_check_cap"], p["border_encounter"] * inspections)


def move(model) -> None:
    """The week's journey events: departures, crossings and arrivals."""
    model.move_calendar.fire_due(model.week, model)


def journey_ends(model, victim) -> None:
    """The network ended while its recruit was on the way: the victim is let go."""
    identification.end_spell(model, victim, RELEASED)


def depart(model, victim) -> None:
    if victim.network is None or not victim.network.alive:
        journey_ends(model, victim)
        return
    victim.set_status(IN_TRANSIT)
    if len(victim.network.route) == 1:
        model.move_calendar.schedule(model.week + 1,
                                     events.Arrival(victim, victim.times_trafficked))
    else:
        next_leg(model, victim, 1)


def next_leg(model, victim, leg: int) -> None:
    """The next crossing, a geometric number of weeks away (mean ``leg_weeks``)."""
    weeks = geometric(model.streams.uniform("leg weeks", leg, victim.rkey),
                      1 / model.params["leg_weeks"])
    model.move_calendar.schedule(model.week + weeks,
                                 events.Crossing(victim, victim.times_trafficked, leg))


def cross_border(model, victim, leg: int) -> None:
    """A crossing: checked with the entered jurisdiction's ``border_check``; a checked victim
    is recognised (identified, channel inspection) or misidentified as its officers' training
    decides, or passes."""
    if victim.network is None or not victim.network.alive:
        journey_ends(model, victim)
        return
    route = victim.network.route
    j = route[min(leg, len(route) - 1)]
    victim.location = j
    jur = model.jurisdictions[j]
    uniform = model.streams.uniform
    if uniform("border check", leg, victim.rkey) < jur.border_check:
        u = uniform("border recognition", leg, victim.rkey)
        if u < jur.recognition:
            identification.identify(model, victim, j, Channel.INSPECTION)
            return
        if u < jur.recognition + jur.misidentification:
            identification.misidentify(model, victim, j)
            return
    if leg + 1 < len(route):
        next_leg(model, victim, leg + 1)
    else:
        arrive(model, victim)


def arrive(model, victim) -> None:
    """The victim reaches the destination and is exploited from this week."""
    network = victim.network
    if network is None or not network.alive:
        journey_ends(model, victim)
        return
    victim.location = network.destination
    victim.set_status(EXPLOITED)
    victim.exploited_since = model.week
    model.exploited[network.destination][victim.form].add(victim)
    exploitation.open_spell_record(model, victim, network.destination, model.week)
