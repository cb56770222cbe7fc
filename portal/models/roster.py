"""A firm's staff roster and certificates (evidence of eligibility)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.constants import CERTIFICATE_TYPES, STAFF_ROLES
from portal.extensions import db
from portal.models.base import TimestampMixin, in_check


class StaffMember(TimestampMixin, db.Model):
    """A firm's worker; ID number and phone are encrypted, `id_number_hash` serves uniqueness."""

    __tablename__ = "staff_member"
    __table_args__ = (
        UniqueConstraint("firm_id", "id_number_hash"),
        in_check("role", STAFF_ROLES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    id_number_enc: Mapped[str] = mapped_column(String(255))
    id_number_hash: Mapped[str] = mapped_column(String(64))
    phone_enc: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="operator")
    contract_date: Mapped[date | None] = mapped_column(Date)
    commitment_date: Mapped[date | None] = mapped_column(Date)
    commitment_attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
    training_days: Mapped[int] = mapped_column(Integer, default=0)
    assessment_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    background_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    left_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def is_qualified(self) -> bool:
        """DA/T 68.2 §5: contract, signed commitment, ≥5 training days and a passed assessment."""
        return bool(
            self.contract_date and self.commitment_date and self.training_days >= 5
            and self.assessment_passed
        )


class Certificate(TimestampMixin, db.Model):
    __tablename__ = "certificate"
    __table_args__ = (in_check("cert_type", CERTIFICATE_TYPES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    cert_type: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20), default="")
    number: Mapped[str] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(120), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
