"""Cross-cutting records: audit chain, workflow timeline, inbox, outbox, local rules, attachments."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.core import clock
from portal.core.columns import in_check
from portal.core.constants import OUTBOX_STATUSES
from portal.extensions import db


class AuditEvent(db.Model):
    """Append-only, HMAC-chained audit row; `seq` has no gaps so deletions are visible."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        # The audit log filtered by action, newest first: the filter and the order off one index.
        Index("ix_audit_event_action_seq", "action", "seq"),
        Index("ix_audit_event_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(64), default="")
    ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16), default="success")
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(db.Model):
    """One row holding the chain's last seq and hash; locked while a row is appended."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)


class StateTransition(db.Model):
    """Who moved what from which state to which, when and why: the timeline of every workflow."""

    __tablename__ = "state_transition"
    __table_args__ = (Index("ix_state_transition_object", "object_type", "object_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(80), default="system")
    at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")


class Notification(db.Model):
    """In-app inbox message; text is a msgid plus parameters, translated for the reader."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_read", "user_id", "read_at"),
        # The inbox, newest first (created_at DESC, id DESC): with id in the index a deep page walks it, no sort.
        Index("ix_notification_user_created_id", "user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(255))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


class OutboxMessage(db.Model):
    """A message to the government platform, written in the transaction of the change that caused it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        in_check("status", OUTBOX_STATUSES),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)


class LocalRule(db.Model):
    """A bureau-chosen rule value (overrides configuration), with who changed it and when."""

    __tablename__ = "local_rule"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")


class Attachment(db.Model):
    """An uploaded file stored outside the web root under a random name, checked by content."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_owner", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id"), index=True)
    owner_type: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30), default="other")
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)


class SecurityEventCount(db.Model):
    """Repeats of one security event (kind, source address, subject) within one window: counted here
    and written to the audit log as one summary row, so an anonymous caller cannot grow the log."""

    __tablename__ = "security_event_count"
    __table_args__ = (
        Index("uq_security_event_count_key", "kind", "source", "subject", "window_start", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64), default="")
    subject: Mapped[str] = mapped_column(String(128), default="")
    window_start: Mapped[datetime] = mapped_column(DateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)
    flushed_count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(DateTime)


class DataVersion(db.Model):
    """A counter per table, raised after every commit that changed the table's rows: cached aggregates
    (portal.core.cache) are valid exactly as long as the versions they were computed at."""

    __tablename__ = "data_version"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)


class DocumentNumber(db.Model):
    """The number of one official document (文书号), allocated once and never reused.

    `seq` runs per kind and year; the unique keys make a twin allocation (two requests racing for the
    same number, or two numbers for one document) impossible, see `portal.core.docnumbers`."""

    __tablename__ = "document_number"
    __table_args__ = (
        UniqueConstraint("kind", "year", "seq", name="uq_document_number_seq"),
        UniqueConstraint("kind", "subject_id", name="uq_document_number_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
