"""Every route that takes the optimistic-lock `version` refuses a garbled, empty or stale one with a 409
and changes nothing; the current version goes through (so each scenario really could have acted).

VERSION_ROUTES is the declared list; test_declared_routes_are_every_route_reading_a_version keeps it
in step with the views (a new route that reads a posted version must get a scenario here)."""
from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal.core import clock
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.filings import changes as change_filings
from portal.filings.models import ChangeFiling, ProjectFiling
from portal.firms import service as firm_service
from portal.firms.models import Firm, FirmChangeRequest
from portal.followups import service as followups
from portal.followups.models import FollowUp
from portal.incidents import service as incidents
from portal.incidents.models import Incident
from portal.scoring import service as scoring
from portal.scoring.models import ScoringPeriod
from portal.supervision import alerts, inspections, rectification
from portal.supervision.models import Inspection, RectificationOrder
from tests.feedback.builders import accepted_project
from tests.filings.builders import PDF, FilingWorld, acting_as
from tests.scoring.builders import Q3, ScoringBuilder, as_user
from tests.supervision import builders as sup


@dataclass
class Scenario:
    user: object
    url: str
    model: type
    object_id: int
    data: callable  # a fresh form dict per post (files are consumed by a post)


def _filing_form(world, **extra):
    today = clock.today()
    return {
        "title": "Web-filed digitisation", "agency_id": str(world.agency.id), "contract_number": "HT-9",
        "contract_date": (today - timedelta(days=3)).isoformat(), "contract_amount": "99000",
        "contract_scope": "Digitise personnel files", "quality_standard": "DA/T 31",
        "technical_standard": "300 dpi", "service_types": ["digitisation"], "qty_volumes": "800",
        "non_classified_declared": "y", "site_type": "agency_premises",
        "start_date": (today + timedelta(days=7)).isoformat(), "end_date": (today + timedelta(days=60)).isoformat(),
        "staff_ids": [str(m.id) for m in world.staff], "chk_network_isolation": "y", "video_retention_days": "90",
        "plan_schedule": "Weeks 1-8", "save": "1", **extra,
    }


def _running(world):
    return world.advance(world.submitted(), "confirm", "register", "start_work")


def _schedule_change(filing):
    return {"change_type": "schedule", "reason": "Delay", "start_date": filing.start_date.isoformat(),
            "end_date": (filing.end_date + timedelta(days=20)).isoformat()}


def _change(world, returned=False):
    filing = _running(world)
    with acting_as(world.vendor):
        change = change_filings.submit_change(filing.id, "schedule", {
            "start_date": filing.start_date, "end_date": filing.end_date + timedelta(days=20)}, "Delay")
    if returned:
        with acting_as(world.regulator):
            change_filings.decide_change(change.id, "return", reason="Attach the new plan")
    return filing, change


def filings_edit(build, travel):
    world = FilingWorld(build)
    filing = world.draft()
    return Scenario(world.vendor, f"/filings/{filing.id}/edit", ProjectFiling, filing.id, lambda: _filing_form(world))


def filings_act(build, travel):
    world = FilingWorld(build)
    filing = world.submitted()
    return Scenario(world.agency_user, f"/filings/{filing.id}/act/confirm", ProjectFiling, filing.id, dict)


def filings_complete(build, travel):
    world = FilingWorld(build)
    filing = _running(world)
    return Scenario(world.vendor, f"/filings/{filing.id}/complete", ProjectFiling, filing.id,
                    lambda: {"qty_volumes": "1990", "data_wipe_confirmed": "y",
                             "handback_sheet": (BytesIO(PDF), "handback.pdf")})


def filings_acceptance(build, travel):
    world = FilingWorld(build)
    filing = world.advance(_running(world), "complete")
    return Scenario(world.agency_user, f"/filings/{filing.id}/acceptance", ProjectFiling, filing.id,
                    lambda: {"sample_size": "100", "pass_rate": "90", "opinion": "Redo blurred scans", "fail": "1"})


def filings_change_new(build, travel):
    world = FilingWorld(build)
    filing = _running(world)
    return Scenario(world.vendor, f"/filings/{filing.id}/changes/new", ProjectFiling, filing.id,
                    lambda: _schedule_change(filing))


def filings_change_act(build, travel):
    world = FilingWorld(build)
    _filing, change = _change(world)
    return Scenario(world.regulator, f"/filings/changes/{change.id}/act/approve", ChangeFiling, change.id, dict)


def filings_change_edit(build, travel):
    world = FilingWorld(build)
    filing, change = _change(world, returned=True)
    return Scenario(world.vendor, f"/filings/changes/{change.id}/edit", ChangeFiling, change.id,
                    lambda: _schedule_change(filing))


