"""Scoring pages: rule-set editing with messages beside the fields, score pages with evidence links,
access (another firm's score is 404), the trend chart and the lead's buttons."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.extensions import db
from portal.firms.models import Firm
from portal.scoring import service as scoring
from portal.scoring.models import FirmScore, Objection, RuleSetVersion, ScoringPeriod
from tests.scoring.builders import Q3, ScoringBuilder, as_user


@pytest.fixture(autouse=True)
def english(app, monkeypatch):
    """These tests read English messages; the zh_CN pages are the catalogue's business."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


@pytest.fixture
def sb(build):
    return ScoringBuilder(build)


@pytest.fixture
def lead(build):
    return build.user("regulator", "lead")


def _firm_with_evidence(build, sb):
    firm = build.firm()
    sb.liaison(firm)
    project = sb.project(firm)
    sb.project(firm, late=True)
    sb.feedback(firm, project, (4, 4, 3, 5, 4))
    sb.inspection(firm, ("pass", "fail"))
    sb.rectification(firm, deadline=date(2026, 8, 20), closed=date(2026, 8, 10))
    return firm, project


def _form_defaults(html: str) -> dict:
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data[name] = value
    for value, name in re.findall(r'<input[^>]*value="([^"]*)"[^>]*name="([^"]+)"', html):
        data.setdefault(name, value)
    return data


def test_rule_set_form_shows_weight_and_band_messages_beside_the_fields(client, login, lead):
    login(lead)
    page = client.get("/scoring/rule-sets/new")
    assert page.status_code == 200
    data = _form_defaults(page.get_data(as_text=True))
    data.update({"label": "2026.2", "weight_filing": "20", "band_B_min": "75"})
    response = client.post("/scoring/rule-sets/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    weights = html[html.index('data-testid="weights-errors"'):]
    assert "add up to 105" in weights[:400]
    band_b = html[html.index('name="band_B_min"'):]
    assert "overlap" in band_b[:600]
    assert 'value="75' in html  # what the lead typed is kept
    assert db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.label == "2026.2")) is None


def test_valid_rule_set_edit_becomes_current_and_exports_as_json(client, login, lead):
    login(lead)
    data = _form_defaults(client.get("/scoring/rule-sets/new").get_data(as_text=True))
    data.update({"label": "2026.2", "weight_filing": "10", "weight_feedback": "25"})
    response = client.post("/scoring/rule-sets/new", data=data)
    assert response.status_code == 302
    row = db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.label == "2026.2"))
    assert row.is_current
    exported = client.get(f"/scoring/rule-sets/{row.id}.json")
    body = json.loads(exported.get_data(as_text=True))
    assert {d["code"]: d["weight"] for d in body["dimensions"]}["feedback"] == 25
    body["version"] = "2026.3"
    imported = client.post("/scoring/rule-sets/import", data={"body": json.dumps(body)})
    assert imported.status_code == 302
    assert db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.is_current.is_(True))).label == "2026.3"
    body["version"] = "2026.4"
    body["bands"][0]["min"] = "95"
    refused = client.post("/scoring/rule-sets/import", data={"body": json.dumps(body)})
    assert refused.status_code == 422 and "fall between grade bands" in refused.get_data(as_text=True)
    broken = client.post("/scoring/rule-sets/import", data={"body": "{not json"})
    assert broken.status_code == 422 and "not in the expected form" in broken.get_data(as_text=True)


def test_regulator_cannot_edit_rule_sets(client, login, build):
    login(build.user("regulator"))
    assert client.get("/scoring/rule-sets").status_code == 200
    assert client.get("/scoring/rule-sets/new").status_code == 403


def test_lead_runs_and_publishes_from_the_period_page(client, login, build, sb, lead):
    firm, _project = _firm_with_evidence(build, sb)
    login(lead)
    response = client.post("/scoring/periods", data={"label": "2026q3"})
    assert response.status_code == 302
    period = db.session.scalar(select(ScoringPeriod))
    assert period.label == "2026Q3"
    client.post(f"/scoring/periods/{period.id}/run", data={"version": period.version_id})
    page = client.get(f"/scoring/periods/{period.id}").get_data(as_text=True)
    assert firm.name in page and 'data-testid="ranking"' in page
    db.session.refresh(period)
    response = client.post(f"/scoring/periods/{period.id}/publish", data={"version": period.version_id - 1})
    assert response.status_code == 409  # a stale form is refused
    response = client.post(f"/scoring/periods/{period.id}/publish", data={"version": period.version_id})
    assert response.status_code == 302
    db.session.refresh(period)
    assert period.status == "published"
    duplicate = client.post("/scoring/periods", data={"label": "2026Q3"})
    assert duplicate.status_code == 422 and "already open" in duplicate.get_data(as_text=True)


