"""Real browser: the whole supervision loop with new records, each step by the role that takes it.

Each test creates its own records on the seeded demo world (one live server for the session) and
checks what the user sees; together they walk the loop of issue 14.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core import clock, workdays
from tests.e2e.conftest import login, screenshot


@pytest.fixture
def open_page(browser, live_server):
    """Pages in separate browser contexts (one per person), closed at the end of the test."""
    contexts = []

    def _open(username: str | None = None, *, phone: bool = False):
        size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=phone, has_touch=phone)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        if username:
            login(page, live_server.url, username)
        return page

    yield _open
    for context in contexts:
        context.close()


def _vendor_of_firm(live_app, firm_id: int) -> str:
    from portal.extensions import db
    from portal.firms.models import Firm

    with live_app.app_context():
        ids = list(db.session.scalars(select(Firm.id).order_by(Firm.id)))
        db.session.remove()
    return f"vendor{ids.index(firm_id) + 1:02d}"


def _running_filing_of(live_app, username: str) -> tuple[int, str]:
    """A registered or running project of the user's firm with no change filing open."""
    from portal.auth.models import User
    from portal.extensions import db
    from portal.filings.models import ChangeFiling, ProjectFiling

    with live_app.app_context():
        firm_id = db.session.scalar(select(User.firm_id).where(User.username == username))
        open_changes = select(ChangeFiling.filing_id).where(
            ChangeFiling.status.in_(("submitted", "under_review", "returned")))
        row = db.session.execute(
            select(ProjectFiling.id, ProjectFiling.number)
            .where(ProjectFiling.firm_id == firm_id, ProjectFiling.status.in_(("registered", "in_progress")),
                   ProjectFiling.id.not_in(open_changes))
            .order_by(ProjectFiling.id)).first()
        db.session.remove()
    assert row is not None, f"no running project for {username} in the demo data"
    return row.id, row.number


def test_returned_change_filing_keeps_its_proposal(open_page, live_server, live_app):
    base = live_server.url
    filing_id, number = _running_filing_of(live_app, "vendor01")
    today = clock.today()
    new_end = (today + timedelta(days=200)).isoformat()
    effective = (today + timedelta(days=10)).isoformat()

    vendor = open_page("vendor01")
    vendor.goto(f"{base}/filings/{filing_id}/changes/new?type=schedule")
    vendor.fill("textarea[name=reason]", "馆藏档案数量增加，延长工期")
    vendor.fill("input[name=effective_date]", effective)
    vendor.fill("input[name=end_date]", new_end)
    vendor.click("form button.primary[type=submit]")
    vendor.wait_for_url(re.compile(r".*/filings/changes/\d+$"))
    change_url = vendor.url

    regulator = open_page("regulator")
    regulator.goto(change_url)
    regulator.fill("[data-testid=change-return] textarea[name=reason]", "请补充延期的依据（立档单位确认函）")
    regulator.click("[data-testid=change-return] button")
    regulator.wait_for_selector(".flash-success")

    vendor.goto(f"{change_url}/edit")
    # Every proposed value is still there after the return.
    assert vendor.input_value("input[name=end_date]") == new_end
    assert vendor.input_value("input[name=effective_date]") == effective
    assert "延长工期" in vendor.input_value("textarea[name=reason]")
    vendor.fill("textarea[name=reason]", "馆藏档案数量增加，延长工期；附立档单位确认函")
    vendor.click("form button.primary[type=submit]")
    vendor.wait_for_url(change_url)
    assert new_end in vendor.locator("[data-testid=diff]").inner_text()

    regulator.goto(change_url)
    regulator.click("[data-testid=change-approve] button")
    regulator.wait_for_selector(".flash-success")
    regulator.goto(f"{base}/filings/{filing_id}")
    assert number in regulator.locator("h1").inner_text()
    screenshot(regulator, "loop-change-approved")


def test_search_box_finds_a_new_filing_by_a_word_of_its_title(open_page, live_server):
    base = live_server.url
    vendor = open_page("vendor01")
    vendor.goto(f"{base}/filings/new")
    vendor.fill("input[name=title]", "声像档案抢救性修复项目")
    vendor.select_option("select[name=agency_id]", index=1)
    vendor.click("input[name=save]")
    vendor.wait_for_url(re.compile(r".*/filings/\d+(\?.*)?$"))
    vendor.fill("[data-testid=header-search] input[name=q]", "抢救性修复")
    vendor.click("[data-testid=header-search] button")
    vendor.wait_for_url(re.compile(r".*/search\?q=.*"))
    found = vendor.locator("[data-testid=search-filings]")
    assert "声像档案抢救性修复项目" in found.inner_text()
    # Another firm's user finds nothing of it.
    other = open_page("vendor02")
    other.goto(f"{base}/search?q=抢救性修复")
    assert other.locator("[data-testid=search-nothing]").count() == 1


