"""Supervision pages: thin views over the supervision services (dashboard, alerts, inspections, rectification, notices)."""
from __future__ import annotations

from dataclasses import replace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from portal.auth.models import User
from portal.core import cache as aggregates
from portal.core import charts, clock, docnumbers, localtime
from portal.core.access import in_jurisdiction, is_supervisor, scoped, visible
from portal.core.constants import SEVERITIES
from portal.core.context import current_actor
from portal.core.errors import ValidationFailed
from portal.core.exports import Criterion, memo, title_row, workbook_response, xlsx_response
from portal.core.identifiers import DISTRICTS
from portal.core.msgids import N_
from portal.core.pagination import paginate
from portal.core.quarters import parse_quarter, quarter_bounds, quarter_label, quarters_ending
from portal.core.workflows import INSPECTION, RECTIFICATION
from portal.extensions import db
from portal.firms import service as firm_service
from portal.firms.models import Firm
from portal.home.panels import Panel
from portal.home.panels import register as register_panel
from portal.supervision import alerts, dashboard, inspections, notices, rectification
from portal.supervision import queries as exports
from portal.supervision.blueprint import _district_label, bp
from portal.supervision.forms import (
    AckForm,
    DecisionForm,
    DrawForm,
    EscalateForm,
    LiaisonForm,
    NoticeForm,
    OrderForm,
    PenaltyForm,
    PhotoForm,
    PlanForm,
    RecordForm,
    RefusalForm,
    ResponseForm,
    TemplateForm,
)
from portal.supervision.models import (
    ChecklistTemplate,
    Inspection,
    InspectionDraw,
    LiaisonConfirmation,
    NoticeRecipient,
    RectificationOrder,
    Summons,
)
from portal.supervision.penalties import LEGAL_BASES
from portal.web.context import actor_for_user
from portal.web.documents import document_for
from portal.web.forms import apply_service_errors, choices
from portal.web.i18n import translate
from portal.web.params import int_arg
from portal.web.permissions import roles
from portal.web.redirects import redirect_next
from portal.web.templating import district_label

SUPERVISORS = ("regulator", "lead")


def _wants_xlsx() -> bool:
    return request.args.get("format") == "xlsx"


def _firm_choices(actor) -> list[tuple[int, str]]:
    """Firms in the actor's jurisdiction for filter and form choices (cached until a firm changes)."""
    stmt = scoped(select(Firm.id, Firm.name).where(Firm.status.in_(notices.RECIPIENT_FIRM_STATUSES)), actor,
                  Firm.district_code).order_by(Firm.name)
    return list(aggregates.value("supervision.firm_choices", actor.district_code, [Firm],
                                 lambda: tuple((fid, name) for fid, name in db.session.execute(stmt))))


def _firm_options(actor, selected: int | None) -> Markup:
    """The firm filter's options (600 at province scale), rendered by a template once per jurisdiction,
    chosen firm and language, and kept until a firm changes: escaping 600 names costs more than the rest
    of a list page."""
    html = aggregates.value(
        "supervision.firm_options", (actor.district_code, selected, str(get_locale())), [Firm],
        lambda: render_template("supervision/_firm_options.html", firm_choices=_firm_choices(actor),
                                selected=selected))
    return Markup(html)  # rendered (and escaped) by the template engine


def _user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}


def _arg_int(name: str) -> int | None:
    return int_arg(name)


# --- dashboard ------------------------------------------------------------------------------------------

@bp.route("/", endpoint="dashboard")
@roles(*SUPERVISORS)
def dashboard_view():
    actor = current_actor()
    today = clock.today()
    current = quarter_bounds(today)[0]
    chosen = parse_quarter(request.args.get("quarter"))
    first = chosen[0] if chosen and chosen[0] <= current else current  # no future quarters
    district = request.args.get("district", "")
    if district not in DISTRICTS or not in_jurisdiction(actor, district):
        district = ""
    data = dashboard.build(actor)
    dd = dashboard.drilldown(actor, first, district)
    quarter_choices = [quarter_label(a) for a, _b in reversed(quarters_ending(today, dashboard.TREND_QUARTERS))]
    if dd.label not in quarter_choices:
        quarter_choices.append(dd.label)
    return render_template("supervision/dashboard.html", d=data, dd=dd, rules=alerts.RULES,
                           charts=_dashboard_charts(dd), quarter_choices=quarter_choices,
                           this_year=today.year)