def firms_edit(build, travel):
    vendor = build.user("vendor")
    firm = db.session.get(Firm, vendor.firm_id)
    return Scenario(vendor, f"/firms/{firm.id}/edit", Firm, firm.id, lambda: {
        "name": "新名称有限公司", "legal_representative": firm.legal_representative, "district_code": "510502",
        "service_types": ["digitisation"]})


def firms_recheck(build, travel):
    vendor = build.user("vendor")
    return Scenario(vendor, f"/firms/{vendor.firm_id}/recheck", Firm, vendor.firm_id,
                    lambda: {"note": "Licence renewed"})


def firms_decide(build, travel):
    firm = build.firm(status="submitted")
    return Scenario(build.user("regulator"), f"/firms/{firm.id}/decide/return", Firm, firm.id,
                    lambda: {"reason": "请补充场地证明"})


def firms_decide_change(build, travel):
    vendor = build.user("vendor")
    with acting_as(vendor):
        request = firm_service.update_registration(vendor.firm_id, {"name": "另一个名称"}).change_request
    return Scenario(build.user("regulator"), f"/firms/change-requests/{request.id}/approve", FirmChangeRequest,
                    request.id, dict)


def _inspection(build, notified=False):
    regulator = build.user("regulator")
    firm = build.firm()
    inspector = build.user("regulator")
    inspection = inspections.plan_inspection(sup.actor(regulator), firm.id, clock.today() + timedelta(days=3),
                                             regulator.id, inspector.id)
    if notified:
        inspections.notify_firm(sup.actor(regulator), inspection.id)
    return regulator, inspection


def supervision_inspection_record(build, travel):
    regulator, inspection = _inspection(build, notified=True)
    results = {f"result_{item.id}": "pass" for item in inspections.template_items(inspection.template_id)}
    return Scenario(regulator, f"/supervision/inspections/{inspection.id}/record", Inspection, inspection.id,
                    lambda: {"findings": "All in order", **results})


def supervision_inspection_action(build, travel):
    regulator, inspection = _inspection(build)
    return Scenario(regulator, f"/supervision/inspections/{inspection.id}/action", Inspection, inspection.id,
                    lambda: {"action": "notify"})


def _order(build, answered=False):
    regulator = build.user("regulator")
    firm = build.firm()
    vendor = build.user("vendor", firm_id=firm.id)
    order = rectification.issue_by_hand(sup.actor(regulator), firm.id, ["item"], "fix it")
    if answered:
        rectification.respond(sup.actor(vendor), order.id, "done")
    return regulator, vendor, order


def supervision_rectification_respond(build, travel):
    _regulator, vendor, order = _order(build)
    return Scenario(vendor, f"/supervision/rectifications/{order.id}/respond", RectificationOrder, order.id,
                    lambda: {"body": "Fixed the door lock"})


def supervision_rectification_decide(build, travel):
    regulator, _vendor, order = _order(build, answered=True)
    return Scenario(regulator, f"/supervision/rectifications/{order.id}/decide", RectificationOrder, order.id,
                    lambda: {"action": "reject", "reason": "No photos"})


def supervision_rectification_escalate(build, travel):
    regulator, _vendor, order = _order(build)
    travel(days=31)
    alerts.scan()
    today = clock.today().isoformat()
    return Scenario(regulator, f"/supervision/rectifications/{order.id}/escalate", RectificationOrder, order.id,
                    lambda: {"reason": "late", "held_on": today, "attendees": "Manager", "record": "Summoned"})


def _incident(build, status="reported"):
    filing, agency_user, _ = accepted_project(build, status="in_progress")
    with acting_as(agency_user):
        incident = incidents.report_incident(incidents.IncidentReport(
            filing_id=filing.id, incident_type="leak", severity="high",
            occurred_at=clock.utcnow() - timedelta(days=1), description="Files photographed with a phone."))
    regulator = build.user("regulator")
    with acting_as(regulator):
        if status in ("investigating", "upheld"):
            incidents.start_investigation(incident.id)
        if status == "upheld":
            incidents.uphold_incident(incident.id, "Photos found.")
    return regulator, incident


def incidents_investigate(build, travel):
    regulator, incident = _incident(build)
    return Scenario(regulator, f"/incidents/{incident.id}/investigate", Incident, incident.id, dict)


def incidents_uphold(build, travel):
    regulator, incident = _incident(build, "investigating")
    return Scenario(regulator, f"/incidents/{incident.id}/uphold", Incident, incident.id,
                    lambda: {"reason": "Photos found."})


