"""Accounts, their roles and their server-side sessions."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import TimestampMixin, in_check
from portal.core.constants import ADMIN_ROLES, ROLES
from portal.extensions import db

_ADMIN_IN = "role IN ({})".format(", ".join(f"'{r}'" for r in ADMIN_ROLES))


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(120), default="")
    phone_enc: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("regulator_office.id"))
    gov_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    gov_real_name_level: Mapped[int | None] = mapped_column(Integer)
    # Second factor: the TOTP secret encrypted like other personal data; enrolled once a code confirmed
    # it; the last time step used, so a code works once.
    mfa_secret_enc: Mapped[str | None] = mapped_column(String(255))
    mfa_enrolled_at: Mapped[datetime | None] = mapped_column(DateTime)
    mfa_last_step: Mapped[int | None] = mapped_column(Integer)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    firm = relationship("Firm", lazy="joined")
    agency = relationship("Agency", lazy="joined")
    office = relationship("RegulatorOffice", lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    @property
    def mfa_enrolled(self) -> bool:
        return self.mfa_enrolled_at is not None

    @property
    def role_codes(self) -> tuple[str, ...]:
        return tuple(sorted(r.role for r in self.roles))

    def has_role(self, *roles: str) -> bool:
        return any(r.role in roles for r in self.roles)

    @property
    def district_code(self) -> str | None:
        """Jurisdiction of a regulator: None means the whole city."""
        if self.office is not None and self.office.level == "district":
            return self.office.district_code
        return None


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        in_check("role", ROLES),
        # 三员分立: at most one of the three admin roles per account, enforced by the database too.
        Index(
            "uq_user_role_one_admin_role",
            "user_id",
            unique=True,
            sqlite_where=text(_ADMIN_IN),
            postgresql_where=text(_ADMIN_IN),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    user: Mapped[User] = relationship(back_populates="roles")


class UserSession(db.Model):
    """A login session kept on the server so it can be ended there (logout, disable, revoke)."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    # True between a correct password and a correct second-factor code: such a session logs nobody in.
    mfa_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RecoveryCode(db.Model):
    """A one-time code for a lost authenticator, stored as a keyed hash (shown once, at enrolment)."""

    __tablename__ = "mfa_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class PasswordHistory(db.Model):
    """Earlier passwords of an account, so a new one cannot be an old one again in other letter case.

    Only `lower_hash` is kept: an argon2 hash of the lower-cased password. Checking a new password's
    lower-case form against it refuses both the same password and any case variant of it, while the
    stored value reveals no more than an ordinary password hash does.
    """

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    lower_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)
