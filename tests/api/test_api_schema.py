"""The OpenAPI document is generated from the models the views validate with: every operation is in
it, the limits it states are the limits the API enforces, and each role's token sees only its scope."""
from __future__ import annotations

import re

import pytest

from tests.api.builders import api_data, bearer, role_user

LISTS = ("/api/v1/firms", "/api/v1/filings", "/api/v1/scores", "/api/v1/notices")


def _parameter(document, path: str, name: str) -> dict:
    found = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name]
    assert len(found) == 1, (path, name)
    return found[0]["schema"]


def test_document_is_generated_with_every_registered_operation(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.json
    assert document["openapi"].startswith("3.")
    registered = {re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
                  for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")}
    assert set(document["paths"]) == registered
    operation_ids = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}
    assert operation_ids == {"openapi", "listFirms", "getFirm", "listFilings", "getFiling", "listScores",
                             "getScore", "listNotices", "getNotice"}
    for name in ("Firm", "Filing", "Score", "Notice", "FirmList", "FilingList", "ScoreList", "NoticeList",
                 "Error"):
        assert name in document["components"]["schemas"], name
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []


def test_document_states_the_limits(client):
    document = client.get("/api/v1/openapi.json").json
    for path in LISTS:
        assert _parameter(document, path, "page")["minimum"] == 1
        per_page = _parameter(document, path, "per_page")
        assert (per_page["minimum"], per_page["maximum"]) == (1, 100)
        for code in ("200", "400", "401", "403"):
            assert code in document["paths"][path]["get"]["responses"], (path, code)
    status = _parameter(document, "/api/v1/filings", "status")
    assert status["maxLength"] == 100 and re.fullmatch(status["pattern"], "a\x00b") is None
    assert _parameter(document, "/api/v1/firms", "grade") == {"description": "Credit grade.", "type": "string",
                                                              "enum": ["A", "B", "C", "D"]}
    firm_id = _parameter(document, "/api/v1/firms/{firm_id}", "firm_id")
    assert (firm_id["minimum"], firm_id["maximum"]) == (1, 2**31 - 1)


@pytest.mark.parametrize("query, says", [
    ("status=" + "x" * 101, "status"),
    ("page=0", "page"),
    ("per_page=101", "per_page"),
    ("firm_id=0", "firm_id"),
    ("firm_id=99999999999999", "firm_id"),
    ("page=abc", "page"),
    ("colour=red", "colour"),
    ("status=a&status=b", "status"),
    ("q=a%00b", "q"),  # PostgreSQL cannot take a NUL: was a 500 there
])
def test_queries_beyond_the_stated_limits_answer_400_in_the_api_error_shape(client, build, query, says):
    headers = bearer(build.user("regulator"))
    response = client.get(f"/api/v1/filings?{query}", headers=headers)
    assert response.status_code == 400, response.json
    assert response.json["error"] == "bad_request"
    assert set(response.json) <= {"error", "message", "request_id"}
    assert says in response.json["message"]


def test_limits_hold_on_every_list_and_record(client, build):
    headers = bearer(build.user("regulator"))
    for path in LISTS:
        assert client.get(f"{path}?page=0", headers=headers).status_code == 400, path
        assert client.get(f"{path}?unknown=1", headers=headers).status_code == 400, path
    assert client.get("/api/v1/firms?grade=E", headers=headers).status_code == 400
    assert client.get("/api/v1/scores?period=" + "x" * 101, headers=headers).status_code == 400
    for path in ("/api/v1/firms?district=%00", "/api/v1/scores?period=%00", "/api/v1/notices?q=%01"):
        assert client.get(path, headers=headers).status_code == 400, path
    assert client.get("/api/v1/firms/1?page=1", headers=headers).status_code == 400
    # The limits themselves are accepted.
    assert client.get("/api/v1/filings?status=" + "x" * 100 + "&per_page=100&page=1",
                      headers=headers).status_code == 200


def test_the_400_message_follows_accept_language(client, build):
    headers = bearer(build.user("regulator"))
    chinese = client.get("/api/v1/filings?status=" + "x" * 101, headers=headers).json["message"]
    english = client.get("/api/v1/filings?status=" + "x" * 101,
                         headers={**headers, "Accept-Language": "en"}).json["message"]
    assert english == "status may be at most 100 characters long."
    assert re.search(r"[\u4e00-\u9fff]", chinese) and "100" in chinese and "status" in chinese
    unknown = client.get("/api/v1/filings?colour=red", headers={**headers, "Accept-Language": "en"}).json
    assert unknown["message"] == "The parameter colour is not known here."


def test_a_bad_query_without_a_token_is_still_401(client):
    response = client.get("/api/v1/filings?page=0")
    assert response.status_code == 401 and response.json["error"] == "unauthorized"


def test_each_roles_token_sees_only_its_scope(client, build):
    data = api_data(build)
    firms, filings = data["firms"], data["filings"]

    def ids(role, path):
        response = client.get(f"{path}?per_page=100", headers=bearer(role_user(build, role, data)))
        return response.status_code, sorted(item["id"] for item in response.json.get("items", []))

    status, seen = ids("vendor", "/api/v1/filings")
    assert status == 200 and seen == sorted(f.id for f in filings if f.firm_id == firms[0].id)
    assert ids("vendor", "/api/v1/firms") == (200, [firms[0].id])
    status, seen = ids("agency", "/api/v1/filings")
    assert status == 200 and seen == sorted(f.id for f in filings)  # every filing names this agency
    assert ids("agency", "/api/v1/firms")[0] == 403
    status, seen = ids("district_regulator", "/api/v1/filings")
    assert seen == sorted(f.id for f in filings if f.district_code == "510502")
    status, seen = ids("regulator", "/api/v1/filings")
    assert seen == sorted(f.id for f in filings)
    status, seen = ids("lead", "/api/v1/firms")
    assert status == 200 and set(seen) >= {f.id for f in firms}
    assert ids("vendor", "/api/v1/scores")[1] == [s.id for s in data["scores"][:1]]  # its published score
    assert client.get("/api/v1/filings", headers=bearer(build.user("sysadmin"))).status_code == 403