def incidents_dismiss(build, travel):
    regulator, incident = _incident(build, "investigating")
    return Scenario(regulator, f"/incidents/{incident.id}/dismiss", Incident, incident.id,
                    lambda: {"reason": "No evidence."})


def incidents_rectification(build, travel):
    regulator, incident = _incident(build, "upheld")
    return Scenario(regulator, f"/incidents/{incident.id}/rectification", Incident, incident.id,
                    lambda: {"requirement": "Delete the photos; retrain."})


def _followup(build, answered=False):
    from tests.followups.builders import bad_rating

    fu, _fb, agency_user, firm_user = bad_rating(build)
    if answered:
        with acting_as(firm_user):
            followups.answer(fu.id, "Second shift added")
    return fu, agency_user, firm_user


def followups_answer(build, travel):
    fu, _agency_user, firm_user = _followup(build)
    return Scenario(firm_user, f"/followups/{fu.id}/answer", FollowUp, fu.id,
                    lambda: {"answer": "Second shift added"})


def followups_confirm(build, travel):
    fu, agency_user, _firm_user = _followup(build, answered=True)
    return Scenario(agency_user, f"/followups/{fu.id}/confirm", FollowUp, fu.id,
                    lambda: {"outcome": "unsatisfied", "note": "Still late"})


def followups_withdraw(build, travel):
    fu, _agency_user, _firm_user = _followup(build)
    return Scenario(build.user("regulator"), f"/followups/{fu.id}/withdraw", FollowUp, fu.id,
                    lambda: {"reason": "Rated the wrong firm"})

def incidents_statement(build, travel):
    _regulator, incident = _incident(build)
    vendor = build.user("vendor", firm_id=incident.firm_id)
    return Scenario(vendor, f"/incidents/{incident.id}/statement", Incident, incident.id,
                    lambda: {"statement": "The operator broke our rules and was removed from the site."})


def _focus_plan(build, status: str):
    from portal.scoring import focus_plans
    from portal.scoring.models import ResultApplication

    firm = build.firm(focus_supervision=True, grade="D")
    db.session.add(ResultApplication(firm_id=firm.id, action="focus_supervision", applied_at=clock.utcnow(),
                                     detail={"grade": "D", "plan_required": True}))
    db.session.commit()
    vendor = build.user("vendor", firm_id=firm.id)
    regulator = build.user("regulator")
    with as_user(vendor):
        plan = focus_plans.submit_plan("Retrain every operator; weekly self-check signed by the manager.")
    if status == "returned":
        with as_user(regulator):
            focus_plans.decide_plan(plan.id, "return", "Name who signs.", version=plan.version_id)
    return vendor, regulator, plan


def scoring_focus_plan_submit(build, travel):
    from portal.scoring.models import FocusPlan

    vendor, _regulator, plan = _focus_plan(build, "returned")
    return Scenario(vendor, "/scoring/focus/plan", FocusPlan, plan.id,
                    lambda: {"plan_text": "Retrain every operator; weekly self-check signed by Wang Wu."})


def scoring_focus_plan_decide(build, travel):
    from portal.scoring.models import FocusPlan

    _vendor, regulator, plan = _focus_plan(build, "submitted")
    return Scenario(regulator, f"/scoring/focus/plans/{plan.id}/decide", FocusPlan, plan.id,
                    lambda: {"action": "accept"})


def _period(build, travel, upto: str):
    sb = ScoringBuilder(build)
    firm = build.firm()
    sb.liaison(firm)
    sb.project(firm)
    lead = build.user("regulator", "lead")
    with as_user(lead):
        period = scoring.open_period(Q3)
        if upto in ("computed", "published", "final"):
            scoring.run_period(period.id)
        if upto in ("published", "final"):
            scoring.publish_period(period.id)
            travel(days=40)
        if upto == "final":
            scoring.finalise_period(period.id)
    return lead, period


def sitechecks_countersign(build, travel):
    from portal.core.context import current_actor
    from portal.sitechecks import service as sitechecks
    from portal.sitechecks.models import SiteWeeklyCheck
    from tests.sitechecks.builders import acting, site

    s = site(build)
    with acting(s.vendor):
        check = sitechecks.record_weekly(current_actor(), s.filing.id, s.filing.start_date, {}, "")
    return Scenario(s.agency_user, f"/sitechecks/weekly/{check.id}/countersign", SiteWeeklyCheck, check.id,
                    lambda: {"decision": "confirmed"})


