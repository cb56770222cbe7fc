"""Organisations: outsourcing firms, agencies (立档单位) and regulator offices."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.constants import FIRM_STATUSES, GRADES, OFFICE_LEVELS
from portal.extensions import db
from portal.models.base import TimestampMixin, in_check


class RegulatorOffice(db.Model):
    """City office (whole city) or district office (its district only)."""

    __tablename__ = "regulator_office"
    __table_args__ = (in_check("level", OFFICE_LEVELS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(String(6))


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
    # SHA-256 of the secret reference a self-registering applicant gets; the reference itself is never stored.
    application_ref_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def grade_label(self) -> str:
        return self.grade if self.grade in GRADES else ""


class Agency(TimestampMixin, db.Model):
    """A government body or state enterprise (立档单位) that hires firms."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    agency_type: Mapped[str] = mapped_column(String(40), default="")
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    contact_phone_enc: Mapped[str | None] = mapped_column(String(255))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("regulator_office.id"))
