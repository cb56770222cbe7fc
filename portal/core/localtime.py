"""Local time in one place: the bureau's calendar runs on China time, the database stores naive UTC.

Every conversion between a stored timestamp and a calendar day of the bureau goes through here, so the
rule cannot disagree with itself. Pure: imports neither Flask nor SQLAlchemy (the SQL form of
`local_date` is portal.core.localtime_sql). "Now" still comes from portal.core.clock, so tests can travel.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.core import clock

ZONE = ZoneInfo("Asia/Shanghai")
DEFAULT_FORMAT = "%Y-%m-%d %H:%M"


def to_local(value: datetime) -> datetime:
    """A stored naive UTC timestamp as naive wall-clock time in China."""
    return value.replace(tzinfo=UTC).astimezone(ZONE).replace(tzinfo=None)


def to_utc(value: datetime) -> datetime:
    """Naive wall-clock time in China (what a person types in a form) as the naive UTC the database stores."""
    return value.replace(tzinfo=ZONE).astimezone(UTC).replace(tzinfo=None)


def local_date(value: datetime) -> date:
    """The bureau's calendar day on which a stored naive UTC timestamp falls."""
    return to_local(value).date()


def today() -> date:
    """Today on the bureau's calendar, read from portal.core.clock."""
    return local_date(clock.utcnow())


def day_start_utc(day: date) -> datetime:
    """The first instant of a local calendar day, as naive UTC."""
    return to_utc(datetime.combine(day, time.min))


def day_bounds_utc(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """Half-open naive UTC bounds [lower, upper) of the local days date_from..date_to, both inclusive."""
    return day_start_utc(date_from), day_start_utc(date_to + timedelta(days=1))


def year_bounds_utc(year: int) -> tuple[datetime, datetime]:
    """Half-open naive UTC bounds of a local calendar year."""
    return day_bounds_utc(date(year, 1, 1), date(year, 12, 31))


def format_local(value: datetime | None, fmt: str = DEFAULT_FORMAT) -> str:
    """A stored naive UTC timestamp written in China time ("" for None)."""
    if value is None:
        return ""
    return to_local(value).strftime(fmt)


def utc_offset() -> timedelta:
    """China's offset from UTC, for SQL that must shift a column by a constant.

    Asia/Shanghai has kept one offset all year since 1991, so a constant shift is exact for every
    timestamp the portal stores; it is read from the zone database rather than written by hand.
    """
    offset = ZONE.utcoffset(datetime(2000, 1, 1))
    assert offset is not None
    return offset
