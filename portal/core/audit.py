"""Append-only, HMAC-chained audit log: record in the caller's transaction; verify the whole chain."""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, current_app
from sqlalchemy import bindparam, func, select, update

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


def _text(name: str, value) -> str:
    if value is None:
        return ""
    if name == "at":
        # Naive UTC datetimes: isoformat is the same text as strftime("%Y-%m-%dT%H:%M:%S.%f"), 3x faster.
        return value.isoformat(timespec="microseconds") if value.tzinfo is None else \
            value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return str(value)


def canonical_values(values: Sequence) -> bytes:
    """The hashed form of a row given as its `_FIELDS` values in order: the one canonical form, used
    when a row is written (record, the scale seeder) and when the chain is verified."""
    return "\x1f".join([_text(name, value) for name, value in zip(_FIELDS, values, strict=True)]).encode()


def _canonical(row: AuditEvent | dict) -> bytes:
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return canonical_values([get(name) for name in _FIELDS])


@lru_cache(maxsize=8)
def _keyed(key: bytes):
    # The HMAC state after the key: copied per row instead of re-deriving the key pads each time.
    return hmac.new(key, digestmod=hashlib.sha256)


def hash_canonical(key: bytes, prev_hash: str, canonical: bytes) -> str:
    mac = _keyed(key).copy()
    mac.update(prev_hash.encode() + b"\x1e" + canonical)
    return mac.hexdigest()


def compute_hash(key: bytes, prev_hash: str, row: AuditEvent | dict) -> str:
    return hash_canonical(key, prev_hash, _canonical(row))


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


def _chain_columns():
    table = AuditEvent.__table__
    return [table.c[name] for name in _FIELDS] + [table.c.prev_hash, table.c.hash]


PARALLEL_MIN_ROWS = 200_000  # below this a single process is as fast as starting a pool
RANGE_ROWS = 250_000  # rows per task when verifying in parallel


@dataclass
class _Walk:
    """What one walk over consecutive rows found; `first_prev` is the first row's stored prev_hash."""

    count: int = 0
    first_prev: str | None = None
    prev: str | None = None
    expected_seq: int = 0
    bad_seq: int | None = None
    problem: str = ""


def _walk(key: bytes, after: int, prev: str | None, head_seq: int, until: int | None, batch: int) -> _Walk:
    """Check the rows with after < seq (<= until): consecutive, each hash right, each linked to the one
    before (and the first to `prev`, unless None). Rows are read as plain tuples in keyset batches."""
    seq_column = AuditEvent.__table__.c.seq
    query = select(*_chain_columns()).where(seq_column > bindparam("after"))
    if until is not None:
        query = query.where(seq_column <= until)
    query = query.order_by(seq_column).limit(batch)
    walk = _Walk(prev=prev, expected_seq=after + 1)
    last_seen = after
    while True:
        rows = db.session.execute(query, {"after": last_seen}).all()
        if not rows:
            break
        for row in rows:
            walk.count += 1
            seq = row[0]
            if seq > walk.expected_seq:
                walk.bad_seq, walk.problem = walk.expected_seq, "deleted"
                return walk
            if seq < walk.expected_seq or seq > head_seq:
                walk.bad_seq, walk.problem = seq, "inserted"
                return walk
            if walk.first_prev is None:
                walk.first_prev = row[-2]
                if walk.prev is None:
                    walk.prev = row[-2]  # a range's link to the row before it is checked by the caller
            if row[-2] != walk.prev or row[-1] != hash_canonical(key, walk.prev, canonical_values(row[:-2])):
                walk.bad_seq, walk.problem = seq, "edited"
                return walk
            walk.prev = row[-1]
            walk.expected_seq += 1
        last_seen = rows[-1][0]
    if until is not None and walk.expected_seq <= until:
        walk.bad_seq, walk.problem = walk.expected_seq, "deleted"  # the range's last rows are gone
    return walk


def verify(key: bytes | None = None, batch: int = 20000, *, after: tuple[int, str] | None = None,
           workers: int = 1) -> ChainReport:
    """Walk the chain in order; report the first edited, deleted or inserted row.

    `after=(seq, hash)` walks only the rows after a point already known good (an anchor). The rows are
    read as plain tuples in keyset batches of `batch` (seq > the last one seen), so memory stays the same
    whatever the length of the chain. With `workers` > 1 and a long chain, ranges of seq are checked in
    that many processes at once (each row holds its prev_hash, so a range is checked on its own and the
    ranges' links are checked here); the report is the one a single walk gives."""
    key = key or _key()
    start_seq, prev = after or (0, GENESIS)
    head = db.session.execute(
        select(AuditChainHead.last_seq, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
    ).one_or_none()
    head_seq = head.last_seq if head is not None else 0
    if workers > 1 and head_seq - start_seq >= PARALLEL_MIN_ROWS:
        walk = _parallel_walk(key, start_seq, prev, head_seq, batch, workers)
    else:
        walk = _walk(key, start_seq, prev, head_seq, None, batch)
    if walk.bad_seq is not None:
        return ChainReport(False, walk.count, walk.bad_seq, walk.problem)
    prev, expected_seq, count = walk.prev or prev, walk.expected_seq, walk.count
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
        return ChainReport(False, count, expected_seq, "deleted")
    return ChainReport(True, count, last_seq=expected_seq - 1, last_hash=prev)


_fork_app: Flask | None = None


def _range_task(task: tuple[bytes, int, int, int, int]) -> _Walk:
    key, after, until, head_seq, batch = task
    assert _fork_app is not None
    with _fork_app.app_context():
        try:
            return _walk(key, after, None, head_seq, until, batch)
        finally:
            db.session.remove()


def _forget_parent_connections() -> None:
    with _fork_app.app_context():  # type: ignore[union-attr]
        db.engine.dispose(close=False)  # the parent's connections stay the parent's


def _parallel_walk(key: bytes, start_seq: int, prev: str, head_seq: int, batch: int, workers: int) -> _Walk:
    """The walk of verify() over (start_seq, head_seq] in ranges checked by `workers` forked processes,
    joined in order: each range must start from the hash the one before ended with."""
    global _fork_app
    import multiprocessing

    _fork_app = current_app._get_current_object()  # type: ignore[attr-defined]
    db.session.rollback()  # no transaction of ours crosses the fork
    tasks = [(key, lo, min(lo + RANGE_ROWS, head_seq), head_seq, batch)
             for lo in range(start_seq, head_seq, RANGE_ROWS)]
    total = _Walk(prev=prev, expected_seq=start_seq + 1)
    with multiprocessing.get_context("fork").Pool(workers, initializer=_forget_parent_connections) as pool:
        for part in pool.imap(_range_task, tasks):
            if part.count and part.first_prev != total.prev and (part.bad_seq is None
                                                                 or part.bad_seq > total.expected_seq):
                # The range's first row does not continue the chain so far (it was edited).
                return _Walk(total.count + 1, bad_seq=total.expected_seq, problem="edited")
            if part.bad_seq is not None:
                return _Walk(total.count + part.count, bad_seq=part.bad_seq, problem=part.problem)
            total.count += part.count
            total.prev, total.expected_seq = part.prev, part.expected_seq
    # Rows past the head are only looked for now (a single walk meets them after every other row).
    beyond = db.session.scalar(select(func.min(AuditEvent.seq)).where(AuditEvent.seq > head_seq))
    if beyond is not None:
        return _Walk(total.count + 1, bad_seq=beyond, problem="inserted")
    return total