def _registered_filing(live_app, username: str) -> tuple[int, str]:
    from portal.auth.models import User
    from portal.extensions import db
    from portal.filings.models import ProjectFiling

    with live_app.app_context():
        firm_id = db.session.scalar(select(User.firm_id).where(User.username == username))
        row = db.session.execute(select(ProjectFiling.id, ProjectFiling.number).where(
            ProjectFiling.firm_id == firm_id, ProjectFiling.status == "registered").order_by(ProjectFiling.id)).first()
        db.session.remove()
    assert row is not None, f"no registered project for {username} in the demo data"
    return row.id, row.number


def _backdate_start(live_app, filing_id: int, days: int) -> None:
    """Arrange the world: the work the firm started in the browser began `days` ago."""
    from portal.core import clock as portal_clock
    from portal.extensions import db
    from portal.filings.models import ProjectFiling

    with live_app.app_context():
        filing = db.session.get(ProjectFiling, filing_id)
        filing.started_at = portal_clock.utcnow() - timedelta(days=days)
        db.session.commit()
        db.session.remove()


@pytest.mark.clause("SITE-signin-visitors", "LOCAL-site_patrol_days")
def test_a_week_of_site_patrols_with_one_missed_day_raises_an_alert(open_page, live_server, live_app):
    base = live_server.url
    username = "vendor03"
    filing_id, number = _registered_filing(live_app, username)
    firm = open_page(username, phone=True)
    firm.goto(f"{base}/filings/{filing_id}")
    firm.click("[data-testid=act-start_work] button")
    firm.wait_for_selector(".flash-success")
    _backdate_start(live_app, filing_id, 8)

    today = clock.today()
    week = [today - timedelta(days=n) for n in range(7, -1, -1)]
    missed = next(d for d in reversed(week[:-1]) if workdays.is_workday(d))  # the last working day before today
    for day in week:
        if day == missed:
            continue
        firm.goto(f"{base}/sitechecks/filings/{filing_id}/patrol?date={day.isoformat()}")
        firm.click("form.patrol-form button.primary")
        firm.wait_for_url(re.compile(rf".*/sitechecks/filings/{filing_id}(\?.*)?$"))
    screenshot(firm, "loop-site-patrol-phone")
    assert "1" in firm.locator("[data-testid=gap-summary]").inner_text().rsplit("·", 1)[-1]

    regulator = open_page("regulator")
    regulator.goto(f"{base}/supervision/alerts")
    regulator.click("form[action$='/supervision/alerts/scan'] button")
    regulator.goto(f"{base}/supervision/alerts?rule=site_patrol_missing")
    rows = regulator.locator("table tbody tr").filter(has_text=number)
    assert rows.count() == 1
    assert missed.isoformat() in rows.first.inner_text()


def _newest_followup(live_app) -> tuple[int, int]:
    from portal.extensions import db
    from portal.followups.models import FollowUp

    with live_app.app_context():
        row = db.session.execute(select(FollowUp.id, FollowUp.firm_id).order_by(FollowUp.id.desc())).first()
        db.session.remove()
    return row.id, row.firm_id


@pytest.mark.clause("LOCAL-followup_workdays")
def test_a_rating_of_2_is_followed_up_by_the_firm_and_confirmed_by_the_agency(open_page, live_server, live_app):
    base = live_server.url
    agency = open_page("agency02")
    agency.goto(f"{base}/agency/")
    agency.locator("[data-testid=feedback-due] a.button.primary").first.click()
    agency.wait_for_url(re.compile(r".*/rate\?period=.*"))
    for dimension in ("quality", "timeliness", "security", "conduct", "communication"):
        level = 2 if dimension == "quality" else 4
        agency.locator(f"#dim-{dimension} label.rating-option:has(input[value='{level}'])").click()
    # The five 好差评 level names stand beside the 1-5 scale.
    assert "不满意" in agency.locator("#dim-quality").inner_text()
    assert "非常满意" in agency.locator("#dim-quality").inner_text()
    agency.locator("label.rating-option:has(input[name=hire_again][value=no])").click()
    agency.fill("textarea[name=narrative]", "扫描图像多处歪斜模糊，返工两次仍未达标。")
    agency.locator("form.feedback-form button[type=submit]").click()
    agency.wait_for_url(re.compile(r".*/feedback/\d+$"))
    followup_id, firm_id = _newest_followup(live_app)
    followup_url = f"{base}/followups/{followup_id}"

    firm = open_page(_vendor_of_firm(live_app, firm_id))
    firm.goto(f"{base}/home/")
    firm.locator("a[href*='/followups/?status=open']").first.click()  # the home panel's "to answer"
    firm.locator(f"a[href$='/followups/{followup_id}']").first.click()
    firm.wait_for_url(followup_url)
    firm.fill("[data-testid=answer-form] textarea[name=answer]", "已更换扫描设备并对全部图像逐页复检，重新交付。")
    firm.click("[data-testid=answer-form] button")
    firm.wait_for_selector(".flash-success")
    assert "逐页复检" in firm.locator("[data-testid=answer]").inner_text()

    agency.goto(followup_url)
    agency.locator("[data-testid=confirm-form] input[value=satisfied]").check()
    agency.click("[data-testid=confirm-form] button")
    agency.wait_for_selector(".flash-success")
    assert agency.locator("[data-testid=confirm-form]").count() == 0
    screenshot(agency, "loop-followup-confirmed")

    regulator = open_page("regulator")
    regulator.goto(f"{base}/followups/")
    assert regulator.locator(f"a[href$='/followups/{followup_id}']").count() == 1


