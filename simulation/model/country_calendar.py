"""Calendar years and dates of a country scenario in the model's weeks.

A country scenario (``scenarios/countries/<name>/scenario.toml``) runs over calendar years: its
week 0, the first policy week, is the first week of ``first_year``, and a model year is
:data:`~simulation.model.clock.WEEKS_PER_YEAR` (52) weeks. Calendar year Y is weeks
``52 (Y - first_year)`` to ``52 (Y - first_year) + 51``; a date falls in week
``52 (Y - first_year) + min(51, (day of year - 1) // 7)``. Restarting every year at its first
week keeps the model's years on the calendar's (a 52-week model year is 1.25 days short of a
calendar year, so a plain count of weeks since 1 January would drift two weeks behind in eleven
years), at the cost of a last week of 8 or 9 days. :mod:`simulation.studies.backtest` counts a
backtest's years the same way (52 weeks from ``first_year``).

Example::

    from simulation.model.country_calendar import date_week, week_year
    date_week("2015-07-31", first_year=2009)   # 342: the Modern Slavery Act's Part 1 in force
    week_year(342, first_year=2009)            # 2015
"""

from __future__ import annotations

import datetime as dt

from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.errors import UserError


def date_week(date: str | dt.date, first_year: int) -> int:
    """The model week (0: the first week of ``first_year``) a date falls in. ``date`` is a
    :class:`datetime.date`, an ISO date ``"YYYY-MM-DD"`` or a month ``"YYYY-MM"`` (its first
    day). A date before ``first_year`` is refused: policies start in the policy period."""
    day = _as_date(date)
    if day.year < first_year:
        raise UserError(f"date {day.isoformat()}: before the first calendar year {first_year}; "
                        f"allowed: a date in {first_year} or later")
    within = min(WEEKS_PER_YEAR - 1, (day.timetuple().tm_yday - 1) // 7)
    return WEEKS_PER_YEAR * (day.year - first_year) + within


def week_year(week: int, first_year: int) -> int:
    """The calendar year of model week ``week`` (negative weeks are the burn-in, before
    ``first_year``)."""
    return first_year + week // WEEKS_PER_YEAR


def year_weeks(year: int, first_year: int) -> range:
    """The model weeks of calendar year ``year``."""
    start = WEEKS_PER_YEAR * (year - first_year)
    return range(start, start + WEEKS_PER_YEAR)


def _as_date(value: str | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    try:
        if len(text) == 7:
            return dt.date.fromisoformat(text + "-01")
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"date {text!r}: not a date; allowed: YYYY-MM-DD or YYYY-MM") from None
