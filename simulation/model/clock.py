"""The model's units of time (ODD 3), in one place.

One step is a week. A year is 52 weeks. Monthly processes (perceptions, desistance, the network
review, entry, the agencies' survey) run every fourth week, so the model's year holds 13 months
of 4 weeks: a yearly hazard ``h`` acts on a monthly review as a chance ``1 - exp(-h / 13)``
(:func:`monthly_chance`), and a monthly count times 13 is a yearly rate.
"""

from __future__ import annotations

WEEKS_PER_YEAR = 52
"""Weeks in a year: the unit of every yearly rate, cost and sentence."""
WEEKS_PER_MONTH = 4
"""Weeks between two monthly reviews."""
MONTHS_PER_YEAR = WEEKS_PER_YEAR // WEEKS_PER_MONTH
"""Monthly reviews in a year (13)."""


NO_WEEK = -(2**15)
"""What a 16-bit column of weeks (a victim's ``exploited_since``, a spell's start and end) holds
for none: its smallest number. Every week a run reaches fits in the others: the schema allows
at most ``MAX_WEEKS`` (5,200) policy weeks and half as many of burn-in; only the age of an
initial spell (``processes.region``) must be checked, as it is drawn."""
EARLIEST_WEEK = NO_WEEK + 1
LATEST_WEEK = 2**15 - 1


def is_monthly(week: int) -> bool:
    """Whether the monthly processes run in ``week`` (every fourth week, from week 0)."""
    return week % WEEKS_PER_MONTH == 0


def monthly_chance(yearly_hazard):
    """Chance that an event with yearly hazard ``yearly_hazard`` happens between two monthly
    reviews: ``1 - exp(-h / 13)`` (a float or a numpy array; :mod:`simulation.model.fmath`'s
    ``expm1``, the same on every machine)."""
    from simulation.model import fmath

    if isinstance(yearly_hazard, float | int):
        return -fmath.expm1(-yearly_hazard / MONTHS_PER_YEAR)
    return -fmath.expm1_all(-yearly_hazard / MONTHS_PER_YEAR)


def weeks_from_years(years: float) -> int:
    """A duration in years as a whole number of weeks, at least one."""
    return max(1, round(WEEKS_PER_YEAR * years))
