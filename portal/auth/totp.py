"""Time-based one-time codes (RFC 6238, via pyotp) and recovery codes: pure, no Flask, no database."""
from __future__ import annotations

import secrets
from calendar import timegm
from datetime import datetime

import pyotp

from portal.core.digests import same_secret

STEP_SECONDS = 30
DIGITS = 6
# One step either side: a phone clock 30 s off still works; two steps (60 s) is refused.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_RECOVERY_LENGTH = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)


def time_step(now: datetime) -> int:
    """The RFC 6238 counter for a naive UTC datetime (pyotp would read a naive datetime as local time)."""
    return timegm(now.utctimetuple()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def matching_step(secret: str, code: str, now: datetime, last_used_step: int | None) -> int | None:
    """The time step `code` belongs to (within DRIFT_STEPS of now), or None.

    A step at or before `last_used_step` never matches: a code works once, and an older code cannot be
    replayed after a newer one was used.
    """
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = time_step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if same_secret(code_at(secret, step), code):
            return step
    return None


def replayed_step(secret: str, code: str, now: datetime, last_used_step: int | None) -> bool:
    """True when `code` is right for a step already used: a replay, audited as such."""
    if last_used_step is None:
        return False
    current = time_step(now)
    code = (code or "").strip().replace(" ", "")
    return any(same_secret(code_at(secret, step), code)
               for step in range(current - DRIFT_STEPS, min(current + DRIFT_STEPS, last_used_step) + 1))


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Codes shown once, written as two groups of five (about 50 bits each)."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalise_recovery_code(code: str) -> str:
    return "".join(c for c in (code or "").lower() if c.isalnum())
