"""Victims: people recruited into trafficking, and their pathway out of it, as a column table.

A person becomes a row of the table when recruited (the at-risk population is a number, ODD 2).
Every victim is in exactly one status; every transition is appended, with its week, to the
table's log (``history_of``), unless the table keeps no history (``Victims(history=False)``:
:func:`simulation.run` and so every batch and calibration, whose results never read it). The
table holds one numpy array per attribute (status, form, group, origin, location, keys, ...), so
that a decision over many victims (the week's exits from exploitation, the profiles of the
week's recruits) is one vectorised pass; a victim is a row number. :class:`Victim` is a
read-and-write view of one row, for tests, notebooks and anyone who wants to look at a person.
"""

from __future__ import annotations

from array import array
from enum import IntEnum
from collections.abc import Callable
from typing import Any

import numpy as np

from simulation.model.agents.network import NO_NETWORK
from simulation.model.clock import NO_WEEK
from simulation.model.pools import Columns, grow_columns, make_columns
from simulation.model.registry import Channel
from simulation.model.streams import chain, extend


class Status(IntEnum):
    """A victim's status; the table stores the number."""

    RECRUITED = 0
    IN_TRANSIT = 1
    EXPLOITED = 2
    IDENTIFIED = 3  # identified, waiting for a shelter place
    SUPPORTED = 4  # in a shelter, then (if enrolled) in a reintegration programme
    REINTEGRATED = 5
    RETURNED = 6  # left support or never got a place; returned home or moved on
    SELF_RESCUED = 7
    RELEASED = 8
    MISIDENTIFIED = 9  # treated as an offender: detained or deported
    REFERRED = 10  # referred by a first responder, out of exploitation, awaiting the decision


STATUSES = tuple(s.name.lower() for s in Status)
"""The statuses' names, in the order of their numbers (what views and histories show)."""
(RECRUITED, IN_TRANSIT, EXPLOITED, IDENTIFIED, SUPPORTED, REINTEGRATED, RETURNED,
 SELF_RESCUED, RELEASED, MISIDENTIFIED, REFERRED) = STATUSES
AFTER_EXPLOITATION = (REINTEGRATED, RETURNED, SELF_RESCUED, RELEASED, MISIDENTIFIED)
CHANNEL_LIST = tuple(Channel)
"""``identified_by`` stores a channel's position here (-1: never identified)."""
NEVER = NO_WEEK
"""``exploited_since`` of someone not (yet) exploited."""

_COLUMNS: Columns = {
    # name: (dtype, value of a new row). Jurisdictions (at most 50: MAX_JURISDICTIONS of the
    # scenario schema), episodes and referrals (a few per person in a run) and weeks
    # (clock.EARLIEST_WEEK to LATEST_WEEK) are 16-bit, which at scale 8 is 2.5 MiB less than
    # 32-bit for the five columns; arithmetic on them stays 16-bit under numpy 2's promotion
    # rules, so cast before subtracting weeks. Not stored, as they are derived from these
    # (2 MiB each at scale 8): the current episode's stream key, chain(key, times_trafficked)
    # (rkey_of, rkeys), and the individual vulnerability, from key and origin (vulnerabilities)
    "key": (np.uint64, 0),  # random-stream key, fixed by who recruited them and when
    "origin": (np.int16, 0),  # home jurisdiction, where they were recruited
    "location": (np.int16, 0),  # the jurisdiction they are in now
    "form": (np.int8, 0),  # index into registry.FORMS (sexual, labour, criminal)
    "male": (np.bool_, False),
    "child": (np.bool_, False),
    "group": (np.int8, 0),  # 2 x male + child: the row of visible_hazards (ODD 6.5)
    "status": (np.int8, Status.RECRUITED),
    "times_trafficked": (np.int16, 1),  # 1 at first recruitment, +1 at each re-trafficking
    "exploited_since": (np.int16, NEVER),
    "identified_by": (np.int8, -1),  # position in CHANNEL_LIST of the last identification
    "testified": (np.bool_, False),
    "online": (np.bool_, False),  # recruited online (processes.online): monitoring finds them
    "slot": (np.int32, -1),  # place in the exploited pool (pools.Pool), -1 when not exploited
    "spell": (np.int32, -1),  # the open exploitation spell's row in the model's SpellLog
    "referrals": (np.int16, 0),  # referrals so far (ODD 6.5): the rank that keys the next one
    # the number of the network holding them (its unique_id, the row of the model's
    # NetworkTable): the last one that did after it let them go or ended; NO_NETWORK for none
    "network": (np.int32, NO_NETWORK),
}


