"""The audit chain detects an edited, a deleted and an inserted row; `flask audit verify` exits 1 then."""
from __future__ import annotations

from sqlalchemy import delete, select, text, update

from portal.core import audit
from portal.core.models import AuditEvent
from portal.extensions import db


def _three_rows():
    for action in ("one", "two", "three"):
        audit.record(f"test.{action}", "thing", 1, detail={"n": action})
    db.session.commit()


def test_intact_chain_verifies_and_cli_exits_0(app, runner):
    _three_rows()
    assert audit.verify().ok
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "3 rows" in result.output


def test_edited_row_is_detected(app, runner):
    _three_rows()
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(detail='{"n": "forged"}'))
    db.session.commit()
    report = audit.verify()
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 2, "edited")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "seq 2" in result.output


def test_deleted_row_is_detected(app, runner):
    _three_rows()
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    db.session.commit()
    report = audit.verify()
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 2, "deleted")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_deleted_last_row_is_detected(app):
    _three_rows()
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    db.session.commit()
    assert audit.verify().problem == "deleted"


def test_inserted_row_is_detected(app, runner):
    _three_rows()
    last = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 3))
    # A forger without the key appends a row that looks like the next one.
    db.session.execute(text(
        "INSERT INTO audit_event (seq, at, actor, role, action, outcome, detail, prev_hash, hash) "
        "VALUES (4, :at, 'mallory', '', 'test.forged', 'success', '', :prev, :hash)"
    ), {"at": last.at, "prev": last.hash, "hash": "f" * 64})
    db.session.commit()
    report = audit.verify()
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 4, "inserted")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_row_rehashed_with_a_wrong_key_is_detected(app):
    _three_rows()
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 1))
    row.actor = "someone-else"
    row.hash = audit.compute_hash(b"guessed-key", row.prev_hash, row)
    db.session.commit()
    assert audit.verify().first_bad_seq == 1
