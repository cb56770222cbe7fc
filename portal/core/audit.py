"""Append-only, HMAC-chained audit log: record in the caller's transaction; verify the whole chain."""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import select, update

from portal.core import clock, transactions
from portal.core.context import Actor, current_actor
from portal.core.models import AuditChainHead, AuditEvent
from portal.extensions import db

GENESIS = "0" * 64
_FIELDS = ("seq", "at", "actor_id", "actor", "role", "ip", "action", "object_type", "object_id",
           "outcome", "request_id", "detail")


def init_app(app: Flask) -> None:
    app.extensions["audit_key"] = app.config["AUDIT_HMAC_KEY"].encode()


def _key() -> bytes:
    return current_app.extensions["audit_key"]


def _canonical(row: AuditEvent | dict) -> bytes:
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    values = []
    for name in _FIELDS:
        value = get(name)
        if name == "at" and value is not None:
            value = value.strftime("%Y-%m-%dT%H:%M:%S.%f")
        values.append("" if value is None else str(value))
    return "\x1f".join(values).encode()


def compute_hash(key: bytes, prev_hash: str, row: AuditEvent | dict) -> str:
    return hmac.new(key, prev_hash.encode() + b"\x1e" + _canonical(row), hashlib.sha256).hexdigest()


def _ensure_head() -> None:
    if db.session.get(AuditChainHead, 1) is None:
        db.session.add(AuditChainHead(id=1, last_seq=0, last_hash=GENESIS))
        db.session.flush()


def record(
    action: str,
    object_type: str | None = None,
    object_id=None,
    *,
    outcome: str = "success",
    detail: dict | str | None = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """Append one row in the current transaction; the caller commits it with the change it records.

    The head row is bumped with an UPDATE first, which takes the row lock on PostgreSQL and the write
    lock on SQLite, so concurrent writers get consecutive sequence numbers and a correct chain.
    """
    actor = actor or current_actor()
    _ensure_head()
    db.session.execute(
        update(AuditChainHead).where(AuditChainHead.id == 1).values(last_seq=AuditChainHead.last_seq + 1)
    )
    head = db.session.execute(
        select(AuditChainHead.last_seq, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
    ).one()
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    row = AuditEvent(
        seq=head.last_seq,
        at=clock.utcnow(),
        actor_id=actor.user_id,
        actor=actor.username,
        role=actor.role,
        ip=actor.ip,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        outcome=outcome,
        request_id=actor.request_id,
        detail=detail or "",
        prev_hash=head.last_hash,
    )
    row.hash = compute_hash(_key(), head.last_hash, row)
    db.session.add(row)
    db.session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(last_hash=row.hash))
    return row


def record_and_commit(action: str, object_type=None, object_id=None, **kwargs) -> None:
    """For security events that change nothing else (a failed login): their own transaction."""
    record(action, object_type, object_id, **kwargs)
    transactions.commit()


@dataclass
class ChainReport:
    ok: bool
    rows: int
    first_bad_seq: int | None = None
    problem: str = ""
    last_seq: int = 0  # the verified tail (what an anchor records), when ok
    last_hash: str = GENESIS


def verify(key: bytes | None = None, batch: int = 5000, *, after: tuple[int, str] | None = None) -> ChainReport:
    """Walk the chain in order; report the first edited, deleted or inserted row.

    `after=(seq, hash)` walks only the rows after a point already known good (an anchor)."""
    key = key or _key()
    start_seq, prev = after or (0, GENESIS)
    expected_seq, count = start_seq + 1, 0
    head = db.session.get(AuditChainHead, 1)
    head_seq = head.last_seq if head is not None else 0
    stmt = (select(AuditEvent).where(AuditEvent.seq > start_seq).order_by(AuditEvent.seq)
            .execution_options(yield_per=batch))
    for row in db.session.scalars(stmt):
        count += 1
        if row.seq > expected_seq:
            return ChainReport(False, count, expected_seq, "deleted")
        if row.seq < expected_seq or row.seq > head_seq:
            return ChainReport(False, count, row.seq, "inserted")
        if row.prev_hash != prev or row.hash != compute_hash(key, prev, row):
            return ChainReport(False, count, row.seq, "edited")
        prev = row.hash
        expected_seq += 1
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
        return ChainReport(False, count, expected_seq, "deleted")
    return ChainReport(True, count, last_seq=expected_seq - 1, last_hash=prev)
