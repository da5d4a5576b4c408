"""The record of exploitation spells (ODD 6.5): the truth against which estimates of the hidden
number of victims are judged. A spell opens when a victim starts being exploited somewhere
(arrival, the region's start, relocation) and closes when they leave exploitation or move.
"""

from __future__ import annotations

READS = ("week",)
CHANGES = ("spells", "victims")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""


def open_spell_record(model, v: int, j: int, start: int) -> None:
    """Keep the record of victim ``v``'s exploitation spell starting (the truth against which
    estimates of the hidden number of victims are judged, ODD 6.5)."""
    victims = model.victims
    victims.spell[v] = model.spells.open(v, start, j, int(victims.form[v]),
                                         int(victims.group[v]))


def open_spell_records(model, rows, j, start) -> None:
    """:func:`open_spell_record` for each of victims ``rows`` in turn (``j`` and ``start``: one
    jurisdiction or week for all, or one each)."""
    victims = model.victims
    victims.spell[rows] = model.spells.open_many(rows, start, j, victims.form[rows],
                                                 victims.group[rows])


def close_spell_record(model, v: int) -> None:
    victims = model.victims
    model.spells.close(int(victims.spell[v]), model.week)
    victims.spell[v] = -1