def _dashboard_charts(dd: dashboard.Drilldown) -> list[dict]:
    """The dashboard's charts: geometry from portal.core.charts, words and links (the list behind each
    bar) here, markup in templates/macros/charts.html."""
    where = {"district": dd.district} if dd.district else {}

    def quarter_axis(q) -> tuple[str, str]:
        return _("Year %(year)s", year=q.first.year), _("Q%(quarter)s", quarter=q.label[5:])

    def trend(attr: str, link, ceiling=None):
        return charts.column_chart([charts.Point(quarter_axis(q), getattr(q, attr), link(q)) for q in dd.trend],
                                   ceiling=ceiling)

    return [
        dict(id="chart-district", chart=charts.bar_chart([
            charts.Point((_district_label(r.code),), r.in_progress,
                         url_for("filings.index", status="in_progress", district=r.code)) for r in dd.rows]),
             title=_("Projects in progress by district"), x_title=_("Projects"), y_title=_("District"),
             desc=_("One bar per district: the projects in progress there now."), head=_("District")),
        dict(id="chart-filed", chart=trend("filed", lambda q: url_for(
            "filings.index", date_from=q.first.isoformat(), date_to=q.last.isoformat(), **where)),
             title=_("Filings per quarter"), x_title=_("Quarter"), y_title=_("Filings"),
             desc=_("Filings submitted in each of the last eight quarters."), head=_("Quarter")),
        dict(id="chart-inspections", chart=trend("inspections", lambda q: url_for(
            "supervision.inspections", quarter=q.label, **where)),
             title=_("Inspections per quarter"), x_title=_("Quarter"), y_title=_("Inspections"),
             desc=_("Inspections planned in each of the last eight quarters."), head=_("Quarter")),
        dict(id="chart-closed", chart=trend("rectifications_closed", lambda q: url_for(
            "supervision.rectifications", closed=q.label, **where)),
             title=_("Rectifications closed per quarter"), x_title=_("Quarter"), y_title=_("Rectification orders"),
             desc=_("Rectification orders closed in each of the last eight quarters."), head=_("Quarter")),
        dict(id="chart-score", chart=trend("average_score", lambda q: url_for(
            "scoring.period", period_id=q.period_id) if q.period_id else "", ceiling=100),
             title=_("Average score per quarter"), x_title=_("Quarter"), y_title=_("Average score"),
             desc=_("Average total score of the rated firms in each published quarterly period; "
                    "a quarter without a published period has no bar."), head=_("Quarter")),
    ]


@bp.route("/summary")
@roles(*SUPERVISORS)
def annual_summary():
    year = int_arg("year", low=1900, high=9000) or clock.today().year
    sheets = dashboard.annual_summary(current_actor(), year)
    titled = [replace(sheet, title_row=title_row(sheet.title, SUMMARY_CRITERIA, {"year": year})) for sheet in sheets]
    return workbook_response(f"supervision-summary-{year}.xlsx", titled)


# --- the filters of the lists, as their exports' title rows show them -----------------------------------
# One entry per field of the list's filter object, with the filter form's label; a value the form does not
# offer reads as nothing (it filtered nothing either), never as a code.

def _words(mapping: dict):
    return lambda code: _(mapping[code]) if code in mapping else ""


def _firm_words(firm_id: int) -> str:
    return firm_service.firm_name(None, firm_id)


def _district_words(code: str) -> str:
    return district_label(code) if code in DISTRICTS else ""


SUMMARY_CRITERIA = (Criterion("year", N_("Year")),)
_ALERT_STATES = {"open": N_("Open alerts"), "acknowledged": N_("Acknowledged"), "closed": N_("Closed")}
ALERT_CRITERIA = (
    Criterion("rule", N_("Rule"), _words(alerts.RULES)),
    Criterion("severity", N_("Severity"), _words(SEVERITIES)),
    Criterion("state", N_("State"), _words(_ALERT_STATES)),
    Criterion("district", N_("District"), _district_words),
    Criterion("firm_id", N_("Firm"), _firm_words),
)
INSPECTION_CRITERIA = (
    Criterion("status", N_("Status"), _words(INSPECTION.states)),
    Criterion("kind", N_("Inspection kind"), _words({"planned": N_("Planned by hand"), "random": N_("Random draw")})),
    Criterion("district", N_("District"), _district_words),
    Criterion("firm_id", N_("Firm"), _firm_words),
    Criterion("published", N_("Results published"), _words({"yes": N_("Yes"), "no": N_("No")})),
)
RECEIPT_CRITERIA = (
    Criterion("notice", N_("Notice")),
    Criterion("state", N_("Show"), _words({"unread": N_("Not read"), "unacknowledged": N_("Not acknowledged"),
                                            "acknowledged": N_("Acknowledged")})),
)
ORDER_CRITERIA = (
    Criterion("status", N_("Status"), _words({"open": N_("Open orders"), **RECTIFICATION.states})),
    Criterion("district", N_("District"), _district_words),
    Criterion("firm_id", N_("Firm"), _firm_words),
    Criterion("overdue_only", N_("Only overdue orders"), lambda _on: _("Yes")),
)


# --- alerts ---------------------------------------------------------------------------------------------