def _username(live_app, *, firm_id=None, agency_id=None) -> str:
    from portal.auth.models import User
    from portal.extensions import db

    column, value = (User.firm_id, firm_id) if firm_id else (User.agency_id, agency_id)
    with live_app.app_context():
        name = db.session.scalar(select(User.username).where(column == value).order_by(User.username))
        db.session.remove()
    return name


@pytest.mark.clause("ACCEPT-sampling", "LOCAL-acceptance_min_pass_rate", "LOCAL-acceptance_min_sampled_percent")
def test_acceptance_below_the_threshold_cannot_be_recorded_as_passed(open_page, live_server, live_app):
    from portal.extensions import db
    from portal.filings.models import ProjectFiling

    base = live_server.url
    with live_app.app_context():
        filing = db.session.scalars(select(ProjectFiling).where(ProjectFiling.status == "completed")
                                    .order_by(ProjectFiling.id)).first()
        filing_id, agency_id = filing.id, filing.agency_id
        unit, delivered = next(iter((filing.delivered_quantities or {"volumes": 100}).items()))
        db.session.remove()
    agency = open_page(_username(live_app, agency_id=agency_id))
    url = f"{base}/filings/{filing_id}/acceptance"
    agency.goto(url)
    assert "95" in agency.locator("[data-testid=acceptance-rule]").inner_text()
    agency.fill("input[name=sample_size]", str(delivered))
    agency.select_option("select[name=sample_unit]", unit)
    agency.fill("input[name=pass_rate]", "92")
    agency.click("input[name=accept]")
    agency.wait_for_selector(".errors, .flash-error")
    assert agency.url.startswith(url)  # refused, still on the form with what was typed
    assert agency.input_value("input[name=pass_rate]") in ("92", "92.00")
    agency.goto(f"{base}/filings/{filing_id}")
    assert "status-completed" in agency.content()

    agency.goto(url)
    agency.fill("input[name=sample_size]", str(delivered))
    agency.select_option("select[name=sample_unit]", unit)
    agency.fill("input[name=pass_rate]", "97.5")
    agency.click("input[name=accept]")
    agency.wait_for_url(re.compile(rf".*/filings/{filing_id}$"))
    assert "status-accepted" in agency.content()


def test_a_focus_list_firm_submits_its_plan_and_the_regulator_accepts_it(open_page, live_server, live_app):
    from portal.extensions import db
    from portal.scoring.models import ResultApplication

    base = live_server.url
    with live_app.app_context():
        firm_id = db.session.scalar(select(ResultApplication.firm_id).where(
            ResultApplication.action == "focus_supervision", ResultApplication.lifted_at.is_(None))
            .order_by(ResultApplication.id))
        db.session.remove()
    assert firm_id, "the demo data has a firm on the focus-supervision list"
    firm = open_page(_username(live_app, firm_id=firm_id))
    firm.goto(f"{base}/scoring/focus/plan")
    firm.fill("textarea[name=plan_text]", "一、全员重新培训并考核；二、项目经理每周自查并签字；三、每月向监管部门报送整改进展。")
    firm.click("form.card button[type=submit]")
    firm.wait_for_selector(".flash-success")

    regulator = open_page("regulator")
    regulator.goto(f"{base}/scoring/focus")
    regulator.locator("[data-testid=focus-plan-link]").first.click()
    regulator.wait_for_url(re.compile(r".*/scoring/focus/plans/\d+$"))
    plan_url = regulator.url
    assert "全员重新培训" in regulator.content()
    regulator.click("button[name=action][value=accept]")
    regulator.wait_for_selector(".flash-success")
    firm.goto(plan_url)
    assert firm.locator("[data-testid=focus-plan-status]").get_attribute("class").endswith("status-accepted")


def test_the_firm_gives_its_statement_on_an_open_incident(open_page, live_server, live_app):
    from portal.extensions import db
    from portal.incidents.models import Incident

    base = live_server.url
    with live_app.app_context():
        incident_id, firm_id = db.session.execute(select(Incident.id, Incident.firm_id).where(
            Incident.status.in_(("reported", "investigating"))).order_by(Incident.id)).first()
        db.session.remove()
    firm = open_page(_username(live_app, firm_id=firm_id))
    firm.goto(f"{base}/incidents/{incident_id}")
    firm.fill("[data-testid=firm-statement] textarea[name=statement]", "涉事人员已调离现场，涉事设备已封存并交监管部门检查。")
    firm.click("[data-testid=firm-statement] button[type=submit]")
    firm.wait_for_selector(".flash-success")
    regulator = open_page("regulator")
    regulator.goto(f"{base}/incidents/{incident_id}")
    assert "涉事设备已封存" in regulator.locator("[data-testid=firm-statement]").inner_text()