def _published_score(build, sb, lead):
    firm, project = _firm_with_evidence(build, sb)
    other, _ = _firm_with_evidence(build, sb)
    with as_user(lead):
        period = scoring.open_period(Q3)
        scoring.run_period(period.id)
    score = db.session.scalar(select(FirmScore).where(FirmScore.firm_id == firm.id))
    other_score = db.session.scalar(select(FirmScore).where(FirmScore.firm_id == other.id))
    return firm, project, period, score, other_score


def test_score_page_explains_with_links_to_the_evidence(client, login, build, sb, lead):
    firm, project, period, score, _other = _published_score(build, sb, lead)
    login(lead)
    html = client.get(f"/scoring/scores/{score.id}").get_data(as_text=True)
    assert f'href="/filings/{project.id}"' in html
    assert re.search(r'href="/feedback/\d+"', html)
    assert re.search(r'href="/supervision/inspections/\d+"', html)
    assert re.search(r'href="/supervision/rectifications/\d+"', html)
    assert 'data-testid="effective-filing"' in html and "insufficient" in html.lower()
    assert 'data-testid="grade"' in html
    assert "<script>" not in html.split("</head>")[1]


def test_firm_sees_its_published_score_never_another_firms_or_a_draft(client, login, build, sb, lead):
    firm, _project, period, score, other_score = _published_score(build, sb, lead)
    vendor = build.user("vendor", firm_id=firm.id)
    login(vendor)
    assert client.get(f"/scoring/scores/{score.id}").status_code == 404  # still a draft
    assert "No score has been published" in client.get("/scoring/").get_data(as_text=True)
    with as_user(lead):
        scoring.publish_period(period.id)
    assert client.get(f"/scoring/scores/{score.id}").status_code == 200
    assert client.get(f"/scoring/scores/{other_score.id}").status_code == 404
    assert client.get(f"/scoring/periods/{period.id}").status_code == 403
    assert client.get(f"/scoring/firms/{other_score.firm_id}/trend.svg").status_code == 404
    agency = build.user("agency")
    client.post("/auth/logout")
    login(agency)
    assert client.get(f"/scoring/scores/{score.id}").status_code == 403


