"""Site checks end to end: the service, the pages and who may use them, the missed-day alert, the
reminder job, the export and the scoring evidence."""
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.core import local_rules
from portal.core.context import Actor, current_actor, reset_actor, set_actor
from portal.core.errors import InvalidState, NotFound, ValidationFailed
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.sitechecks import service
from portal.sitechecks.models import SitePatrol, SiteWeeklyCheck
from portal.supervision import alerts
from portal.supervision.models import Alert
from tests.sitechecks.builders import SINCE, acting, freeze, patrol_input, record, site

MON = date(2026, 11, 16)


@pytest.fixture
def required(app, monkeypatch):
    """Patrols due on working days from 1 November 2026; the clock on Friday 20 November."""
    monkeypatch.setitem(app.config, "SITE_PATROL_SINCE", SINCE)
    monkeypatch.setitem(app.config, "SITE_PATROL_DAYS", "workdays")
    freeze()


def _audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.clause("SITE-signin-visitors")
def test_one_patrol_per_day_a_second_save_corrects_it(build, required):
    s = site(build)
    first = record(s, MON, visitors_count=1, visitor_names="Li Si")
    again = record(s, MON, video_running=False, note="camera 2 down")
    assert first.id == again.id and db.session.query(SitePatrol).count() == 1
    assert again.in_order is False and again.visitors_count == 0
    assert _audit_actions()[-2:] == ["site_patrol.record", "site_patrol.update"]


def test_patrol_refused_with_a_message_changes_nothing(build, required):
    s = site(build)
    outsider = build.staff(s.firm)
    with acting(s.vendor), pytest.raises(ValidationFailed) as exc:
        service.record_patrol(current_actor(), s.filing.id, MON, patrol_input([outsider.id]))
    assert "staff_ids" in exc.value.field_errors
    assert db.session.query(SitePatrol).count() == 0


def test_only_in_progress_projects_and_only_their_firm_record(build, required):
    s = site(build)
    other_firm_user = build.user("vendor")
    with acting(other_firm_user), pytest.raises(NotFound):
        service.record_patrol(current_actor(), s.filing.id, MON, patrol_input([s.staff[0].id]))
    with acting(s.agency_user), pytest.raises(NotFound):
        service.record_patrol(current_actor(), s.filing.id, MON, patrol_input([s.staff[0].id]))
    done = build.filing(firm=s.firm, status="completed")
    with acting(s.vendor), pytest.raises(InvalidState):
        service.record_patrol(current_actor(), done.id, MON, patrol_input([s.staff[0].id]))


def test_weekly_check_countersigned_by_the_filings_agency(build, required):
    s = site(build)
    with acting(s.vendor):
        check = service.record_weekly(current_actor(), s.filing.id, MON, dict.fromkeys(service.WEEKLY_ITEMS, True), "")
    other_agency = build.user("agency")
    with acting(other_agency), pytest.raises(NotFound):
        service.countersign(current_actor(), check.id, "confirmed", "")
    with acting(s.agency_user), pytest.raises(ValidationFailed):
        service.countersign(current_actor(), check.id, "disputed", "")
    with acting(s.agency_user):
        service.countersign(current_actor(), check.id, "disputed", "video of Tuesday missing")
    assert db.session.get(SiteWeeklyCheck, check.id).status == "disputed"
    with acting(s.vendor):  # the firm corrects it, the agency then confirms
        service.record_weekly(current_actor(), s.filing.id, MON, dict.fromkeys(service.WEEKLY_ITEMS, True), "found it")
    with acting(s.agency_user):
        service.countersign(current_actor(), check.id, "confirmed", "")
    with acting(s.vendor), pytest.raises(InvalidState):
        service.record_weekly(current_actor(), s.filing.id, MON, {}, "")
    assert "site_weekly.disputed" in _audit_actions() and "site_weekly.confirmed" in _audit_actions()


