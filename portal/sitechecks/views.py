"""Thin views of the site checks: the list of sites, a site's quarter, and the firm's and agency's forms."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core import clock
from portal.core.access import get_visible, in_jurisdiction, is_agency_user, is_firm_user, is_supervisor
from portal.core.context import current_actor
from portal.core.errors import ValidationFailed
from portal.core.exports import Column, Criterion, title_row, xlsx_response
from portal.core.identifiers import DISTRICTS
from portal.core.msgids import N_
from portal.extensions import db
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.sitechecks import queries, rules, service
from portal.sitechecks.blueprint import bp
from portal.sitechecks.forms import CountersignForm, MonthlyForm, PatrolForm, WeeklyForm
from portal.sitechecks.models import SiteWeeklyCheck
from portal.web.forms import apply_service_errors
from portal.web.params import date_arg, int_arg
from portal.web.permissions import roles
from portal.web.templating import district_label

READERS = ("vendor", "agency", "regulator", "lead")
CALENDAR_STATES = {
    "ok": N_("Patrol recorded, all in order"),
    "issue": N_("Patrol recorded, something not in order"),
    "missed": N_("No patrol (missed)"),
    "not_due": N_("No patrol due"),
    "today": N_("Today"),
    "future": N_("Still to come"),
}
WEEKLY_STATES = {"recorded": N_("Waiting for the agency"), "confirmed": N_("Agency confirmed"),
                 "disputed": N_("Disputed by the agency")}
CHECK_RESULT_LABELS = {"pass": N_("Pass"), "fail": N_("Fail"), "na": N_("Not applicable")}


def _quarter():
    """The quarter asked for (`?quarter=2026Q4`), else the current one: (first, last, label)."""
    today = clock.today()
    bounds = rules.parse_quarter(request.args.get("quarter"))
    first, last = bounds or rules.quarter_bounds(today)
    return first, last, rules.quarter_label(first)


def quarter_name(label: str) -> str:
    """`2026Q4` in words for the reader."""
    return _("Q%(quarter)s %(year)s", quarter=label[5:], year=label[:4])


def _quarter_choices(label: str) -> list[str]:
    today = clock.today()
    labels = []
    day = rules.quarter_bounds(today)[0]
    for _i in range(4):
        labels.append(rules.quarter_label(day))
        day = rules.quarter_bounds(day - timedelta(days=1))[0]
    return labels if label in labels else [label, *labels]



@bp.route("/")
@roles(*READERS)
def index():
    actor = current_actor()
    first, last, label = _quarter()
    district = request.args.get("district", "") if is_supervisor(actor) else ""
    district = district if district in DISTRICTS and in_jurisdiction(actor, district) else ""
    page = queries.site_page(actor, first, last, int_arg("page", 1), district=district)
    return render_template("sitechecks/index.html", quarter_name=quarter_name, page=page, quarter=label,
                           quarters=_quarter_choices(label),
                           first=first, last=last, district=district, districts=DISTRICTS,
                           supervisor=is_supervisor(actor), firm_user=is_firm_user(actor),
                           since=service.patrol_since(), mode=service.patrol_mode())


def export_columns():
    return [
        Column(N_("Filing number"), lambda r: r.number),
        Column(N_("Project"), lambda r: r.title, width=30),
        Column(N_("Firm"), lambda r: r.firm_name, width=28),
        Column(N_("District"), lambda r: district_label(r.district_code)),
        Column(N_("Patrol days due"), lambda r: r.due, "number"),
        Column(N_("Patrols recorded"), lambda r: r.recorded, "number"),
        Column(N_("Days missed"), lambda r: r.missed, "number"),
        Column(N_("Patrols not in order"), lambda r: r.not_in_order, "number"),
        Column(N_("Last day missed"), lambda r: r.last_missed, "date"),
        Column(N_("Weekly checks waiting for the agency"), lambda r: r.weekly_waiting, "number"),
        Column(N_("Weekly checks disputed"), lambda r: r.weekly_disputed, "number"),
        Column(N_("Monthly self-inspections"), lambda r: r.monthly, "number"),
    ]


@bp.route("/export.xlsx")
@roles("regulator", "lead")
def export():
    actor = current_actor()
    first, last, label = _quarter()
    district = request.args.get("district", "")
    district = district if district in DISTRICTS and in_jurisdiction(actor, district) else ""
    rows = queries.site_rows(actor, first, last, district=district)
    title = N_("Site checks")
    shown = title_row(title, EXPORT_CRITERIA, {"quarter": label, "district": district})
    return xlsx_response(f"site-checks-{label}.xlsx", export_columns(), rows, sheet_title=title, title_row=shown)


# The page's filter as the export's title row shows it.
EXPORT_CRITERIA = (Criterion("quarter", N_("Quarter"), quarter_name),
                   Criterion("district", N_("District"), district_label))


@bp.route("/filings/<int:filing_id>")
@roles(*READERS)
def site(filing_id: int):
    actor = current_actor()
    filing = get_visible(actor, ProjectFiling, filing_id)
    first, last, label = _quarter()
    today = clock.today()
    gaps = queries.filing_gaps(filing, first, min(last, today - timedelta(days=1)))
    firm_name = db.session.get(Firm, filing.firm_id).name
    own = is_firm_user(actor) and filing.firm_id == actor.firm_id and filing.status == service.IN_PROGRESS
    agency = is_agency_user(actor) and filing.agency_id == actor.agency_id
    staff_names = {m.id: m.name for m in filing.staff}
    return render_template(
        "sitechecks/site.html", quarter_name=quarter_name, filing=filing, firm_name=firm_name, quarter=label,
        quarters=_quarter_choices(label), weeks=queries.calendar(gaps, first, last, today), gaps=gaps,
        patrols=queries.patrols(filing.id, first, last), weekly=queries.weekly_checks(filing.id, first, last),
        monthly=queries.monthly_inspections(filing.id, first, last), can_record=own, can_countersign=agency,
        states=CALENDAR_STATES, weekly_states=WEEKLY_STATES, staff_names=staff_names,
        checklist={code: text for code, text, *_ in service.checklist_for(filing)},
        result_labels=CHECK_RESULT_LABELS, countersign_form=CountersignForm(), today=today)


@bp.route("/filings/<int:filing_id>/patrol", methods=["GET", "POST"])
@roles("vendor")
def patrol(filing_id: int):
    actor = current_actor()
    filing = service.filing_for_firm(actor, filing_id)
    day = date_arg("date", clock.today()) or clock.today()
    existing = service.patrol_of_day(filing.id, day)
    form = PatrolForm(obj=existing) if request.method == "GET" and existing else PatrolForm()
    form.staff_ids.choices = [(m.id, m.name) for m in filing.staff]
    if request.method == "GET":
        form.patrol_date.data = day
        if existing is None:
            form.staff_ids.data = [m.id for m in filing.staff]
        else:
            form.version.data = str(existing.version_id)
    if form.validate_on_submit():
        data = rules.PatrolInput(
            staff_ids=tuple(form.staff_ids.data or ()), visitors_count=form.visitors_count.data or 0,
            visitor_names=form.visitor_names.data or "", media_used=form.media_used.data,
            media_logged=form.media_logged.data, media_log_ref=form.media_log_ref.data or "",
            video_running=form.video_running.data, internet_isolated=form.internet_isolated.data,
            all_locked=form.all_locked.data, no_personal_devices=form.no_personal_devices.data,
            note=form.note.data or "")
        try:
            saved = service.record_patrol(actor, filing.id, form.patrol_date.data, data, form.version.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Patrol of %(date)s saved.", date=saved.patrol_date.isoformat())
                  + ("" if saved.in_order else " " + _("Something was not in order: say what is being done in the note.")),
                  "success" if saved.in_order else "warning")
            return redirect(url_for("sitechecks.site", filing_id=filing.id))
    return render_template("sitechecks/patrol.html", form=form, filing=filing, existing=existing)


@bp.route("/filings/<int:filing_id>/weekly", methods=["GET", "POST"])
@roles("vendor")
def weekly(filing_id: int):
    actor = current_actor()
    filing = service.filing_for_firm(actor, filing_id)
    existing = service.weekly_of(filing.id, clock.today()) if request.method == "GET" else None
    form = WeeklyForm(obj=existing) if existing else WeeklyForm()
    if request.method == "GET":
        form.week.data = clock.today()
        form.version.data = str(existing.version_id) if existing else ""
    if form.validate_on_submit():
        items = {name: getattr(form, name).data for name in service.WEEKLY_ITEMS}
        try:
            service.record_weekly(actor, filing.id, form.week.data, items, form.findings.data or "",
                                  form.version.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Weekly check saved; the agency has been asked to countersign it."), "success")
            return redirect(url_for("sitechecks.site", filing_id=filing.id))
    return render_template("sitechecks/weekly.html", form=form, filing=filing, existing=existing)


@bp.route("/weekly/<int:check_id>/countersign", methods=["POST"])
@roles("agency")
def countersign(check_id: int):
    actor = current_actor()
    check = get_visible(actor, SiteWeeklyCheck, check_id)
    form = CountersignForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("sitechecks.site", filing_id=check.filing_id))
    try:
        service.countersign(actor, check.id, form.decision.data, form.note.data or "", form.version.data)
    except ValidationFailed as exc:
        apply_service_errors(form, exc)
        for message in form.form_errors + [m for f in ("decision", "note") for m in getattr(form, f).errors]:
            flash(message, "error")
    else:
        flash(_("Your countersignature has been recorded."), "success")
    return redirect(url_for("sitechecks.site", filing_id=check.filing_id))


@bp.route("/filings/<int:filing_id>/monthly", methods=["GET", "POST"])
@roles("vendor")
def monthly(filing_id: int):
    actor = current_actor()
    filing = service.filing_for_firm(actor, filing_id)
    items = service.checklist_for(filing)
    existing = service.monthly_of(filing.id, clock.today()) if request.method == "GET" else None
    form = MonthlyForm(obj=existing) if existing else MonthlyForm()
    results = {code: request.form.get(f"item-{code}", "") for code, *_r in items}
    if request.method == "GET":
        form.month.data = clock.today()
        form.version.data = str(existing.version_id) if existing else ""
        results = dict(existing.results) if existing else results
    if form.validate_on_submit():
        try:
            service.record_monthly(actor, filing.id, form.month.data, results, form.findings.data or "",
                                   form.version.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Monthly self-inspection saved."), "success")
            return redirect(url_for("sitechecks.site", filing_id=filing.id))
    return render_template("sitechecks/monthly.html", form=form, filing=filing, items=items, results=results,
                           result_labels=CHECK_RESULT_LABELS)