def test_firm_objects_with_an_attachment_and_lead_amends_on_the_page(client, login, build, sb, lead, app):
    firm, _project, period, score, _other = _published_score(build, sb, lead)
    with as_user(lead):
        scoring.publish_period(period.id)
    vendor = build.user("vendor", firm_id=firm.id)
    login(vendor)
    page = client.get(f"/scoring/scores/{score.id}").get_data(as_text=True)
    assert 'name="indicator_code"' in page
    empty = client.post(f"/scoring/scores/{score.id}/objections", data={"indicator_code": "filing.before_start"})
    assert empty.status_code == 422
    from io import BytesIO

    response = client.post(f"/scoring/scores/{score.id}/objections", data={
        "indicator_code": "filing.before_start", "reason": "The second project was filed on paper",
        "attachment": (BytesIO(b"%PDF-1.4\n%%EOF\n"), "receipt.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    objection = db.session.scalar(select(Objection))
    assert client.get(f"/files/{objection.attachment_id}").status_code == 200
    client.post("/auth/logout")
    login(lead)
    page = client.get(f"/scoring/scores/{score.id}").get_data(as_text=True)
    assert f'action="/scoring/objections/{objection.id}/decide"' in page
    p = f"o{objection.id}-"
    bad = client.post(f"/scoring/objections/{objection.id}/decide", data={p + "action": "amend", p + "reason": "ok",
                                                                          p + "numerator": "x", p + "count": "2"})
    assert bad.status_code == 422 and "Enter a number" in bad.get_data(as_text=True)
    done = client.post(f"/scoring/objections/{objection.id}/decide", data={
        p + "action": "amend", p + "reason": "Paper receipt checked", p + "numerator": "2", p + "count": "2"})
    assert done.status_code == 302
    html = client.get(f"/scoring/scores/{score.id}").get_data(as_text=True)
    assert 'data-testid="amended-note"' in html and 'data-testid="amended-version"' in html
    assert "Paper receipt checked" in html
    # 复核决定书: numbered with the decision, the same number on every print, for the lead and the firm.
    assert f'href="/scoring/objections/{objection.id}/decision"' in html
    number = f"泸档外复〔{clock.today().year}〕1号"
    decision = client.get(f"/scoring/objections/{objection.id}/decision").get_data(as_text=True)
    assert number in decision and 'data-testid="seal"' in decision and "Paper receipt checked" in decision
    client.post("/auth/logout")
    login(vendor)
    assert number in client.get(f"/scoring/objections/{objection.id}/decision").get_data(as_text=True)


def test_an_undecided_objection_has_no_decision_to_print(client, login, build, sb, lead):
    firm, _project, period, score, _other = _published_score(build, sb, lead)
    with as_user(lead):
        scoring.publish_period(period.id)
    vendor = build.user("vendor", firm_id=firm.id)
    with as_user(vendor):
        objection = scoring.submit_objection(score.id, "filing.before_start", "Filed on paper", None)
    login(lead)
    assert client.get(f"/scoring/objections/{objection.id}/decision").status_code == 404
    other = build.user("vendor", firm_id=build.firm().id)
    client.post("/auth/logout")
    login(other)
    assert client.get(f"/scoring/objections/{objection.id}/decision").status_code == 404


def test_trend_chart_is_an_svg_without_script(client, login, build, sb, lead):
    firm, _project, period, score, _other = _published_score(build, sb, lead)
    sb.project(firm, start=date(2026, 5, 5))
    with as_user(lead):
        q2 = scoring.open_period("2026Q2")
        scoring.run_period(q2.id)
    login(lead)
    response = client.get(f"/scoring/firms/{firm.id}/trend.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert "<svg" in svg and "<script" not in svg and "http" not in svg.replace("http://www.w3.org", "")
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "2026Q2" in svg and "2026Q3" in svg
    html = client.get(f"/scoring/scores/{score.id}").get_data(as_text=True)
    assert f'src="/scoring/firms/{firm.id}/trend.svg"' in html


def test_grade_is_public_only_when_final(client, login, build, sb, lead, travel):
    firm, _project, period, score, _other = _published_score(build, sb, lead)
    with as_user(lead):
        scoring.publish_period(period.id)
    db.session.refresh(firm)
    assert firm.grade is None
    travel(days=(period.objection_deadline - clock.today()).days + 1)
    login(lead)
    assert client.post(f"/scoring/periods/{period.id}/finalise", data={}).status_code == 302
    assert db.session.get(Firm, firm.id).grade == score.grade
    assert client.post(f"/scoring/periods/{period.id}/apply", data={}).status_code == 302
    focus = client.get("/scoring/focus")
    assert focus.status_code == 200


def test_lead_decides_the_negative_list_on_the_page(client, login, build, sb, lead, travel):
    firm = build.firm()
    sb.liaison(firm)
    sb.project(firm)
    sb.rectification(firm, deadline=date(2026, 9, 1), status="issued", refused=True)
    with as_user(lead):
        period = scoring.open_period(Q3)
        scoring.run_period(period.id)
        scoring.publish_period(period.id)
    travel(days=(period.objection_deadline - clock.today()).days + 1)
    login(lead)
    client.post("/scoring/finalise-due")
    page = client.get("/scoring/negative-list").get_data(as_text=True)
    assert firm.name in page and 'name="decision"' in page
    entry_id = int(re.search(r'/scoring/negative-list/(\d+)/decide', page).group(1))
    missing = client.post(f"/scoring/negative-list/{entry_id}/decide", data={"decision": "list", "reason": "x"})
    assert missing.status_code == 422 and "end date" in missing.get_data(as_text=True)
    until = date.fromordinal(clock.today().toordinal() + 90).isoformat()
    ok = client.post(f"/scoring/negative-list/{entry_id}/decide",
                     data={"decision": "list", "reason": "Refused rectification", "ends_on": until})
    assert ok.status_code == 302
    assert db.session.get(Firm, firm.id).status == "negative_listed"
    listed = client.get("/scoring/negative-list").get_data(as_text=True)
    assert f'href="/scoring/negative-list/{entry_id}/decision"' in listed
    decision = client.get(f"/scoring/negative-list/{entry_id}/decision").get_data(as_text=True)
    assert f"泸档外负〔{clock.today().year}〕1号" in decision and "Refused rectification" in decision
    lifted = client.post(f"/scoring/negative-list/{entry_id}/lift", data={"reason": "Rectified"})
    assert lifted.status_code == 302
    assert db.session.get(Firm, firm.id).status == "active"
