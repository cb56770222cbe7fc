"""Bearer tokens for the JSON API: random, shown once, stored as SHA-256, revocable, audited."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from portal.api.models import ApiToken
from portal.auth.models import User
from portal.core import audit, clock, transactions
from portal.core.errors import NotFound
from portal.extensions import db

PREFIX = "pat_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(username: str, name: str = "") -> tuple[str, ApiToken]:
    """A new token for an active user; returns (token, row). Only the hash is kept."""
    user = db.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise NotFound()
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_hash(token), name=name[:80], created_at=clock.utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record("api_token.created", "user", user.id, detail={"token_id": row.id, "name": row.name})
    transactions.commit()
    return token, row


def revoke(token_or_id: str) -> ApiToken:
    if token_or_id.isdigit():
        row = db.session.get(ApiToken, int(token_or_id))
    else:
        row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token_or_id)))
    if row is None or row.revoked_at is not None:
        raise NotFound()
    row.revoked_at = clock.utcnow()
    audit.record("api_token.revoked", "user", row.user_id, detail={"token_id": row.id})
    transactions.commit()
    return row


def listing(username: str | None = None) -> list[tuple[ApiToken, str]]:
    stmt = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if username:
        stmt = stmt.where(User.username == username)
    return [(row, name) for row, name in db.session.execute(stmt).all()]


@cache
def _token_with_user() -> Select:
    """One statement for the token, its user and the user's roles (as accounts.load_session does for
    sessions), built once: making the statement and its cache key cost about as much as running it."""
    return (select(ApiToken, User).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == bindparam("token_hash")).options(joinedload(User.roles)))


def authenticate(token: str) -> User | None:
    """The active user of a live token, or None. last_used_at is written at most once a minute."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    found = db.session.execute(_token_with_user(), {"token_hash": _hash(token)}).unique().first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or not user.active:
        return None
    now = clock.utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(seconds=60):
        row.last_used_at = now
        transactions.commit()
    return user
