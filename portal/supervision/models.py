"""Supervision records: alerts, inspections and their checklists, rectification, notices, liaison."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.core import clock
from portal.core.columns import TimestampMixin, in_check
from portal.core.constants import INSPECTION_STATUSES, RECTIFICATION_STATUSES
from portal.extensions import db


class Alert(db.Model):
    """A condition needing attention; `key` makes raising idempotent across scans."""

    __tablename__ = "alert"
    __table_args__ = (
        Index("ix_alert_open", "closed_at", "rule"),
        Index("ix_alert_district", "district_code"),
        Index("ix_alert_raised_at", "raised_at"),  # the alert centre lists newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    rule: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Integer)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id"), index=True)
    district_code: Mapped[str | None] = mapped_column(String(6))
    severity: Mapped[str] = mapped_column(String(10), default="medium")
    message: Mapped[str] = mapped_column(String(255))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ack_note: Mapped[str] = mapped_column(Text, default="")


class ChecklistTemplate(TimestampMixin, db.Model):
    __tablename__ = "checklist_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_type: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ChecklistItem(db.Model):
    __tablename__ = "checklist_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(String(120), default="")
    is_security: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class InspectionDraw(db.Model):
    """A random draw (双随机一公开): seed and candidate list kept so it can be re-run and audited."""

    __tablename__ = "inspection_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    seed: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    inspectors: Mapped[list] = mapped_column(JSON, default=list)
    chosen: Mapped[list] = mapped_column(JSON, default=list)
    district_code: Mapped[str | None] = mapped_column(String(6))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)


class Inspection(TimestampMixin, db.Model):
    __tablename__ = "inspection"
    __table_args__ = (
        in_check("status", INSPECTION_STATUSES),
        in_check("kind", ("planned", "random")),
        Index("ix_inspection_firm_status", "firm_id", "status"),
        # The annual summary reads one year of inspections by the day they were planned for; the list pages
        # them by (planned_on DESC, id DESC): with id in the index a deep page is an index-only walk, no sort.
        Index("ix_inspection_planned_on_id", "planned_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("project_filing.id"), index=True)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_draw.id"))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_template.id"))
    kind: Mapped[str] = mapped_column(String(10), default="planned")
    status: Mapped[str] = mapped_column(String(24), default="planned")
    planned_on: Mapped[date | None] = mapped_column(Date)
    inspector1_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    inspector2_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    findings: Mapped[str] = mapped_column(Text, default="")
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class InspectionResult(db.Model):
    __tablename__ = "inspection_result"
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_id"),
        in_check("result", ("pass", "fail", "na")),
        # Failed items per inspection (annual summary, inspection lists) counted off the index alone.
        Index("ix_inspection_result_inspection_result", "inspection_id", "result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_item.id"))
    result: Mapped[str] = mapped_column(String(4))
    is_security: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")


class RectificationOrder(TimestampMixin, db.Model):
    """责令限期整改 (Archives Law Art. 45): items, requirement, deadline, answer and verification."""

    __tablename__ = "rectification_order"
    __table_args__ = (
        in_check("status", RECTIFICATION_STATUSES),
        Index("ix_rectification_firm_status", "firm_id", "status"),
        Index("ix_rectification_status_deadline", "status", "deadline"),
        # The order list pages newest first (issued_at DESC, id DESC): a deep page walks this index
        # instead of sorting every order.
        Index("ix_rectification_issued_at_id", "issued_at", "id"),
        # The inspection and incident detail pages list the orders issued from them.
        Index("ix_rectification_inspection_id", "inspection_id"),
        Index("ix_rectification_incident_id", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("project_filing.id"))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"))
    items: Mapped[list] = mapped_column(JSON, default=list)
    requirement: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="issued")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class RectificationResponse(db.Model):
    __tablename__ = "rectification_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("rectification_order.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    decision: Mapped[str | None] = mapped_column(String(10))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)


class Summons(db.Model):
    """约谈 record made when an overdue rectification is escalated."""

    __tablename__ = "summons"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("rectification_order.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    attendees: Mapped[str] = mapped_column(Text, default="")
    record: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)


class PenaltyCase(db.Model):
    """Administrative penalty case record (Archives Law Art. 48/49), CNY 20,000–200,000."""

    __tablename__ = "penalty_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_order.id"))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    legal_basis: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    decided_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)


class Notice(TimestampMixin, db.Model):
    """A notice (通知公告) to firms, to agencies, or to both; `ack_deadline` is the day by which
    recipients must acknowledge it (reminders before and after, `flask notices remind`)."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # all | chosen (firms), agencies (every agency of the jurisdiction), everyone (firms and agencies)
    audience: Mapped[str] = mapped_column(String(10), default="all")
    requires_ack: Mapped[bool] = mapped_column(Boolean, default=True)
    ack_deadline: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class NoticeRecipient(db.Model):
    """One receipt per recipient organisation: a firm (firm_id) or an agency (agency_id)."""

    __tablename__ = "notice_recipient"
    __table_args__ = (UniqueConstraint("notice_id", "firm_id"), UniqueConstraint("notice_id", "agency_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminder_stage: Mapped[str] = mapped_column(String(12), default="", server_default="")


class LiaisonConfirmation(db.Model):
    """Quarterly confirmation of a firm's liaison contacts (动态联系机制)."""

    __tablename__ = "liaison_confirmation"
    __table_args__ = (UniqueConstraint("firm_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))
    contacts: Mapped[dict] = mapped_column(JSON, default=dict)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
