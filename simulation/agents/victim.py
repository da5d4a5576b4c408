"""Victims: people recruited into trafficking, and their pathway out of it.

A person becomes an agent when recruited (the at-risk population is a number, ODD 2). Every
victim is in exactly one status; every transition is recorded with its week in ``history``.
"""

from __future__ import annotations

import mesa

from simulation.streams import chain

RECRUITED = "recruited"
IN_TRANSIT = "in_transit"
EXPLOITED = "exploited"
IDENTIFIED = "identified"  # identified, waiting for a shelter place
SUPPORTED = "supported"  # in a shelter, then (if enrolled) in a reintegration programme
REINTEGRATED = "reintegrated"
RETURNED = "returned"  # left support or never got a place; returned home or moved on
SELF_RESCUED = "self_rescued"
RELEASED = "released"
MISIDENTIFIED = "misidentified"  # treated as an offender: detained or deported

STATUSES = (RECRUITED, IN_TRANSIT, EXPLOITED, IDENTIFIED, SUPPORTED, REINTEGRATED, RETURNED,
            SELF_RESCUED, RELEASED, MISIDENTIFIED)
AFTER_EXPLOITATION = (REINTEGRATED, RETURNED, SELF_RESCUED, RELEASED, MISIDENTIFIED)


class Victim(mesa.Agent):
    """A trafficked person.

    Attributes:
        origin: index of the home jurisdiction (where they were recruited).
        location: index of the jurisdiction they are in now.
        form: index into ``registry.FORMS`` (sexual, labour, criminal).
        network: the network that controls them while recruited, in transit or exploited.
        key: their random-stream key (:mod:`simulation.streams`), fixed by who recruited them
            and when; ``rkey`` is that of the current episode (``times_trafficked``), which
            keys every draw about it.
        history: ``[(week, status), ...]`` for every transition.
        times_trafficked: 1 at first recruitment, +1 at each re-trafficking.
        identified_by: channel of the last identification ("police", "ngo", ...), if any.
    """

    # Defaults shared by every victim until a transition sets them (saves memory per person).
    times_trafficked = 1
    exploited_since: int | None = None
    identified_by: str | None = None
    testified = False
    slot = -1  # place in the exploited pool (pools.Pool), -1 when not exploited
    spell = None  # the record of the current exploitation spell (exploitation.open_spell_record)
    online = False  # recruited online (processes.online): monitoring can find them

    def __init__(self, model, origin: int, form: int, sex: str, age_group: str,
                 vulnerability: float, network, key: int, rkey: int | None = None) -> None:
        super().__init__(model)
        self.key = key
        self.rkey = chain(key, 1) if rkey is None else rkey  # the first episode's
        self.origin = origin
        self.location = origin
        self.form = form
        self.sex = sex
        self.age_group = age_group
        # which row of the jurisdictions' visible_hazards applies (ODD 6.5): sex x age group
        self.group = 2 * (sex == "male") + (age_group == "child")
        self.vulnerability = vulnerability
        self.network = network
        self.status = RECRUITED
        model.victim_counts[RECRUITED] += 1  # model.victim_status_changed, inlined: hot
        self.history: list[tuple[int, str]] = [model.stamp(RECRUITED)]

    def set_status(self, status: str) -> None:
        # Hot path (about 116,000 calls a scale-1 run): what model.victim_status_changed and
        # model.stamp do, inlined.
        model = self.model
        counts = model.victim_counts
        counts[self.status] -= 1
        counts[status] += 1
        self.status = status
        stamps = model._stamps
        entry = stamps.get(status)
        if entry is None:
            entry = stamps[status] = (model.week, status)
        self.history.append(entry)
