"""Deny by default: every endpoint declares who may call it; one rule for HTML and one for JSON.

Declarations: `@public` (anyone), `@authenticated` (any logged-in user), `@roles(...)`.
An endpoint without a declaration answers 403 and the endpoint-declaration test fails.
Object-level checks (whose firm, which district) live in services and answer 404.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user

from portal.core.constants import MFA_ROLES, ROLES

PUBLIC = "public"
AUTHENTICATED = "authenticated"
_ATTR = "_portal_access"
EXEMPT_ENDPOINTS = {"static"}
PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "auth.login", "static"}
MFA_SETUP_ALLOWED = {"auth.mfa_setup", "auth.logout", "auth.login", "static"}


def _declare(view: Callable, access) -> Callable:
    setattr(view, _ATTR, access)
    return view


def public(view: Callable) -> Callable:
    return _declare(view, PUBLIC)


def authenticated(view: Callable) -> Callable:
    return _declare(view, AUTHENTICATED)


def roles(*allowed: str) -> Callable[[Callable], Callable]:
    unknown = set(allowed) - set(ROLES)
    if unknown or not allowed:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorator(view: Callable) -> Callable:
        return _declare(view, frozenset(allowed))

    return decorator


def access_of(view: Callable):
    return getattr(view, _ATTR, None)


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path.startswith("/integrations/gov/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _unauthenticated():
    if wants_json():
        response = jsonify(error="unauthorized", message="Authentication required")
        response.status_code = 401
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def check_access():
    """before_request guard: deny by default."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in EXEMPT_ENDPOINTS:
        return None
    view = current_app.view_functions.get(endpoint)
    access = access_of(view) if view else None
    if access is None:
        abort(403)
    if access == PUBLIC:
        return None
    if request.path.startswith("/api/"):
        return None  # the API blueprint authenticates bearer tokens itself, then applies the same rule
    if not current_user.is_authenticated:
        return _unauthenticated()
    if endpoint not in MFA_SETUP_ALLOWED and must_set_up_second_factor(current_user):
        return redirect(url_for("auth.mfa_setup"))
    if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ALLOWED:
        return redirect(url_for("auth.change_password"))
    if access == AUTHENTICATED:
        return None
    if not current_user.has_role(*access):
        abort(403)
    return None


def must_set_up_second_factor(user) -> bool:
    """MFA_REQUIRED: regulators, the lead and the three administrators do nothing before enrolling."""
    return (bool(current_app.config.get("MFA_REQUIRED")) and user.has_role(*MFA_ROLES)
            and not user.mfa_enrolled)


def allowed(user, view_access) -> bool:
    """Same rule as the guard, for building navigation and API checks."""
    if view_access == PUBLIC:
        return True
    if user is None or not user.is_authenticated:
        return False
    if view_access == AUTHENTICATED:
        return True
    return bool(view_access) and user.has_role(*view_access)


def can_visit(endpoint: str) -> bool:
    view = current_app.view_functions.get(endpoint)
    return view is not None and allowed(current_user, access_of(view))


def init_app(app: Flask) -> None:
    app.before_request(check_access)
    from portal.web import nav

    app.jinja_env.globals["can_visit"] = can_visit
    app.jinja_env.globals["nav_menu"] = nav.menu
    app.jinja_env.globals["nav_groups"] = nav.grouped
