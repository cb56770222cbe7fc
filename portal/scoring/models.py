"""Scoring: versioned rule sets, periods, firm scores, objections and applied results."""
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
from portal.core.columns import in_check
from portal.core.constants import FOCUS_PLAN_STATUSES, OBJECTION_STATUSES, PERIOD_STATUSES
from portal.extensions import db


class RuleSetVersion(db.Model):
    """A frozen rule set; periods point at the version they used."""

    __tablename__ = "rule_set_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(40), unique=True)
    body: Mapped[str] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)


class ScoringPeriod(db.Model):
    __tablename__ = "scoring_period"
    __table_args__ = (
        in_check("status", PERIOD_STATUSES),
        in_check("kind", ("quarter", "year")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_set_version.id"))
    computed_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    objection_deadline: Mapped[date | None] = mapped_column(Date)
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class FirmScore(db.Model):
    __tablename__ = "firm_score"
    __table_args__ = (
        UniqueConstraint("period_id", "firm_id"),
        in_check("status", ("rated", "not_rated")),
        Index("ix_firm_score_firm", "firm_id", "period_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("scoring_period.id", ondelete="CASCADE"))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    status: Mapped[str] = mapped_column(String(10))
    total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    grade: Mapped[str | None] = mapped_column(String(1))
    vetoed: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    amended_total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    amended_grade: Mapped[str | None] = mapped_column(String(1))
    amended_result: Mapped[str | None] = mapped_column(Text)


class Objection(db.Model):
    __tablename__ = "objection"
    __table_args__ = (in_check("status", OBJECTION_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_score_id: Mapped[int] = mapped_column(ForeignKey("firm_score.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
    status: Mapped[str] = mapped_column(String(10), default="submitted")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    original: Mapped[dict] = mapped_column(JSON, default=dict)
    amended: Mapped[dict] = mapped_column(JSON, default=dict)


class ResultApplication(db.Model):
    """One applied consequence of a final grade (badge, warning, focus list, weight...)."""

    __tablename__ = "result_application"
    __table_args__ = (Index("ix_result_application_firm", "firm_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int | None] = mapped_column(ForeignKey("scoring_period.id"))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    applied_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime)
    lift_reason: Mapped[str] = mapped_column(Text, default="")


class FocusPlan(db.Model):
    """The rectification plan (整改方案) of a firm on the focus-supervision list: submitted by the firm,
    accepted or returned with a reason by a regulator of its district (workflow FOCUS_PLAN)."""

    __tablename__ = "focus_plan"
    __table_args__ = (
        in_check("status", FOCUS_PLAN_STATUSES),
        Index("ix_focus_plan_firm", "firm_id", "application_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    # The focus-supervision listing (ResultApplication) the plan answers.
    application_id: Mapped[int] = mapped_column(ForeignKey("result_application.id"))
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    plan_text: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class NegativeListEntry(db.Model):
    """负面清单 proposal and decision by the lead, with reason and end date."""

    __tablename__ = "negative_list_entry"
    __table_args__ = (in_check("status", ("proposed", "listed", "declined", "lifted")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    period_id: Mapped[int | None] = mapped_column(ForeignKey("scoring_period.id"))
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    proposal_reason: Mapped[str] = mapped_column(Text)
    proposed_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    ends_on: Mapped[date | None] = mapped_column(Date)
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime)


# Indexes the period run's evidence queries need (portal.scoring.evidence): each query filters one
# table by a date range and groups by firm, so the date leads and the firm follows. They are declared
# here, with the scoring area that needs them, rather than in the other areas' model modules.
from portal.feedback.models import Feedback  # noqa: E402
from portal.filings.models import ChangeFiling, ProjectFiling  # noqa: E402
from portal.incidents.models import Incident  # noqa: E402
from portal.supervision.models import Inspection, PenaltyCase, RectificationOrder  # noqa: E402

SCORING_EVIDENCE_INDEXES = (
    Index("ix_project_filing_start_firm", ProjectFiling.start_date, ProjectFiling.firm_id),
    Index("ix_project_filing_completed_firm", ProjectFiling.completed_at, ProjectFiling.firm_id),
    Index("ix_project_filing_accepted_firm", ProjectFiling.accepted_at, ProjectFiling.firm_id),
    Index("ix_change_filing_created", ChangeFiling.created_at),
    # Covering, in the order the planners pick for "this period, per firm" (a skip-scan on SQLite): the
    # feedback aggregate reads only these columns and never visits the million-row table.
    Index("ix_feedback_firm_created_ratings", Feedback.firm_id, Feedback.created_at, Feedback.quality,
          Feedback.timeliness, Feedback.security, Feedback.conduct, Feedback.communication),
    Index("ix_inspection_checked", Inspection.checked_at),
    Index("ix_rectification_deadline_firm", RectificationOrder.deadline, RectificationOrder.firm_id),
    Index("ix_penalty_case_decided_on", PenaltyCase.decided_on),
    Index("ix_incident_status_decided", Incident.status, Incident.decided_at),
)