@pytest.mark.clause("SITE-wipe", "SITE-no-internet")
def test_monthly_self_inspection_uses_the_service_type_checklist(build, required):
    s = site(build)  # digitisation: the whole security rule set, wipe (S-8) and no internet (S-1) included
    codes = [code for code, *_ in service.checklist_for(s.filing)]
    assert "S-1" in codes and "S-8" in codes
    with acting(s.vendor), pytest.raises(ValidationFailed):
        service.record_monthly(current_actor(), s.filing.id, MON, {codes[0]: "pass"}, "")
    results = dict.fromkeys(codes, "pass") | {"S-8": "fail"}
    with acting(s.vendor), pytest.raises(ValidationFailed) as exc:
        service.record_monthly(current_actor(), s.filing.id, MON, results, "")
    assert "findings" in exc.value.field_errors
    with acting(s.vendor):
        row = service.record_monthly(current_actor(), s.filing.id, MON, results, "wipe log not signed; signed 21/11")
    assert row.month == "2026-11" and row.results["S-8"] == "fail"


@pytest.mark.clause("LOCAL-site_patrol_since", "LOCAL-site_patrol_days", "SITE-signin-visitors")
def test_a_missed_day_raises_an_alert_and_recording_it_closes_it(build, required):
    s = site(build)
    for day in (16, 17, 19):
        record(s, date(2026, 11, day))
    report = alerts.scan(Actor(username="test"))
    assert report.raised["site_patrol_missing"] == 1
    alert = db.session.scalar(select(Alert).where(Alert.rule == "site_patrol_missing", Alert.closed_at.is_(None)))
    assert alert.object_id == s.filing.id and alert.params["date"] == "2026-11-18" and alert.params["count"] == 1
    record(s, date(2026, 11, 18))
    report = alerts.scan(Actor(username="test"))
    assert report.closed["site_patrol_missing"] == 1
    # The bureau's recorded decision: patrols due only from the 19th, so nothing was missed before.
    token = set_actor(Actor(username="lead", roles=("lead",)))
    try:
        local_rules.set_rule("site_patrol_since", "2026-11-19", "start after the site opened")
        local_rules.set_rule("site_patrol_days", "all", "the site works weekends")
    finally:
        reset_actor(token)
    assert service.patrol_since() == date(2026, 11, 19) and service.patrol_mode() == "all"


def test_no_alert_while_patrols_are_not_required(build, app, monkeypatch):
    monkeypatch.setitem(app.config, "SITE_PATROL_SINCE", "")
    freeze()
    site(build)
    assert alerts.scan(Actor(username="test")).raised["site_patrol_missing"] == 0


def test_reminder_job_tells_the_firm_once_per_day(build, required, runner):
    s = site(build)
    record(s, MON)
    result = runner.invoke(args=["sitechecks", "remind"])
    assert result.exit_code == 0 and "site patrol reminders sent: 1" in result.output
    record(s, date(2026, 11, 20))
    result = runner.invoke(args=["sitechecks", "remind"])
    assert "site patrol reminders sent: 0" in result.output


def test_pages_by_role(build, required, client, login, app):
    s = site(build, district_code="510502")
    record(s, MON)
    record(s, date(2026, 11, 17), media_used=True, media_logged=True, media_log_ref="U-7")
    page = f"/sitechecks/filings/{s.filing.id}"

    c = login(s.vendor)
    html = c.get(page + "?lang=en").get_data(as_text=True)
    assert 'data-day="2026-11-18" data-state="missed"' in html and 'data-day="2026-11-16" data-state="ok"' in html
    assert "Record today" in html
    form = c.get(f"{page}/patrol").get_data(as_text=True)
    assert 'name="staff_ids"' in form and "phone-form" in form
    response = c.post(f"{page}/patrol", data={"patrol_date": "2026-11-19", "staff_ids": [str(s.staff[0].id)],
                                               "visitors_count": "0", "video_running": "y", "internet_isolated": "y",
                                               "all_locked": "y", "no_personal_devices": "y"})
    assert response.status_code == 302
    bad = c.post(f"{page}/patrol", data={"patrol_date": "2026-11-19", "visitors_count": "3",
                                          "video_running": "y"}).get_data(as_text=True)
    assert "Tick the staff signed in" in bad and "Name the visitors" in bad
    assert db.session.scalar(select(SitePatrol).where(SitePatrol.patrol_date == date(2026, 11, 19))).visitors_count == 0
    c.post("/auth/logout")

    district = build.district_regulator("510502")
    c = login(district)
    assert c.get(page).status_code == 200
    listing = c.get("/sitechecks/?lang=en").get_data(as_text=True)
    assert f'data-testid="missed-{s.filing.id}"' in listing
    assert c.get(f"{page}/patrol").status_code in (403, 404)
    c.post("/auth/logout")

    elsewhere = build.district_regulator("510503")
    c = login(elsewhere)
    assert c.get(page).status_code == 404
    assert s.filing.number not in c.get("/sitechecks/").get_data(as_text=True)
    c.post("/auth/logout")

    c = login(build.user("vendor"))
    assert c.get(page).status_code == 404
    assert c.get(f"{page}/patrol").status_code == 404


