"""Feedback pages: rating form, duplicate refusal, history, reply beside the rating, access (404)."""
import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.feedback.models import Feedback, FeedbackReply
from tests.feedback.builders import accepted_project, feedback_rows

FORM = {"period_key": "completion", "quality": "4", "timeliness": "4", "security": "4", "conduct": "4",
        "communication": "4", "hire_again": "yes", "narrative": ""}


def _count() -> int:
    return db.session.scalar(select(func.count(Feedback.id)))


def test_agency_rates_accepted_project_through_the_form(app, client, build, login):
    filing, agency_user, _ = accepted_project(build)
    login(agency_user)
    page = client.get(f"/feedback/project/{filing.id}/rate?period=completion&lang=en").get_data(as_text=True)
    assert page.count('class="rating-option"') == 5 * 5 + 2
    assert "Excellent: sampling found no errors; better than the contracted standard." in page
    response = client.post(f"/feedback/project/{filing.id}/rate", data=FORM)
    assert response.status_code == 302
    fb = db.session.scalar(select(Feedback))
    assert response.headers["Location"].endswith(f"/feedback/{fb.id}")


def test_narrative_missing_for_five_keeps_input_and_shows_message(app, client, build, login):
    filing, agency_user, _ = accepted_project(build)
    login(agency_user)
    response = client.post(f"/feedback/project/{filing.id}/rate?lang=en", data={**FORM, "quality": "5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A written explanation is required" in page
    assert re.search(r'<input checked[^>]*name="quality"[^>]*value="5"', page)
    assert _count() == 0


def test_second_feedback_same_period_refused_clearly_not_500(app, client, build, login):
    filing, agency_user, _ = accepted_project(build)
    login(agency_user)
    client.post(f"/feedback/project/{filing.id}/rate?lang=en", data=FORM)
    response = client.post(f"/feedback/project/{filing.id}/rate?lang=en", data={**FORM, "quality": "3"})
    assert response.status_code == 200
    assert "already rated this project for this period" in response.get_data(as_text=True)
    assert _count() == 1


def test_agency_cannot_open_rating_form_of_other_agency_project(app, client, build, login):
    filing, _agency_user, _ = accepted_project(build)
    login(build.user("agency"))
    assert client.get(f"/feedback/project/{filing.id}/rate").status_code == 404
    assert client.post(f"/feedback/project/{filing.id}/rate", data=FORM).status_code == 404
    assert client.get(f"/feedback/project/{filing.id}").status_code == 404
    assert _count() == 0


def test_other_agency_cannot_read_or_edit_feedback(app, client, build, login):
    filing, agency_user, _ = accepted_project(build)
    login(agency_user)
    client.post(f"/feedback/project/{filing.id}/rate", data=FORM)
    fb = db.session.scalar(select(Feedback))
    client.post("/auth/logout")
    login(build.user("agency"))
    assert client.get(f"/feedback/{fb.id}").status_code == 404
    assert client.post(f"/feedback/{fb.id}/edit", data={**FORM, "quality": "3"}).status_code == 404
    assert "Test Agency" not in client.get("/feedback/").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Feedback, fb.id).quality == 4


def test_firm_sees_own_feedback_only_and_replies_beside_rating(app, client, build, login):
    filing, agency_user, firm_user = accepted_project(build)
    login(agency_user)
    client.post(f"/feedback/project/{filing.id}/rate", data=FORM)
    fb = db.session.scalar(select(Feedback))
    client.post("/auth/logout")
    login(build.user("vendor"))
    assert client.get(f"/feedback/{fb.id}").status_code == 404
    assert client.post(f"/feedback/{fb.id}/reply", data={"body": "not ours"}).status_code == 404
    assert db.session.scalar(select(func.count(FeedbackReply.id))) == 0
    client.post("/auth/logout")
    login(firm_user)
    assert client.post(f"/feedback/{fb.id}/reply", data={"body": "We thank the agency."}).status_code == 302
    assert "We thank the agency." in client.get(f"/feedback/{fb.id}").get_data(as_text=True)
    assert "We thank the agency." in client.get("/feedback/").get_data(as_text=True)
    again = client.post(f"/feedback/{fb.id}/reply", data={"body": "Twice"})
    assert again.status_code == 409
    assert db.session.scalar(select(func.count(FeedbackReply.id))) == 1


def test_edit_shows_history(app, client, build, login):
    filing, agency_user, _ = accepted_project(build)
    login(agency_user)
    client.post(f"/feedback/project/{filing.id}/rate?lang=en", data=FORM)
    fb = db.session.scalar(select(Feedback))
    form = client.get(f"/feedback/{fb.id}/edit?lang=en").get_data(as_text=True)
    assert 'name="edit_count"' in form
    response = client.post(f"/feedback/{fb.id}/edit", data={**FORM, "quality": "2", "edit_count": "0",
                                                            "narrative": "Forty pages were skewed."})
    assert response.status_code == 302
    page = client.get(f"/feedback/{fb.id}?lang=en").get_data(as_text=True)
    assert "Earlier versions" in page and "Forty pages were skewed." in page


def test_summary_page_for_firm_and_regulator_not_for_other_firm(app, client, build, login):
    filing, agency_user, firm_user = accepted_project(build)
    login(agency_user)
    client.post(f"/feedback/project/{filing.id}/rate", data=FORM)
    client.post("/auth/logout")
    login(firm_user)
    assert client.get("/feedback/summary").status_code == 302
    page = client.get(f"/feedback/summary/{filing.firm_id}").get_data(as_text=True)
    assert 'data-testid="count">1<' in page and "4.00" in page
    client.post("/auth/logout")
    login(build.user("vendor"))
    assert client.get(f"/feedback/summary/{filing.firm_id}").status_code == 404
    client.post("/auth/logout")
    login(build.user("regulator"))
    assert client.get(f"/feedback/summary/{filing.firm_id}").status_code == 200


def test_agency_workspace_and_home_panel(app, client, build, login):
    filing, agency_user, _ = accepted_project(build)
    login(agency_user)
    page = client.get("/agency/?lang=en").get_data(as_text=True)
    assert "Feedback due" in page and f"/feedback/project/{filing.id}/rate?period=completion" in page
    assert f"/filings/{filing.id}" in page
    home = client.get("/home/?lang=en").get_data(as_text=True)
    assert "Waiting on my agency" in home
    client.post("/auth/logout")
    login(build.user("vendor"))
    assert client.get("/agency/").status_code == 403


def test_summary_and_list_pages_take_the_same_queries_at_10_and_1000_rows(app, client, build, login, count_queries):
    filing, _agency_user, firm_user = accepted_project(build)
    firm_id = filing.firm_id
    feedback_rows(filing, 10)
    login(firm_user)
    client.get(f"/feedback/summary/{firm_id}")
    with count_queries() as small:
        client.get(f"/feedback/summary/{firm_id}")
        client.get("/feedback/")
    feedback_rows(filing, 990, prefix="y")
    client.get("/home/")  # the insert's commit expired the shared session's user; reload it outside the count
    with count_queries() as big:
        summary = client.get(f"/feedback/summary/{firm_id}").get_data(as_text=True)
        listing = client.get("/feedback/").get_data(as_text=True)
    assert 'data-testid="count">1000<' in summary
    assert listing.count('class="reply-cell"') == 20
    assert big.count == small.count, "\n".join(s[:90].replace("\n", " ") for s in small.statements + ["----"] + big.statements)


def test_rating_form_and_workspace_speak_chinese_by_default(app, client, build, login):
    filing, agency_user, _ = accepted_project(build)
    login(agency_user)
    page = client.get(f"/feedback/project/{filing.id}/rate?period=completion").get_data(as_text=True)
    assert "工作质量" in page and "优秀：抽检未发现差错" in page
    assert "我的工作台" in client.get("/agency/").get_data(as_text=True)


def test_feedback_excel_export_is_scoped(app, client, build, login):
    from io import BytesIO

    from openpyxl import load_workbook

    filing, agency_user, firm_user = accepted_project(build)
    feedback_rows(filing, 3)
    login(firm_user)
    rows = list(load_workbook(BytesIO(client.get("/feedback/export.xlsx").data)).active.values)[1:]
    assert len(rows) == 4 and rows[1][5] == 4
    client.post("/auth/logout")
    login(build.user("vendor"))
    assert len(list(load_workbook(BytesIO(client.get("/feedback/export.xlsx").data)).active.values)[1:]) == 1
