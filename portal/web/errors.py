"""Error pages in the user's language with the request id; JSON for API clients. Domain errors map here."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, g, has_request_context, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from portal.core.errors import ServiceError
from portal.core.transactions import CONFLICT_MESSAGE
from portal.core.workflow import ActionNotPermitted, WorkflowError
from portal.extensions import db
from portal.web.i18n import translate
from portal.web.permissions import wants_json
from portal.web.redirects import safe_path

# The JSON error shape every client reads (the API documents the same codes): a stable code, never words.
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "unprocessable",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def _titles():
    # Listed literally so the catalogue extractor sees every title.
    return {
        400: _("Bad request"), 401: _("Please log in"), 403: _("Access denied"), 404: _("Page not found"),
        405: _("Method not allowed"), 409: _("Conflict"), 413: _("File too large"),
        422: _("The request could not be processed"), 429: _("Too many requests"),
        500: _("Internal error"), 503: _("Service unavailable"),
    }


def _explanations():
    return {
        400: _("The request was not understood. If you submitted a form, reload the page and try again."),
        403: _("You do not have permission to open this page."),
        404: _("The page or record does not exist, or you may not see it."),
        409: _("The record was changed by someone else or is in a state that does not allow this action. Reload and try again."),
        413: _("The uploaded file is larger than the allowed size."),
        429: _("Too many attempts in a short time. Wait a while and try again."),
        500: _("Something went wrong on our side. The error has been logged."),
    }


def _back_link() -> str | None:
    """Where the form was: a form posts to the page that shows it, so a refused upload (413) can go
    back there; otherwise the page the user came from, when it is on this site."""
    if not has_request_context():
        return None
    if request.method == "POST":
        return safe_path(request.full_path.rstrip("?"))
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return None
    return safe_path(referrer.path + (f"?{referrer.query}" if referrer.query else "")) if referrer.path else None


def render_error(code: int, message: str | None = None, headers=None):
    """The error page (or JSON) with `code`; `headers` are kept on it (a 405's Allow, a 429's Retry-After)."""
    request_id = g.get("request_id", "")
    title = _titles().get(code, _("Error"))
    text = message or _explanations().get(code, "")
    if wants_json():
        response = jsonify(error=ERROR_CODES.get(code, "error"), message=text, request_id=request_id)
        response.status_code = code
        response.headers.extend(headers or [])
        return response
    return render_template("errors/error.html", code=code, title=title, message=text,
                           request_id=request_id, back=_back_link() if code == 413 else None), code, list(headers or [])


def _headers_of(exc: HTTPException) -> list[tuple[str, str]]:
    """What the exception says about the answer beyond its body: Allow, Retry-After, WWW-Authenticate..."""
    return [(k, v) for k, v in exc.get_headers() if k.lower() not in ("content-type", "content-length")]


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        if code == 413:
            limit = app.config.get("UPLOAD_MAX_MB", 20)
            return render_error(413, _("The uploaded file is larger than the allowed %(mb)s MB.", mb=limit),
                                _headers_of(exc))
        return render_error(code, headers=_headers_of(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return render_error(400, _("The form has expired or is not valid (CSRF check). Reload the page and try again."))

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        db.session.rollback()
        return render_error(exc.status_code, translate(exc.message, exc.params) if exc.message else None)

    @app.errorhandler(WorkflowError)
    def workflow_error(exc: WorkflowError):
        db.session.rollback()
        code = 403 if isinstance(exc, ActionNotPermitted) else 409
        return render_error(code, exc.translated(_))

    @app.errorhandler(StaleDataError)
    def stale(_exc):
        # A versioned row changed under a flush before the unit of work's commit could turn it into a
        # Conflict: the same 409 and the same message as portal.core.transactions.check_version.
        db.session.rollback()
        return render_error(409, translate(CONFLICT_MESSAGE))

    @app.errorhandler(Exception)
    def unhandled(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error (request %s)", g.get("request_id"))
        if app.debug or app.testing and app.config.get("PROPAGATE_UNHANDLED", False):
            raise exc
        return render_error(500)
