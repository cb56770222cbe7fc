"""The official Chinese working-day calendar (public holidays and adjusted working weekends, 调休).

Sources in order: ``chinese_calendar`` (the State Council's yearly notices, for the years it carries),
then the ``holidays`` package's China calendar (rule-based for years without a notice yet), then Monday
to Friday minus the fixed-date statutory holidays. Never a plain Monday–Friday rule while data exists.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
import holidays

# Fixed-date statutory holidays, the last resort when no package knows the year.
_FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})


@lru_cache(maxsize=128)
def _holidays_for(year: int) -> tuple[frozenset[date], frozenset[date]] | None:
    """(holidays, weekend working days) from the holidays package, or None when it has no data."""
    first, last = getattr(holidays.China, "start_year", 1950), getattr(holidays.China, "end_year", 2100)
    if not first <= year <= last:
        return None
    calendar = holidays.China(years=year, categories=(holidays.PUBLIC,))
    workdays = frozenset(d for d in getattr(calendar, "weekend_workdays", ()) if d.year == year)
    return frozenset(calendar.keys()), workdays


def is_workday(d: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        pass
    known = _holidays_for(d.year)
    if known is not None:
        days_off, weekend_workdays = known
        if d in weekend_workdays:
            return True
        return d.weekday() < 5 and d not in days_off
    return d.weekday() < 5 and (d.month, d.day) not in _FIXED_HOLIDAYS


def add_workdays(d: date, n: int) -> date:
    """The n-th working day after ``d`` (before it when n < 0); ``d`` itself is not counted; n = 0 → d.

    A 10-working-day window opened on ``d`` therefore ends on ``add_workdays(d, 10)``.
    """
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    current = d
    while remaining:
        current += step
        if is_workday(current):
            remaining -= 1
    return current
