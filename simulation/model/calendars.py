"""The calendars that hold scheduled events, week by week (ODD 3, "Scheduling design").

Events whose timing is known when they are created (a border crossing, the end of a shelter
stay, a case's decision, a trial, an extradition, a prison release, a replacement, a
re-trafficking) are scheduled instead of being checked every week, so the cost of a run follows
the number of events, not agents x weeks.

Two kinds of calendar: :class:`Calendar` holds event objects that know what to do when they are
due (:mod:`simulation.model.events`: shelter exits, cases, trials, replacements...);
:class:`VictimCalendar` holds the many events about victims (the steps of a journey, a
re-trafficking) as columns, handed over a week at a time for the process concerned to carry
out together. This module imports no process, so every process can schedule.

**Stale events.** A victim's journey or re-trafficking can be overtaken by events: a victim
identified at a border no longer arrives; a person re-trafficked before their scheduled
re-trafficking is not taken twice. Events about a victim carry the victim's
``times_trafficked`` when they were made (their *token*) and are dropped when it has changed or
when the victim's status no longer fits (:meth:`VictimEvents.live`, the only place where that
rule is written). Every other event always fires (its handler checks, for example, that the
network still exists).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulation.model.agents.victim import Status


class Calendar:
    """Events for each future week, handed over in the order they were scheduled."""

    def __init__(self) -> None:
        self._weeks: defaultdict[int, list[Any]] = defaultdict(list)

    def schedule(self, week: int, event: Any) -> None:
        self._weeks[week].append(event)

    def week(self, week: int) -> list[Any]:
        """The list of events for ``week``, to append many at once (hot path: recruitment)."""
        return self._weeks[week]

    def pop(self, week: int) -> list[Any]:
        """The events due in ``week``, in the order they were scheduled, removed from the
        calendar. Events scheduled while they are carried out fall in later weeks (every delay
        is at least a week)."""
        return self._weeks.pop(week, [])


_DTYPES = (np.int8, np.int64, np.int64, np.int64)
"""The numpy types of a :class:`VictimCalendar`'s columns (its arrays' ``b``, ``q``, ``q``,
``q``), and their sizes in bytes."""
_SIZES = tuple(np.dtype(t).itemsize for t in _DTYPES)


class VictimCalendar:
    """Events about victims (rows of ``model.victims``) for each future week, as columns: the
    kind of event, the victim, the victim's *token* and a number the kind needs (the leg of a
    crossing). A week's events are handed over at once, in the order they were scheduled, for
    the process to carry out together (:func:`simulation.model.processes.movement.move`,
    :func:`simulation.model.processes.recovery.recover`)."""

    def __init__(self) -> None:
        self._weeks: dict[int, tuple[array, array, array, array]] = {}

    def _columns(self, week: int) -> tuple[array, array, array, array]:
        found = self._weeks.get(week)
        if found is None:
            found = self._weeks[week] = (array("b"), array("q"), array("q"), array("q"))
        return found

    def schedule(self, week: int, kind: int, victim: int, token: int, leg: int = 0) -> None:
        kinds, victims, tokens, legs = self._columns(week)
        kinds.append(kind)
        victims.append(victim)
        tokens.append(token)
        legs.append(leg)

    def schedule_many(self, weeks, kinds, victims, tokens, legs) -> None:
        """Many events at once (equal-length sequences), kept in their order within each
        week."""
        weeks = np.asarray(weeks, dtype=np.int64)
        if not weeks.size:
            return
        if weeks.size <= 8:  # a few: one by one is quicker than grouping by week
            for event in zip(weeks.tolist(), *(np.asarray(c, dtype=np.int64).tolist()
                                               for c in (kinds, victims, tokens, legs))):
                self.schedule(*event)
            return
        columns = [np.asarray(c, dtype=np.int64) for c in (kinds, victims, tokens, legs)]
        if (weeks == weeks[0]).all():  # (the usual case: everyone next week)
            bounds = [0, len(weeks)]
        else:  # grouped by week, in their order within each (a stable sort)
            order = np.argsort(weeks, kind="stable")
            weeks = weeks[order]
            columns = [c[order] for c in columns]
            bounds = [0, *(np.flatnonzero(weeks[1:] != weeks[:-1]) + 1).tolist(), len(weeks)]
        data = [c.astype(dtype).tobytes() for c, dtype in zip(columns, _DTYPES)]
        for start, end in zip(bounds[:-1], bounds[1:]):
            for held, column, size in zip(self._columns(int(weeks[start])), data, _SIZES):
                held.frombytes(column[start * size:end * size])

    def pop(self, week: int) -> VictimEvents | None:
        """The events due in ``week``, removed from the calendar (``None`` if none)."""
        found = self._weeks.pop(week, None)
        if found is None:
            return None
        kinds, victims, tokens, legs = (np.frombuffer(c, dtype=c.typecode) if len(c) else
                                        np.zeros(0, dtype=c.typecode) for c in found)
        return VictimEvents(kinds, victims.astype(np.int64), tokens, legs)

    def __len__(self) -> int:
        return sum(len(c[0]) for c in self._weeks.values())


@dataclass(frozen=True, slots=True)
class VictimEvents:
    """A week's events about victims, in the order they were scheduled."""

    kind: np.ndarray
    victim: np.ndarray
    token: np.ndarray
    leg: np.ndarray

    def live(self, victims, still_in: tuple[int, ...]) -> np.ndarray:
        """The positions of the events that still apply: the victim has the same
        ``times_trafficked`` as when the event was made (its *token*) and a status in
        ``still_in``. This is the one place where stale events are recognised and dropped
        (a victim identified at a border no longer arrives; a person re-trafficked before their
        scheduled re-trafficking is not taken twice)."""
        v = self.victim
        status = victims.status[v]
        where = status == still_in[0]
        for other in still_in[1:]:
            where |= status == other
        return np.flatnonzero(where & (self.token == victims.times_trafficked[v]))


EN_ROUTE = (int(Status.RECRUITED), int(Status.IN_TRANSIT))
AFTER_EXPLOITATION = (int(Status.REINTEGRATED), int(Status.RETURNED), int(Status.SELF_RESCUED),
                      int(Status.RELEASED), int(Status.MISIDENTIFIED))
DEPARTURE, CROSSING, ARRIVAL = 0, 1, 2
"""The kinds of journey event (ODD 6.3): a recruit leaves home the week after recruitment; a
victim crosses into the next jurisdiction on the route (leg 1, 2, ...); a domestic victim
reaches the place of exploitation."""
RETRAFFICKING = 0
"""The kind of event of the recovery calendar: a former victim is trafficked again."""
