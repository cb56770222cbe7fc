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
from flask_babel import gettext as _
from spectree import Response
from sqlalchemy import Select, or_

from portal.api import schemas, scopes
from portal.api import tokens as api_tokens
from portal.api.blueprint import bp
from portal.api.spec import RequestRefused, api, document, listing, record
from portal.core import access
from portal.core.context import current_actor, set_actor
from portal.core.pagination import Page, paginate
from portal.core.textmatch import contains
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


@bp.errorhandler(RequestRefused)
def _refused(exc: RequestRefused):
    """A query outside what portal.api.schemas declares (the limits the OpenAPI document states)."""
    return _error(400, "bad_request", exc.message)


@bp.before_request
def _authenticate():
    view = current_app.view_functions.get(request.endpoint or "")
    access = access_of(view) if view else None
    if access is None or access == PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    user = api_tokens.authenticate(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return _error(401, "unauthorized", _("A valid bearer token is required."))
    if not allowed(user, access):
        return _error(403, "forbidden", _("This token's user may not use this endpoint."))
    g.api_user = user
    set_actor(actor_for_user(user, request.remote_addr, g.get("request_id")))
    return None


# -- helpers -------------------------------------------------------------------------------------

def _page(stmt: Select, serialise, scalars: bool, query: schemas.Query) -> Any:
    return _page_json(paginate(stmt, query.page, query.per_page, scalars=scalars), serialise)


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
        raise ApiError(404, "not_found", _("No such record, or you may not see it."))
    return value


def _one(stmt: Select, scalars: bool):
    row = db.session.execute(stmt.limit(1)).first()
    if row is None:
        raise ApiError(404, "not_found", _("No such record, or you may not see it."))
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
# Each endpoint's query and responses are declared with api.validate (models in portal.api.schemas):
# spectree refuses a query outside them before the view runs, and the document is built from them.

@bp.route("/openapi.json")
@public
@api.validate(query=schemas.NoQuery, resp=Response(HTTP_200=(None, "The OpenAPI document.")), tags=["Meta"],
              security={}, operation_id="openapi")
def openapi():
    """This document."""
    return jsonify(document())


@bp.route("/firms")
@roles("vendor", "regulator", "lead")
@api.validate(resp=listing(schemas.FirmList), tags=["Firms"], operation_id="listFirms")
def firms(query: schemas.FirmQuery):
    """Firms with their credit grade."""
    stmt = scopes.firms(current_actor())
    if query.q:
        stmt = stmt.where(or_(contains(Firm.name, query.q), Firm.uscc == query.q))
    if query.district:
        stmt = stmt.where(Firm.district_code == query.district)
    if query.grade:
        stmt = stmt.where(Firm.grade == query.grade)
    if query.status:
        stmt = stmt.where(Firm.status == query.status)
    return _page(stmt.order_by(Firm.name, Firm.id), firm_json, scalars=True, query=query)


@bp.route("/firms/<int:firm_id>")
@roles("vendor", "regulator", "lead")
@api.validate(query=schemas.NoQuery, resp=record(schemas.Firm), tags=["Firms"], operation_id="getFirm")
def firm(firm_id: int):
    """One firm."""
    stmt = scopes.firms(current_actor()).where(Firm.id == _check_id(firm_id))
    return jsonify(firm_json(_one(stmt, scalars=True)))


@bp.route("/filings")
@roles("vendor", "agency", "regulator", "lead")
@api.validate(resp=listing(schemas.FilingList), tags=["Filings"], operation_id="listFilings")
def filings(query: schemas.FilingQuery):
    """Project filings."""
    stmt = scopes.filing_scope(current_actor())
    if query.q:
        stmt = stmt.where(or_(contains(ProjectFiling.title, query.q),
                              ProjectFiling.number == query.q))
    if query.status:
        stmt = stmt.where(ProjectFiling.status == query.status)
    if query.district:
        stmt = stmt.where(ProjectFiling.district_code == query.district)
    if query.firm_id is not None:
        stmt = stmt.where(ProjectFiling.firm_id == query.firm_id)
    if query.agency_id is not None:
        stmt = stmt.where(ProjectFiling.agency_id == query.agency_id)
    order = (ProjectFiling.id.desc(),)
    key = ("api.filings", access.scope_key(current_actor()), query.q, query.status, query.district,
           query.firm_id, query.agency_id)
    result = filing_search.rows_page(stmt.order_by(*order), scopes.filing_rows(), order,
                                     query.page, query.per_page, count_key=key)
    return _page_json(result, filing_json)


@bp.route("/filings/<int:filing_id>")
@roles("vendor", "agency", "regulator", "lead")
@api.validate(query=schemas.NoQuery, resp=record(schemas.Filing), tags=["Filings"], operation_id="getFiling")
def filing(filing_id: int):
    """One project filing."""
    stmt = scopes.filings(current_actor()).where(ProjectFiling.id == _check_id(filing_id))
    return jsonify(filing_json(_one(stmt, scalars=False)))


@bp.route("/scores")
@roles("vendor", "regulator", "lead")
@api.validate(resp=listing(schemas.ScoreList), tags=["Scores"], operation_id="listScores")
def scores(query: schemas.ScoreQuery):
    """Credit scores per period."""
    stmt = scopes.scores(current_actor())
    if query.period:
        stmt = stmt.where(ScoringPeriod.label == query.period)
    if query.firm_id is not None:
        stmt = stmt.where(FirmScore.firm_id == query.firm_id)
    if query.grade:
        stmt = stmt.where(or_(FirmScore.amended_grade == query.grade,
                              (FirmScore.amended_grade.is_(None)) & (FirmScore.grade == query.grade)))
    return _page(stmt.order_by(ScoringPeriod.starts_on.desc(), FirmScore.id), score_json, scalars=False,
                 query=query)


@bp.route("/scores/<int:score_id>")
@roles("vendor", "regulator", "lead")
@api.validate(query=schemas.NoQuery, resp=record(schemas.Score), tags=["Scores"], operation_id="getScore")
def score(score_id: int):
    """One firm's score in a period."""
    stmt = scopes.scores(current_actor()).where(FirmScore.id == _check_id(score_id))
    return jsonify(score_json(_one(stmt, scalars=False)))


@bp.route("/notices")
@roles("vendor", "regulator", "lead")
@api.validate(resp=listing(schemas.NoticeList), tags=["Notices"], operation_id="listNotices")
def notices(query: schemas.NoticeQuery):
    """Published notices."""
    stmt = scopes.notices(current_actor())
    if query.q:
        stmt = stmt.where(contains(Notice.title, query.q))
    return _page(stmt.order_by(Notice.published_at.desc(), Notice.id.desc()), notice_json, scalars=False,
                 query=query)


@bp.route("/notices/<int:notice_id>")
@roles("vendor", "regulator", "lead")
@api.validate(query=schemas.NoQuery, resp=record(schemas.Notice), tags=["Notices"], operation_id="getNotice")
def notice(notice_id: int):
    """One notice."""
    stmt = scopes.notices(current_actor()).where(Notice.id == _check_id(notice_id))
    return jsonify(notice_json(_one(stmt, scalars=False)))
