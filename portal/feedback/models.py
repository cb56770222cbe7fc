"""Agency feedback on a firm's project work, its edit history and the firm's replies."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
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
from portal.core.columns import TimestampMixin, in_check
from portal.extensions import db

RATING_FIELDS = ("quality", "timeliness", "security", "conduct", "communication")


class Feedback(TimestampMixin, db.Model):
    """One rating per agency, project and period (milestone period or completion)."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("filing_id", "agency_id", "period_key"),
        in_check("kind", ("milestone", "completion")),
        *(CheckConstraint(f"{f} BETWEEN 1 AND 5", name=f"{f}_range") for f in RATING_FIELDS),
        Index("ix_feedback_firm_created", "firm_id", "created_at"),
        # The feedback list, newest first: a page's ids off the index (portal.feedback.queries).
        Index("ix_feedback_created", "created_at", "id"),
        # A filing's feedback, and whether it has completion feedback (the alert scan's NOT EXISTS) off the
        # index alone.
        Index("ix_feedback_filing_kind", "filing_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("project_filing.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    period_key: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(12))
    quality: Mapped[int] = mapped_column(Integer)
    timeliness: Mapped[int] = mapped_column(Integer)
    security: Mapped[int] = mapped_column(Integer)
    conduct: Mapped[int] = mapped_column(Integer)
    communication: Mapped[int] = mapped_column(Integer)
    narrative: Mapped[str] = mapped_column(Text, default="")
    hire_again: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16), default="portal")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    edit_count: Mapped[int] = mapped_column(Integer, default=0)


class FeedbackVersion(db.Model):
    """An earlier version of a feedback, kept on every edit."""

    __tablename__ = "feedback_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    snapshot: Mapped[dict] = mapped_column(JSON)
    replaced_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class FeedbackReply(db.Model):
    __tablename__ = "feedback_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
