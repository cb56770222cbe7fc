"""Second-factor helpers: a frozen clock (so time steps are known), enrolment through the real pages,
codes computed independently with pyotp, audit look-ups."""
from __future__ import annotations

import html
import re
from calendar import timegm
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pyotp
from sqlalchemy import func, select

from portal.core import clock
from portal.core.models import AuditEvent
from portal.extensions import db
from tests.conftest import PASSWORD

# Ten seconds into a 30-second step, so ±1 step is exactly ±30 s.
NOW = datetime(2026, 6, 1, 4, 0, 10)


def freeze(at: datetime = NOW) -> int:
    clock.freeze(at)
    return timegm(at.utctimetuple())


def code(secret: str, seconds_from_now: int = 0) -> str:
    """The code an authenticator app shows at the frozen time plus `seconds_from_now`."""
    return pyotp.TOTP(secret).at(timegm(clock.utcnow().utctimetuple()) + seconds_from_now)


def enrol(client) -> tuple[str, list[str]]:
    """Enrol the logged-in user through /auth/mfa/setup; returns the secret and the recovery codes."""
    page = client.get("/auth/mfa/setup").get_data(as_text=True)
    uri = html.unescape(re.search(r'otpauth://[^"<\s]+', page).group(0))
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    response = client.post("/auth/mfa/setup", data={"code": code(secret)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.get_data(as_text=True))
    return secret, codes


def password_step(client, user, password: str = PASSWORD):
    return client.post("/auth/login", data={"username": user.username, "password": password})


def audits(action: str, outcome: str | None = None) -> int:
    stmt = select(func.count(AuditEvent.id)).where(AuditEvent.action == action)
    if outcome:
        stmt = stmt.where(AuditEvent.outcome == outcome)
    return db.session.scalar(stmt)
