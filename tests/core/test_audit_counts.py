"""Repeated identical security events are counted, not written to the audit log row by row (issue 13 item 2)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.core import audit_counts
from portal.core.models import AuditEvent, SecurityEventCount
from portal.extensions import db
from tests.govint.fixtures import fake, signed_post  # noqa: F401 - fixture

CALLBACK = "/integrations/gov/callback"


@pytest.fixture
def generous_limits(app):
    keys = ("RATELIMIT_LOGIN_PER_ADDRESS", "RATELIMIT_LOGIN_PER_USERNAME", "RATELIMIT_GOV_CALLBACK")
    saved = {k: app.config[k] for k in keys}
    app.config.update({k: "100000 per minute" for k in keys})
    yield
    app.config.update(saved)


def _audit_rows() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def _unknown_login(client, addr="203.0.113.9", username="no-such-user"):
    return client.post("/auth/login", data={"username": username, "password": "Whatever#2026x"},
                       environ_base={"REMOTE_ADDR": addr})


def test_500_unknown_user_logins_add_one_audit_row_and_are_counted(app, client, generous_limits, runner):
    before = _audit_rows()
    for _ in range(500):
        assert _unknown_login(client).status_code == 200
    after = _audit_rows()
    assert after - before == 1, (before, after)  # old code: +500
    first = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert first.action == "login.failure" and first.ip == "203.0.113.9"
    counted = db.session.scalars(select(SecurityEventCount)).one()
    assert (counted.kind, counted.source, counted.subject, counted.count) == \
        ("login.failure", "203.0.113.9", "unknown_user:no-such-user", 500)

    result = runner.invoke(args=["audit", "flush-counts"])
    assert result.exit_code == 0 and "1 repeated" in result.output
    summary = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert summary.action == audit_counts.SUMMARY_ACTION and summary.ip == "203.0.113.9"
    detail = json.loads(summary.detail)
    assert detail["event"] == "login.failure" and detail["repeats"] == 499 and detail["total_in_window"] == 500
    assert _audit_rows() == before + 2
    # Nothing new: a second flush writes nothing; the chain is intact.
    assert runner.invoke(args=["audit", "flush-counts"]).output.startswith("0 ")
    assert runner.invoke(args=["audit", "verify", "--no-anchor"]).exit_code == 0


def test_different_sources_and_subjects_are_counted_apart(app, client, generous_limits):
    before = _audit_rows()
    for addr in ("198.51.100.1", "198.51.100.2"):
        for name in ("ghost-a", "ghost-b"):
            for _ in range(3):
                _unknown_login(client, addr, name)
    assert _audit_rows() - before == 4
    assert sorted(db.session.scalars(select(SecurityEventCount.count))) == [3, 3, 3, 3]
    assert audit_counts.flush() == 4


def test_a_new_window_audits_its_first_event_again(app, client, generous_limits, travel):
    before = _audit_rows()
    _unknown_login(client)
    _unknown_login(client)
    travel(seconds=app.config.get("SECURITY_EVENT_WINDOW_SECONDS", audit_counts.DEFAULT_WINDOW_SECONDS) + 1)
    _unknown_login(client)
    assert _audit_rows() - before == 2
    assert audit_counts.flush() == 1  # the one repeat of the first window


def test_unsigned_callbacks_are_counted_not_logged_each(app, fake, client, generous_limits):  # noqa: F811
    before = _audit_rows()
    for _ in range(50):
        response = client.post(CALLBACK, data=b"{}", headers={"Content-Type": "application/json"},
                               environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert response.status_code == 401
    for i in range(20):
        response = signed_post(client, CALLBACK, {"event_id": f"e{i}"}, secret="wrong-secret-0000000000")
        assert response.status_code == 401
    # one row per refusal code (missing headers, bad signature), not one per request
    assert 1 <= _audit_rows() - before <= 2
    assert sum(db.session.scalars(select(SecurityEventCount.count))) == 70