@bp.route("/alerts/scan", methods=["POST"])
@roles(*SUPERVISORS)
def alerts_scan():
    report = alerts.scan(current_actor())
    flash(_("Alert scan done: %(raised)s raised, %(closed)s closed.", raised=report.total_raised,
            closed=report.total_closed), "success")
    return redirect_next(request.form.get("next"), "supervision.alerts")


def _alert_filter() -> alerts.AlertFilter:
    return alerts.AlertFilter(rule=request.args.get("rule", ""), severity=request.args.get("severity", ""),
                              state=request.args.get("state", "open"), district=request.args.get("district", ""),
                              firm_id=_arg_int("firm_id"))


@bp.route("/alerts", endpoint="alerts")
@roles(*SUPERVISORS)
def alerts_list():
    actor = current_actor()
    f = _alert_filter()
    if _wants_xlsx():
        rows = exports.alert_rows(actor, f, dict(_firm_choices(actor)))
        title = N_("Alerts")
        return xlsx_response("alerts.xlsx", exports.alert_columns(memo(_), translate, _alert_states()), rows, sheet_title=title,
                             title_row=title_row(title, ALERT_CRITERIA, f))
    page = alerts.list_alerts(actor, f, int_arg("page", 1))
    firms = dict(db.session.execute(select(Firm.id, Firm.name).where(
        Firm.id.in_({a.firm_id for a in page.items if a.firm_id}))).all()) if page.items else {}
    return render_template("supervision/alerts.html", page=page, f=f, rules=alerts.RULES, rows=_alert_rows(page.items, firms),
                           districts=DISTRICTS, firm_options=_firm_options(actor, f.firm_id))


def _alert_states() -> dict[str, str]:
    """The words for where an alert stands (`alerts.state_of`), on the list and in its export."""
    return {"closed": _("Closed"), "acknowledged": _("Acknowledged"), "open": pgettext("state", "Open")}


def _alert_rows(items, firms: dict[int, str]) -> list[tuple]:
    """The alert table's cells as text (escaped by the template): (raised, rule, severity code, severity,
    detail link, message, firm, district, state). Labels repeat across rows, so each distinct rule,
    severity and district is translated once per page instead of through a template call per cell."""
    from portal.web.templating import label, localdt

    rule_labels: dict[str, str] = {}
    severity_labels: dict[str, str] = {}
    district_labels: dict[str | None, str] = {}
    states = _alert_states()
    rows = []
    for a in items:
        rule = rule_labels.get(a.rule)
        if rule is None:
            rule = rule_labels[a.rule] = _(alerts.RULES.get(a.rule, a.rule))
        severity = severity_labels.get(a.severity)
        if severity is None:
            severity = severity_labels[a.severity] = label("SEVERITIES", a.severity)
        district = district_labels.get(a.district_code)
        if district is None:
            district = district_labels[a.district_code] = _district_label(a.district_code)
        state = states[alerts.state_of(a)]
        link = url_for("supervision.alert_detail", alert_id=a.id)
        rows.append((localdt(a.raised_at), rule, a.severity, severity, link, translate(a.message, a.params),
                     firms.get(a.firm_id, ""), district, state))
    return rows



