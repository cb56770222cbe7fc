"""Use cases of the site security checks: the firm records patrols, weekly checks and monthly
self-inspections; the agency countersigns weekly checks. Every write is checked against the object,
audited and committed once through portal.core.transactions."""
from __future__ import annotations

from datetime import date

from portal.core import audit, clock, inbox, local_rules, transactions
from portal.core.access import get_visible, is_agency_user, is_firm_user
from portal.core.context import Actor
from portal.core.errors import InvalidState, NotFound, ValidationFailed
from portal.core.msgids import N_
from portal.extensions import db
from portal.filings.models import ProjectFiling
from portal.sitechecks import rules
from portal.sitechecks.models import SiteMonthlyInspection, SitePatrol, SiteWeeklyCheck
from portal.supervision.checklists import default_items

IN_PROGRESS = "in_progress"
NOT_IN_PROGRESS = N_("Site checks are recorded while the project is in progress.")


# --- settings (local rules) -------------------------------------------------------------------------

def patrol_mode() -> str:
    mode = local_rules.get("site_patrol_days")
    return mode if mode in rules.PATROL_DAY_MODES else "workdays"


def patrol_since() -> date | None:
    return rules.parse_since(local_rules.get("site_patrol_since"))


# --- who may write ----------------------------------------------------------------------------------

def filing_for_firm(actor: Actor, filing_id: int) -> ProjectFiling:
    """The filing, when the actor is a user of its firm and the project is in progress (404 / 409 otherwise)."""
    filing = get_visible(actor, ProjectFiling, filing_id)
    if not is_firm_user(actor) or filing.firm_id != actor.firm_id:
        raise NotFound()
    if filing.status != IN_PROGRESS:
        raise InvalidState(NOT_IN_PROGRESS)
    return filing


def team_ids(filing: ProjectFiling) -> list[int]:
    return [member.id for member in filing.staff]


