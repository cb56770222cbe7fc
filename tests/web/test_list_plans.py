"""Deep pages of the supervision lists at province scale: the page of ids is read off an index in the
list's order (newest first) so OFFSET walks the index, never a sort of every row (issue 16)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from portal.core import clock
from portal.extensions import db
from portal.supervision.models import RectificationOrder
from tests.querycount import sent_by, sqlite_plans
from tests.supervision import builders as sb


def test_rectification_deep_page_walks_the_issued_at_index(app, client, build, login):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN; PostgreSQL plans are in bench-results/")
    login(build.user("regulator"))
    firm = build.firm()
    start = clock.utcnow() - timedelta(days=100)
    for n in range(45):
        sb.order(firm, number=f"ZG-2099-{n:04d}", issued_at=start + timedelta(hours=n * 7 % 45))
    url = "/supervision/rectifications?page=2"
    client.get(url)
    statements = [(s, p) for s, p in sent_by(client, url)
                  if "FROM rectification_order" in s and "ORDER BY" in s and "OFFSET" in s]
    assert statements
    for plan in sqlite_plans(statements):
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
        assert "ix_rectification_issued_at_id" in plan, plan

    newest = db.session.scalars(select(RectificationOrder.number)
                                .order_by(RectificationOrder.issued_at.desc(), RectificationOrder.id.desc())).all()
    html = client.get(url + "&lang=en").get_data(as_text=True)
    shown = [n for n in re.findall(r"ZG-2099-\d{4}", html)]
    assert shown and set(shown) <= set(newest[20:40]), (shown, newest[20:40])


def test_api_filings_deep_page_skips_rows_without_joining_firm_and_agency(app, client, build):
    """The ids of the page are picked from project_filing alone; firm and agency names are joined for the
    page's rows only (a deep page otherwise looked both up for every skipped filing)."""
    from tests.api.builders import bearer

    firm, agency = build.firm(), build.agency()
    filings = [build.filing(firm=firm, agency=agency, status="in_progress") for _ in range(25)]
    headers = bearer(build.user("regulator"))
    sent: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/api/v1/filings?page=2&per_page=20", headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    rows = [s for s in sent if "OFFSET" in s and "project_filing" in s]
    assert rows, sent
    for statement in rows:
        picked = statement[statement.index("IN (SELECT"):]
        assert "JOIN firm" not in picked and "JOIN agency" not in picked, statement
    items = body.get("items") or body.get("data") or []
    assert [i["id"] for i in items] == sorted((f.id for f in filings), reverse=True)[20:]
    assert {i["firm_name"] for i in items} == {firm.name}


def test_inbox_deep_page_walks_the_user_created_id_index(app, client, build, login):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN; PostgreSQL plans are in bench-results/")
    from portal.core.models import Notification

    user = build.user("regulator")
    login(user)
    now = clock.utcnow()
    for i in range(45):
        db.session.add(Notification(user_id=user.id, message="Filing %(number)s changed.",
                                    params={"number": f"LZWB-2026-{i:04d}"}, link="/home/",
                                    created_at=now - timedelta(minutes=i % 7)))
    db.session.commit()
    url = "/home/inbox?page=2"
    client.get(url)
    statements = [(s, p) for s, p in sent_by(client, url)
                  if "FROM notification" in s and "ORDER BY" in s and "OFFSET" in s]
    assert statements
    for plan in sqlite_plans(statements):
        assert "TEMP B-TREE" not in plan, plan
        assert "ix_notification_user_created_id" in plan, plan
