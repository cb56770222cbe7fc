"""Integration records: platform callback nonces/events, shared circuit-breaker state, SSO state."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core import clock
from portal.extensions import db


class GovNonce(db.Model):
    """Nonces seen on signed platform callbacks, kept for the ±300 s window."""

    __tablename__ = "gov_nonce"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow, index=True)


class GovCallbackEvent(db.Model):
    """Processed callback events, so a repeated event id has no second effect."""

    __tablename__ = "gov_callback_event"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text, default="")


class BreakerState(db.Model):
    """Circuit-breaker state shared by every process through the database."""

    __tablename__ = "breaker_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="closed")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)


class SsoState(db.Model):
    """A pending SSO authorisation: state bound to the browser session, single use, short-lived."""

    __tablename__ = "sso_state"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_binding: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
