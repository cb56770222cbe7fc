"""audit.verify over ranges in forked processes gives the report a single walk gives, for an intact chain
and for each kind of tampering, wherever it falls (first row, a range's first or last row, the end)."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update

from portal.core import audit
from portal.core.models import AuditEvent
from portal.extensions import db


@pytest.fixture()
def chain(app, monkeypatch):
    monkeypatch.setattr(audit, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(audit, "RANGE_ROWS", 3)  # 8 rows: ranges (0,3] (3,6] (6,8]
    for n in range(8):
        audit.record(f"test.{n}", "thing", n, detail={"n": n})
    db.session.commit()


def _both() -> tuple[tuple, tuple]:
    single = audit.verify(batch=2)
    parallel = audit.verify(batch=2, workers=2)
    return ((single.ok, single.first_bad_seq, single.problem, single.last_seq, single.last_hash),
            (parallel.ok, parallel.first_bad_seq, parallel.problem, parallel.last_seq, parallel.last_hash))


def test_intact_chain(chain):
    single, parallel = _both()
    assert single == parallel
    assert single[0] is True and single[3] == 8
    assert audit.verify(workers=2).rows == 8


@pytest.mark.parametrize("seq", [1, 3, 4, 6, 8])
def test_edited_row(chain, seq):
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(detail='{"n": "forged"}'))
    db.session.commit()
    single, parallel = _both()
    assert parallel == single == (False, seq, "edited", 0, audit.GENESIS)


@pytest.mark.parametrize("seq", [1, 3, 4, 7, 8])
def test_deleted_row(chain, seq):
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq == seq))
    db.session.commit()
    single, parallel = _both()
    assert parallel == single == (False, seq, "deleted", 0, audit.GENESIS)


def test_whole_range_deleted(chain):
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq.between(4, 6)))
    db.session.commit()
    single, parallel = _both()
    assert parallel == single == (False, 4, "deleted", 0, audit.GENESIS)


def test_range_start_relinked_to_a_forged_row(chain):
    """Row 4 rewritten with a valid hash over a wrong prev_hash: only the link between ranges shows it."""
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 4))
    row.prev_hash = "e" * 64
    row.hash = audit.compute_hash(audit._key(), row.prev_hash, row)
    db.session.commit()
    single, parallel = _both()
    assert parallel == single == (False, 4, "edited", 0, audit.GENESIS)


def test_inserted_row(chain):
    last = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 8))
    db.session.execute(text(
        "INSERT INTO audit_event (seq, at, actor, role, action, outcome, detail, prev_hash, hash) "
        "VALUES (9, :at, 'mallory', '', 'test.forged', 'success', '', :prev, :hash)"
    ), {"at": last.at, "prev": last.hash, "hash": "f" * 64})
    db.session.commit()
    single, parallel = _both()
    assert parallel == single == (False, 9, "inserted", 0, audit.GENESIS)
