"""JSON API: bearer tokens, scoping exactly like the pages, errors as JSON, OpenAPI in step with routes."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import jsonschema_rs
import pytest
from sqlalchemy import select

from portal.api import tokens as api_tokens
from portal.api.models import ApiToken
from portal.core import clock
from portal.extensions import db
from portal.orgs.models import Agency
from portal.scoring.models import FirmScore, RuleSetVersion, ScoringPeriod
from portal.supervision.models import Notice, NoticeRecipient


def _token(user) -> dict[str, str]:
    token, _row = api_tokens.create(user.username)
    return {"Authorization": f"Bearer {token}"}


def _validate(client, body, schema_name: str) -> None:
    document = client.get("/api/v1/openapi.json").json
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    jsonschema_rs.validator_for(schema, validate_formats=True).validate(body)


def _score(build, firm, period_status="published", grade="B"):
    rules = db.session.scalar(select(RuleSetVersion))
    if rules is None:
        rules = RuleSetVersion(label="v1", body="{}", is_current=True)
        db.session.add(rules)
        db.session.flush()
    period = ScoringPeriod(label=f"P{firm.id}-{period_status}", kind="quarter", starts_on=date(2026, 1, 1),
                           ends_on=date(2026, 3, 31), status=period_status, rule_set_id=rules.id)
    db.session.add(period)
    db.session.flush()
    score = FirmScore(period_id=period.id, firm_id=firm.id, status="rated", total=Decimal("81.50"), grade=grade,
                      result="ok")
    db.session.add(score)
    db.session.commit()
    return score


def test_openapi_paths_match_registered_api_routes(app, client):
    document = client.get("/api/v1/openapi.json").json
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    registered = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                registered.add((path, method))
    assert documented == registered


def test_every_api_endpoint_declares_access(app):
    from portal.web.permissions import access_of

    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            assert access_of(app.view_functions[rule.endpoint]) is not None, rule.endpoint


def test_token_is_required_and_errors_are_json(client, build):
    response = client.get("/api/v1/filings")
    assert response.status_code == 401
    assert set(response.json) >= {"error", "message"}
    bad = client.get("/api/v1/filings", headers={"Authorization": "Bearer pat_nonsense"})
    assert bad.status_code == 401 and bad.json["error"] == "unauthorized"


def test_cli_creates_a_token_that_works_and_revoke_ends_it(app, client, runner, build):
    user = build.user("regulator")
    result = runner.invoke(args=["api-token", "create", user.username])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[0]
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash != token and token not in row.token_hash  # only a hash is stored
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/filings", headers=headers).status_code == 200
    assert runner.invoke(args=["api-token", "revoke", token]).exit_code == 0
    assert client.get("/api/v1/filings", headers=headers).status_code == 401


def test_firm_token_sees_only_its_own_filings(client, build):
    own, other = build.firm(), build.firm()
    mine = build.filing(firm=own)
    theirs = build.filing(firm=other)
    headers = _token(build.user("vendor", firm_id=own.id))
    listing = client.get("/api/v1/filings", headers=headers).json
    assert [f["id"] for f in listing["items"]] == [mine.id]
    _validate(client, listing, "FilingList")
    assert client.get(f"/api/v1/filings/{mine.id}", headers=headers).status_code == 200
    hidden = client.get(f"/api/v1/filings/{theirs.id}", headers=headers)
    assert hidden.status_code == 404 and hidden.json["error"]
    assert client.get(f"/api/v1/firms/{other.id}", headers=headers).status_code == 404
    firm = client.get(f"/api/v1/firms/{own.id}", headers=headers).json
    _validate(client, firm, "Firm")


def test_district_regulator_sees_only_its_district(client, build):
    inside = build.filing(firm=build.firm(district_code="510502"))
    outside = build.filing(firm=build.firm(district_code="510521"))
    headers = _token(build.district_regulator("510502"))
    ids = [f["id"] for f in client.get("/api/v1/filings", headers=headers).json["items"]]
    assert ids == [inside.id]
    assert client.get(f"/api/v1/filings/{outside.id}", headers=headers).status_code == 404
    firms = client.get("/api/v1/firms", headers=headers).json["items"]
    assert {f["district_code"] for f in firms} == {"510502"}


def test_agency_token_sees_filings_naming_it_but_not_firms(client, build):
    agency = build.agency()
    named = build.filing(agency=agency)
    build.filing()
    build.filing(agency=agency, status="draft")
    headers = _token(build.user("agency", agency_id=agency.id))
    ids = [f["id"] for f in client.get("/api/v1/filings", headers=headers).json["items"]]
    assert ids == [named.id]
    forbidden = client.get("/api/v1/firms", headers=headers)
    assert forbidden.status_code == 403 and forbidden.json["error"] == "forbidden"


def test_admin_token_is_refused_business_data(client, build):
    headers = _token(build.user("sysadmin"))
    assert client.get("/api/v1/filings", headers=headers).status_code == 403


def test_pagination_and_limits(client, build):
    firm = build.firm()
    for _ in range(5):
        build.filing(firm=firm)
    headers = _token(build.user("regulator"))
    page = client.get("/api/v1/filings?per_page=2&page=2", headers=headers).json
    assert (page["page"], page["per_page"], page["total"], page["pages"], len(page["items"])) == (2, 2, 5, 3, 2)
    too_many = client.get("/api/v1/filings?per_page=101", headers=headers)
    assert too_many.status_code == 400 and too_many.json["error"] == "bad_request"
    assert client.get("/api/v1/filings?page=abc", headers=headers).status_code == 400


def test_filters_narrow_the_list(client, build):
    firm = build.firm()
    a = build.filing(firm=firm, status="registered", title="Digitise land records")
    build.filing(firm=firm, status="in_progress", title="Arrange personnel files")
    headers = _token(build.user("regulator"))
    by_status = client.get("/api/v1/filings?status=registered", headers=headers).json["items"]
    assert [f["id"] for f in by_status] == [a.id]
    by_text = client.get("/api/v1/filings?q=land", headers=headers).json["items"]
    assert [f["id"] for f in by_text] == [a.id]


def test_scores_are_hidden_from_firms_until_published(client, build):
    firm = build.firm()
    published = _score(build, firm, "published")
    draft = _score(build, firm, "draft")
    headers = _token(build.user("vendor", firm_id=firm.id))
    listing = client.get("/api/v1/scores", headers=headers).json
    assert [s["id"] for s in listing["items"]] == [published.id]
    _validate(client, listing, "ScoreList")
    assert client.get(f"/api/v1/scores/{draft.id}", headers=headers).status_code == 404
    regulator = _token(build.user("regulator"))
    assert client.get(f"/api/v1/scores/{draft.id}", headers=regulator).json["total"] == 81.5


def test_firm_sees_only_notices_sent_to_it(client, build):
    firm, other = build.firm(), build.firm()
    sent = Notice(title="Annual inspection", body="Body", published_at=clock.utcnow())
    not_sent = Notice(title="Other", body="Body", published_at=clock.utcnow())
    db.session.add_all([sent, not_sent])
    db.session.flush()
    db.session.add_all([NoticeRecipient(notice_id=sent.id, firm_id=firm.id),
                        NoticeRecipient(notice_id=not_sent.id, firm_id=other.id)])
    db.session.commit()
    headers = _token(build.user("vendor", firm_id=firm.id))
    listing = client.get("/api/v1/notices", headers=headers).json
    assert [n["id"] for n in listing["items"]] == [sent.id]
    _validate(client, listing, "NoticeList")
    assert client.get(f"/api/v1/notices/{not_sent.id}", headers=headers).status_code == 404
    regulator = _token(build.user("regulator"))
    _validate(client, client.get("/api/v1/notices", headers=regulator).json, "NoticeList")


def test_unknown_api_path_answers_json_404(client, build):
    headers = _token(build.user("regulator"))
    response = client.get("/api/v1/nothing-here", headers=headers)
    assert response.status_code == 404 and response.json["error"]


@pytest.mark.parametrize("path", ["/api/v1/firms", "/api/v1/filings", "/api/v1/scores", "/api/v1/notices"])
def test_list_endpoints_answer_valid_documents_for_a_city_regulator(client, build, path):
    firm = build.firm()
    build.filing(firm=firm)
    _score(build, firm)
    headers = _token(build.user("regulator"))
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    name = {"firms": "Firm", "filings": "Filing", "scores": "Score", "notices": "Notice"}[path.rsplit("/", 1)[1]]
    _validate(client, response.json, f"{name}List")


def test_ids_beyond_the_integer_range_answer_404_not_500(client, build):
    headers = _token(build.user("regulator"))
    for path in ("firms", "filings", "scores", "notices"):
        response = client.get(f"/api/v1/{path}/4189740021419789815973742368522240", headers=headers)
        assert response.status_code == 404, path
    assert client.get("/api/v1/filings?firm_id=99999999999999", headers=headers).status_code == 400


def test_filing_items_carry_every_field_though_only_those_columns_are_loaded(client, build):
    firm = build.firm()
    filing = build.filing(firm=firm, title="Scan <A&B>", service_types=["digitisation", "cataloguing"])
    expected = {"id": filing.id, "number": filing.number, "title": "Scan <A&B>", "status": filing.status,
                "firm_id": firm.id, "firm_name": firm.name, "agency_id": filing.agency_id,
                "district_code": filing.district_code,
                "service_types": ["digitisation", "cataloguing"],
                "start_date": filing.start_date.isoformat() if filing.start_date else None,
                "end_date": filing.end_date.isoformat() if filing.end_date else None,
                "is_late": bool(filing.is_late)}
    agency_name = db.session.get(Agency, filing.agency_id).name
    headers = _token(build.user("regulator"))
    db.session.expunge_all()  # the API loads the filing afresh, with its column list
    listed = client.get("/api/v1/filings", headers=headers).json["items"][0]
    single = client.get(f"/api/v1/filings/{expected['id']}", headers=headers).json
    assert listed == single
    assert listed["agency_name"] == agency_name
    for key, value in expected.items():
        assert listed[key] == value, key
    assert set(listed) == set(expected) | {"agency_name", "submitted_at", "registered_at"}


def test_token_of_a_deactivated_user_is_refused_and_use_is_recorded(client, build):
    user = build.user("regulator")
    headers = _token(user)
    assert client.get("/api/v1/filings", headers=headers).status_code == 200
    used = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert used.last_used_at is not None
    user.active = False
    db.session.commit()
    refused = client.get("/api/v1/filings", headers=headers)
    assert refused.status_code == 401 and refused.json["error"] == "unauthorized"
