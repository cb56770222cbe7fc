"""Repeated identical security events (unknown user, bad callback signature) counted, not logged row by row.

The first event of a key (kind, source address, subject) in a window is audited at once, so a lone
probe is visible immediately; its repeats only raise a counter (Redis when REDIS_URL is set, else one
upserted `security_event_count` row per key and window). `flask audit flush-counts` (a scheduled job)
writes one audit row per key summarising the repeats since the last flush. Anyone can still send
events, but the audit log grows by at most two rows per key and window instead of one per request.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.core import audit, clock, transactions
from portal.core.context import Actor, current_actor
from portal.core.models import SecurityEventCount
from portal.extensions import db

SUMMARY_ACTION = "security.repeated"
DEFAULT_WINDOW_SECONDS = 3600
KEEP_FLUSHED = timedelta(days=2)  # fully flushed counters are removed after this


@dataclass(frozen=True)
class Pending:
    """Repeats of one key not yet written to the audit log."""

    kind: str
    source: str
    subject: str
    window_start: datetime
    count: int  # total in the window
    unflushed: int  # of which not yet in the audit log


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = datetime(2000, 1, 1)
    elapsed = int((now - epoch).total_seconds())
    return epoch + timedelta(seconds=elapsed - elapsed % seconds)


def _window_seconds() -> int:
    return max(60, int(current_app.config.get("SECURITY_EVENT_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS)))


class DatabaseCounter:
    """One row per key and window, raised with an upsert in the caller's transaction."""

    def increment(self, kind: str, source: str, subject: str, window_start: datetime, now: datetime) -> int:
        dialect = db.session.get_bind().dialect.name
        insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(SecurityEventCount)
        stmt = insert.values(kind=kind, source=source, subject=subject, window_start=window_start,
                             count=1, flushed_count=0, last_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["kind", "source", "subject", "window_start"],
            set_={"count": SecurityEventCount.count + 1, "last_at": now})
        db.session.execute(stmt)
        return db.session.scalar(select(SecurityEventCount.count).where(
            SecurityEventCount.kind == kind, SecurityEventCount.source == source,
            SecurityEventCount.subject == subject, SecurityEventCount.window_start == window_start))

    def mark_first_flushed(self, kind: str, source: str, subject: str, window_start: datetime) -> None:
        db.session.execute(update(SecurityEventCount).where(
            SecurityEventCount.kind == kind, SecurityEventCount.source == source,
            SecurityEventCount.subject == subject, SecurityEventCount.window_start == window_start,
            SecurityEventCount.flushed_count == 0).values(flushed_count=1))

    def pending(self) -> list[Pending]:
        rows = db.session.scalars(select(SecurityEventCount).where(
            SecurityEventCount.count > SecurityEventCount.flushed_count)
            .order_by(SecurityEventCount.window_start, SecurityEventCount.id))
        return [Pending(r.kind, r.source, r.subject, r.window_start, r.count, r.count - r.flushed_count)
                for r in rows]

    def mark_flushed(self, item: Pending) -> None:
        db.session.execute(update(SecurityEventCount).where(
            SecurityEventCount.kind == item.kind, SecurityEventCount.source == item.source,
            SecurityEventCount.subject == item.subject, SecurityEventCount.window_start == item.window_start)
            .values(flushed_count=item.count))

    def prune(self, now: datetime) -> None:
        db.session.execute(delete(SecurityEventCount).where(
            SecurityEventCount.last_at < now - KEEP_FLUSHED,
            SecurityEventCount.count == SecurityEventCount.flushed_count))


class RedisCounter:
    """The same counters in Redis (REDIS_URL), so the request writes nothing to the database."""

    def __init__(self, url: str, prefix: str = "portal:secevent:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = prefix

    def _key(self, kind: str, source: str, subject: str, window_start: datetime) -> str:
        return self._prefix + json.dumps([kind, source, subject, window_start.isoformat()], ensure_ascii=False)

    def increment(self, kind: str, source: str, subject: str, window_start: datetime, now: datetime) -> int:
        key = self._key(kind, source, subject, window_start)
        with self._redis.pipeline() as pipe:
            pipe.hincrby(key, "count", 1)
            pipe.expire(key, int(KEEP_FLUSHED.total_seconds()))
            pipe.sadd(self._prefix + "keys", key)
            count = pipe.execute()[0]
        return int(count)

    def mark_first_flushed(self, kind: str, source: str, subject: str, window_start: datetime) -> None:
        self._redis.hsetnx(self._key(kind, source, subject, window_start), "flushed", 1)

    def pending(self) -> list[Pending]:
        found = []
        for raw in self._redis.smembers(self._prefix + "keys"):
            key = raw.decode()
            values = self._redis.hgetall(key)
            if not values:
                self._redis.srem(self._prefix + "keys", key)
                continue
            count, flushed = int(values.get(b"count", 0)), int(values.get(b"flushed", 0))
            if count > flushed:
                kind, source, subject, start = json.loads(key[len(self._prefix):])
                found.append(Pending(kind, source, subject, datetime.fromisoformat(start), count, count - flushed))
        return sorted(found, key=lambda p: p.window_start)

    def mark_flushed(self, item: Pending) -> None:
        self._redis.hset(self._key(item.kind, item.source, item.subject, item.window_start), "flushed", item.count)

    def prune(self, now: datetime) -> None:
        """Keys expire by themselves."""


def counter(app: Flask | None = None) -> DatabaseCounter | RedisCounter:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("security_event_counter")
    if found is None:
        url = app.config.get("REDIS_URL")
        found = RedisCounter(url) if url else DatabaseCounter()
        app.extensions["security_event_counter"] = found
    return found


def record_repeatable(action: str, subject: str, object_type: str | None = None, object_id=None, *,
                      outcome: str = "failure", detail: dict | None = None) -> bool:
    """Audit a security event an anonymous caller can repeat at will, in its own transaction.

    Returns True when this occurrence was written to the audit log (the first of its key in the
    window); repeats are only counted until `flush()`.
    """
    actor = current_actor()
    source, subject = (actor.ip or "")[:64], (subject or "")[:128]
    now = clock.utcnow()
    start = _window_start(now, _window_seconds())
    store = counter()
    count = store.increment(action, source, subject, start, now)
    if count == 1:
        audit.record(action, object_type, object_id, outcome=outcome, detail=detail)
        store.mark_first_flushed(action, source, subject, start)
    transactions.commit()
    return count == 1


def flush() -> int:
    """Write one audit row per key with repeats not yet logged; returns how many rows were written."""
    store = counter()
    written = 0
    for item in store.pending():
        detail = {"event": item.kind, "subject": item.subject, "repeats": item.unflushed,
                  "total_in_window": item.count, "window_start": item.window_start.isoformat(),
                  "window_seconds": _window_seconds()}
        audit.record(SUMMARY_ACTION, "security_event", None, outcome="failure", detail=detail,
                     actor=Actor(username="system", ip=item.source or None))
        store.mark_flushed(item)
        written += 1
    store.prune(clock.utcnow())
    transactions.commit()
    return written