@bp.route("/alerts/<int:alert_id>", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def alert_detail(alert_id: int):
    actor = current_actor()
    alert = alerts.get_alert(actor, alert_id)
    form = AckForm()
    if form.validate_on_submit():
        try:
            alerts.acknowledge(actor, alert_id, form.note.data)
            flash(_("The alert is acknowledged."), "success")
            return redirect(url_for("supervision.alert_detail", alert_id=alert_id))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
    firm = db.session.get(Firm, alert.firm_id) if alert.firm_id else None
    return render_template("supervision/alert_detail.html", alert=alert, form=form, rules=alerts.RULES, firm=firm,
                           acknowledged_by=_user_names([alert.acknowledged_by_id]).get(alert.acknowledged_by_id))


# --- inspections ----------------------------------------------------------------------------------------

def _inspection_filter() -> inspections.InspectionFilter:
    return inspections.InspectionFilter(status=request.args.get("status", ""), kind=request.args.get("kind", ""),
                                        firm_id=_arg_int("firm_id"), district=request.args.get("district", ""),
                                        published=request.args.get("published", ""),
                                        quarter=request.args.get("quarter", ""))


@bp.route("/inspections", endpoint="inspections")
@roles(*SUPERVISORS)
def inspections_list():
    actor = current_actor()
    f = _inspection_filter()
    if _wants_xlsx():
        title = N_("Inspections")
        return xlsx_response("inspections.xlsx", exports.inspection_columns(memo(_)), exports.inspection_rows(actor, f),
                             sheet_title=title, title_row=title_row(title, INSPECTION_CRITERIA, f))
    page = inspections.list_inspections(actor, f, int_arg("page", 1))
    firms, users = inspections.names_for(page.items)
    return render_template("supervision/inspections.html", page=page, f=f, firms=firms, users=users,
                           states=INSPECTION.states, districts=DISTRICTS,
                           firm_options=_firm_options(actor, f.firm_id))



def _inspector_choices(actor) -> list[tuple[int, str]]:
    ids = inspections.inspector_pool(actor.district_code)[0]
    names = _user_names(ids)
    return [(i, names.get(i, str(i))) for i in ids]


@bp.route("/inspections/new", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def inspection_new():
    actor = current_actor()
    form = PlanForm()
    form.firm_id.choices = choices(_firm_choices(actor))
    form.inspector1_id.choices = form.inspector2_id.choices = choices(_inspector_choices(actor))
    if form.validate_on_submit():
        try:
            inspection = inspections.plan_inspection(actor, form.firm_id.data, form.planned_on.data,
                                                     form.inspector1_id.data, form.inspector2_id.data,
                                                     filing_number=form.filing_number.data)
            flash(_("The inspection is planned."), "success")
            return redirect(url_for("supervision.inspection_detail", inspection_id=inspection.id))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
    return render_template("supervision/inspection_new.html", form=form)


@bp.route("/inspections/draw", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def inspection_draw():
    actor = current_actor()
    form = DrawForm()
    if form.validate_on_submit():
        try:
            record = inspections.random_draw(actor, form.n.data, form.target.data, form.planned_on.data)
            flash(_("The random draw is done."), "success")
            return redirect(url_for("supervision.draw_detail", draw_id=record.id))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
    draws = list(db.session.scalars(select(InspectionDraw).where(visible(actor, InspectionDraw))
                                    .order_by(InspectionDraw.id.desc()).limit(20)))
    candidates = inspections.draw_candidates(actor, "firm")
    return render_template("supervision/draw.html", form=form, draws=draws, candidates=candidates,
                           names=inspections.candidate_names(c.key for c in candidates[:60]))


@bp.route("/draws/<int:draw_id>")
@roles(*SUPERVISORS)
def draw_detail(draw_id: int):
    actor = current_actor()
    record = inspections.get_draw(actor, draw_id)
    rerun = inspections.rerun_draw(actor, draw_id) if request.args.get("rerun") else None
    planned = list(db.session.scalars(select(Inspection).where(Inspection.draw_id == record.id)
                                      .order_by(Inspection.id)))
    firms, users = inspections.names_for(planned)
    keys = [c["key"] if isinstance(c, dict) else c.key for c in record.candidates] + list(record.chosen)
    if rerun:
        keys += list(rerun.result.chosen)
    return render_template("supervision/draw_detail.html", draw=record, rerun=rerun, planned=planned, firms=firms,
                           users=users | _user_names(record.inspectors), names=inspections.candidate_names(keys))


def _inspection_context(inspection):
    items = inspections.template_items(inspection.template_id) if inspection.template_id else []
    firms, users = inspections.names_for([inspection])
    template = db.session.get(ChecklistTemplate, inspection.template_id) if inspection.template_id else None
    from portal.core import timeline

    orders = list(db.session.scalars(rectification.visible_orders(current_actor()).where(
        rectification.RectificationOrder.inspection_id == inspection.id)))
    results = inspections.results_of(inspection.id)
    return dict(inspection=inspection, items=items, results=results,
                firm_name=firms.get(inspection.firm_id, ""), users=users, template=template,
                photos=inspections.photos_of(inspection.id), states=INSPECTION.states,
                history=timeline.steps("inspection", inspection.id), orders=orders,
                can_pass=inspections.can_pass_inspection(inspection, results),
                draw=inspections.draw_of(current_actor(), inspection))


@bp.route("/inspections/<int:inspection_id>")
@roles(*SUPERVISORS)
def inspection_detail(inspection_id: int):
    inspection = inspections.get_inspection(current_actor(), inspection_id)
    return render_template("supervision/inspection_detail.html", photo_form=PhotoForm(),
                           refusal_form=RefusalForm(), **_inspection_context(inspection))


@bp.route("/inspections/<int:inspection_id>/print")
@roles(*SUPERVISORS)
def inspection_print(inspection_id: int):
    inspection = inspections.get_inspection(current_actor(), inspection_id)
    document = document_for(docnumbers.INSPECTION, inspection.id,
                            inspection.checked_at and localtime.local_date(inspection.checked_at))
    return render_template("supervision/inspection_print.html", document=document,
                           **_inspection_context(inspection))


@bp.route("/inspections/<int:inspection_id>/record", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def inspection_record(inspection_id: int):
    actor = current_actor()
    inspection = inspections.get_inspection(actor, inspection_id)
    form = RecordForm(version=inspection.version_id)
    items = inspections.template_items(inspection.template_id) if inspection.template_id else []
    if form.validate_on_submit():
        results = [inspections.ItemResult(i.id, request.form.get(f"result_{i.id}", ""),
                                          request.form.get(f"note_{i.id}", "")) for i in items]
        try:
            inspections.record_results(actor, inspection_id, results, form.findings.data or "",
                                       version=form.version.data)
            flash(_("The results are recorded."), "success")
            return redirect(url_for("supervision.inspection_detail", inspection_id=inspection_id))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
    return render_template("supervision/inspection_record.html", inspection=inspection, items=items, form=form,
                           existing=inspections.results_of(inspection.id))


@bp.route("/inspections/<int:inspection_id>/action", methods=["POST"])
@roles(*SUPERVISORS)
def inspection_action(inspection_id: int):
    actor = current_actor()
    action = request.form.get("action", "")
    version = request.form.get("version")
    try:
        if action == "notify":
            inspections.notify_firm(actor, inspection_id, version)
        elif action in ("pass", "require_rectification"):
            inspections.conclude(actor, inspection_id, action, version)
        elif action == "publish":
            inspections.publish(actor, inspection_id)
        else:
            abort(400)
        flash(_("Done."), "success")
    except ValidationFailed as exc:
        for messages in exc.field_errors.values():
            for m in messages:
                flash(translate(m), "error")
    return redirect(url_for("supervision.inspection_detail", inspection_id=inspection_id))


@bp.route("/inspections/<int:inspection_id>/refused", methods=["POST"])
@roles(*SUPERVISORS)
def inspection_refused(inspection_id: int):
    form = RefusalForm()
    if form.validate_on_submit():
        inspections.record_refusal(current_actor(), inspection_id, form.note.data)
        flash(_("The refusal is recorded."), "success")
    else:
        flash(_("Describe how the inspection was refused."), "error")
    return redirect(url_for("supervision.inspection_detail", inspection_id=inspection_id))


@bp.route("/inspections/<int:inspection_id>/photo", methods=["POST"])
@roles(*SUPERVISORS)
def inspection_photo(inspection_id: int):
    form = PhotoForm()
    if form.validate_on_submit():
        upload = form.photo.data
        try:
            inspections.add_photo(current_actor(), inspection_id, upload.read(), upload.filename or "photo")
            flash(_("The photo is attached."), "success")
        except ValidationFailed as exc:
            for messages in exc.field_errors.values():
                for m in messages:
                    flash(translate(m) if isinstance(m, str) else translate(*m), "error")
    return redirect(url_for("supervision.inspection_detail", inspection_id=inspection_id))


@bp.route("/checklists", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def checklists():
    actor = current_actor()
    if request.method == "POST":
        inspections.save_default_templates(actor)
        return redirect(url_for("supervision.checklists"))
    unsaved = inspections.unsaved_default_templates()
    return render_template("supervision/checklists.html", templates=inspections.list_templates(actor) + unsaved,
                           unsaved=unsaved)


@bp.route("/checklists/<int:template_id>", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def checklist_detail(template_id: int):
    actor = current_actor()
    template = inspections.get_template(actor, template_id)
    items = inspections.template_items(template.id)
    form = TemplateForm(name=template.name, items="\n".join(
        f"{i.code} | {translate(i.text)} | {translate(i.basis)} | {_('yes') if i.is_security else _('no')}" for i in items))
    if request.method == "POST":
        if "lead" not in actor.roles:
            abort(403)
        form = TemplateForm()
        if form.validate_on_submit():
            parsed = []
            for line in (form.items.data or "").splitlines():
                parts = [p.strip() for p in line.split("|")]
                if len(parts) >= 2 and parts[1]:
                    parsed.append(inspections.ItemInput(parts[0], parts[1], parts[2] if len(parts) > 2 else "",
                                                        len(parts) > 3 and parts[3].lower() in ("yes", "y", "是", "1", _("yes").lower())))
            try:
                new = inspections.edit_template(actor, template_id, form.name.data, parsed)
                flash(_("A new version of the checklist is active."), "success")
                return redirect(url_for("supervision.checklist_detail", template_id=new.id))
            except ValidationFailed as exc:
                apply_service_errors(form, exc)
    return render_template("supervision/checklist_detail.html", template=template, items=items, form=form,
                           can_edit="lead" in actor.roles and template.active)


# --- rectification --------------------------------------------------------------------------------------

def _order_filter() -> rectification.OrderFilter:
    return rectification.OrderFilter(status=request.args.get("status", ""), firm_id=_arg_int("firm_id"),
                                     district=request.args.get("district", ""),
                                     overdue_only=request.args.get("overdue") == "1",
                                     closed_in=request.args.get("closed", ""))


@bp.route("/rectifications", endpoint="rectifications")
@roles("regulator", "lead", "vendor")
def rectifications_list():
    actor = current_actor()
    f = _order_filter()
    if _wants_xlsx():
        if not is_supervisor(actor):
            abort(403)
        title = N_("Rectification")
        return xlsx_response("rectifications.xlsx", exports.rectification_columns(memo(_)),
                             exports.rectification_rows(actor, f), sheet_title=title,
                             title_row=title_row(title, ORDER_CRITERIA, f))
    page = rectification.list_orders(actor, f, int_arg("page", 1))
    return render_template("supervision/rectifications.html", page=page, f=f,
                           firms=rectification.firm_names(o.firm_id for o in page.items),
                           states=RECTIFICATION.states, districts=DISTRICTS, supervisor=is_supervisor(actor),
                           firm_options=_firm_options(actor, f.firm_id) if is_supervisor(actor) else "")



@bp.route("/rectifications/new", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def rectification_new():
    actor = current_actor()
    inspection_id = int_arg("inspection_id", source=request.values)
    incident_id = int_arg("incident_id", source=request.values)
    form = OrderForm()
    form.firm_id.choices = choices([(0, "—")] + _firm_choices(actor))
    source = None
    if inspection_id:
        source = inspections.get_inspection(actor, inspection_id)
        if request.method == "GET":
            form.items.data = "\n".join(rectification.failed_items(inspection_id, translate)) or (
                _("The firm refused the inspection") if source.refused else "")
    if form.validate_on_submit():
        items = [line for line in (form.items.data or "").splitlines() if line.strip()]
        try:
            if inspection_id:
                order = rectification.issue_from_inspection(actor, inspection_id, form.requirement.data,
                                                            form.deadline.data, items)
            elif incident_id:
                order = rectification.issue_from_incident(actor, incident_id, form.requirement.data,
                                                          form.deadline.data, items)
            else:
                if not form.firm_id.data:
                    raise ValidationFailed({"firm_id": [_("Choose a firm.")]})
                order = rectification.issue_by_hand(actor, form.firm_id.data, items, form.requirement.data,
                                                    form.deadline.data)
            flash(_("Rectification order %(number)s is issued.", number=order.number), "success")
            return redirect(url_for("supervision.rectification_detail", order_id=order.id))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
    return render_template("supervision/rectification_new.html", form=form, inspection=source,
                           inspection_id=inspection_id, incident_id=incident_id)


def _order_context(order):
    actor = current_actor()
    hist = rectification.history(order)
    names = _user_names([order.issued_by_id] + [r.submitted_by_id for r in hist.responses]
                        + [r.decided_by_id for r in hist.responses])
    firm = db.session.get(Firm, order.firm_id)
    return dict(order=order, hist=hist, names=names, firm=firm, states=RECTIFICATION.states,
                supervisor=is_supervisor(actor), legal_bases=LEGAL_BASES,
                is_firm=("vendor" in actor.roles and actor.firm_id == order.firm_id))


@bp.route("/rectifications/<int:order_id>")
@roles("regulator", "lead", "vendor")
def rectification_detail(order_id: int):
    order = rectification.get_order(current_actor(), order_id)
    return render_template("supervision/rectification_detail.html",
                           response_form=ResponseForm(version=order.version_id),
                           decision_form=DecisionForm(version=order.version_id),
                           penalty_form=PenaltyForm(), **_order_context(order))


@bp.route("/rectifications/<int:order_id>/print")
@roles("regulator", "lead", "vendor")
def rectification_print(order_id: int):
    order = rectification.get_order(current_actor(), order_id)
    document = document_for(docnumbers.RECTIFICATION, order.id, localtime.local_date(order.issued_at))
    return render_template("supervision/rectification_print.html", document=document, **_order_context(order))


@bp.route("/rectifications/<int:order_id>/summons/<int:summons_id>/print")
@roles("regulator", "lead", "vendor")
def summons_print(order_id: int, summons_id: int):
    """约谈记录: the record of a summons held when the order was escalated."""
    order = rectification.get_order(current_actor(), order_id)
    summons = db.session.get(Summons, summons_id)
    if summons is None or summons.order_id != order.id:
        abort(404)
    document = document_for(docnumbers.SUMMONS, summons.id, summons.held_on)
    return render_template("supervision/summons_print.html", document=document, summons=summons,
                           **_order_context(order))


@bp.route("/rectifications/<int:order_id>/respond", methods=["POST"])
@roles("vendor")
def rectification_respond(order_id: int):
    actor = current_actor()
    order = rectification.get_order(actor, order_id)
    form = ResponseForm()
    if form.validate_on_submit():
        files = [(f.read(), f.filename or "evidence") for f in (form.files.data or []) if f and f.filename]
        try:
            rectification.respond(actor, order_id, form.body.data, files, version=form.version.data)
            flash(_("Your answer is submitted."), "success")
            return redirect(url_for("supervision.rectification_detail", order_id=order_id))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
    return render_template("supervision/rectification_detail.html", response_form=form,
                           decision_form=DecisionForm(version=order.version_id), penalty_form=PenaltyForm(),
                           **_order_context(order)), 422


@bp.route("/rectifications/<int:order_id>/decide", methods=["POST"])
@roles(*SUPERVISORS)
def rectification_decide(order_id: int):
    actor = current_actor()
    order = rectification.get_order(actor, order_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            if form.action.data == "verify":
                rectification.verify(actor, order_id, form.version.data, form.reason.data or "")
                flash(_("The rectification is verified and the order closed."), "success")
            elif form.action.data == "reject":
                rectification.reject(actor, order_id, form.reason.data or "", form.version.data)
                flash(_("The answer is rejected; the firm must answer again."), "success")
            else:
                abort(400)
            return redirect(url_for("supervision.rectification_detail", order_id=order_id))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
    return render_template("supervision/rectification_detail.html",
                           response_form=ResponseForm(version=order.version_id), decision_form=form,
                           penalty_form=PenaltyForm(), **_order_context(order)), 422


@bp.route("/rectifications/<int:order_id>/escalate", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def rectification_escalate(order_id: int):
    actor = current_actor()
    order = rectification.get_order(actor, order_id)
    form = EscalateForm(version=order.version_id)
    if form.validate_on_submit():
        penalty = None
        if form.with_penalty.data:
            penalty = rectification.PenaltyInput(form.legal_basis.data or "", form.decision.data or "",
                                                 None if form.amount.data is None else str(form.amount.data),
                                                 form.decided_on.data or clock.today())
        try:
            rectification.escalate(actor, order_id, form.reason.data, form.held_on.data, form.attendees.data or "",
                                   form.record.data, penalty, version=form.version.data)
            flash(_("The order is escalated and the summons recorded."), "success")
            return redirect(url_for("supervision.rectification_detail", order_id=order_id))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
    return render_template("supervision/rectification_escalate.html", form=form, order=order)


@bp.route("/rectifications/<int:order_id>/penalty", methods=["POST"])
@roles(*SUPERVISORS)
def rectification_penalty(order_id: int):
    actor = current_actor()
    order = rectification.get_order(actor, order_id)
    form = PenaltyForm()
    if form.validate_on_submit():
        try:
            rectification.add_penalty(actor, order_id, rectification.PenaltyInput(
                form.legal_basis.data, form.decision.data,
                None if form.amount.data is None else str(form.amount.data), form.decided_on.data))
            flash(_("The penalty case is recorded."), "success")
            return redirect(url_for("supervision.rectification_detail", order_id=order_id))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
    return render_template("supervision/rectification_detail.html",
                           response_form=ResponseForm(version=order.version_id),
                           decision_form=DecisionForm(version=order.version_id), penalty_form=form,
                           **_order_context(order)), 422


# --- notices --------------------------------------------------------------------------------------------

@bp.route("/notices", endpoint="notices")
@roles("regulator", "lead", "vendor", "agency")
def notices_list():
    actor = current_actor()
    page_no = int_arg("page", 1)
    if is_supervisor(actor):
        overdue = request.args.get("overdue") == "1"
        page, counts = notices.list_notices_for_regulator(actor, page_no, overdue=overdue)
        return render_template("supervision/notices.html", page=page, counts=counts, overdue=overdue,
                               today=clock.today())
    page = notices.notices_for_recipient(actor, page_no)
    return render_template("supervision/notices_firm.html", page=page, today=clock.today())


@bp.route("/notices/new", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def notice_new():
    actor = current_actor()
    form = NoticeForm()
    form.firm_ids.choices = choices(_firm_choices(actor))
    if form.validate_on_submit():
        chosen = form.firm_ids.data if form.audience.data == "chosen" else None
        files = [(f.read(), f.filename) for f in (form.files.data or []) if f and getattr(f, "filename", "")]
        try:
            notice = notices.publish_notice(actor, form.title.data, form.body.data, chosen, form.requires_ack.data,
                                            audience=form.audience.data, ack_deadline=form.ack_deadline.data,
                                            files=files)
            flash(_("The notice is published."), "success")
            return redirect(url_for("supervision.notice_detail", notice_id=notice.id))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
    return render_template("supervision/notice_new.html", form=form)


@bp.route("/notices/<int:notice_id>")
@roles("regulator", "lead", "vendor", "agency")
def notice_detail(notice_id: int):
    actor = current_actor()
    if is_supervisor(actor):
        notice = notices.get_notice_for_regulator(actor, notice_id)
        state = request.args.get("state", "")
        query = notices.receipts_query(actor, notice_id, state)
        if _wants_xlsx():
            title = N_("Receipts")
            heading = title_row(title, RECEIPT_CRITERIA, {"notice": notice.title, "state": state})
            return xlsx_response(f"notice-{notice_id}-receipts.xlsx", exports.RECEIPT_COLUMNS,
                                 exports.receipt_rows(query), sheet_title=title, title_row=heading)
        page = paginate(query, int_arg("page", 1), scalars=False)
        names = _user_names([r[0].read_by_id for r in page.items] + [r[0].acknowledged_by_id for r in page.items])
        return render_template("supervision/notice_receipts.html", notice=notice, page=page, names=names,
                               state=state, files=notices.files_of(notice.id))
    notice, receipt = notices.open_notice(actor, notice_id)
    return render_template("supervision/notice_firm.html", notice=notice, receipt=receipt,
                           files=notices.files_of(notice.id), today=clock.today())


@bp.route("/notices/<int:notice_id>/ack", methods=["POST"])
@roles("vendor", "agency")
def notice_ack(notice_id: int):
    notices.acknowledge_notice(current_actor(), notice_id)
    flash(_("Thank you: the notice is acknowledged."), "success")
    return redirect(url_for("supervision.notice_detail", notice_id=notice_id))


@bp.route("/notices/<int:notice_id>/remind", methods=["POST"])
@roles(*SUPERVISORS)
def notice_remind(notice_id: int):
    n = notices.remind(current_actor(), notice_id)
    flash(_("%(n)s recipients were reminded.", n=n), "success")
    return redirect(url_for("supervision.notice_detail", notice_id=notice_id))


# --- liaison and contacts ---------------------------------------------------------------------------------

@bp.route("/liaison/confirm", methods=["GET", "POST"])
@roles("vendor")
def liaison_confirm():
    from portal.core import crypto

    actor = current_actor()
    firm = notices.my_firm(actor)
    form = LiaisonForm()
    if request.method == "GET":
        form.name.data, form.phone.data = firm.liaison_name, crypto.decrypt(firm.liaison_phone_enc)
        form.email.data = firm.liaison_email
    if form.validate_on_submit():
        try:
            notices.confirm_liaison(actor, form.name.data, form.phone.data, form.email.data or "")
            flash(_("Your liaison contact is confirmed for this quarter."), "success")
            return redirect(url_for("supervision.liaison_confirm"))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
    return render_template("supervision/liaison.html", form=form, firm=firm, due=notices.liaison_due(firm),
                           quarter=notices.quarter_of(clock.today()))


@bp.route("/contacts")
@roles(*SUPERVISORS)
def contacts():
    actor = current_actor()
    page = notices.contact_directory(actor, request.args.get("q", ""), request.args.get("district", ""),
                                     request.args.get("overdue") == "1", int_arg("page", 1))
    return render_template("supervision/contacts.html", page=page, districts=DISTRICTS)


@bp.route("/contacts/<int:firm_id>/reveal", methods=["POST"])
@roles(*SUPERVISORS)
def contact_reveal(firm_id: int):
    phone = notices.reveal_liaison_phone(current_actor(), firm_id)
    firm = db.session.get(Firm, firm_id)
    return render_template("supervision/contact_reveal.html", firm=firm, phone=phone)


# --- home panels ----------------------------------------------------------------------------------------

@register_panel
def supervision_panels(user) -> list[Panel]:
    actor = actor_for_user(user)
    if is_supervisor(actor):
        counts = alerts.open_counts_by_rule(actor)
        d = dashboard.build(actor, waiting_limit=0)
        alert_items = [(_(alerts.RULES.get(rule, rule)), n, url_for("supervision.alerts", rule=rule))
                       for rule, n in sorted(counts.items())]
        return [
            Panel(_("Open alerts"), alert_items, _("No open alerts.")),
            Panel(_("Supervision"), [
                (_("Overdue rectifications"), d.rectifications_overdue,
                 url_for("supervision.rectifications", overdue="1")),
                (_("Inspections planned"), d.inspections_planned, url_for("supervision.inspections", status="upcoming")),
            ]),
            Panel(_("By district"), template="supervision/_district_table.html",
                  data=dashboard.drilldown(actor, quarter_bounds(clock.today())[0])),
        ]
    if "vendor" in actor.roles and actor.firm_id:
        firm_id = actor.firm_id
        firm = db.session.get(Firm, firm_id)
        quarter = notices.quarter_of(clock.today())
        # Plain values, cached per firm (the liaison per quarter) until their table is written.
        open_orders = aggregates.value("supervision.home_open_orders", firm_id, [RectificationOrder],
                                       lambda: rectification.open_order_count_for_firm(firm_id))
        unread = aggregates.value("supervision.home_unread_notices", firm_id, [NoticeRecipient],
                                  lambda: notices.unread_notice_count(firm_id))
        due = firm is not None and aggregates.value(
            "supervision.home_liaison_due", (firm_id, quarter), [LiaisonConfirmation],
            lambda: db.session.scalar(select(LiaisonConfirmation.id).where(
                LiaisonConfirmation.firm_id == firm_id, LiaisonConfirmation.quarter == quarter)) is None)
        return [Panel(_("Supervision"), [
            (_("Open rectification orders"), open_orders, url_for("supervision.rectifications", status="open")),
            (_("Unread notices"), unread, url_for("supervision.notices")),
            (_("Liaison confirmation"), _("Due") if due else _("Done"), url_for("supervision.liaison_confirm")),
        ])]
    return []

