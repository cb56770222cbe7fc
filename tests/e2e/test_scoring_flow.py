"""Real browser: the lead runs and publishes a period, a firm objects, the lead amends, the period becomes
final and the firm (and the public directory, where it exists) shows the final grade."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.core import clock
from portal.extensions import db
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.scoring.models import ScoringPeriod
from portal.supervision.models import LiaisonConfirmation
from tests.e2e.conftest import login, screenshot

LABEL = "2026Q4"


@pytest.fixture
def vendor_firm(live_app):
    """vendor01's firm gets two projects starting in the quarter, one filed late."""
    with live_app.app_context():
        vendor = db.session.scalar(select(User).where(User.username == "vendor01"))
        firm = db.session.get(Firm, vendor.firm_id)
        agency_id = db.session.scalar(select(ProjectFiling.agency_id).limit(1)) or 1
        for k, late in enumerate((False, True)):
            db.session.add(ProjectFiling(
                number=f"LZWB-2026-E2E{k}", firm_id=firm.id, agency_id=agency_id, district_code=firm.district_code,
                title=f"E2E project {k}", status="in_progress", start_date=date(2026, 10, 15),
                end_date=date(2026, 12, 15), is_late=late,
                submitted_at=datetime(2026, 10, 20 if late else 10, 2)))
        if not db.session.scalar(select(LiaisonConfirmation.id).where(LiaisonConfirmation.firm_id == firm.id,
                                                                      LiaisonConfirmation.quarter == LABEL)):
            db.session.add(LiaisonConfirmation(firm_id=firm.id, quarter=LABEL, contacts={}))
        db.session.commit()
        yield firm.id, firm.name, firm.grade
        db.session.remove()
    clock.reset()


def _logout(page, base):
    page.goto(f"{base}/home/?lang=en")
    page.click("form[action='/auth/logout'] button")


def test_lead_publishes_firm_objects_lead_amends_grade_becomes_public(page, live_server, live_app, vendor_firm):
    base = live_server.url
    firm_id, firm_name, public_before = vendor_firm

    login(page, base, "lead")
    page.goto(f"{base}/scoring/?lang=en")
    page.fill("input[name=label]", LABEL)
    page.click("form[action='/scoring/periods'] button[type=submit]")
    page.wait_for_url(f"{base}/scoring/periods/*")
    if page.locator("input[name=before_end]").count():  # the quarter may still be running
        page.check("input[name=before_end]")
    page.click("form[action$='/run'] button")
    page.wait_for_selector("text=Computed")
    assert firm_name in page.inner_text("[data-testid=ranking]")
    page.click("form[action$='/publish'] button")
    page.wait_for_selector("text=Objections are open until")
    screenshot(page, "scoring-period-published")
    _logout(page, base)

    login(page, base, "vendor01")
    page.goto(f"{base}/scoring/?lang=en")
    page.click(f"text={LABEL}")
    page.wait_for_url(f"{base}/scoring/scores/*")
    before = float(page.inner_text("[data-testid=total]"))
    page.select_option("select[name=indicator_code]", "filing.before_start")
    page.fill("textarea[name=reason]", "The second project was filed on paper before work started.")
    page.click("form[action$='/objections'] button[type=submit]")
    page.wait_for_selector("text=Your objection is submitted")
    score_url = page.url
    _logout(page, base)

    login(page, base, "lead")
    page.goto(score_url)
    page.check("input[value=amend]")
    page.fill("form[action*='/decide'] textarea", "Paper receipt dated before the start; corrected.")
    page.fill("form[action*='/decide'] input[name$=numerator]", "2")
    page.fill("form[action*='/decide'] input[name$=count]", "2")
    page.click("form[action*='/decide'] button[type=submit]")
    page.wait_for_selector("[data-testid=amended-note]")
    assert float(page.inner_text("[data-testid=total]")) > before
    amended_grade = page.inner_text("[data-testid=grade]")
    with live_app.app_context():
        period = db.session.scalar(select(ScoringPeriod).where(ScoringPeriod.label == LABEL))
        days = (period.objection_deadline - clock.today()).days + 1
        assert db.session.get(Firm, firm_id).grade == public_before  # not public before final
    clock.travel(timedelta(days=days))  # past the objection window (the session expires with it)
    login(page, base, "lead")
    page.goto(f"{base}/scoring/periods/{period.id}?lang=en")
    page.click("form[action$='/finalise'] button")
    page.wait_for_selector("text=grades are public")
    page.click("form[action$='/apply'] button")
    page.wait_for_selector("text=The results are applied")
    _logout(page, base)

    login(page, base, "vendor01")
    page.goto(f"{base}/scoring/?lang=en")
    assert page.inner_text("[data-testid=firm-grade]") == amended_grade
    page.goto(score_url)
    assert page.inner_text("[data-testid=grade]") == amended_grade
    assert "Paper receipt" in page.inner_text("main")
    screenshot(page, "scoring-firm-final")
    with live_app.app_context():
        assert db.session.get(Firm, firm_id).grade == amended_grade
    directory = page.goto(f"{base}/directory?q={firm_name}")
    assert directory.status == 200
    entry = page.locator("[data-testid=directory-entry]", has_text=firm_name).first
    assert entry.locator("[data-testid=grade]").inner_text().endswith(amended_grade)
