"""Read-only JSON endpoints; every one is declared with portal.web.permissions and scoped like the pages.

The app-wide guard skips /api/ paths for session login: this blueprint authenticates the bearer
token, applies the endpoint's declared role rule to the token's user and sets the Actor, so services
and scoping functions see the same user the pages would.
"""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import current_app, g, jsonify, request
from sqlalchemy import Select, or_

from portal.api import scopes
from portal.api import tokens as api_tokens
from portal.api.blueprint import bp
from portal.api.openapi import document
from portal.core import access
from portal.core.context import current_actor, set_actor
from portal.core.pagination import Page, paginate
from portal.extensions import csrf, db
from portal.filings import queries as filing_search
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.scoring.models import FirmScore, ScoringPeriod
from portal.supervision.models import Notice
from portal.web.context import actor_for_user
from portal.web.permissions import PUBLIC, access_of, allowed, public, roles
from portal.web.throttle import per_token

csrf.exempt(bp)
per_token("RATELIMIT_API_PER_TOKEN")(bp)
MAX_PER_PAGE = 100


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def _error(status: int, error: str, message: str):
    response = jsonify(error=error, message=message)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return _error(exc.status, exc.error, exc.message)


@bp.before_request
def _authenticate():
    view = current_app.view_functions.get(request.endpoint or "")
    access = access_of(view) if view else None
    if access is None or access == PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = api_tokens.authenticate(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return _error(401, "unauthorized", "A valid bearer token is required.")
    if not allowed(user, access):
        return _error(403, "forbidden", "This token's user may not use this endpoint.")
    g.api_user = user
    set_actor(actor_for_user(user, request.remote_addr, g.get("request_id")))
    return None


# -- helpers -------------------------------------------------------------------------------------

def _int_arg(name: str, default: int | None, low: int, high: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise ApiError(400, "bad_request", f"{name} must be a whole number")
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise ApiError(400, "bad_request", f"{name} must lie between {low} and {high or 'any'}")
    return value


def _page(stmt: Select, serialise, scalars: bool) -> Any:
    page = _int_arg("page", 1, 1, 100000)
    per_page = _int_arg("per_page", 20, 1, MAX_PER_PAGE)
    return _page_json(paginate(stmt, page, per_page, scalars=scalars), serialise)


def _page_json(result: Page, serialise) -> Any:
    return jsonify(items=[serialise(item) for item in result.items], page=result.page,
                   per_page=result.per_page, total=result.total, pages=result.pages)


def _iso(value) -> str | None:
    """Dates as YYYY-MM-DD; times (stored naive UTC) as RFC 3339 with the zone, as OpenAPI requires."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _num(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


MAX_ID = 2**31 - 1


def _check_id(value: int) -> int:
    """Ids beyond the database's integer range cannot exist (and would overflow the driver)."""
    if value > MAX_ID:
        raise ApiError(404, "not_found", "No such record, or you may not see it.")
    return value


def _one(stmt: Select, scalars: bool):
    row = db.session.execute(stmt.limit(1)).first()
    if row is None:
        raise ApiError(404, "not_found", "No such record, or you may not see it.")
    return row[0] if scalars else row


# -- serialisers ---------------------------------------------------------------------------------

def firm_json(firm: Firm) -> dict:
    return {"id": firm.id, "uscc": firm.uscc, "name": firm.name, "district_code": firm.district_code,
            "status": firm.status, "grade": firm.grade, "good_standing": bool(firm.good_standing),
            "focus_supervision": bool(firm.focus_supervision), "service_types": list(firm.service_types or []),
            "valid_until": _iso(firm.valid_until), "verification_status": firm.verification_status}


def filing_json(row) -> dict:
    """A row of scopes.FILING_COLUMNS."""
    return {"id": row.id, "number": row.number, "title": row.title, "status": row.status,
            "firm_id": row.firm_id, "firm_name": row.firm_name, "agency_id": row.agency_id,
            "agency_name": row.agency_name, "district_code": row.district_code,
            "service_types": list(row.service_types or []), "start_date": _iso(row.start_date),
            "end_date": _iso(row.end_date), "submitted_at": _iso(row.submitted_at),
            "registered_at": _iso(row.registered_at), "is_late": bool(row.is_late)}


def score_json(row) -> dict:
    score: FirmScore = row[0]
    amended = score.amended_total is not None or score.amended_grade is not None
    # After an upheld objection the amended figures are the score.
    return {"id": score.id, "period_id": score.period_id, "period_label": row.period_label,
            "period_status": row.period_status, "firm_id": score.firm_id, "firm_name": row.firm_name,
            "status": score.status,
            "total": _num(score.amended_total if score.amended_total is not None else score.total),
            "grade": score.amended_grade or score.grade,
            "vetoed": bool(score.vetoed), "amended": amended}


def notice_json(row) -> dict:
    notice: Notice = row[0]
    receipt = row[1] if len(row) > 1 and not isinstance(row[1], bool) else None
    return {"id": notice.id, "title": notice.title, "body": notice.body,
            "published_at": _iso(notice.published_at), "requires_ack": bool(notice.requires_ack),
            "read_at": _iso(receipt.read_at) if receipt is not None else None,
            "acknowledged_at": _iso(receipt.acknowledged_at) if receipt is not None else None}


# -- endpoints -----------------------------------------------------------------------------------

@bp.route("/openapi.json")
@public
def openapi():
    return jsonify(document())


@bp.route("/firms")
@roles("vendor", "regulator", "lead")
def firms():
    stmt = scopes.firms(current_actor())
    if q := request.args.get("q", "").strip():
        stmt = stmt.where(or_(Firm.name.contains(q, autoescape=True), Firm.uscc == q))
    if district := request.args.get("district", "").strip():
        stmt = stmt.where(Firm.district_code == district)
    if grade := request.args.get("grade", "").strip():
        stmt = stmt.where(Firm.grade == grade)
    if status := request.args.get("status", "").strip():
        stmt = stmt.where(Firm.status == status)
    return _page(stmt.order_by(Firm.name, Firm.id), firm_json, scalars=True)


@bp.route("/firms/<int:firm_id>")
@roles("vendor", "regulator", "lead")
def firm(firm_id: int):
    stmt = scopes.firms(current_actor()).where(Firm.id == _check_id(firm_id))
    return jsonify(firm_json(_one(stmt, scalars=True)))


@bp.route("/filings")
@roles("vendor", "agency", "regulator", "lead")
def filings():
    stmt = scopes.filings(current_actor())
    if q := request.args.get("q", "").strip():
        stmt = stmt.where(or_(ProjectFiling.title.contains(q, autoescape=True), ProjectFiling.number == q))
    if status := request.args.get("status", "").strip():
        stmt = stmt.where(ProjectFiling.status == status)
    if district := request.args.get("district", "").strip():
        stmt = stmt.where(ProjectFiling.district_code == district)
    if (firm_id := _int_arg("firm_id", None, 1, MAX_ID)) is not None:
        stmt = stmt.where(ProjectFiling.firm_id == firm_id)
    if (agency_id := _int_arg("agency_id", None, 1, MAX_ID)) is not None:
        stmt = stmt.where(ProjectFiling.agency_id == agency_id)
    order = (ProjectFiling.id.desc(),)
    key = ("api.filings", access.scope_key(current_actor()), q, status, district, firm_id, agency_id)
    result = filing_search.rows_page(stmt.order_by(*order), scopes.filing_rows(), order,
                                     _int_arg("page", 1, 1, 100000), _int_arg("per_page", 20, 1, MAX_PER_PAGE),
                                     count_key=key)
    return _page_json(result, filing_json)


@bp.route("/filings/<int:filing_id>")
@roles("vendor", "agency", "regulator", "lead")
def filing(filing_id: int):
    stmt = scopes.filings(current_actor()).where(ProjectFiling.id == _check_id(filing_id))
    return jsonify(filing_json(_one(stmt, scalars=False)))


@bp.route("/scores")
@roles("vendor", "regulator", "lead")
def scores():
    stmt = scopes.scores(current_actor())
    if period := request.args.get("period", "").strip():
        stmt = stmt.where(ScoringPeriod.label == period)
    if (firm_id := _int_arg("firm_id", None, 1, MAX_ID)) is not None:
        stmt = stmt.where(FirmScore.firm_id == firm_id)
    if grade := request.args.get("grade", "").strip():
        stmt = stmt.where(or_(FirmScore.amended_grade == grade,
                              (FirmScore.amended_grade.is_(None)) & (FirmScore.grade == grade)))
    return _page(stmt.order_by(ScoringPeriod.starts_on.desc(), FirmScore.id), score_json, scalars=False)


@bp.route("/scores/<int:score_id>")
@roles("vendor", "regulator", "lead")
def score(score_id: int):
    stmt = scopes.scores(current_actor()).where(FirmScore.id == _check_id(score_id))
    return jsonify(score_json(_one(stmt, scalars=False)))


@bp.route("/notices")
@roles("vendor", "regulator", "lead")
def notices():
    stmt = scopes.notices(current_actor())
    if q := request.args.get("q", "").strip():
        stmt = stmt.where(Notice.title.contains(q, autoescape=True))
    return _page(stmt.order_by(Notice.published_at.desc(), Notice.id.desc()), notice_json, scalars=False)


@bp.route("/notices/<int:notice_id>")
@roles("vendor", "regulator", "lead")
def notice(notice_id: int):
    stmt = scopes.notices(current_actor()).where(Notice.id == _check_id(notice_id))
    return jsonify(notice_json(_one(stmt, scalars=False)))
