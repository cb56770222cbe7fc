"""The audit log filtered by action at scale (1,000,000+ rows): the page is read off ix_audit_event_action_seq
in the log's order (newest first), without sorting every row of that action; the rows shown are right."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.core import audit
from portal.core.models import AuditEvent
from portal.extensions import db
from tests.querycount import sent_by, sqlite_plans


def test_audit_log_filtered_by_action_reads_the_page_off_the_index(app, client, build, login):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN; PostgreSQL plans are in bench-results/")
    login(build.user("auditor"))
    for n in range(30):
        audit.record("bench.check" if n % 3 else "other.check", "firm", n)
    db.session.commit()
    url = "/admin/audit?action=bench.check"
    client.get(url)
    statements = [(s, p) for s, p in sent_by(client, url)
                  if "FROM audit_event" in s and "ORDER BY" in s and "count(" not in s]
    assert statements
    for plan in sqlite_plans(statements):
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
        assert "ix_audit_event_action_seq" in plan, plan

    newest = db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "bench.check")
                                .order_by(AuditEvent.seq.desc())).all()
    html = client.get(url + "&lang=en").get_data(as_text=True)
    assert "other.check" not in html
    shown = re.findall(r"No\. (\d+)</span>", html)
    assert shown == newest[:20]


def test_audit_log_counts_only_as_far_as_the_last_reachable_page(app, client, build, login, monkeypatch):
    """A million rows counted live cost more than the page: the count stops past MAX_PAGE pages and the
    pager says there are more (narrow the filter); pages up to MAX_PAGE still open."""
    from portal.core import pagination

    monkeypatch.setattr(pagination, "MAX_PAGE", 3)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 4)
    login(build.user("auditor"))
    for n in range(20):
        audit.record("bench.count", "firm", n)
    db.session.commit()
    counts = [s for s, _p in sent_by(client, "/admin/audit?lang=en") if "count(" in s and "audit_event" in s]
    assert counts and all("LIMIT" in s for s in counts)
    page = client.get("/admin/audit?page=3&lang=en").get_data(as_text=True)
    assert "Page 3 of 3 shown (more than 12 in all: narrow the filter)" in page
    few = client.get("/admin/audit?action=bench.count&object_id=7&lang=en").get_data(as_text=True)
    assert "more than" not in few


def test_audit_log_statements_stay_constant_as_the_log_grows(app, client, build, login):
    from tests.querycount import assert_constant_queries

    login(build.user("auditor"))

    def grow():
        for n in range(60):
            audit.record("bench.grow", "firm", n)
        db.session.commit()

    assert_constant_queries(client, "/admin/audit", grow=grow)
    assert_constant_queries(client, "/admin/audit?page=3", grow=grow)
