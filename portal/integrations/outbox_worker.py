"""Outbox worker: claims due messages, delivers them to the platform with their idempotency keys.

Several workers may run at once. A worker claims a batch by stamping locked_by/locked_until (on
PostgreSQL the candidate rows are selected FOR UPDATE SKIP LOCKED, so two workers never pick the same
rows; SQLite runs the same statements without SKIP LOCKED and serialises writers itself). A worker
that dies leaves its claim to expire after the lease; the message is then sent again with the same
idempotency key, so the platform applies it once. Failures are retried with exponential backoff;
after OUTBOX_MAX_ATTEMPTS the message becomes a dead letter that an administrator can replay.
Messages of one service case (keys "case:<filing>:<n>") are delivered in order.
"""
from __future__ import annotations

import os
import random
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, or_, select, update

from portal.core import audit, clock, transactions
from portal.core.context import Actor, current_actor, reset_actor, set_actor
from portal.core.errors import InvalidState, NotFound
from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.gov.port import EnterpriseInfo, GovError, GovPlatform, GovRejected, GovUnavailable
from portal.integrations import gov_client

KINDS = ("push_message", "case_create", "case_update", "verify_enterprise", "audit_anchor")
ORDERED_PREFIX = "case:"


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    payload: dict
    key: str
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What happened to one delivery: delivered, retry (counts an attempt), defer (does not), dead."""

    result: str
    error: str = ""
    info: EnterpriseInfo | None = None
    rejected_reason: str | None = None
    not_before: datetime | None = None


@dataclass
class Stats:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    deferred: int = 0
    dead: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Stats) -> None:
        for name in ("claimed", "delivered", "retried", "deferred", "dead", "batches"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors = (self.errors + other.errors)[-20:]


def ordering_group(key: str) -> str | None:
    """Messages of one case share "case:<filing id>:" and must reach the platform in order."""
    if key.startswith(ORDERED_PREFIX) and key.count(":") >= 2:
        return key.rsplit(":", 1)[0] + ":"
    return None


def deliver(platform: GovPlatform, message: Claimed) -> Outcome:
    """Send one message; never raises (every failure becomes an outcome)."""
    payload = message.payload
    try:
        if message.kind == "push_message":
            platform.push_message(payload["platform_user_id"], payload.get("template_code", "PORTAL_NOTICE"),
                                  dict(payload.get("params") or {}), message.key)
        elif message.kind == "case_create":
            try:
                platform.create_case(payload["case_no"], payload.get("title") or payload["case_no"],
                                     payload["status"], payload.get("applicant_uscc"), message.key)
            except GovRejected as exc:
                if exc.code != "case_exists":
                    raise
        elif message.kind == "case_update":
            try:
                platform.update_case(payload["case_no"], payload["status"], payload.get("remark", ""),
                                     message.key)
            except GovRejected as exc:
                if exc.code != "case_not_found":
                    raise
                # Messages of one case go out in order, so no creation is still queued ahead of this
                # update: the case was never created (a filing from before the platform link, or
                # demo data). Create it in its current state instead of retrying forever.
                platform.create_case(payload["case_no"], payload.get("title") or payload["case_no"],
                                     payload["status"], payload.get("applicant_uscc"), f"{message.key}:create")
        elif message.kind == "verify_enterprise":
            try:
                info = platform.verify_enterprise(payload["uscc"])
            except GovRejected as exc:
                return Outcome("delivered", rejected_reason=exc.message)
            return Outcome("delivered", info=info)
        elif message.kind == "audit_anchor":
            platform.anchor_audit(int(payload["sequence"]), payload["hash"], payload["anchored_at"], message.key)
        else:
            return Outcome("dead", f"unknown message kind {message.kind!r}")
    except GovUnavailable as exc:
        if exc.code == "circuit_open":
            return Outcome("defer", "circuit open")
        return Outcome("retry", f"{exc.code}: {exc.message}"[:500])
    except GovError as exc:
        return Outcome("dead", f"{type(exc).__name__} {exc.code}: {exc.message}"[:500])
    except (KeyError, TypeError, ValueError) as exc:
        return Outcome("dead", f"malformed payload: {exc!r}"[:500])
    return Outcome("delivered")


class OutboxWorker:
    """One worker process's loop; deliveries of a batch run on a small thread pool (network-bound)."""

    def __init__(self, app: Flask, *, batch: int = 50, concurrency: int | None = None,
                 worker_id: str | None = None, rng: random.Random | None = None) -> None:
        self.app = app
        cfg = app.config
        self.batch = max(1, batch)
        self.concurrency = max(1, concurrency or int(cfg.get("OUTBOX_CONCURRENCY", 4)))
        self.worker_id = (worker_id or f"{socket.gethostname()}:{os.getpid()}")[:40]
        self.max_attempts = int(cfg.get("OUTBOX_MAX_ATTEMPTS", 10))
        self.backoff = float(cfg.get("OUTBOX_BACKOFF_SECONDS", 5))
        self.backoff_max = float(cfg.get("OUTBOX_BACKOFF_MAX_SECONDS", 3600))
        self.lease = float(cfg.get("OUTBOX_LEASE_SECONDS", 60))
        self.rng = rng or random.Random()
        self._pool: ThreadPoolExecutor | None = None

    # -- claiming --------------------------------------------------------------------------------

    def claim(self) -> tuple[str, list[Claimed]]:
        now = clock.utcnow()
        stmt = (
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
                   or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(self.batch)
        )
        if db.engine.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        ids = list(db.session.scalars(stmt))
        if not ids:
            db.session.rollback()
            return "", []
        token = f"{self.worker_id}:{uuid.uuid4().hex[:12]}"
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending",
                   or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))
            .values(locked_by=token, locked_until=now + timedelta(seconds=self.lease))
            .execution_options(synchronize_session=False)
        )
        transactions.commit()
        rows = db.session.execute(
            select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.payload, OutboxMessage.idempotency_key,
                   OutboxMessage.attempts)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.locked_by == token)
            .order_by(OutboxMessage.id)
        ).all()
        db.session.rollback()
        return token, [Claimed(r.id, r.kind, r.payload or {}, r.idempotency_key, r.attempts) for r in rows]

    def _blocked(self, claimed: list[Claimed]) -> dict[int, datetime]:
        """Case messages that must wait for an earlier message of the same case: id → not before."""
        blocked: dict[int, datetime] = {}
        now = clock.utcnow()
        first_in_batch: dict[str, int] = {}
        for message in claimed:
            group = ordering_group(message.key)
            if group is None:
                continue
            if group in first_in_batch:
                blocked[message.id] = now
            else:
                first_in_batch[group] = message.id
        if first_in_batch:
            # One query for the batch: the pending case messages older than the batch's newest case
            # message, matched to the batch's cases here (one prefix test instead of an OR of a LIKE
            # per case, which made the database test every pending row against every case).
            rows = db.session.execute(
                select(OutboxMessage.id, OutboxMessage.idempotency_key, OutboxMessage.next_attempt_at)
                .where(OutboxMessage.status == "pending", OutboxMessage.id < max(first_in_batch.values()),
                       OutboxMessage.idempotency_key.startswith(ORDERED_PREFIX, autoescape=True))
            ).all()
            for row in rows:
                group = ordering_group(row.idempotency_key)
                first = first_in_batch.get(group or "")
                if first is not None and row.id < first:
                    blocked[first] = max(blocked.get(first, now), row.next_attempt_at)
            db.session.rollback()
        return blocked

    def _current_uscc(self, claimed: list[Claimed]) -> list[Claimed]:
        """A queued verification checks the firm's USCC as it is now, not as it was when queued."""
        from portal.firms.models import Firm

        firm_ids = {int(m.payload.get("firm_id") or 0) for m in claimed if m.kind == "verify_enterprise"}
        if not firm_ids:
            return claimed
        current = dict(db.session.execute(select(Firm.id, Firm.uscc).where(Firm.id.in_(firm_ids))).all())
        db.session.rollback()
        return [
            Claimed(m.id, m.kind, {**m.payload, "uscc": current.get(int(m.payload.get("firm_id") or 0),
                                                                     m.payload.get("uscc"))}, m.key, m.attempts)
            if m.kind == "verify_enterprise" else m
            for m in claimed
        ]

    # -- delivering ------------------------------------------------------------------------------

    def _platform(self) -> GovPlatform:
        return gov_client.platform(purpose="worker", app=self.app)

    def _deliver_all(self, messages: list[Claimed], send_until: float) -> list[Outcome]:
        """Deliver a claimed batch; nothing is sent once the claim is close to expiring, because
        another worker may then claim the same message (it goes back to the queue untouched)."""

        def one(message: Claimed) -> Outcome:
            if time.monotonic() > send_until:
                return Outcome("defer", "claim about to expire")
            return deliver(self._platform(), message)

        if self.concurrency == 1 or len(messages) == 1:
            return [one(m) for m in messages]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="outbox")
        return list(self._pool.map(one, messages))

    def _delay(self, attempts: int) -> timedelta:
        step = min(self.backoff_max, self.backoff * (2 ** max(0, attempts - 1)))
        return timedelta(seconds=step * (0.5 + self.rng.random() / 2))

    def _record(self, token: str, message: Claimed, outcome: Outcome, stats: Stats) -> None:
        from portal.firms import verification as enterprise_verification

        now = clock.utcnow()
        mine = (OutboxMessage.id == message.id, OutboxMessage.locked_by == token)
        values: dict[str, Any] = {"locked_by": None, "locked_until": None}
        if outcome.result == "delivered":
            if message.kind == "verify_enterprise":
                enterprise_verification.apply_deferred(int(message.payload["firm_id"]), outcome.info,
                                                       outcome.rejected_reason)
            values.update(status="delivered", delivered_at=now, attempts=message.attempts + 1, last_error="")
            stats.delivered += 1
        elif outcome.result == "defer":
            values.update(next_attempt_at=outcome.not_before or now + timedelta(seconds=min(self.backoff, 1.0)))
            stats.deferred += 1
        else:
            attempts = message.attempts + 1
            dead = outcome.result == "dead" or attempts >= self.max_attempts
            values.update(attempts=attempts, last_error=outcome.error[:1000],
                          next_attempt_at=now + self._delay(attempts))
            if dead:
                values["status"] = "dead"
                stats.dead += 1
                audit.record("outbox.dead_letter", "outbox_message", message.id,
                             detail={"kind": message.kind, "key": message.key, "error": outcome.error[:300]})
            else:
                stats.retried += 1
            stats.errors.append(f"{message.key}: {outcome.error}"[:300])
        db.session.execute(update(OutboxMessage).where(*mine).values(**values)
                           .execution_options(synchronize_session=False))

    def run_batch(self) -> Stats:
        stats = Stats()
        # The send deadline leaves a fifth of the lease for a call in flight to finish (read timeouts
        # must stay well below that) before another worker may take the claim over.
        send_until = time.monotonic() + self.lease * 0.8
        token, claimed = self.claim()
        if not claimed:
            return stats
        stats.batches = 1
        stats.claimed = len(claimed)
        claimed = self._current_uscc(claimed)
        blocked = self._blocked(claimed)
        sendable = [m for m in claimed if m.id not in blocked]
        outcomes = dict(zip([m.id for m in sendable], self._deliver_all(sendable, send_until), strict=True))
        plain_deliveries = []
        for message in claimed:
            outcome = outcomes.get(message.id) or Outcome("defer", not_before=blocked[message.id])
            if outcome.result == "delivered" and message.kind != "verify_enterprise":
                plain_deliveries.append(message.id)
            else:
                self._record(token, message, outcome, stats)
        if plain_deliveries:
            # The common case in one statement: the batch's deliveries that need nothing else.
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(plain_deliveries), OutboxMessage.locked_by == token)
                .values(status="delivered", delivered_at=clock.utcnow(), attempts=OutboxMessage.attempts + 1,
                        last_error="", locked_by=None, locked_until=None)
                .execution_options(synchronize_session=False)
            )
            stats.delivered += len(plain_deliveries)
        transactions.commit()
        return stats

    def run(self, *, once: bool = False, sleep: float = 1.0, should_stop: Callable[[], bool] = lambda: False,
            echo: Callable[[str], None] | None = None) -> Stats:
        """Deliver until stopped; once=True returns when nothing is due any more."""
        total = Stats()
        token = set_actor(Actor(username="outbox-worker", request_id=self.worker_id))
        try:
            while not should_stop():
                stats = self.run_batch()
                total.add(stats)
                if stats.claimed and echo:
                    echo(f"{self.worker_id}: claimed {stats.claimed}, delivered {stats.delivered}, "
                         f"retry {stats.retried}, deferred {stats.deferred}, dead {stats.dead}")
                if not stats.claimed:
                    if once:
                        break
                    time.sleep(sleep)
        finally:
            reset_actor(token)
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
        return total


