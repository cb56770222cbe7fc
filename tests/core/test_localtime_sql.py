"""portal.core.localtime_sql.local_date: the database agrees with portal.core.localtime on the local day."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from portal.core import localtime
from portal.core.localtime_sql import local_date
from portal.extensions import db
from portal.filings.models import ProjectFiling


@pytest.mark.parametrize(("utc", "local_day"), [
    (datetime(2026, 8, 20, 15, 59, 59), date(2026, 8, 20)),  # 23:59:59 in Luzhou
    (datetime(2026, 8, 20, 16, 0), date(2026, 8, 21)),  # local midnight
    (datetime(2026, 8, 20, 21, 0, 0, 250000), date(2026, 8, 21)),  # 05:00 local, with microseconds
    (datetime(2026, 8, 20, 0, 30), date(2026, 8, 20)),  # 08:30 local
    (datetime(2026, 12, 31, 16, 0), date(2027, 1, 1)),
])
def test_local_date_of_a_stored_timestamp(build, utc, local_day):
    filing = build.filing(submitted_at=utc)
    stored = db.session.scalar(select(local_date(ProjectFiling.submitted_at)).where(ProjectFiling.id == filing.id))
    assert stored == local_day == localtime.local_date(utc)


def test_local_date_compares_with_a_date_column(build):
    """The shape the scoring evidence uses: a local day of a timestamp against a day of the calendar."""
    on_the_day = build.filing(end_date=date(2026, 8, 20), completed_at=datetime(2026, 8, 20, 15, 30))
    next_morning = build.filing(end_date=date(2026, 8, 20), completed_at=datetime(2026, 8, 20, 21, 0))
    in_time = set(db.session.scalars(
        select(ProjectFiling.id).where(local_date(ProjectFiling.completed_at) <= ProjectFiling.end_date)))
    assert on_the_day.id in in_time and next_morning.id not in in_time
