"""The site list counts in SQL what `queries.gaps` finds in Python, pages in the database, and sends the
same statements however many sites there are."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from portal.core.context import Actor
from portal.extensions import db
from portal.sitechecks import queries
from tests.querycount import assert_constant_queries
from tests.sitechecks.builders import freeze, record, site

FIRST, LAST = date(2026, 10, 1), date(2026, 12, 31)
REGULATOR = Actor(username="regulator", roles=("regulator",))


@pytest.fixture(params=["workdays", "all"])
def mode(request, app, monkeypatch):
    monkeypatch.setitem(app.config, "SITE_PATROL_SINCE", "2026-10-20")
    monkeypatch.setitem(app.config, "SITE_PATROL_DAYS", request.param)
    freeze()  # Friday 20 November 2026
    return request.param


def _sites(build, n: int, rng: random.Random):
    made = []
    for _ in range(n):
        start = date(2026, 9, 1) + timedelta(days=rng.randrange(0, 85))
        s = site(build, start=start)
        days = [start + timedelta(days=offset) for offset in rng.sample(range(0, 60), rng.randrange(0, 12))]
        days = [day for day in days if day < date(2026, 11, 20)]
        for day in days:
            record(s, day, video_running=rng.random() < 0.8)
        if rng.random() < 0.3:  # some finished (after their last patrol), some before the quarter's duty began
            end = max([start + timedelta(days=rng.randrange(0, 40)), *days])
            s.filing.status, s.filing.completed_at = "completed", datetime(end.year, end.month, end.day, 18, 0)
            db.session.commit()
        made.append(s)
    return made


def test_the_sql_counts_agree_with_the_python_rule(build, mode):
    rng = random.Random(16)
    made = _sites(build, 14, rng)
    until = date(2026, 11, 19)
    filings = [s.filing for s in made]
    found = queries.gaps([(f.id, f.started_at, f.start_date, f.completed_at) for f in filings], FIRST, until)
    rows = {r.filing_id: r for r in queries.site_rows(REGULATOR, FIRST, LAST)}
    for f in filings:
        g = found[f.id]
        if not (g.due or g.recorded or f.completed_at is None):
            assert f.id not in rows
            continue
        r = rows[f.id]
        assert (r.due, r.recorded, r.missed, r.not_in_order, r.last_missed) == (
            len(g.due), len(g.recorded), len(g.missing), len(g.not_in_order),
            g.missing[-1] if g.missing else None), f.id
    # Most days missed first, then most not in order, then by number.
    listed = list(rows.values())
    assert listed == sorted(listed, key=lambda r: (-r.missed, -r.not_in_order, r.number, r.filing_id))


def test_the_list_pages_in_the_database(build, mode, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 5)
    _sites(build, 12, random.Random(7))
    every = queries.site_rows(REGULATOR, FIRST, LAST)
    pages = [queries.site_page(REGULATOR, FIRST, LAST, n) for n in (1, 2, 3)]
    assert pages[0].total == len(every) and pages[0].pages == -(-len(every) // 5)
    assert [r.filing_id for p in pages for r in p.items] == [r.filing_id for r in every]


def test_site_list_statements_stay_constant_as_sites_grow(build, client, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "SITE_PATROL_SINCE", "2026-11-01")
    monkeypatch.setitem(app.config, "SITE_PATROL_DAYS", "workdays")
    freeze()
    rng = random.Random(3)
    _sites(build, 3, rng)
    login(build.user("regulator"))
    count = assert_constant_queries(client, "/sitechecks/", grow=lambda: _sites(build, 30, rng))
    assert count <= 12
    assert_constant_queries(client, "/sitechecks/?page=2", grow=lambda: _sites(build, 30, rng))


def test_firm_user_site_list_statements_stay_constant(build, client, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "SITE_PATROL_SINCE", "2026-11-01")
    freeze()
    first = site(build)
    login(first.vendor)

    def grow():
        for _ in range(10):
            s = site(build)
            record(s, date(2026, 11, 16))
            s.filing.firm_id = first.firm.id
        db.session.commit()

    assert_constant_queries(client, "/sitechecks/", grow=grow)
