"""Security headers on every response (CSP without inline script or style) and a Server header without
versions (gunicorn adds only its bare name; the reverse proxy hides its own, see README "Production")."""
from __future__ import annotations

from flask import Flask

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "img-src 'self' data:; form-action 'self'"
)

# What the portal says it is: no product versions for an attacker to match against advisories.
SERVER_NAME = "portal"


def _headers(response):
    from flask import current_app

    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "strict-origin-when-cross-origin"
    h["X-Frame-Options"] = "DENY"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    h["Server"] = SERVER_NAME
    if response.mimetype == "text/html":
        h.setdefault("Cache-Control", "no-store")
    if current_app.config.get("HSTS"):
        h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)
