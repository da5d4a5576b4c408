"""The victim calendars (simulation.model.calendars): events scheduled many at once land in the same
weeks and the same order as events scheduled one by one."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.model import calendars


def _columns(calendar, week):
    due = calendar.pop(week)
    return None if due is None else [c.tolist() for c in (due.kind, due.victim, due.token,
                                                           due.leg)]


@pytest.mark.parametrize("n, spread", [(0, 1), (3, 2), (9, 1), (40, 1), (40, 5), (300, 12)])
def test_many_events_at_once_land_as_if_scheduled_one_by_one(n, spread):
    rng = np.random.default_rng(n + spread)
    weeks = 20 + rng.integers(0, spread, n)
    kinds = rng.integers(0, 3, n)
    victims = rng.integers(0, 2**40, n)  # rows and tokens beyond 32 bits survive
    tokens = rng.integers(1, 2**35, n).astype(float)  # (callers pass floats: np.ones)
    legs = rng.integers(0, 4, n)
    one_by_one, at_once = calendars.VictimCalendar(), calendars.VictimCalendar()
    for calendar in (one_by_one, at_once):  # an event already there stays first
        calendar.schedule(20, calendars.ARRIVAL, 5, 1, 0)
    for event in zip(weeks.tolist(), kinds.tolist(), victims.tolist(),
                     tokens.astype(np.int64).tolist(), legs.tolist()):
        one_by_one.schedule(*event)
    at_once.schedule_many(weeks, kinds, victims, tokens, legs)
    for calendar in (one_by_one, at_once):  # and one scheduled after them comes last
        calendar.schedule(20, calendars.ARRIVAL, 6, 1, 0)
    assert len(at_once) == len(one_by_one) == n + 2
    for week in range(20, 20 + spread + 1):
        assert _columns(at_once, week) == _columns(one_by_one, week), week
    assert len(at_once) == 0