class Victims:
    """Every victim of a run: one numpy array per attribute (``victims.status[v]`` is victim
    ``v``'s status number; ``network[v]`` the number of the network that holds them, which
    ``model.network_of`` turns into the network while it lives), the log of every transition
    and the count in each status.

    Rows are added, never removed: a victim's row number is their identity (the ``person`` of
    the lists' records). Arrays grow by doubling, so never keep a column across a call that may
    add victims.

    Args:
        capacity: rows to make room for at first.
        history: keep the log of every transition (``history_of``; 5 bytes a transition,
            4.1 transitions a victim in a baseline run, seeds 1 and 2). Without it the table
            is the same in every other respect, and ``history_of`` raises ``ValueError``.
        network_of: the live network of a number in ``network`` (``TraffickingModel.network_of``),
            for the rows' views (:class:`Victim`); a table of its own has none.
        vulnerability_of: the individual vulnerability of an array of rows
            (``processes.recruitment.vulnerabilities``: a function of each row's key and
            origin, so not stored); a table of its own has none.
    """

    def __init__(self, capacity: int = 1024, *, history: bool = True,
                 network_of: Callable[[int], Any] | None = None,
                 vulnerability_of: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        self.n = 0
        self.history = history
        self.network_of = network_of
        self.vulnerability_of = vulnerability_of
        self._capacity = capacity
        make_columns(self, _COLUMNS, capacity)
        self.counts = [0] * len(Status)
        # the transitions, in the order they happened: victim and status (32-bit rows: a run
        # has far fewer), and the weeks as runs, since they only change between weeks: the
        # week of each run of transitions and where it starts in the log (log_week unrolls
        # them). A baseline run at scale 8 logs about a million transitions; 4 bytes of week
        # each were 4 MiB.
        self.log_victim, self.log_status = array("i"), array("b")
        self._run_weeks, self._run_starts = array("i"), array("q")
        self._last_week: int | None = None

    # declared for readers and type checkers; set in __init__
    key: np.ndarray
    origin: np.ndarray
    location: np.ndarray
    form: np.ndarray
    male: np.ndarray
    child: np.ndarray
    group: np.ndarray
    status: np.ndarray
    times_trafficked: np.ndarray
    exploited_since: np.ndarray
    identified_by: np.ndarray
    testified: np.ndarray
    online: np.ndarray
    slot: np.ndarray
    spell: np.ndarray
    referrals: np.ndarray
    network: np.ndarray

    def __len__(self) -> int:
        return self.n

    def _grow(self, count: int) -> range:
        """``count`` new rows, with every column at its default."""
        start, end = self.n, self.n + count
        if end > self._capacity:
            capacity = max(end, 2 * self._capacity)
            grow_columns(self, _COLUMNS, start, capacity)
            self._capacity = capacity
        self.n = end
        return range(start, end)

    def _week(self, week: int) -> None:
        """The transitions logged next happen in ``week`` (a new run of weeks if it is not the
        last one's)."""
        if week != self._last_week:
            self._last_week = week
            self._run_weeks.append(week)
            self._run_starts.append(len(self.log_victim))

    def add(self, count: int, week: int) -> range:
        """``count`` new rows, recruited in ``week`` (status recruited, logged); the caller
        fills in who they are."""
        rows = self._grow(count)
        self.counts[Status.RECRUITED] += count
        if self.history:
            self._week(week)
            self.log_victim.frombytes(np.arange(rows.start, rows.stop, dtype=np.int32).tobytes())
            self.log_status.extend(array("b", [Status.RECRUITED]) * count)
        return rows

    def add_exploited(self, count: int, week: int) -> range:
        """``count`` new rows, recruited in ``week`` and exploited at once (victims the run
        starts with): :meth:`add` for one and :meth:`set_status` to exploited, for each in
        turn (the log holds each row's two transitions together)."""
        rows = self._grow(count)
        self.status[rows.start:rows.stop] = Status.EXPLOITED
        self.counts[Status.EXPLOITED] += count
        if self.history:
            self._week(week)
            self.log_victim.frombytes(np.repeat(np.arange(rows.start, rows.stop, dtype=np.int32),
                                                2).tobytes())
            self.log_status.extend(array("b", [Status.RECRUITED, Status.EXPLOITED]) * count)
        return rows

    def set_status(self, v: int, status: int, week: int) -> None:
        """Victim ``v`` moves to ``status`` in ``week`` (counted and logged)."""
        counts = self.counts
        counts[self.status[v]] -= 1
        counts[status] += 1
        self.status[v] = status
        if self.history:
            self._week(week)
            self.log_victim.append(v)
            self.log_status.append(status)

    def set_statuses(self, rows: np.ndarray, status: int, week: int) -> None:
        """Victims ``rows`` (each once) move to ``status`` in ``week``: :meth:`set_status` for
        many at once."""
        if not len(rows):
            return
        counts = self.counts
        for s, c in enumerate(np.bincount(self.status[rows], minlength=len(Status)).tolist()):
            counts[s] -= c
        counts[status] += len(rows)
        self.status[rows] = status
        if self.history:
            self._week(week)
            self.log_victim.frombytes(np.asarray(rows, dtype=np.int32).tobytes())
            self.log_status.extend(array("b", [status]) * len(rows))

    @property
    def log_week(self) -> array:
        """The week of each logged transition, in the order of ``log_victim`` (unrolled from
        the runs of weeks: a new array each time)."""
        starts = np.frombuffer(self._run_starts, dtype=np.int64) if self._run_starts else \
            np.zeros(0, dtype=np.int64)
        weeks = np.frombuffer(self._run_weeks, dtype=np.int32) if self._run_weeks else \
            np.zeros(0, dtype=np.int32)
        counts = np.diff(np.append(starts, len(self.log_victim)))
        return array("i", np.repeat(weeks, counts).tobytes())

    def new_episode(self, v: int) -> int:
        """Victim ``v`` is trafficked again: one more episode, whose stream key is returned."""
        times = int(self.times_trafficked[v]) + 1
        self.times_trafficked[v] = times
        return chain(int(self.key[v]), times)

    # -- reading ---------------------------------------------------------------------------------
    def rkey_of(self, v: int) -> int:
        """Victim ``v``'s current episode's stream key: ``chain(key, times_trafficked)``."""
        return chain(int(self.key[v]), int(self.times_trafficked[v]))

    def rkeys(self, rows) -> np.ndarray:
        """:meth:`rkey_of` for each of ``rows`` (an index array or a slice), as uint64."""
        return extend(self.key[rows], self.times_trafficked[rows])

    def vulnerabilities(self, rows) -> np.ndarray:
        """The individual vulnerability (0-1) of each of ``rows`` (an index array), computed
        when read from their key and origin (``vulnerability_of``)."""
        if self.vulnerability_of is None:
            raise ValueError("this table was made without vulnerability_of: a victim's "
                             "vulnerability depends on the model (their origin's)")
        return self.vulnerability_of(np.asarray(rows, dtype=np.int64))

    @property
    def vulnerability(self) -> np.ndarray:
        """Every victim's individual vulnerability, in row order (:meth:`vulnerabilities`)."""
        return self.vulnerabilities(np.arange(self.n))

    def status_counts(self) -> dict[str, int]:
        """How many victims are in each status, by name."""
        return dict(zip(STATUSES, self.counts))

    def history_of(self, v: int) -> list[tuple[int, str]]:
        """``[(week, status name), ...]`` of victim ``v``'s transitions, in order."""
        if not self.history:
            raise ValueError("this run kept no history of victims' transitions (it was made "
                             "with history=False, as simulation.run makes its models); "
                             "build TraffickingModel(..., history=True) to keep one")
        found = self._histories().get(v, ())
        return [(w, STATUSES[s]) for w, s in found]

    def _histories(self) -> dict[int, list[tuple[int, int]]]:
        cached = getattr(self, "_history_cache", None)
        if cached is None or cached[0] != len(self.log_victim):
            by_victim: dict[int, list[tuple[int, int]]] = {}
            for v, w, s in zip(self.log_victim, self.log_week, self.log_status):
                by_victim.setdefault(v, []).append((w, s))
            cached = self._history_cache = (len(self.log_victim), by_victim)
        return cached[1]

    def view(self, v: int) -> "Victim":
        return Victim(self, v)

    def views(self) -> list["Victim"]:
        """Every victim, as views, in the order they were recruited."""
        return [Victim(self, v) for v in range(self.n)]


def _column(name: str, doc: str) -> property:
    def get(self):
        return getattr(self.table, name)[self.row].item()

    def put(self, value) -> None:
        getattr(self.table, name)[self.row] = value

    return property(get, put, doc=doc)


class Victim:
    """One row of the :class:`Victims` table, read and written by attribute name.

    ``status`` is the status's name (one of :data:`STATUSES`), ``sex`` and ``age_group`` are
    words, ``network`` the controlling network (or ``None``), ``identified_by`` a
    :class:`~simulation.model.registry.Channel` (or ``None``), ``history`` the list of ``(week,
    status)`` transitions. Setting ``status`` here changes the row only (no count, no log): it
    is for tests that put a victim in a state."""

    __slots__ = ("table", "row")

    def __init__(self, table: Victims, row: int) -> None:
        self.table = table
        self.row = row

    def __eq__(self, other) -> bool:
        return isinstance(other, Victim) and (self.table, self.row) == (other.table, other.row)

    def __hash__(self) -> int:
        return hash((id(self.table), self.row))

    def __repr__(self) -> str:
        return f"<Victim {self.row}: {self.status}>"

    unique_id = property(lambda self: self.row, doc="The victim's row: their identity.")
    key = _column("key", "Random-stream key (simulation.model.streams).")
    rkey = property(lambda self: self.table.rkey_of(self.row),
                    doc="The current episode's stream key.")
    origin = _column("origin", "Home jurisdiction.")
    location = _column("location", "Jurisdiction they are in now.")
    form = _column("form", "Form of exploitation (index into registry.FORMS).")
    group = _column("group", "2 x male + child.")
    vulnerability = property(
        lambda self: float(self.table.vulnerabilities([self.row])[0]),
        doc="Individual vulnerability, 0-1 (no process reads it yet: ODD 6.2).")
    times_trafficked = _column("times_trafficked", "Episodes of trafficking so far.")
    testified = _column("testified", "Testified in this episode.")
    online = _column("online", "Recruited online in this episode.")
    slot = _column("slot", "Place in the exploited pool, -1 when not exploited.")

    @property
    def status(self) -> str:
        return STATUSES[self.table.status[self.row]]

    @status.setter
    def status(self, name: str) -> None:
        self.table.status[self.row] = STATUSES.index(name)

    @property
    def sex(self) -> str:
        return "male" if self.table.male[self.row] else "female"

    @property
    def age_group(self) -> str:
        return "child" if self.table.child[self.row] else "adult"

    @property
    def network(self):
        """The network that holds them, or held them last, while it lives; else None."""
        network_of = self.table.network_of
        return None if network_of is None else network_of(int(self.table.network[self.row]))

    @property
    def identified_by(self) -> Channel | None:
        i = int(self.table.identified_by[self.row])
        return None if i < 0 else CHANNEL_LIST[i]

    @property
    def exploited_since(self) -> int | None:
        w = int(self.table.exploited_since[self.row])
        return None if w == NEVER else w

    @property
    def history(self) -> list[tuple[int, str]]:
        return self.table.history_of(self.row)
