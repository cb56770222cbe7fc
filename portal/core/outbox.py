"""Outbox: messages to the government platform, added in the same transaction as their cause."""
from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import insert

from portal.core import clock
from portal.core.models import OutboxMessage
from portal.extensions import db


def enqueue(kind: str, payload: dict, idempotency_key: str | None = None) -> OutboxMessage:
    """Add a pending message to the current transaction; the worker delivers it after commit."""
    message = OutboxMessage(
        kind=kind,
        payload=payload,
        idempotency_key=idempotency_key or f"{kind}:{uuid.uuid4().hex}",
        status="pending",
        next_attempt_at=clock.utcnow(),
    )
    db.session.add(message)
    return message


def enqueue_many(messages: Iterable[tuple[str, dict, str | None]]) -> int:
    """enqueue() for many (kind, payload, idempotency key) at once, in one bulk insert."""
    now = clock.utcnow()
    rows = [{"kind": kind, "payload": payload, "idempotency_key": key or f"{kind}:{uuid.uuid4().hex}",
             "status": "pending", "attempts": 0, "next_attempt_at": now, "locked_until": None, "locked_by": None,
             "last_error": "", "created_at": now, "delivered_at": None} for kind, payload, key in messages]
    if rows:
        db.session.execute(insert(OutboxMessage.__table__), rows)
    return len(rows)
