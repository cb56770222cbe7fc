"""Per-request context: request id, and the acting user for services and the audit log."""
from __future__ import annotations

import re
import uuid

from flask import Flask, g, request
from flask_login import current_user

from portal.core.context import Actor, reset_actor, set_actor

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def _begin():
    # A proxy's request id is kept so logs line up, but only in a harmless shape (it reaches the audit log).
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.actor_token = set_actor(Actor(ip=request.remote_addr, request_id=g.request_id, username="anonymous"))


def actor_for_user(user, ip=None, request_id=None) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        roles=user.role_codes,
        ip=ip,
        request_id=request_id,
        firm_id=user.firm_id,
        agency_id=user.agency_id,
        office_id=user.office_id,
        district_code=user.district_code,
    )


def _identify():
    """Runs after the session is loaded (registered after the access check would need it)."""
    if current_user and current_user.is_authenticated:
        set_actor(actor_for_user(current_user, request.remote_addr, g.request_id))


def _end(_exc=None):
    token = g.pop("actor_token", None)
    if token is not None:
        try:
            reset_actor(token)
        except ValueError:
            pass


def _add_request_id(response):
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response


def init_app(app: Flask) -> None:
    # First of all before-request functions: CSRF protection (registered earlier) reads the form, and an
    # oversize body stops the request there with a 413 whose page must still show the request id.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.before_request(_identify)
    app.after_request(_add_request_id)
    app.teardown_request(_end)
