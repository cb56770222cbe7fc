"""Security incidents (安全事件) reported on projects and firms."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.columns import TimestampMixin, in_check
from portal.core.constants import INCIDENT_STATUSES, INCIDENT_TYPES, SEVERITIES
from portal.extensions import db


class Incident(TimestampMixin, db.Model):
    """A security incident (安全事件) on a project, handled by a regulator to a conclusion."""

    __tablename__ = "incident"
    __table_args__ = (
        in_check("status", INCIDENT_STATUSES),
        in_check("incident_type", INCIDENT_TYPES),
        in_check("severity", SEVERITIES),
        Index("ix_incident_firm_status", "firm_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("project_filing.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"))
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    incident_type: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="reported")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reporter_role: Mapped[str] = mapped_column(String(16), default="")
    # The firm's statement (陈述), given before the regulator concludes.
    firm_statement: Mapped[str] = mapped_column(Text, default="", server_default="")
    firm_statement_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    firm_statement_at: Mapped[datetime | None] = mapped_column(DateTime)
    conclusion: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}