def _scoring(action: str, state: str):
    def scenario(build, travel):
        lead, period = _period(build, travel, state)
        return Scenario(lead, f"/scoring/periods/{period.id}/{action}", ScoringPeriod, period.id, dict)
    return scenario


VERSION_ROUTES = {
    "filings.edit": filings_edit,
    "filings.act": filings_act,
    "filings.complete": filings_complete,
    "filings.acceptance": filings_acceptance,
    "filings.change_new": filings_change_new,
    "filings.change_act": filings_change_act,
    "filings.change_edit": filings_change_edit,
    "firms.edit": firms_edit,
    "firms.recheck": firms_recheck,
    "firms.decide": firms_decide,
    "firms.decide_change": firms_decide_change,
    "supervision.inspection_record": supervision_inspection_record,
    "supervision.inspection_action": supervision_inspection_action,
    "supervision.rectification_respond": supervision_rectification_respond,
    "supervision.rectification_decide": supervision_rectification_decide,
    "supervision.rectification_escalate": supervision_rectification_escalate,
    "incidents.investigate": incidents_investigate,
    "incidents.uphold": incidents_uphold,
    "incidents.dismiss": incidents_dismiss,
    "incidents.rectification": incidents_rectification,
    "incidents.statement": incidents_statement,
    "scoring.focus_plan_submit": scoring_focus_plan_submit,
    "scoring.focus_plan_decide": scoring_focus_plan_decide,
    "scoring.run": _scoring("run", "draft"),
    "scoring.publish": _scoring("publish", "computed"),
    "scoring.finalise": _scoring("finalise", "published"),
    "scoring.apply": _scoring("apply", "final"),
    "sitechecks.countersign": sitechecks_countersign,

    "followups.answer": followups_answer,
    "followups.confirm": followups_confirm,
    "followups.withdraw": followups_withdraw,
}
# Routes whose view mentions a posted version but acts on no existing record.
NOT_VERSIONED = {
    "filings.new": "creates a filing: there is no version yet",
    # Create the day's / week's / month's record or correct it; the version is checked only when one
    # exists (tests/sitechecks: a stale or empty version on a correction is a 409).
    "sitechecks.patrol": "creates or corrects the day's patrol",
    "sitechecks.weekly": "creates or corrects the week's check",
    "sitechecks.monthly": "creates or corrects the month's self-inspection",
}

READS_VERSION = re.compile(r"version\.data\b(?! = )|\.get\(\"version\"")


def _reads_version(view) -> bool:
    """The view, or a helper of its module it calls, reads a posted version."""
    source = inspect.getsource(view)
    if READS_VERSION.search(source):
        return True
    module = sys.modules[view.__module__]
    for name in re.findall(r"\b(_[a-z_]+)\(", source):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and READS_VERSION.search(inspect.getsource(helper)):
            return True
    return False


def test_declared_routes_are_every_route_reading_a_version(app):
    found = {rule.endpoint for rule in app.url_map.iter_rules()
             if "POST" in rule.methods and _reads_version(inspect.unwrap(app.view_functions[rule.endpoint]))}
    assert found - set(NOT_VERSIONED) == set(VERSION_ROUTES)


def _state(scenario: Scenario):
    db.session.expire_all()
    row = db.session.get(scenario.model, scenario.object_id)
    audit_rows = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return row.version_id, row.status, audit_rows


@pytest.mark.parametrize("endpoint", sorted(VERSION_ROUTES))
def test_garbled_empty_or_stale_version_is_a_409_and_changes_nothing(endpoint, app, client, build, login, travel):
    scenario = VERSION_ROUTES[endpoint](build, travel)
    login(scenario.user)
    before = _state(scenario)
    for version in ("abc", "", " ", "1e3", str(before[0] + 1), "99999999999999999999999999999"):
        response = client.post(scenario.url, data={**scenario.data(), "version": version})
        assert response.status_code == 409, (version, response.status_code, response.get_data(as_text=True)[:800])
        assert _state(scenario) == before, version
    response = client.post(scenario.url, data={**scenario.data(), "version": str(before[0])})
    assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:800]
    assert _state(scenario) != before  # the scenario could act: the 409s came from the version alone


def test_the_conflict_page_says_what_happened_in_the_readers_language(app, client, build, login, travel):
    scenario = firms_decide(build, travel)
    login(scenario.user)
    page = client.post(scenario.url + "?lang=en", data={**scenario.data(), "version": "abc"})
    assert page.status_code == 409
    assert "Someone else changed this record" in page.get_data(as_text=True)
    page = client.post(scenario.url + "?lang=zh_CN", data={**scenario.data(), "version": "abc"})
    assert "该记录已被他人修改" in page.get_data(as_text=True)

