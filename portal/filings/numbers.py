"""Filing numbers `LZWB-YYYY-NNNN`: unique and gap-free per year, even under concurrent submission.

The per-year counter row is locked (`SELECT ... FOR UPDATE` on PostgreSQL) and then incremented with
an UPDATE, which on SQLite takes the database write lock before the value is read; the increment
belongs to the submitting transaction, so a rolled-back submission gives its number back.
"""
from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.core.errors import Conflict
from portal.core.msgids import N_
from portal.extensions import db
from portal.filings.models import FilingNumberCounter

PREFIX = "LZWB"
_ATTEMPTS = 5
# The leading part of a number, from the year on: "LZWB-2026", "lzwb-2026-", "LZWB-2026-14".
_LEADING = re.compile(rf"{PREFIX}-\d{{4}}(-\d*)?", re.IGNORECASE)


def format_number(year: int, sequence: int) -> str:
    return f"{PREFIX}-{year}-{sequence:04d}"


def leading_part(text: str) -> str | None:
    """`text` as the start of a filing number (upper case), when it is one with at least the year;
    else None. A search for it is then a range of the number's unique index, not a scan of every row."""
    text = text.strip()
    return text.upper() if _LEADING.fullmatch(text) else None


def _insert_year_row(year: int) -> None:
    # Two first submitters of a year may both find the row missing; ON CONFLICT DO NOTHING lets the
    # loser fall through to lock the winner's row instead of failing its whole transaction.
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(FilingNumberCounter).values(year=year, last_number=0).on_conflict_do_nothing(
        index_elements=["year"]
    )
    db.session.execute(stmt)


def allocate(year: int) -> str:
    """Take the next number of `year` in the caller's transaction (the caller commits)."""
    for _attempt in range(_ATTEMPTS):
        locked = db.session.execute(
            select(FilingNumberCounter.year).where(FilingNumberCounter.year == year).with_for_update()
        ).first()
        if locked is None:
            _insert_year_row(year)
            continue
        db.session.execute(
            update(FilingNumberCounter)
            .where(FilingNumberCounter.year == year)
            .values(last_number=FilingNumberCounter.last_number + 1)
            .execution_options(synchronize_session=False)
        )
        sequence = db.session.scalar(
            select(FilingNumberCounter.last_number).where(FilingNumberCounter.year == year)
        )
        return format_number(year, sequence)
    raise Conflict(N_("No filing number could be assigned; please submit again."))
