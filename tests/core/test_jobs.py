"""Scheduled jobs: one list drives `flask jobs run` (make run) and the production systemd timers."""
import re
import shutil
from pathlib import Path

import pytest

from portal import jobs

SYSTEMD = Path(__file__).resolve().parents[2] / "config" / "systemd"


def test_every_job_runs_once_and_reports(app):
    lines = []
    with app.app_context():
        runs = jobs.run_loop(once=True, echo=lines.append)
    assert runs == {job.name: 1 for job in jobs.JOBS}
    assert not [line for line in lines if "failed" in line]


def test_a_failing_job_does_not_stop_the_others(app, monkeypatch):
    from portal.supervision import alerts

    def broken():
        raise RuntimeError("scan exploded")

    monkeypatch.setattr(alerts, "scan", broken)
    lines = []
    with app.app_context():
        runs = jobs.run_loop(once=True, echo=lines.append)
    assert runs == {job.name: 1 for job in jobs.JOBS}
    assert any("alerts-scan failed" in line and "scan exploded" in line for line in lines)


def test_a_job_that_exits_with_an_error_code_does_not_stop_the_loop(app, monkeypatch):
    """`audit anchor` ends with exit code 1 when the chain no longer holds an anchor: reported, not fatal."""
    from portal.core import audit_anchor

    def chain_broken(*_args, **_kwargs):
        raise audit_anchor.AnchorError("rows were rewritten")

    monkeypatch.setattr(audit_anchor, "anchor_head", chain_broken)
    lines = []
    with app.app_context():
        runs = jobs.run_loop(once=True, echo=lines.append)
    assert runs == {job.name: 1 for job in jobs.JOBS}
    assert any("audit-anchor failed: exit code 1" in line for line in lines)


def test_the_loop_reruns_a_job_when_its_interval_has_passed(app):
    now = {"t": 0.0}
    stops = iter([False, False, True])

    def sleep(seconds):
        now["t"] += 301  # just past the alert scan's five minutes

    with app.app_context():
        runs = jobs.run_loop(should_stop=lambda: next(stops), clock=lambda: now["t"], sleep=sleep,
                             echo=lambda _line: None)
    assert runs["alerts-scan"] == 2 and runs["feedback-remind"] == 1


def test_production_has_a_timer_and_service_for_every_job():
    for job in jobs.JOBS:
        timer = (SYSTEMD / f"portal-{job.name}.timer").read_text("utf-8")
        service = (SYSTEMD / f"portal-{job.name}.service").read_text("utf-8")
        seconds = int(re.search(r"OnUnitActiveSec=(\d+)s", timer).group(1))
        assert seconds == job.every_seconds
        assert f"flask --app wsgi {' '.join(job.command)}" in service
    for unit in ("portal-web.service", "portal-outbox@.service"):
        assert (SYSTEMD / unit).is_file()


def test_audit_anchor_runs_hourly_and_backup_daily():
    """Issue 13 items 7 and 11: the anchor and the backup are scheduled, not left to be run by hand."""
    by_command = {job.command: job for job in jobs.JOBS}
    assert by_command[("audit", "anchor")].every_seconds == 3600
    assert by_command[("backup", "create")].every_seconds == 24 * 3600
    assert by_command[("audit", "flush-counts")].every_seconds <= 3600
    assert ("gov", "verify-pending") in by_command and ("attachments", "purge-orphans") in by_command


def test_the_scheduled_backup_keeps_backup_keep_snapshots(app, runner):
    from pathlib import Path

    from portal.core import backup
    from portal.extensions import db

    if db.engine.dialect.name == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump not installed")
    job = next(job for job in jobs.JOBS if job.command == ("backup", "create"))
    app.config["BACKUP_KEEP"] = 2
    try:
        with app.app_context():
            results = [jobs.run_job(job, echo=lambda _line: None) for _ in range(3)]
    finally:
        app.config["BACKUP_KEEP"] = 14
    assert results == [True, True, True]
    assert len(backup.snapshots(Path(app.config["BACKUP_DIR"]))) == 2


def test_the_scheduled_anchor_writes_the_chain_head_outside_the_database(app):
    from portal.core import audit, audit_anchor

    audit.record_and_commit("test.event")
    job = next(job for job in jobs.JOBS if job.command == ("audit", "anchor"))
    with app.app_context():
        assert jobs.run_job(job, echo=lambda _line: None)
    assert audit_anchor.check().ok and audit_anchor.check().anchors == 1
