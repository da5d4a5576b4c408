"""Movement and border checks (ODD 6.3): recruits travel the network's route; each crossing
is an encounter with border officers, whose training decides whether they see a victim.

Implements ``TraffickingModel.step`` step 3. The journey is a chain of scheduled events
(``events.Departure``, ``events.Crossing``, ``events.Arrival``). At each step, a recruit whose
network has ended meanwhile is let go instead (``journey_ends``).
"""

from __future__ import annotations

from simulation import events
from simulation.agents.victim import Status
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


def journey_ends(model, v: int) -> None:
    """The network ended while its recruit was on the way: the victim is let go."""
    identification.end_spell(model, v, Status.RELEASED)


def _network_gone(model, v: int) -> bool:
    network = model.victims.network[v]
    return network is None or not network.alive


def depart(model, v: int) -> None:
    if _network_gone(model, v):
        journey_ends(model, v)
        return
    victims = model.victims
    victims.set_status(v, Status.IN_TRANSIT, model.week)
    if len(victims.network[v].route) == 1:
        model.move_calendar.schedule(model.week + 1,
                                     events.Arrival(v, int(victims.times_trafficked[v])))
    else:
        next_leg(model, v, 1)


def next_leg(model, v: int, leg: int) -> None:
    """The next crossing, a geometric number of weeks away (mean ``leg_weeks``)."""
    victims = model.victims
    weeks = geometric(model.streams.uniform("leg weeks", leg, int(victims.rkey[v])),
                      1 / model.params["leg_weeks"])
    model.move_calendar.schedule(model.week + weeks,
                                 events.Crossing(v, int(victims.times_trafficked[v]), leg))


def cross_border(model, v: int, leg: int) -> None:
    """A crossing: checked with the entered jurisdiction's ``border_check``; a checked victim
    is recognised (identified, channel inspection) or misidentified as its officers' training
    decides, or passes."""
    if _network_gone(model, v):
        journey_ends(model, v)
        return
    victims = model.victims
    route = victims.network[v].route
    j = route[min(leg, len(route) - 1)]
    victims.location[v] = j
    jur = model.jurisdictions[j]
    uniform = model.streams.uniform
    rkey = int(victims.rkey[v])
    if uniform("border check", leg, rkey) < jur.border_check:
        u = uniform("border recognition", leg, rkey)
        if u < jur.recognition:
            identification.identify(model, v, j, Channel.INSPECTION)
            return
        if u < jur.recognition + jur.misidentification:
            identification.misidentify(model, v, j)
            return
    if leg + 1 < len(route):
        next_leg(model, v, leg + 1)
    else:
        arrive(model, v)


def arrive(model, v: int) -> None:
    """The victim reaches the destination and is exploited from this week."""
    if _network_gone(model, v):
        journey_ends(model, v)
        return
    victims = model.victims
    network = victims.network[v]
    victims.location[v] = network.destination
    victims.set_status(v, Status.EXPLOITED, model.week)
    victims.exploited_since[v] = model.week
    model.exploited[network.destination][victims.form[v]].add(v)
    exploitation.open_spell_record(model, v, network.destination, model.week)