def test_agency_countersigns_through_the_page(build, required, client, login):
    s = site(build)
    with acting(s.vendor):
        check = service.record_weekly(current_actor(), s.filing.id, MON, {"patrols_reviewed": True}, "")
    c = login(s.agency_user)
    html = c.get(f"/sitechecks/filings/{s.filing.id}").get_data(as_text=True)
    assert f'/sitechecks/weekly/{check.id}/countersign' in html
    c.post(f"/sitechecks/weekly/{check.id}/countersign", data={"decision": "confirmed", "version": check.version_id})
    assert db.session.get(SiteWeeklyCheck, check.id).status == "confirmed"


def test_export_lists_each_site_with_its_gaps(build, required, login):
    s = site(build)
    record(s, MON)
    c = login(build.user("regulator"))
    response = c.get("/sitechecks/export.xlsx?quarter=2026Q4&lang=en")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.data)).active.iter_rows(min_row=2, values_only=True))
    header = rows[0]
    row = next(r for r in rows if r[0] == s.filing.number)
    # Due 16–19 November (working days before today), one recorded: three missed.
    assert row[header.index("Patrol days due")] == 4 and row[header.index("Days missed")] == 3
    c.post("/auth/logout")
    assert login(s.vendor).get("/sitechecks/export.xlsx").status_code in (403, 404)


@pytest.mark.clause("SITE-video", "SITE-media-logged")
def test_the_quarter_record_is_evidence_for_site_and_equipment_security(build, required):
    from portal.scoring.evidence import collect
    from portal.scoring.rules import DEFAULT_RULE_SET, score_firm

    s = site(build)
    record(s, MON)
    record(s, date(2026, 11, 17), video_running=False)
    record(s, date(2026, 11, 18), media_used=True, media_logged=False, media_log_ref="U-1")
    evidence = collect(date(2026, 10, 1), date(2026, 12, 31))
    # Four working days due (16–19), one patrol in order.
    assert evidence.inputs[s.firm.id]["security.site_patrols"] == (1, 4)
    result = score_firm(DEFAULT_RULE_SET, evidence.for_firm(s.firm.id))
    security = next(d for d in result.dimensions if d.code == "security")
    assert not security.insufficient


def test_correcting_a_patrol_with_a_stale_or_empty_version_is_refused(build, required, login):
    s = site(build)
    patrol = record(s, MON)
    c = login(s.vendor)
    form = {"patrol_date": MON.isoformat(), "staff_ids": [str(s.staff[0].id)], "visitors_count": "0"}
    for version in ("", "7"):  # a form opened before the day was recorded, or an old version
        assert c.post(f"/sitechecks/filings/{s.filing.id}/patrol", data={**form, "version": version}).status_code == 409
    db.session.expire_all()
    assert db.session.get(SitePatrol, patrol.id).in_order is True
    ok = c.post(f"/sitechecks/filings/{s.filing.id}/patrol", data={**form, "version": str(patrol.version_id)})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(SitePatrol, patrol.id).in_order is False  # video etc. left unticked
