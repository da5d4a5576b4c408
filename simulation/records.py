"""The run's records for multiple systems estimation (ODD 6.5): who was put on which list, and
the true exploitation spells against which estimates are judged. Typed, column by column
(never tuples decoded by position); :mod:`simulation.outcomes` turns them into tables.
"""

from __future__ import annotations

from array import array


class ContactLog:
    """Contacts with the lists (``registry.LISTS``), one entry per contact, in the order they
    happened: who (the victim's row), which list, when, where, the victim's form and group, and
    whether the contact ended their exploitation (an identification)."""

    def __init__(self) -> None:
        self.person, self.list, self.week = array("q"), array("b"), array("q")
        self.jurisdiction, self.form, self.group = array("q"), array("b"), array("b")
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
    (``OPEN`` while it lasts), where, the victim's form and group."""

    OPEN = -(2**62)

    def __init__(self) -> None:
        self.person, self.start, self.end = array("q"), array("q"), array("q")
        self.jurisdiction, self.form, self.group = array("q"), array("b"), array("b")

    def open(self, person: int, start: int, jurisdiction: int, form: int, group: int) -> int:
        """A spell starts; returns its row, to :meth:`close` it."""
        self.person.append(person)
        self.start.append(start)
        self.end.append(self.OPEN)
        self.jurisdiction.append(jurisdiction)
        self.form.append(form)
        self.group.append(group)
        return len(self.person) - 1

    def close(self, row: int, week: int) -> None:
        self.end[row] = week

    def __len__(self) -> int:
        return len(self.person)
