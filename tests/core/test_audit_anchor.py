"""Anchors outside the database catch what the in-database chain cannot: a cut-off tail, a rewritten
head and an emptied log; a tampered anchor file is caught too, and an intact chain still passes."""
from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from portal.core import audit, audit_anchor
from portal.core.models import AuditChainHead, AuditEvent, OutboxMessage
from portal.extensions import db
from portal.integrations.outbox_worker import OutboxWorker


def _rows(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        audit.record("test.event", "thing", n, detail={"n": n})
    db.session.commit()


def _anchored(runner) -> None:
    """Five rows, anchored as the scheduled `flask audit anchor` does."""
    _rows(5)
    result = audit_anchor.anchor_head()
    assert (result.written, result.anchor.seq) == (True, 5)


def _broken(runner, *expected: str) -> str:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert "BROKEN" in result.output
    for text in expected:
        assert text in result.output
    return result.output


def _head_at(seq: int) -> None:
    """What a forger with write access to the database does to keep the in-database chain consistent."""
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == seq))
    db.session.execute(update(AuditChainHead).where(AuditChainHead.id == 1)
                       .values(last_seq=seq, last_hash=row.hash if row else audit.GENESIS))
    db.session.commit()


def test_scheduled_anchor_command_anchors_the_head(app, runner):
    _rows(5)
    result = runner.invoke(args=["audit", "anchor"])
    assert result.exit_code == 0, result.output
    assert "anchored seq 5" in result.output
    assert [(a.n, a.kind, a.seq) for a in audit_anchor.read_anchors()] == [(1, "anchor", 5)]
    assert "head unchanged" in runner.invoke(args=["audit", "anchor"]).output


def test_intact_chain_passes_and_verify_anchors_its_head(app, runner):
    _anchored(runner)
    _rows(2, start=5)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit chain intact: 7 rows" in result.output
    assert "anchored seq 7" in result.output
    anchors = audit_anchor.read_anchors()
    head = db.session.get(AuditChainHead, 1)
    assert [(a.n, a.seq) for a in anchors] == [(1, 5), (2, 7)]
    assert anchors[-1].hash == head.last_hash
    # Once more without new rows: nothing new to anchor, still intact.
    again = runner.invoke(args=["audit", "verify"])
    assert again.exit_code == 0 and "head unchanged" in again.output
    assert len(audit_anchor.read_anchors()) == 2


def test_each_anchor_is_queued_for_the_platform_and_delivered(app, runner):
    _anchored(runner)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == audit_anchor.OUTBOX_KIND))
    head = db.session.get(AuditChainHead, 1)
    assert message.payload["sequence"] == 5 and message.payload["hash"] == head.last_hash
    OutboxWorker(app, concurrency=1).run(once=True)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "delivered"
    receipts = app.extensions["gov_fake_platform"].anchors
    assert [(r.sequence, r.chain_hash) for r in receipts] == [(5, head.last_hash)]


def test_cut_off_tail_with_a_consistent_head_is_detected(app, runner):
    _anchored(runner)
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq > 3))
    db.session.commit()
    _head_at(3)
    assert audit.verify().ok  # the chain alone cannot tell
    _broken(runner, "ends at seq 3", "seq 5", "cut off")
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 1
    assert len(audit_anchor.read_anchors()) == 1  # nothing anchored over the damage


def test_rewritten_head_is_detected(app, runner):
    _anchored(runner)
    # A forger holding the key rewrites the last row and re-hashes it and the head row.
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 5))
    row.detail = '{"n": "forged"}'
    row.hash = audit.compute_hash(app.extensions["audit_key"], row.prev_hash, row)
    db.session.commit()
    _head_at(5)
    assert audit.verify().ok
    _broken(runner, "does not hold the hash", "rewritten")


def test_emptied_log_is_detected(app, runner):
    _anchored(runner)
    db.session.execute(delete(AuditEvent))
    db.session.execute(delete(AuditChainHead))
    db.session.commit()
    assert audit.verify().ok and audit.verify().rows == 0
    _broken(runner, "ends at seq 0", "deleted")


def _lines() -> list[dict]:
    return [json.loads(line) for line in audit_anchor.anchor_path().read_text().splitlines()]


def _write(lines: list[dict]) -> None:
    audit_anchor.anchor_path().write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_tampered_anchor_line_is_detected(app, runner):
    _anchored(runner)
    lines = _lines()
    lines[0]["seq"] = 4  # lower the anchor so a truncation to 4 would pass
    _write(lines)
    _broken(runner, "line 1", "wrong signature")
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 1


def test_removed_anchor_line_is_detected(app, runner):
    _anchored(runner)
    _rows(1, start=5)
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 0
    _rows(1, start=6)
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 0
    lines = _lines()
    _write([lines[0], lines[2]])
    _broken(runner, "line 2 does not follow line 1")


def test_restore_marker_lets_the_chain_continue_from_an_older_head(app, runner):
    _anchored(runner)
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq > 3))
    db.session.commit()
    _head_at(3)  # what a restore of an older snapshot looks like
    marker = audit_anchor.mark_restore("snapshot-x")
    assert (marker.kind, marker.seq, marker.note) == ("restore", 3, "snapshot-x")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_a_row_committed_during_verification_is_not_reported_as_tampering(app, monkeypatch):
    """audit.verify reads the head before the rows; a writer in between makes one pass look "inserted"."""
    _rows(3)
    real_verify = audit.verify
    passes = []

    def racing_verify(*args, **kwargs):
        passes.append(1)
        if len(passes) == 1:
            return audit.ChainReport(False, 4, 4, "inserted")
        return real_verify(*args, **kwargs)

    monkeypatch.setattr(audit, "verify", racing_verify)
    assert audit_anchor.verify_chain().ok and len(passes) == 2
    passes.clear()
    monkeypatch.setattr(audit, "verify", lambda *a, **k: audit.ChainReport(False, 2, 2, "edited"))
    assert audit_anchor.verify_chain().problem == "edited"
