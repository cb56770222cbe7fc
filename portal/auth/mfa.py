"""Second factor (TOTP): enrolment, the code step of a login, recovery codes and the security admin's reset.

A correct password opens a session marked `mfa_pending` on the server; such a session logs nobody in
(accounts.load_session ignores it) until `verify_login` accepts a code and turns it into a login under a
new token. Wrong codes count toward the same lockout as wrong passwords.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select

from portal.auth import accounts, totp
from portal.auth.models import RecoveryCode, User, UserSession
from portal.core import audit, clock, crypto, transactions
from portal.core.errors import NotFound, ValidationFailed
from portal.core.msgids import N_
from portal.extensions import db

ISSUER = "Archive Outsourcing Supervision Portal"
# How long the code step may take after the password before the user starts again.
PENDING_MINUTES = 5
CODE_WRONG = N_("The code is wrong or has already been used.")


class MfaFailed(Exception):
    """A wrong, replayed or late code; the message never says which."""


def _pending_row(token: str | None) -> UserSession | None:
    row = accounts.session_of_token(token)
    if row is None or not row.mfa_pending or row.ended_at is not None:
        return None
    if clock.utcnow() - row.created_at > timedelta(minutes=PENDING_MINUTES):
        return None
    return row


def pending_user(token: str | None) -> User | None:
    """The user whose password was right and whose code is awaited under this session token, if any."""
    row = _pending_row(token)
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.active else None


def _secret(user: User) -> str:
    return crypto.decrypt(user.mfa_secret_enc)


def _recovery_hash_candidates(code: str) -> list[str]:
    return crypto.cipher().lookup_hash_candidates(totp.normalise_recovery_code(code))


def _use_recovery_code(user: User, code: str) -> bool:
    if not totp.normalise_recovery_code(code):
        return False
    row = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
        RecoveryCode.code_hash.in_(_recovery_hash_candidates(code)),
    ))
    if row is None:
        return False
    row.used_at = clock.utcnow()
    return True


def verify_login(token: str | None, code: str, ip: str | None = None) -> accounts.LoginResult:
    """Complete a pending login with a TOTP code (±1 step, each step once) or an unused recovery code.

    Success ends the pending session and opens the real one under a new token (no fixation)."""
    row = _pending_row(token)
    user = db.session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or not user.active or not user.mfa_enrolled:
        raise MfaFailed(CODE_WRONG)
    now = clock.utcnow()
    if accounts.is_locked(user, now):
        audit.record_and_commit("mfa.verify", "user", user.id, outcome="failure", detail={"reason": "locked"})
        raise MfaFailed(CODE_WRONG)
    secret = _secret(user)
    step = totp.matching_step(secret, code, now, user.mfa_last_step)
    method = "totp"
    if step is not None:
        user.mfa_last_step = step
    elif _use_recovery_code(user, code):
        method = "recovery_code"
        audit.record("mfa.recovery_code_used", "user", user.id)
    else:
        reason = "replay" if totp.replayed_step(secret, code, now, user.mfa_last_step) else "wrong_code"
        if reason == "replay":
            audit.record("mfa.replay", "user", user.id, outcome="failure")
        accounts.count_failure(user, now)
        if accounts.is_locked(user, now):
            row.ended_at = now
            row.end_reason = "locked"
        audit.record("mfa.verify", "user", user.id, outcome="failure", detail={"reason": reason})
        transactions.commit()
        raise MfaFailed(CODE_WRONG)
    new_token = secrets.token_urlsafe(32)
    row.token_hash = accounts.token_hash(new_token)
    row.created_at = row.last_seen_at = now
    audit.record("mfa.verify", "user", user.id, detail={"method": method})
    accounts.complete_login(user, row, now, ip, detail={"mfa": method})
    transactions.commit()
    return accounts.LoginResult(user, new_token)


def start_enrolment(user: User) -> tuple[str, str]:
    """The secret and otpauth:// URI to show; one pending secret is kept until confirmed, so reloading
    the page does not invalidate a QR code already scanned."""
    if user.mfa_enrolled:
        raise ValidationFailed({"code": [N_("A second factor is already set up for this account.")]})
    if not user.mfa_secret_enc:
        user.mfa_secret_enc = crypto.encrypt(totp.new_secret())
        transactions.commit()
    secret = _secret(user)
    return secret, totp.provisioning_uri(secret, user.username, ISSUER)


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Enrol once a code from the app matches; returns the recovery codes, shown this one time only."""
    if user.mfa_enrolled or not user.mfa_secret_enc:
        raise ValidationFailed({"code": [N_("Open the set-up page again to get a new secret.")]})
    now = clock.utcnow()
    step = totp.matching_step(_secret(user), code, now, None)
    if step is None:
        audit.record_and_commit("mfa.enrol", "user", user.id, outcome="failure")
        raise ValidationFailed({"code": [CODE_WRONG]})
    user.mfa_enrolled_at = now
    user.mfa_last_step = step
    codes = totp.new_recovery_codes()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=crypto.lookup_hash(totp.normalise_recovery_code(c)))
                       for c in codes)
    audit.record("mfa.enrol", "user", user.id, detail={"recovery_codes": len(codes)})
    transactions.commit()
    return codes


def unused_recovery_codes(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0


def reset_factor(user_id: int) -> User:
    """Security admin removes a user's factor (lost phone); the user enrols again at the next login."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    had_factor = user.mfa_enrolled
    user.mfa_secret_enc = None
    user.mfa_enrolled_at = None
    user.mfa_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    accounts.end_sessions(user.id, "mfa_reset")
    audit.record("mfa.reset", "user", user.id, detail={"had_factor": had_factor})
    transactions.commit()
    return user
