"""Movement and border checks (ODD 6.3): recruits travel the network's route; each crossing
is an encounter with border officers, whose training decides whether they see a victim.

Implements ``TraffickingModel.step`` step 3. The journey is a chain of scheduled events on the
move calendar (departure, crossings, arrival: :mod:`simulation.model.calendars`), carried out a week
at a time. At each step, a recruit whose network has ended meanwhile is let go instead
(``journey_ends``).
"""

from __future__ import annotations

import numpy as np

from simulation.model.agents.victim import Status
from simulation.model.calendars import ARRIVAL, CROSSING, DEPARTURE, EN_ROUTE
from simulation.model.streams import geometrics
from simulation.model.registry import Channel
from simulation.model.processes import identification, spells

READS = ("jurisdictions", "living_networks", "network_table", "params", "streams", "week")
CHANGES = ("exploited", "move_calendar", "victims")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""


def border_check(p, jur) -> float:
    """Chance that a crossing into ``jur`` is checked: proportional to its inspectors per
    100,000 at-risk people (the parameter is the chance at 10 per 100,000), capped."""
    inspections = jur.per_100k("labour_inspections") / 10
    return min(p["border_check_cap"], p["border_encounter"] * inspections)


def move(model) -> None:
    """The week's journey events, carried out together, in the order they were scheduled:
    departures, crossings and arrivals (a recruit whose network has ended meanwhile is let go
    instead)."""
    due = model.move_calendar.pop(model.week)
    if due is None:
        return
    victims = model.victims
    live = due.live(victims, EN_ROUTE)
    if not live.size:
        return
    kind, v, leg = due.kind[live], due.victim[live], due.leg[live]
    week = model.week
    streams = model.streams
    jurisdictions = model.jurisdictions
    table = model.network_table
    numbers = victims.network[v]
    # the length of each network's route; -1 where the network has ended meanwhile (gone)
    route_len = np.where(table.alive[numbers], table.route_len[numbers], -1)
    gone = route_len < 0
    departing = np.flatnonzero((kind == DEPARTURE) & ~gone)
    crossing = np.flatnonzero((kind == CROSSING) & ~gone)
    arriving = np.flatnonzero((kind == ARRIVAL) & ~gone)
    victims.set_statuses(v[departing], Status.IN_TRANSIT, week)

    # crossings: into the next jurisdiction on the route, where the border may be checked
    legs = leg[crossing]
    recognised = misidentified = passing = at_last = np.zeros(len(crossing), dtype=bool)
    into = np.zeros(0, dtype=np.int64)
    if crossing.size:
        at_last = legs + 1 >= route_len[crossing]
        step = np.minimum(legs, route_len[crossing] - 1).tolist()
        living = model.living_networks
        into = np.array([living[n].route[x]
                         for n, x in zip(numbers[crossing].tolist(), step)], dtype=np.int64)
        victims.location[v[crossing]] = into
        check, u = keyed(streams, ("border check", "border recognition"), legs,
                         victims.rkeys(v[crossing]))
        checked = check < np.array([j.border_check for j in jurisdictions])[into]
        recognition = np.array([j.recognition for j in jurisdictions])
        misidentification = np.array([j.misidentification for j in jurisdictions])
        recognised = checked & (u < recognition[into])
        misidentified = checked & ~recognised & (
            u < (recognition + misidentification)[into])
        passing = ~(recognised | misidentified)

    # the next step of each journey, scheduled in the order of the events that lead to it
    single = route_len[departing] == 1
    onward = np.concatenate([departing[~single], crossing[passing & ~at_last]])
    if departing.size or onward.size:
        onward_leg = np.concatenate([np.ones(int((~single).sum()), dtype=np.int64),
                                     legs[passing & ~at_last] + 1])
        onward_weeks = leg_weeks(model, onward_leg, victims.rkeys(v[onward]))
        position = np.concatenate([departing[single], onward])
        order = np.argsort(position, kind="stable")
        v_next = v[position][order]
        model.move_calendar.schedule_many(
            (week + np.concatenate([np.ones(int(single.sum()), dtype=np.int64),
                                    onward_weeks]))[order],
            np.concatenate([np.full(int(single.sum()), ARRIVAL),
                            np.full(len(onward), CROSSING)])[order],
            v_next, victims.times_trafficked[v_next],
            np.concatenate([np.zeros(int(single.sum()), dtype=np.int64), onward_leg])[order])

    # arrivals, in the order of their events
    arrivals = np.sort(np.concatenate([arriving, crossing[passing & at_last]]))
    if arrivals.size:
        arrive_all(model, v[arrivals])

    # what ends a journey: the network gone, identification or misidentification at a border
    if not (gone.any() or recognised.any() or misidentified.any()):
        return
    ended = sorted([(i, "gone", 0) for i in np.flatnonzero(gone).tolist()]
                   + [(int(crossing[x]), "seen", int(into[x]))
                      for x in np.flatnonzero(recognised).tolist()]
                   + [(int(crossing[x]), "offender", int(into[x]))
                      for x in np.flatnonzero(misidentified).tolist()])
    for i, what, j in ended:
        if what == "gone":
            journey_ends(model, int(v[i]))
        elif what == "seen":
            identification.identify(model, int(v[i]), j, Channel.BORDER)
        else:
            identification.misidentify(model, int(v[i]), j)


def keyed(streams, names: tuple[str, ...], legs: np.ndarray, rkeys: np.ndarray) -> np.ndarray:
    """``streams.uniform(name, leg, rkey)`` for each pair of ``legs`` and ``rkeys`` (columns)
    and each of decisions ``names`` (rows)."""
    if not len(rkeys):
        return np.zeros((len(names), 0))
    if legs[0] == legs[-1] and (legs == legs[0]).all():
        return streams.table([streams.base(name, int(legs[0])) for name in names], rkeys)
    u = np.empty((len(names), len(rkeys)))
    for leg in np.unique(legs).tolist():
        at = legs == leg
        u[:, at] = streams.table([streams.base(name, leg) for name in names], rkeys[at])
    return u


def leg_weeks(model, legs: np.ndarray, rkeys: np.ndarray) -> np.ndarray:
    """Weeks to each next crossing: geometric with mean ``leg_weeks``, keyed by the leg and
    the episode."""
    return geometrics(keyed(model.streams, ("leg weeks",), legs, rkeys)[0],
                      1 / model.params["leg_weeks"])


def journey_ends(model, v: int) -> None:
    """The network ended while its recruit was on the way: the victim is let go."""
    identification.end_spell(model, v, Status.RELEASED)


def arrive_all(model, rows: np.ndarray) -> None:
    """Victims ``rows`` reach their networks' destinations and are exploited from this week
    (each joins the pool of their destination and form in this order)."""
    if not len(rows):
        return
    victims = model.victims
    week = model.week
    destination = model.network_table.destination[victims.network[rows]]
    victims.location[rows] = destination
    victims.set_statuses(rows, Status.EXPLOITED, week)
    victims.exploited_since[rows] = week
    exploited = model.exploited
    # each pool takes its arrivals in their order (Pool.add_many), then every spell opens in
    # the order of the arrivals: what adding and opening one by one would do
    n_forms = len(exploited[0])
    market = destination * n_forms + victims.form[rows]
    keys = victims.rkeys(rows)  # (derived once for every pool)
    if (market == market[0]).all():
        exploited[int(destination[0])][int(victims.form[rows[0]])].add_many(rows, keys)
    else:
        for m in np.unique(market).tolist():
            mine = market == m
            exploited[m // n_forms][m % n_forms].add_many(rows[mine], keys[mine])
    spells.open_spell_records(model, rows, destination, week)
