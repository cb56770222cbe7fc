"""Project filings (项目报备), their assigned staff, number counters and change filings."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import TimestampMixin, in_check
from portal.core.constants import CHANGE_FILING_STATUSES, FILING_STATUSES
from portal.extensions import db

filing_staff = Table(
    "filing_staff",
    db.Model.metadata,
    Column("filing_id", ForeignKey("project_filing.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff_member.id"), primary_key=True),
)


class ProjectFiling(TimestampMixin, db.Model):
    __tablename__ = "project_filing"
    __table_args__ = (
        in_check("status", FILING_STATUSES),
        in_check("site_type", ("agency_premises", "off_site")),
        Index("ix_project_filing_firm_status", "firm_id", "status"),
        Index("ix_project_filing_agency_status", "agency_id", "status"),
        # Filter by district and status, newest change first: the page is read straight off the index.
        Index("ix_project_filing_district_status_updated", "district_code", "status", "updated_at", "id"),
        # The filings list sorts by last change by default. With id and status in the index, a page's ids
        # (deep pages included, see portal.core.pagination) come from the index alone, never the table.
        Index("ix_project_filing_updated_id_status", "updated_at", "id", "status"),
        Index("ix_project_filing_district_updated", "district_code", "updated_at", "id", "status"),
        # Status first: the regulator's waiting list (a few hundred rows of three statuses) and the
        # per-status counts read this instead of the whole table.
        Index("ix_project_filing_status_district", "status", "district_code"),
        # The dashboard counts filings by submission date (per quarter, per district) off this alone, and the
        # annual summary a year's submissions per district, month and status.
        Index("ix_project_filing_submitted_district", "submitted_at", "district_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    district_code: Mapped[str] = mapped_column(String(6))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # Contract (Archives Law Art. 24: scope, quality standard, technical standard).
    contract_number: Mapped[str] = mapped_column(String(80), default="")
    contract_date: Mapped[date | None] = mapped_column(Date)
    contract_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    contract_scope: Mapped[str] = mapped_column(Text, default="")
    quality_standard: Mapped[str] = mapped_column(Text, default="")
    technical_standard: Mapped[str] = mapped_column(Text, default="")
    service_types: Mapped[list] = mapped_column(JSON, default=list)
    archive_categories: Mapped[str] = mapped_column(String(200), default="")
    year_from: Mapped[int | None] = mapped_column(Integer)
    year_to: Mapped[int | None] = mapped_column(Integer)
    quantities: Mapped[dict] = mapped_column(JSON, default=dict)
    non_classified_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    site_type: Mapped[str] = mapped_column(String(20), default="agency_premises")
    site_address: Mapped[str] = mapped_column(String(300), default="")
    archive_room_location: Mapped[str] = mapped_column(String(200), default="")
    off_site_reason: Mapped[str] = mapped_column(Text, default="")
    off_site_safeguards: Mapped[str] = mapped_column(Text, default="")
    # Work plan (DA/T 68.2 §5).
    plan_goals: Mapped[str] = mapped_column(Text, default="")
    plan_procedure: Mapped[str] = mapped_column(Text, default="")
    plan_hardware_software: Mapped[str] = mapped_column(Text, default="")
    plan_staffing: Mapped[str] = mapped_column(Text, default="")
    plan_indicators: Mapped[str] = mapped_column(Text, default="")
    plan_acceptance_basis: Mapped[str] = mapped_column(Text, default="")
    plan_security: Mapped[str] = mapped_column(Text, default="")
    plan_risk_control: Mapped[str] = mapped_column(Text, default="")
    plan_schedule: Mapped[str] = mapped_column(Text, default="", server_default="")
    security_checklist: Mapped[dict] = mapped_column(JSON, default=dict)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    is_late: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Completion and acceptance.
    delivered_quantities: Mapped[dict] = mapped_column(JSON, default=dict)
    data_wipe_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    acceptance_sample_size: Mapped[int | None] = mapped_column(Integer)
    # The unit the sample was counted in (one of QUANTITY_UNITS), so the sampled share can be checked.
    acceptance_sample_unit: Mapped[str | None] = mapped_column(String(16))
    acceptance_pass_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    acceptance_attempts: Mapped[int] = mapped_column(Integer, default=0)
    acceptance_opinion: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}

    firm = relationship("Firm", lazy="raise_on_sql")
    agency = relationship("Agency", lazy="raise_on_sql")
    staff = relationship("StaffMember", secondary=filing_staff, lazy="selectin")


class FilingNumberCounter(db.Model):
    """Per-year counter, row-locked on submission so numbers are unique and gap-free."""

    __tablename__ = "filing_number_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class ChangeFiling(TimestampMixin, db.Model):
    """A change (staff, site, scope/quantities, schedule) to a registered project, re-reviewed."""

    __tablename__ = "change_filing"
    __table_args__ = (
        in_check("status", CHANGE_FILING_STATUSES),
        in_check("change_type", ("staff", "site", "scope", "schedule")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("project_filing.id"), index=True)
    change_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    is_late: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}
