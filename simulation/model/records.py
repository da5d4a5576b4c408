"""The run's records for multiple systems estimation (ODD 6.5): who was put on which list, and
the true exploitation spells against which estimates are judged. Typed, column by column
(never tuples decoded by position); :mod:`simulation.model.outcomes` turns them into tables.
"""

from __future__ import annotations

from array import array

import numpy as np

from simulation.model.clock import NO_WEEK


class ContactLog:
    """Contacts with the lists (``registry.LISTS``), one entry per contact, in the order they
    happened: who (the victim's row), which list, when, where, the victim's form and group, and
    whether the contact ended their exploitation (an identification). Rows, weeks and
    jurisdictions are stored as 32- and 16-bit integers (a run has far fewer of each)."""

    def __init__(self) -> None:
        self.person, self.list, self.week = array("i"), array("b"), array("i")
        self.jurisdiction, self.form, self.group = array("h"), array("b"), array("b")
        self.identified = array("b")

    def add(self, person: int, list_index: int, week: int, jurisdiction: int, form: int,
            group: int, identified: bool) -> None:
        self.person.append(person)
        self.list.append(list_index)
        self.week.append(week)
        self.jurisdiction.append(jurisdiction)
        self.form.append(form)
        self.group.append(group)
        self.identified.append(identified)

    def __len__(self) -> int:
        return len(self.person)


class SpellLog:
    """Exploitation spells, one entry per spell: who, the first week, the week it ended
    (``OPEN`` while it lasts), where, the victim's form and group. Rows are stored as 32-bit
    integers, weeks and jurisdictions as 16-bit ones (a run has far fewer of each; weeks
    from ``clock.EARLIEST_WEEK`` to ``clock.LATEST_WEEK``)."""

    OPEN = NO_WEEK

    def __init__(self) -> None:
        self.person, self.start, self.end = array("i"), array("h"), array("h")
        self.jurisdiction, self.form, self.group = array("h"), array("b"), array("b")

    def open(self, person: int, start: int, jurisdiction: int, form: int, group: int) -> int:
        """A spell starts; returns its row, to :meth:`close` it."""
        self.person.append(person)
        self.start.append(start)
        self.end.append(self.OPEN)
        self.jurisdiction.append(jurisdiction)
        self.form.append(form)
        self.group.append(group)
        return len(self.person) - 1

    def open_many(self, person: np.ndarray, start, jurisdiction, form: np.ndarray,
                  group: np.ndarray) -> range:
        """Spells start for each of ``person`` (``start`` and ``jurisdiction``: one number
        for all, or one each): :meth:`open` for each in turn; returns their rows."""
        n = len(person)
        first = len(self.person)
        for column, values in ((self.person, person), (self.start, start),
                               (self.end, self.OPEN), (self.jurisdiction, jurisdiction),
                               (self.form, form), (self.group, group)):
            if isinstance(values, np.ndarray):
                column.frombytes(values.astype(column.typecode).tobytes())
            else:  # one number for all
                column.extend(array(column.typecode, [values]) * n)
        return range(first, first + n)

    def close(self, row: int, week: int) -> None:
        self.end[row] = week

    def close_many(self, rows: np.ndarray, week: int) -> None:
        """:meth:`close` for each of ``rows``."""
        if len(rows):
            np.frombuffer(self.end, dtype=np.int16)[rows] = week

    def __len__(self) -> int:
        return len(self.person)


class ReferralLog:
    """Referrals to the national referral mechanism (ODD 6.5), one entry per referral, in the
    order they were made: who, when, where (the jurisdiction whose mechanism decides), where
    they come from (their origin jurisdiction: their nationality in a country model), by which
    first responder (position in ``agents.victim.CHANNEL_LIST``), the victim's form and group,
    whether they are foreign there (trafficked across a border) and whether the referral took
    them out of exploitation; then the decision (:meth:`close`): its week (``PENDING`` until
    made) and whether it confirmed them as a victim (``confirmed``: 1 yes, 0 no, -1 no decision
    yet or none, because the person left the mechanism's reach first)."""

    PENDING = -(2**62)

    def __init__(self) -> None:
        self.person, self.week, self.jurisdiction = array("q"), array("q"), array("q")
        self.channel, self.form, self.group = array("b"), array("b"), array("b")
        self.foreign, self.removed = array("b"), array("b")
        self.decided, self.confirmed = array("q"), array("b")
        self.rank = array("q")  # the person's how-manyth referral: the key of its draws
        self.origin = array("h")  # the person's origin jurisdiction
        self.network = array("Q")  # the key of the network exploiting them (NO_NETWORK: none)

    NO_NETWORK = 0

    def add(self, person: int, week: int, jurisdiction: int, channel: int, form: int,
            group: int, foreign: bool, removed: bool, rank: int, origin: int,
            network: int = NO_NETWORK) -> int:
        """A referral (``rank``: the person's first, second... referral, which keys its
        draws; ``origin``: their origin jurisdiction; ``network``: the key of the network
        that held them, which links the referral to the cases against it); returns its row,
        for :meth:`close`."""
        self.rank.append(rank)
        self.origin.append(origin)
        self.network.append(network)
        self.person.append(person)
        self.week.append(week)
        self.jurisdiction.append(jurisdiction)
        self.channel.append(channel)
        self.form.append(form)
        self.group.append(group)
        self.foreign.append(foreign)
        self.removed.append(removed)
        self.decided.append(self.PENDING)
        self.confirmed.append(-1)
        return len(self.person) - 1

    def close(self, row: int, week: int, confirmed: bool) -> None:
        """The decision on referral ``row``: made in ``week``, confirming the person or not."""
        self.decided[row] = week
        self.confirmed[row] = confirmed

    def __len__(self) -> int:
        return len(self.person)


class ArrestLog:
    """Arrests of traffickers (ODD 6.9), one entry per arrest, in the order they happened:
    when, the arresting jurisdiction, the member's role (position in
    ``agents.trafficker.ROLES``), where they worked (their home jurisdiction), their
    random-stream key, the key of the network they were taken from, and whether they were
    prosecuted for trafficking (``charged``: 1 when the charge counted among ``prosecutions``;
    0 when released without charge or charged with a lesser offence). A trafficker who has left
    the game (desisted) is no longer an agent of the model, so this log, not the agents, is
    where past arrests are read."""

    def __init__(self) -> None:
        self.week, self.jurisdiction = array("i"), array("h")
        self.role, self.home = array("b"), array("h")
        self.key, self.network = array("Q"), array("Q")
        self.charged = array("b")

    def add(self, week: int, jurisdiction: int, role: int, home: int, key: int,
            network: int) -> int:
        """An arrest; returns its row, for :meth:`charge`."""
        self.week.append(week)
        self.jurisdiction.append(jurisdiction)
        self.role.append(role)
        self.home.append(home)
        self.key.append(key)
        self.network.append(network)
        self.charged.append(0)
        return len(self.week) - 1

    def charge(self, row: int) -> None:
        """The member arrested in ``row`` is prosecuted for trafficking."""
        self.charged[row] = 1

    def __len__(self) -> int:
        return len(self.week)
