"""Refuse state-changing requests sent by another site (Origin, or Referer over HTTPS when Origin is absent).

The CSRF token already guards forms; this is the second, token-independent check ASVS asks for. Same
origin means the request's own host or PUBLIC_BASE_URL. The signed platform callback and the bearer-token
API are not browser requests and are exempt.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import gettext as _

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
EXEMPT_ENDPOINTS = frozenset({"integrations.gov_callback"})
EXEMPT_BLUEPRINTS = frozenset({"api"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """"scheme://host[:port]" in lower case with the default port dropped; None for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    port = port or _DEFAULT_PORTS[parts.scheme]
    suffix = "" if port == _DEFAULT_PORTS[parts.scheme] else f":{port}"
    return f"{parts.scheme}://{parts.hostname.lower()}{suffix}"


def allowed_origins() -> set[str]:
    origins = {origin_of(request.host_url)}
    public = current_app.config.get("PUBLIC_BASE_URL")
    if public:
        origins.add(origin_of(public))
    origins.discard(None)
    return origins  # type: ignore[return-value]


def foreign_request() -> bool:
    """True when the browser tells us this request was made by a page of another site."""
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin_of(origin) not in allowed_origins()  # "null" (sandboxed pages, file:) is foreign
    referer = request.headers.get("Referer")
    if request.is_secure and referer:
        return origin_of(referer) not in allowed_origins()
    return False


def check_origin():
    if request.method in SAFE_METHODS:
        return None
    if request.endpoint in EXEMPT_ENDPOINTS or request.blueprint in EXEMPT_BLUEPRINTS:
        return None
    if foreign_request():
        from portal.web.errors import render_error

        current_app.logger.warning("refused a %s to %s from origin %r", request.method, request.path,
                                   request.headers.get("Origin") or request.headers.get("Referer"))
        return render_error(403, _("This request came from another website and was refused."))
    return None


def init_app(app: Flask) -> None:
    app.before_request(check_origin)