# -- the integration page --------------------------------------------------------------------------

@dataclass
class QueueSummary:
    pending: int
    due: int
    delivered: int
    dead: int
    oldest_pending_at: datetime | None
    last_errors: list[OutboxMessage]


def summary(error_limit: int = 10) -> QueueSummary:
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)).all())
    now = clock.utcnow()
    due = db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)) or 0
    oldest = db.session.scalar(select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending"))
    errors = list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.last_error != "")
        .order_by(OutboxMessage.next_attempt_at.desc()).limit(error_limit)))
    return QueueSummary(counts.get("pending", 0), due, counts.get("delivered", 0), counts.get("dead", 0),
                        oldest, errors)


def dead_letters() -> Any:
    return select(OutboxMessage).where(OutboxMessage.status == "dead").order_by(OutboxMessage.id.desc())


def replay(message_id: int) -> OutboxMessage:
    """Send a dead letter again from a fresh start (same idempotency key); audited."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound()
    if message.status != "dead":
        raise InvalidState()
    old_error = message.last_error
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = clock.utcnow()
    message.locked_by = None
    message.locked_until = None
    audit.record("outbox.replay", "outbox_message", message.id,
                 detail={"kind": message.kind, "key": message.idempotency_key, "error": old_error[:300],
                         "by": current_actor().username})
    transactions.commit()
    return message
