"""Filing pages through the web: the form, submission errors, actions, receipt and verification."""
import re
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core.models import Attachment
from portal.extensions import db
from portal.filings import service as filings
from portal.filings.models import ProjectFiling
from tests.filings.builders import PDF, WORK_PLAN, FilingWorld


@pytest.fixture
def world(build):
    return FilingWorld(build)


def _form(world, **overrides):
    today = clock.today()
    data = {
        "title": "Web-filed digitisation", "agency_id": str(world.agency.id), "contract_number": "HT-9",
        "contract_date": (today - timedelta(days=3)).isoformat(), "contract_amount": "99000",
        "contract_scope": "Digitise personnel files", "quality_standard": "DA/T 31",
        "technical_standard": "300 dpi", "service_types": ["digitisation"], "qty_volumes": "800",
        "non_classified_declared": "y", "site_type": "agency_premises",
        "start_date": (today + timedelta(days=7)).isoformat(), "end_date": (today + timedelta(days=60)).isoformat(),
        "staff_ids": [str(m.id) for m in world.staff], "chk_network_isolation": "y", "video_retention_days": "90",
        **WORK_PLAN, "plan_schedule": "Weeks 1-8",
    }
    data.update(overrides)
    return data


def test_new_filing_saved_as_draft_then_submitted(client, login, world):
    login(world.vendor)
    response = client.post("/filings/new", data={**_form(world), "save": "1"})
    assert response.status_code == 302
    filing = db.session.scalars(select(ProjectFiling)).one()
    assert filing.status == "draft" and filing.plan_schedule == "Weeks 1-8"
    assert filing.security_checklist["network_isolation"] is True
    page = client.get(f"/filings/{filing.id}/edit").get_data(as_text=True)
    assert 'value="Web-filed digitisation"' in page
    response = client.post(f"/filings/{filing.id}/edit",
                           data={**_form(world), "version": str(filing.version_id), "submit_filing": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    filing = db.session.get(ProjectFiling, filing.id)
    assert filing.status == "submitted" and filing.number.startswith("LZWB-")


def test_failed_submit_keeps_what_was_typed_and_saves_the_draft(client, login, world):
    login(world.vendor)
    response = client.post("/filings/new", data={**_form(world, quality_standard="", non_classified_declared=""),
                                                 "plan_goals": "Typed goals survive", "submit_filing": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Typed goals survive" in page
    assert "Fill in the quality standard of the contract." in page or "质量标准" in page
    filing = db.session.scalars(select(ProjectFiling)).one()
    assert filing.status == "draft" and filing.plan_goals == "Typed goals survive"
    assert f'/filings/{filing.id}/edit' in page


def test_upload_with_the_form_and_renamed_html_refused(client, login, world):
    login(world.vendor)
    response = client.post("/filings/new", data={**_form(world), "save": "1",
                                                 "file_contract": (BytesIO(PDF), "contract.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    filing = db.session.scalars(select(ProjectFiling)).one()
    response = client.post(f"/filings/{filing.id}/attachments",
                           data={"kind": "work_plan", "file": (BytesIO(b"<!doctype html><h1>hi</h1>"), "plan.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    kinds = [a.kind for a in db.session.scalars(select(Attachment).where(Attachment.owner_type == "filing"))]
    assert kinds == ["contract"]
    doc = db.session.scalars(select(Attachment)).one()
    download = client.get(f"/files/{doc.id}")
    assert download.status_code == 200 and download.data == PDF


def test_actions_through_the_web(client, login, world):
    filing = world.submitted()
    login(world.agency_user)
    assert client.post(f"/filings/{filing.id}/act/confirm", data={"version": filing.version_id}).status_code == 302
    client.post("/auth/logout")
    login(world.regulator)
    db.session.expire_all()
    filing = db.session.get(ProjectFiling, filing.id)
    page = client.get(f"/filings/{filing.id}").get_data(as_text=True)
    assert 'data-testid="act-register"' in page
    response = client.post(f"/filings/{filing.id}/act/register", data={"version": filing.version_id})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProjectFiling, filing.id).status == "registered"
    # A move the table does not have: 409 and nothing changes.
    response = client.post(f"/filings/{filing.id}/act/confirm", data={})
    assert response.status_code in (403, 409)
    response = client.post(f"/filings/{filing.id}/act/close", data={})
    assert response.status_code in (403, 409)
    db.session.expire_all()
    assert db.session.get(ProjectFiling, filing.id).status == "registered"


def test_invalid_transition_answers_409(client, login, world):
    filing = world.submitted()
    login(world.vendor)
    response = client.post(f"/filings/{filing.id}/act/start_work", data={})
    assert response.status_code == 409


def test_two_regulators_deciding_the_same_filing_second_gets_conflict(app, build, login, world):
    filing = world.advance(world.submitted(), "confirm")
    second = build.user("regulator")
    first_client, second_client = app.test_client(), app.test_client()
    login(world.regulator, c=first_client)
    login(second, c=second_client)
    version_a = re.search(r'name="version" value="(\d+)"', first_client.get(f"/filings/{filing.id}").get_data(as_text=True)).group(1)
    version_b = re.search(r'name="version" value="(\d+)"', second_client.get(f"/filings/{filing.id}").get_data(as_text=True)).group(1)
    assert first_client.post(f"/filings/{filing.id}/act/register", data={"version": version_a}).status_code == 302
    response = second_client.post(f"/filings/{filing.id}/act/reject",
                                  data={"version": version_b, "reason": "incomplete plan"})
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True) or "他人" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProjectFiling, filing.id).status == "registered"


def test_decline_without_reason_is_refused_on_the_page(client, login, world):
    filing = world.submitted()
    login(world.agency_user)
    client.post(f"/filings/{filing.id}/act/decline", data={"reason": " "})
    db.session.expire_all()
    assert db.session.get(ProjectFiling, filing.id).status == "submitted"


def test_grade_c_warning_shown_to_confirming_agency(client, login, world):
    world.firm.grade = "D"
    db.session.commit()
    filing = world.submitted()
    login(world.agency_user)
    page = client.get(f"/filings/{filing.id}").get_data(as_text=True)
    assert 'data-testid="grade-warning"' in page


def test_completion_and_acceptance_pages(client, login, world):
    filing = world.advance(world.submitted(), "confirm", "register", "start_work")
    login(world.vendor)
    response = client.post(f"/filings/{filing.id}/complete",
                           data={"version": filing.version_id, "qty_volumes": "1990", "data_wipe_confirmed": "y",
                                 "handback_sheet": (BytesIO(PDF), "handback.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    client.post("/auth/logout")
    login(world.agency_user)
    db.session.expire_all()
    filing = db.session.get(ProjectFiling, filing.id)
    response = client.post(f"/filings/{filing.id}/acceptance",
                           data={"version": filing.version_id, "sample_size": "100", "pass_rate": "90", "fail": "1"})
    assert response.status_code == 422  # no opinion written
    response = client.post(f"/filings/{filing.id}/acceptance",
                           data={"version": filing.version_id, "sample_size": "100", "pass_rate": "90",
                                 "opinion": "Redo 10% blurred scans", "fail": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    filing = db.session.get(ProjectFiling, filing.id)
    assert filing.status == "in_progress" and filing.acceptance_attempts == 1


def test_receipt_has_qr_linking_to_public_verification(client, login, world):
    filing = world.advance(world.submitted(), "confirm", "register")
    login(world.vendor)
    page = client.get(f"/filings/{filing.id}/receipt").get_data(as_text=True)
    assert filing.number in page and world.firm.name in page and world.agency.name in page
    assert 'src="data:image/svg+xml' in page
    code = filings.verification_code(filing.number)
    assert f"/filings/verify/{filing.number}?code={code}" in page
    assert "<script>" not in page and "style=" not in page
    # 备案回执: numbered when the filing was registered, with the issuing office, date and seal box.
    number = f"泸档外备〔{clock.today().year}〕1号"
    assert number in page and 'data-testid="seal"' in page and 'data-testid="document-date"' in page


def test_public_verification_shows_only_public_facts(app, world):
    filing = world.advance(world.submitted(), "confirm", "register")
    anonymous = app.test_client()
    code = filings.verification_code(filing.number)
    page = anonymous.get(f"/filings/verify/{filing.number}?code={code}").get_data(as_text=True)
    assert filing.number in page and world.firm.name in page and world.agency.name in page
    assert "Li Si" not in page and filing.contract_number not in page and world.firm.uscc not in page
    assert filing.title in page and 'data-testid="verified"' in page
    assert f"泸档外备〔{clock.today().year}〕1号" in page
    for url in (f"/filings/verify/{filing.number}?code=deadbeef", f"/filings/verify/LZWB-1999-0001?code={code}",
                f"/filings/verify/{filing.number}"):
        failed = anonymous.get(url)
        html = failed.get_data(as_text=True)
        # A tampered or unknown code: a proper page that says so (404), never the receipt's facts.
        assert failed.status_code == 404 and 'data-testid="not-verified"' in html
        assert world.firm.name not in html and "核验未通过" in anonymous.get(url + "&lang=zh_CN" if "?" in url
                                                                        else url + "?lang=zh_CN").get_data(as_text=True)


def test_change_filing_pages_show_difference_side_by_side(client, login, build, world):
    filing = world.advance(world.submitted(), "confirm", "register", "start_work")
    old_end = filing.end_date
    login(world.vendor)
    response = client.post(f"/filings/{filing.id}/changes/new",
                           data={"version": filing.version_id, "change_type": "schedule", "reason": "Delay",
                                 "start_date": filing.start_date.isoformat(),
                                 "end_date": (filing.end_date + timedelta(days=20)).isoformat()})
    assert response.status_code == 302
    change_url = response.headers["Location"]
    client.post("/auth/logout")
    login(world.regulator)
    page = client.get(change_url).get_data(as_text=True)
    assert "<del>" + old_end.isoformat() + "</del>" in page
    assert "<ins>" + (old_end + timedelta(days=20)).isoformat() + "</ins>" in page
    change_id = int(change_url.rstrip("/").split("/")[-1])
    assert client.post(f"/filings/changes/{change_id}/act/approve", data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ProjectFiling, filing.id).end_date == old_end + timedelta(days=20)


def test_home_panels_per_role(client, login, world):
    world.draft()
    filing = world.submitted()
    login(world.vendor)
    assert "/filings/?status=draft" in client.get("/home/").get_data(as_text=True)
    client.post("/auth/logout")
    login(world.agency_user)
    assert "/filings/?status=submitted" in client.get("/home/").get_data(as_text=True)
    world.advance(filing, "confirm")
    client.post("/auth/logout")
    login(world.regulator)
    assert filing.number in client.get("/home/").get_data(as_text=True)


def test_review_page_shows_content_first_then_one_decision_panel_with_checks_and_stepper(client, login, world):
    filing = world.submitted()
    login(world.agency_user)
    client.post(f"/filings/{filing.id}/act/confirm", data={"version": filing.version_id})
    client.post("/auth/logout")
    login(world.regulator)
    page = client.get(f"/filings/{filing.id}?lang=en").get_data(as_text=True)
    # The content comes before the decision, which is one form with one reason field.
    assert page.index('data-testid="section-progress"') < page.index('<aside class="card decision-panel')
    panel = page[page.index('<aside class="card decision-panel'):page.index("</aside>")]
    assert panel.count("<form") == 1 and panel.count("<textarea") == 1
    for action in ("register", "return", "reject"):
        assert f'data-testid="act-{action}"' in panel
        assert f'formaction="/filings/{filing.id}/act/{action}"' in panel
    assert re.search(r'data-action="return"\s+data-reason-required', panel)
    assert not re.search(r'data-action="register"\s+data-reason-required', panel)
    # The checks that apply, each with its state.
    checks = re.findall(r'<li class="check-(\w+)"><span><strong>([^<]+)</strong>', panel)
    assert [name for _state, name in checks] == ["Enterprise verification", "Business licence", "Staff eligibility"]
    assert all(state in ("ok", "wait", "bad") for state, _name in checks)
    # Where the filing stands: confirmed is the current step.
    stepper = page[page.index('data-testid="stepper"'):]
    assert re.search(r'class="step step-current" aria-current="step">\s*<span[^>]*>\d+</span>\s*'
                     r'<span class="step-label">confirmed by the agency</span>', stepper)


def test_one_decision_form_returns_with_the_reason_and_refuses_without_one(client, login, world):
    filing = world.submitted()
    login(world.agency_user)
    client.post(f"/filings/{filing.id}/act/confirm", data={"version": filing.version_id})
    client.post("/auth/logout")
    login(world.regulator)
    db.session.expire_all()
    version = db.session.get(ProjectFiling, filing.id).version_id
    response = client.post(f"/filings/{filing.id}/act/return?lang=en", data={"version": version, "reason": " "},
                           follow_redirects=True)
    assert "Give a reason for this action." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProjectFiling, filing.id).status == "confirmed"
    client.post(f"/filings/{filing.id}/act/return", data={"version": version, "reason": "Contract missing"})
    db.session.expire_all()
    assert db.session.get(ProjectFiling, filing.id).status == "returned"
