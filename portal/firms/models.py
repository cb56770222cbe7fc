"""Firms: the registration record, key-field change requests, staff roster and certificates."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.columns import TimestampMixin, in_check
from portal.core.constants import (
    CERTIFICATE_TYPES,
    CHANGE_REQUEST_STATUSES,
    FIRM_STATUSES,
    STAFF_ROLES,
)
from portal.extensions import db


class Firm(TimestampMixin, db.Model):
    """An archive-service outsourcing firm (外包企业) and its registration record."""

    __tablename__ = "firm"
    __table_args__ = (
        in_check("status", FIRM_STATUSES),
        in_check("verification_status", ("not_checked", "pending", "verified", "failed")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    legal_representative: Mapped[str] = mapped_column(String(60))
    registered_address: Mapped[str] = mapped_column(String(300), default="")
    operating_address: Mapped[str] = mapped_column(String(300), default="")
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    business_scope: Mapped[str] = mapped_column(Text, default="")
    service_types: Mapped[list] = mapped_column(JSON, default=list)
    premises_area: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    premises_ownership: Mapped[str] = mapped_column(String(20), default="")
    premises_security: Mapped[str] = mapped_column(Text, default="")
    equipment_summary: Mapped[str] = mapped_column(Text, default="")
    management_systems: Mapped[str] = mapped_column(Text, default="")
    secrecy_level: Mapped[str | None] = mapped_column(String(20))
    liaison_name: Mapped[str] = mapped_column(String(60), default="")
    liaison_phone_enc: Mapped[str | None] = mapped_column(String(255))
    liaison_email: Mapped[str] = mapped_column(String(120), default="")
    liaison_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    grade: Mapped[str | None] = mapped_column(String(1))
    good_standing: Mapped[bool] = mapped_column(Boolean, default=False)
    focus_supervision: Mapped[bool] = mapped_column(Boolean, default=False)
    negative_list_until: Mapped[date | None] = mapped_column(Date)
    inspection_weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("1"))
    valid_until: Mapped[date | None] = mapped_column(Date)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime)
    verification_status: Mapped[str] = mapped_column(String(16), default="not_checked")
    verification_note: Mapped[str] = mapped_column(Text, default="")
    # Why a regulator approved the registration without a matching verification or licence scan.
    approval_override_reason: Mapped[str] = mapped_column(Text, default="")
    # SHA-256 of the secret reference a self-registering applicant gets; the reference itself is never stored.
    application_ref_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class FirmChangeRequest(TimestampMixin, db.Model):
    """A key-field change of an active firm (name, representative, addresses, scope...), reviewed."""

    __tablename__ = "firm_change_request"
    __table_args__ = (in_check("status", CHANGE_REQUEST_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    old_values: Mapped[dict] = mapped_column(JSON, default=dict)
    new_values: Mapped[dict] = mapped_column(JSON, default=dict)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    verification_status: Mapped[str] = mapped_column(String(16), default="not_checked")
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


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
