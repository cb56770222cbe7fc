"""Rate limits (Flask-Limiter): failed logins per address and username, public pages and callbacks per
address; every limit is read from config.

Storage is Redis when REDIS_URL is set, so the limits hold across processes and machines; memory
otherwise (one process: development and tests). A 429 is answered by portal.web.errors with Retry-After.
"""
from __future__ import annotations

import hashlib

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address

from portal.extensions import limiter


def _setting(name: str):
    return lambda: current_app.config[name]


def username_key() -> str:
    """Failed logins counted per account name, whatever address they come from (spray and stuffing)."""
    return "user:" + (request.form.get("username") or "").strip().lower()


def login_failed(response) -> bool:
    """Only a failed login uses up the budget: success redirects (302), failure shows the form again."""
    return response.status_code not in (301, 302, 303)


def login_limits(view):
    """Applied to the login view: both budgets are spent only by failed attempts."""
    per_address = limiter.limit(_setting("RATELIMIT_LOGIN_PER_ADDRESS"), methods=["POST"],
                                deduct_when=login_failed)
    per_username = limiter.limit(_setting("RATELIMIT_LOGIN_PER_USERNAME"), methods=["POST"],
                                 key_func=username_key, deduct_when=login_failed)
    return per_address(per_username(view))


def bearer_key() -> str:
    """The API is limited per bearer token (a digest, never the token), per address without one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()
    return "addr:" + get_remote_address()


def per_token(setting: str):
    return limiter.limit(_setting(setting), key_func=bearer_key)


def per_address(setting: str, methods: list[str] | None = None):
    """A limit per client address read from config `setting` (public pages, callbacks)."""
    return limiter.limit(_setting(setting), methods=methods)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
