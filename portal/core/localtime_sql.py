"""The SQL form of portal.core.localtime.local_date, for comparing a stored UTC column with a local date.

A date column (an end date, a deadline) is a day of the bureau's calendar; a timestamp column is naive
UTC. `func.date(column)` would take the UTC day, which is the previous local day from 00:00 to 08:00 in
China. `local_date(column)` shifts by the zone's offset first, the same on SQLite and PostgreSQL.
"""
from __future__ import annotations

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal.core import localtime


class local_date(FunctionElement):
    """The local calendar day of a naive UTC timestamp column."""

    type = Date()
    name = "local_date"
    inherit_cache = True


def _offset_seconds() -> int:
    return int(localtime.utc_offset().total_seconds())


@compiles(local_date)
def _standard(element, compiler, **kw) -> str:
    """PostgreSQL (and standard SQL): timestamp + interval, cast to a date."""
    column = compiler.process(element.clauses, **kw)
    return f"CAST({column} + INTERVAL '{_offset_seconds()} seconds' AS DATE)"


@compiles(local_date, "sqlite")
def _sqlite(element, compiler, **kw) -> str:
    """SQLite keeps timestamps as ISO text; date() with a modifier shifts and truncates in one call."""
    column = compiler.process(element.clauses, **kw)
    return f"date({column}, '{_offset_seconds():+d} seconds')"


class next_day(FunctionElement):
    """The calendar day after a date column or value (a recursive list of days steps with it)."""

    type = Date()
    name = "next_day"
    inherit_cache = True


@compiles(next_day)
def _next_day_standard(element, compiler, **kw) -> str:
    """PostgreSQL: date + integer is the date that many days later."""
    return f"CAST({compiler.process(element.clauses, **kw)} + 1 AS DATE)"


@compiles(next_day, "sqlite")
def _next_day_sqlite(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+1 day')"
