"""Site security records of a project in progress: daily patrols, weekly checks, monthly self-inspections."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
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

from portal.core.columns import TimestampMixin, in_check
from portal.extensions import db

COUNTERSIGN_STATES = ("recorded", "confirmed", "disputed")


class SitePatrol(TimestampMixin, db.Model):
    """The firm's daily patrol of a project site (日巡查): one per filing and day."""

    __tablename__ = "site_patrol"
    __table_args__ = (
        UniqueConstraint("filing_id", "patrol_date", name="uq_site_patrol_filing_day"),
        Index("ix_site_patrol_firm_date", "firm_id", "patrol_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("project_filing.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    patrol_date: Mapped[date] = mapped_column(Date)
    staff_ids: Mapped[list] = mapped_column(JSON, default=list)
    visitors_count: Mapped[int] = mapped_column(Integer, default=0)
    visitor_names: Mapped[str] = mapped_column(Text, default="")
    media_used: Mapped[bool] = mapped_column(Boolean, default=False)
    media_logged: Mapped[bool] = mapped_column(Boolean, default=False)
    media_log_ref: Mapped[str] = mapped_column(String(120), default="")
    video_running: Mapped[bool] = mapped_column(Boolean, default=False)
    internet_isolated: Mapped[bool] = mapped_column(Boolean, default=False)
    all_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    no_personal_devices: Mapped[bool] = mapped_column(Boolean, default=False)
    in_order: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class SiteWeeklyCheck(TimestampMixin, db.Model):
    """The firm's weekly check (周检查), countersigned by the agency (confirmed or disputed with a note)."""

    __tablename__ = "site_weekly_check"
    __table_args__ = (
        UniqueConstraint("filing_id", "week_start", name="uq_site_weekly_filing_week"),
        in_check("status", COUNTERSIGN_STATES, name="site_weekly_status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("project_filing.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    week_start: Mapped[date] = mapped_column(Date)
    patrols_reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    media_log_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    video_retained: Mapped[bool] = mapped_column(Boolean, default=False)
    visitor_log_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    findings: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="recorded")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    countersigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    countersigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    agency_note: Mapped[str] = mapped_column(Text, default="")
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class SiteMonthlyInspection(TimestampMixin, db.Model):
    """The firm's monthly self-inspection (月排查) against the service type's checklist."""

    __tablename__ = "site_monthly_inspection"
    __table_args__ = (UniqueConstraint("filing_id", "month", name="uq_site_monthly_filing_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("project_filing.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    results: Mapped[dict] = mapped_column(JSON, default=dict)  # checklist code -> pass | fail | na
    findings: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}
