"""Organisations other than firms: agencies (立档单位) and regulator offices."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.columns import TimestampMixin, in_check
from portal.core.constants import OFFICE_LEVELS
from portal.extensions import db


class RegulatorOffice(db.Model):
    """City office (whole city) or district office (its district only)."""

    __tablename__ = "regulator_office"
    __table_args__ = (in_check("level", OFFICE_LEVELS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(String(6))


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
