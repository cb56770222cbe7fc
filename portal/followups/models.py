"""Persistence of bad-rating follow-ups (差评整改): one per feedback that has a rating of 1 or 2."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.columns import TimestampMixin, in_check
from portal.extensions import db

FOLLOWUP_STATUSES = ("open", "answered", "satisfied", "unsatisfied", "withdrawn")


class FollowUp(TimestampMixin, db.Model):
    """The firm's answer to a bad rating and the agency's confirmation (回访)."""

    __tablename__ = "followup"
    __table_args__ = (
        in_check("status", FOLLOWUP_STATUSES),
        Index("ix_followup_status_deadline", "status", "deadline"),
        Index("ix_followup_district", "district_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), unique=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("project_filing.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    district_code: Mapped[str | None] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(12), default="open")
    dimensions: Mapped[list] = mapped_column(JSON, default=list)  # the dimensions rated 1 or 2
    opened_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirm_note: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    reminder_stage: Mapped[str] = mapped_column(String(12), default="")  # "", "due_soon", "overdue"
    version_id: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}
