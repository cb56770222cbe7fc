"""Follow-up pages: list with rate, filters and export scoped by district; detail forms; home panels;
the five level names beside every rating."""
from io import BytesIO

from openpyxl import load_workbook

from portal.extensions import db
from portal.followups.models import FollowUp
from tests.feedback.builders import accepted_project
from tests.followups.builders import bad_rating


def test_firm_answers_and_agency_confirms_through_the_pages(app, client, build, login):
    fu, _fb, agency_user, firm_user = bad_rating(build)
    login(firm_user)
    page = client.get(f"/followups/{fu.id}?lang=en").get_data(as_text=True)
    assert 'data-testid="answer-form"' in page and "Answer due by" in page
    bad = client.post(f"/followups/{fu.id}/answer", data={"answer": " ", "version": fu.version_id})
    assert bad.status_code == 422 and "Say what your firm has changed." in bad.get_data(as_text=True)
    ok = client.post(f"/followups/{fu.id}/answer", data={"answer": "Two more scanners", "version": fu.version_id})
    assert ok.status_code == 302
    client.post("/auth/logout")
    login(agency_user)
    db.session.refresh(fu)
    page = client.get(f"/followups/{fu.id}?lang=en").get_data(as_text=True)
    assert 'data-testid="confirm-form"' in page and "Two more scanners" in page
    assert client.post(f"/followups/{fu.id}/confirm", data={"outcome": "satisfied", "version": fu.version_id}).status_code == 302
    db.session.refresh(fu)
    assert fu.status == "satisfied"


def test_hostile_input_is_a_clear_answer_never_a_500(app, client, build, login):
    fu, _fb, _agency_user, firm_user = bad_rating(build)
    login(firm_user)
    assert client.post(f"/followups/{fu.id}/answer", data={"answer": "x", "version": "abc"}).status_code == 409
    assert client.get("/followups/?status=%00&district=zz&firm_id=99999999999999999999&page=x").status_code in (200, 400)
    assert client.post(f"/followups/{fu.id}/confirm", data={"outcome": "satisfied"}).status_code == 403


def test_list_shows_rate_and_is_scoped_by_district(app, client, build, login):
    fu, *_ = bad_rating(build)
    other, *_ = bad_rating(build, firm=build.firm(district_code="510503"))
    login(build.district_regulator(fu.district_code))
    page = client.get("/followups/?lang=en").get_data(as_text=True)
    assert page.count('data-testid="followup-row"') == 1 and 'data-testid="followup-rate"' in page
    assert client.get(f"/followups/{other.id}").status_code == 404
    rows = list(load_workbook(BytesIO(client.get("/followups/export.xlsx").data)).active.values)[1:]
    assert len(rows) == 2 and rows[1][0] == fu.id


def test_overdue_filter(app, client, build, login, travel):
    fu, *_ = bad_rating(build)
    login(build.user("regulator"))
    assert 'data-testid="followup-row"' not in client.get("/followups/?status=overdue").get_data(as_text=True)
    client.post("/auth/logout")
    travel(days=(fu.deadline - fu.opened_on).days + 1)
    login(build.user("regulator"))
    assert 'data-testid="followup-row"' in client.get("/followups/?status=overdue").get_data(as_text=True)


def test_home_panels_of_each_role(app, client, build, login):
    fu, _fb, agency_user, firm_user = bad_rating(build)
    login(firm_user)
    assert "Follow-ups to answer" in client.get("/home/?lang=en").get_data(as_text=True)
    client.post("/auth/logout")
    login(agency_user)
    assert "Follow-ups to confirm" in client.get("/home/?lang=en").get_data(as_text=True)
    client.post("/auth/logout")
    login(build.user("regulator"))
    assert "Follow-up rate" in client.get("/home/?lang=en").get_data(as_text=True)


def test_level_names_beside_ratings_in_chinese(app, client, build, login):
    filing, agency_user, _ = accepted_project(build)
    login(agency_user)
    form = client.get(f"/feedback/project/{filing.id}/rate?lang=zh_CN").get_data(as_text=True)
    for name in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert name in form
    fu, fb, *_ = bad_rating(build)
    client.post("/auth/logout")
    login(build.user("regulator"))
    detail = client.get(f"/feedback/{fb.id}?lang=zh_CN").get_data(as_text=True)
    assert "不满意" in detail
    listing = client.get("/feedback/?lang=zh_CN").get_data(as_text=True)
    assert "不满意" in listing
    rows = list(load_workbook(BytesIO(client.get("/feedback/export.xlsx").data)).active.values)[1:]
    assert "不满意" in rows[1]
    assert db.session.get(FollowUp, fu.id) is not None
