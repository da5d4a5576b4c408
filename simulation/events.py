"""Scheduled events and the week-indexed calendars that hold them.

Events whose timing is known when they are created (a border crossing, the end of a shelter
stay, a case's decision, a trial, an extradition, a prison release, a replacement, a
re-trafficking) are scheduled instead of being checked every week, so the cost of a run follows
the number of events, not agents x weeks (ODD 3, "Scheduling design").

Each kind of event is a small slotted class that knows what to do when it is due (``fire``)
and whether it still applies (``stale``).

**Stale events.** A victim's journey or re-trafficking can be overtaken by events: a victim
identified at a border no longer arrives; a person re-trafficked before their scheduled
re-trafficking is not taken twice. Events about a victim carry the victim's
``times_trafficked`` when they were made (their *token*) and are dropped when it has changed or
when the victim's status no longer fits; this is the only place where that rule is written.
Every other event always fires (its handler checks, for example, that the network still exists).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from simulation.agents.victim import Status
from simulation.processes import (investigation, justice, movement, network_response,
                                  recovery, support)

EN_ROUTE = frozenset((Status.RECRUITED, Status.IN_TRANSIT))
AFTER_EXPLOITATION = frozenset((Status.REINTEGRATED, Status.RETURNED, Status.SELF_RESCUED,
                                Status.RELEASED, Status.MISIDENTIFIED))


class Calendar:
    """Events for each future week, handed over in the order they were scheduled."""

    def __init__(self) -> None:
        self._weeks: defaultdict[int, list[Any]] = defaultdict(list)

    def schedule(self, week: int, event: Any) -> None:
        self._weeks[week].append(event)

    def week(self, week: int) -> list[Any]:
        """The list of events for ``week``, to append many at once (hot path: recruitment)."""
        return self._weeks[week]

    def fire_due(self, week: int, model) -> None:
        """Fire every event due in ``week`` (a stale one does nothing: see :class:`VictimEvent`).
        Events scheduled while firing fall in later weeks (every delay is at least a week)."""
        for event in self._weeks.pop(week, ()):
            event.fire(model)


class VictimEvent:
    """An event about a victim (a row of ``model.victims``) that applies only while the victim
    is where it left them: the same ``times_trafficked`` (its *token*) and a status in
    ``STILL_IN``. This is the one place where stale events are recognised and dropped."""

    __slots__ = ("victim", "token")
    STILL_IN: frozenset[int] = frozenset()

    def __init__(self, victim: int, token: int) -> None:
        self.victim = victim
        self.token = token

    def stale(self, model) -> bool:
        victims, v = model.victims, self.victim
        return (self.token != victims.times_trafficked[v]
                or victims.status[v] not in self.STILL_IN)

    def fire(self, model) -> None:
        if not self.stale(model):
            self.happen(model, self.victim)

    # What happens to the victim when the event is not stale: a function (model, victim) of
    # the process concerned, or a method (self, model, victim).
    happen: Any = None


# -- the victim's journey (ODD 6.3) -------------------------------------------------------------

class JourneyEvent(VictimEvent):
    """A step of a victim's journey from recruitment to exploitation (``movement`` releases
    the victim instead if their network has ended meanwhile)."""

    __slots__ = ()
    STILL_IN = EN_ROUTE


class Departure(JourneyEvent):
    """A recruit leaves home the week after recruitment."""

    __slots__ = ()
    happen = staticmethod(movement.depart)


class Crossing(JourneyEvent):
    """A victim crosses into the next jurisdiction on the route (leg 1, 2, ...)."""

    __slots__ = ("leg",)

    def __init__(self, victim: int, token: int, leg: int) -> None:
        self.victim = victim
        self.token = token
        self.leg = leg

    def happen(self, model, victim) -> None:
        movement.cross_border(model, victim, self.leg)


class Arrival(JourneyEvent):
    """A domestic victim reaches the place of exploitation."""

    __slots__ = ()
    happen = staticmethod(movement.arrive)


# -- support (ODD 6.6) --------------------------------------------------------------------------

class ShelterExit:
    __slots__ = ("ngo", "victim")

    def __init__(self, ngo, victim: int) -> None:
        self.ngo, self.victim = ngo, victim

    def fire(self, model) -> None:
        support.shelter_exit(model, self.ngo, self.victim)


class ProgrammeEnd(ShelterExit):
    __slots__ = ()

    def fire(self, model) -> None:
        support.programme_end(model, self.ngo, self.victim)


# -- investigation and justice (ODD 6.7-6.10) ----------------------------------------------------

class CaseDecision:
    """A case's investigation ends and the case is decided."""

    __slots__ = ("case",)

    def __init__(self, case) -> None:
        self.case = case

    def fire(self, model) -> None:
        investigation.decide(model, self.case)


class Replacement:
    """A network fills a role it lost."""

    __slots__ = ("network", "role")

    def __init__(self, network, role: str) -> None:
        self.network, self.role = network, role

    def fire(self, model) -> None:
        network_response.replace(model, self.network, self.role)


class Trial:
    """A charged trafficker's verdict (``waited``: weeks already postponed for lack of a
    prosecutor)."""

    __slots__ = ("agency", "member", "network", "waited")

    def __init__(self, agency, member, network, waited: int = 0) -> None:
        self.agency, self.member, self.network, self.waited = agency, member, network, waited

    def fire(self, model) -> None:
        justice.trial(model, self.agency, self.member, self.network, self.waited)


class Extradition:
    """A suspect located abroad is arrested and surrendered to the requesting agency."""

    __slots__ = ("agency", "member", "evidence", "case")

    def __init__(self, agency, member, evidence: float, case) -> None:
        self.agency, self.member, self.evidence, self.case = agency, member, evidence, case

    def fire(self, model) -> None:
        justice.arrest(model, self.agency, self.member, self.evidence, self.case,
                       cross_border=True)


class PrisonRelease:
    __slots__ = ("member",)

    def __init__(self, member) -> None:
        self.member = member

    def fire(self, model) -> None:
        justice.release(model, self.member, "released from prison")


# -- recovery (ODD 6.12) ------------------------------------------------------------------------

class Retrafficking(VictimEvent):
    """A former victim is trafficked again, unless that already happened or they are back in
    the pathway."""

    __slots__ = ()
    STILL_IN = AFTER_EXPLOITATION
    happen = staticmethod(recovery.retraffic)
