"""Recovery and re-trafficking (ODD 6.12): when a person leaves the pathway, the time until
they are trafficked again (if ever) is drawn from a fading hazard; at that time a network
recruiting in their origin takes them.

Implements ``TraffickingModel.step`` step 12 (the recovery calendar's re-traffickings).
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from simulation.model import fmath
from simulation.model.agents.victim import Status
from simulation.model.calendars import AFTER_EXPLOITATION, DEPARTURE, RETRAFFICKING
from simulation.model.clock import weeks_from_years
from simulation.model.processes import online, recruitment
from simulation.model.registry import WEEKLY_INDEX
from simulation.model.streams import extend

READS = ("jurisdictions", "params", "streams", "week")
CHANGES = ("move_calendar", "network_index", "recovery_calendar", "victims", "weekly_tally")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""

NEW_VICTIMS, RETRAFFICKED = WEEKLY_INDEX["new_victims"], WEEKLY_INDEX["victims_retrafficked"]


class Exit(Enum):
    """How a person left the pathway, as far as it changes their risk of re-trafficking."""

    RELEASED = "released"
    SELF_RESCUED = "self_rescued"
    MISIDENTIFIED = "misidentified"
    RETURNED_UNSUPPORTED = "returned without support"
    RETURNED_SUPPORTED = "returned after support"
    REINTEGRATED = "reintegrated"


EXIT_OF_STATUS = {Status.RELEASED: Exit.RELEASED, Status.SELF_RESCUED: Exit.SELF_RESCUED}
"""The exit of those who leave exploitation without being identified."""
RELATIVE_RISK = {Exit.MISIDENTIFIED: "retrafficking_risk_misidentified",
                 Exit.RETURNED_SUPPORTED: "retrafficking_risk_supported",
                 Exit.REINTEGRATED: "retrafficking_risk_reintegrated"}
"""The parameter of each way out that changes the risk; every other way out (released,
self-rescued, returned without support) has relative risk 1."""


def leave_pathway(model, v: int, status: Status, supported: bool) -> None:
    """Leave support: reintegrated, or returned with or without support."""
    model.victims.set_status(v, status, model.week)
    if status == Status.REINTEGRATED:
        how = Exit.REINTEGRATED
    else:
        how = Exit.RETURNED_SUPPORTED if supported else Exit.RETURNED_UNSUPPORTED
    schedule_retrafficking(model, v, how)


def schedule_retrafficking(model, v: int, how: Exit) -> None:
    """Draw when (if ever) victim ``v`` is trafficked again (:func:`schedule_retrafficking_many`
    for one person, with the same number: ``uniform`` is the scalar form of ``uniforms``)."""
    victims = model.victims
    x = model.streams.uniform("retrafficking time", victims.rkey_of(v))
    _schedule_one(model, v, how, x, int(victims.origin[v]), int(victims.times_trafficked[v]))


def _schedule_one(model, v: int, how: Exit, x: float, origin: int, token: int) -> None:
    """Schedule victim ``v``'s re-trafficking, if any, from their uniform number ``x`` (the
    rule of :func:`schedule_retrafficking_many`, for one person)."""
    p = model.params
    fade = p["risk_fade_years"]
    risk = RELATIVE_RISK.get(how)
    h = (p["retrafficking_hazard"] * (1.0 if risk is None else p[risk])
         * (1 - p["awareness_retrafficking"] * model.jurisdictions[origin].levers["awareness"]))
    total = h * fade
    e = -fmath.log(1.0 - x)  # an Exp(1) number
    if e < total:
        years = -fade * fmath.log(1 - e / total)
        model.recovery_calendar.schedule(model.week + weeks_from_years(years), RETRAFFICKING,
                                         v, token)


def schedule_retrafficking_many(model, rows, hows: list[Exit]) -> None:
    """Draw when (if ever) each of victims ``rows`` (a sequence or an array of rows) is
    trafficked again, ``hows`` saying how each left; their numbers are drawn in one
    vectorised pass and the re-traffickings scheduled in this order.

    The hazard ``h * exp(-t / T)`` (T = ``risk_fade_years``) fades after exit; its integral
    gives the chance of ever being re-trafficked, ``1 - exp(-h * T)``, and inverting it gives
    the time. ``h`` is the base hazard times the relative risk of how they left, lowered by
    awareness in their origin.
    """
    if not len(rows):
        return
    p = model.params
    victims = model.victims
    people = np.asarray(rows, dtype=np.int64)
    u = model.streams.uniforms("retrafficking time", (), victims.rkeys(people))
    origins = victims.origin[people]
    # fast path: only those whose number falls (nearly) below their chance of ever being
    # re-trafficked, 1 - exp(-h * T), go through the exact rule one by one
    relative = np.array([1.0 if RELATIVE_RISK.get(how) is None else p[RELATIVE_RISK[how]]
                         for how in hows])
    awareness = np.array([j.levers["awareness"] for j in model.jurisdictions])
    total = (p["retrafficking_hazard"] * relative
             * (1 - p["awareness_retrafficking"] * awareness[origins]) * p["risk_fade_years"])
    maybe = np.flatnonzero(u < -fmath.expm1_all(-total) + 1e-9).tolist()
    if not maybe:
        return
    tokens = victims.times_trafficked[people]
    for i, v, x, origin, token in zip(maybe, people[maybe].tolist(), u[maybe].tolist(),
                                      origins[maybe].tolist(), tokens[maybe].tolist()):
        _schedule_one(model, v, hows[i], x, origin, token)


def recover(model) -> None:
    """This week's re-traffickings, in the order they were scheduled (those overtaken by
    events are dropped: :meth:`~simulation.model.calendars.VictimEvents.live`)."""
    model.network_index.new_week_of_recruiting()
    due = model.recovery_calendar.pop(model.week)
    if due is None:
        return
    rows = due.victim[due.live(model.victims, AFTER_EXPLOITATION)]
    if rows.size:
        retraffic_many(model, rows)


def retraffic_many(model, rows: np.ndarray) -> None:
    """Former victims ``rows`` are trafficked again, each by a network recruiting where they
    live, chosen in proportion to the networks' recruitment rates by a race keyed by the
    person's episode (:meth:`~simulation.model.streams.Streams.race`, for all of an origin's people
    at once); those whose origin has no such network are not. Carried out in this order."""
    victims = model.victims
    streams = model.streams
    origins = victims.origin[rows]
    chosen: list = [None] * len(rows)
    decision = streams.decision("retrafficking network")
    for origin in np.unique(origins).tolist():
        candidates, keys, rates = model.network_index.recruiting_in(origin)
        if not candidates:
            continue
        at = np.flatnonzero(origins == origin)
        # each person's chain(decision, rkey) at once: the rows of their races
        u = streams.table(extend(victims.rkeys(rows[at]), decision), keys)
        with np.errstate(divide="ignore"):
            finish = -fmath.log_all(u) / np.asarray(rates, dtype=float)
        for x, i in zip(at.tolist(), np.argmin(finish, axis=1).tolist()):
            chosen[x] = candidates[i]
    taken = [x for x, network in enumerate(chosen) if network is not None]
    if not taken:
        return
    networks = [chosen[x] for x in taken]
    rows = rows[taken]
    times = victims.times_trafficked[rows] + 1
    victims.times_trafficked[rows] = times
    rkeys = victims.rkeys(rows)  # (their new episode's)
    victims.network[rows] = [n.unique_id for n in networks]
    for v, network in zip(rows.tolist(), networks):
        network.victims.add(v)
    victims.online[rows] = online.recruited_online_many(
        model, np.array([n.online_share for n in networks]), rkeys)
    victims.form[rows] = [n.form for n in networks]
    home = np.array([n.origin for n in networks], dtype=np.int64)
    victims.location[rows] = home
    victims.identified_by[rows] = -1
    victims.testified[rows] = False
    victims.set_statuses(rows, Status.RECRUITED, model.week)
    tally = model.weekly_tally
    for j, count in enumerate(np.bincount(home, minlength=len(model.jurisdictions)).tolist()):
        tally[NEW_VICTIMS][j] += count
        tally[RETRAFFICKED][j] += count
    recruitment.tally_new(model, rows)
    model.move_calendar.schedule_many(np.full(len(rows), model.week + 1),
                                      np.full(len(rows), DEPARTURE), rows, times,
                                      np.zeros(len(rows)))
