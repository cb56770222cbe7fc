"""Flask-Login bound to server-side session records (new id at login, idle and absolute limits)."""
from __future__ import annotations

from flask import Flask, session

from portal.auth import accounts
from portal.extensions import login_manager

SESSION_KEY = "sid"


def _load_user(_user_id: str):
    user = accounts.load_session(session.get(SESSION_KEY))
    if user is None:
        session.pop(SESSION_KEY, None)
    return user


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # our own server-side sessions do the job
