"""Column helpers shared by every model module."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime
from sqlalchemy.orm import Mapped, mapped_column

from portal.core import clock


def in_check(column: str, values, name: str | None = None) -> CheckConstraint:
    """A CHECK constraint limiting a string column to a closed vocabulary."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, default=clock.utcnow, onupdate=clock.utcnow, nullable=False
    )