def _fail(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(errors)


# --- daily patrol -----------------------------------------------------------------------------------

def patrol_of_day(filing_id: int, day: date) -> SitePatrol | None:
    return db.session.query(SitePatrol).filter_by(filing_id=filing_id, patrol_date=day).one_or_none()


def record_patrol(actor: Actor, filing_id: int, day: date, data: rules.PatrolInput,
                  version=None) -> SitePatrol:
    """Record the day's patrol, or correct the one already recorded for that day (one per filing and day).

    `version` is what the form showed: a form opened before anyone recorded the day posts it empty, so a
    twin saved meanwhile is refused (409) rather than overwritten; None (no form) skips the check."""
    filing = filing_for_firm(actor, filing_id)
    _fail(rules.patrol_problems(data, team_ids(filing), day, clock.today()))
    patrol = patrol_of_day(filing.id, day)
    action = "site_patrol.update"
    if patrol is None:
        patrol = SitePatrol(filing_id=filing.id, firm_id=filing.firm_id, patrol_date=day)
        db.session.add(patrol)
        action = "site_patrol.record"
    else:
        transactions.check_version(patrol, version)
    patrol.staff_ids = sorted(set(data.staff_ids))
    patrol.visitors_count = data.visitors_count
    patrol.visitor_names = data.visitor_names.strip()
    patrol.media_used = data.media_used
    patrol.media_logged = data.media_used and data.media_logged
    patrol.media_log_ref = data.media_log_ref.strip() if data.media_used else ""
    patrol.video_running = data.video_running
    patrol.internet_isolated = data.internet_isolated
    patrol.all_locked = data.all_locked
    patrol.no_personal_devices = data.no_personal_devices
    patrol.in_order = rules.patrol_in_order(data)
    patrol.note = data.note.strip()
    patrol.recorded_by_id = actor.user_id
    db.session.flush()
    audit.record(action, "site_patrol", patrol.id, detail={
        "filing_id": filing.id, "date": day.isoformat(), "in_order": patrol.in_order,
        "staff": patrol.staff_ids, "visitors": patrol.visitors_count, "media_used": patrol.media_used})
    transactions.commit()
    return patrol


# --- weekly check -----------------------------------------------------------------------------------

WEEKLY_ITEMS = ("patrols_reviewed", "media_log_checked", "video_retained", "visitor_log_checked")


def weekly_of(filing_id: int, day: date) -> SiteWeeklyCheck | None:
    return db.session.query(SiteWeeklyCheck).filter_by(filing_id=filing_id,
                                                       week_start=rules.week_start(day)).one_or_none()


def monthly_of(filing_id: int, day: date) -> SiteMonthlyInspection | None:
    return db.session.query(SiteMonthlyInspection).filter_by(filing_id=filing_id,
                                                             month=rules.month_key(day)).one_or_none()


def record_weekly(actor: Actor, filing_id: int, day: date, items: dict[str, bool], findings: str,
                  version=None) -> SiteWeeklyCheck:
    """Record the week's check (or correct it until the agency has confirmed it); the agency is told."""
    filing = filing_for_firm(actor, filing_id)
    if day > clock.today():
        raise ValidationFailed({"week": [N_("A check cannot be recorded for a week that has not begun.")]})
    week = rules.week_start(day)
    check = weekly_of(filing.id, day)
    action = "site_weekly.record"
    if check is None:
        check = SiteWeeklyCheck(filing_id=filing.id, firm_id=filing.firm_id, week_start=week)
        db.session.add(check)
    else:
        transactions.check_version(check, version)
        if check.status == "confirmed":
            raise InvalidState(N_("The agency has confirmed this week's check; it can no longer be changed."))
        action = "site_weekly.update"
    for name in WEEKLY_ITEMS:
        setattr(check, name, bool(items.get(name)))
    check.findings = findings.strip()
    check.status = "recorded"
    check.countersigned_by_id, check.countersigned_at, check.agency_note = None, None, ""
    check.recorded_by_id = actor.user_id
    db.session.flush()
    audit.record(action, "site_weekly_check", check.id, detail={
        "filing_id": filing.id, "week": week.isoformat(), **{n: getattr(check, n) for n in WEEKLY_ITEMS}})
    inbox.notify(inbox.users_of_agency(filing.agency_id),
                 N_("Weekly site check of project %(number)s for the week of %(week)s waits for your countersignature"),
                 {"number": filing.number or "", "week": week.isoformat()},
                 link=f"/sitechecks/filings/{filing.id}")
    transactions.commit()
    return check


def countersign(actor: Actor, check_id: int, decision: str, note: str, version=None) -> SiteWeeklyCheck:
    """The filing's agency confirms the weekly check or disputes it with a note."""
    check = get_visible(actor, SiteWeeklyCheck, check_id)
    filing = db.session.get(ProjectFiling, check.filing_id)
    if not is_agency_user(actor) or filing.agency_id != actor.agency_id:
        raise NotFound()
    transactions.check_version(check, version)
    if check.status != "recorded":
        raise InvalidState(N_("This check has already been countersigned."))
    _fail(rules.countersign_problems(decision, note or ""))
    check.status = decision
    check.agency_note = (note or "").strip()
    check.countersigned_by_id = actor.user_id
    check.countersigned_at = clock.utcnow()
    audit.record(f"site_weekly.{decision}", "site_weekly_check", check.id,
                 detail={"filing_id": filing.id, "note": check.agency_note})
    if decision == "disputed":
        inbox.notify(inbox.users_of_firm(filing.firm_id),
                     N_("The agency disputed the weekly site check of project %(number)s: %(note)s"),
                     {"number": filing.number or "", "note": check.agency_note},
                     link=f"/sitechecks/filings/{filing.id}")
    transactions.commit()
    return check


# --- monthly self-inspection ------------------------------------------------------------------------

def checklist_for(filing: ProjectFiling) -> list[tuple[str, str, str, bool]]:
    """The service type's checklist (portal.supervision.checklists); several types: their union, in order."""
    seen: dict[str, tuple[str, str, str, bool]] = {}
    for service_type in (filing.service_types or ["other"]):
        for item in default_items(service_type):
            seen.setdefault(item[0], item)
    return list(seen.values())


def record_monthly(actor: Actor, filing_id: int, day: date, results: dict[str, str], findings: str,
                   version=None) -> SiteMonthlyInspection:
    filing = filing_for_firm(actor, filing_id)
    if day > clock.today():
        raise ValidationFailed({"": [N_("A self-inspection cannot be recorded for a month that has not begun.")]})
    codes = [code for code, *_ in checklist_for(filing)]
    _fail(rules.checklist_problems(results, codes))
    if any(results[code] == "fail" for code in codes) and not findings.strip():
        raise ValidationFailed({"findings": [N_("Say what failed and what is being done about it.")]})
    month = rules.month_key(day)
    row = monthly_of(filing.id, day)
    action = "site_monthly.record"
    if row is None:
        row = SiteMonthlyInspection(filing_id=filing.id, firm_id=filing.firm_id, month=month)
        db.session.add(row)
    else:
        transactions.check_version(row, version)
        action = "site_monthly.update"
    row.results = {code: results[code] for code in codes}
    row.findings = findings.strip()
    row.recorded_by_id = actor.user_id
    db.session.flush()
    audit.record(action, "site_monthly_inspection", row.id, detail={
        "filing_id": filing.id, "month": month,
        "failed": sorted(code for code in codes if results[code] == "fail")})
    transactions.commit()
    return row
