"""Thin views: report an incident, list incidents by role, and the regulator's handling steps."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal.core import access, localtime
from portal.core.constants import INCIDENT_TYPES, SEVERITIES
from portal.core.context import current_actor
from portal.core.errors import ValidationFailed
from portal.core.exports import Criterion, memo, title_row, xlsx_response
from portal.core.msgids import N_
from portal.core.pagination import paginate
from portal.core.timeline import steps as timeline_steps
from portal.core.workflow import ReasonRequired
from portal.core.workflows import INCIDENT, RECTIFICATION
from portal.extensions import db
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.incidents import service
from portal.incidents.blueprint import bp
from portal.incidents.forms import DecisionForm, IncidentForm, RectificationForm, StatementForm
from portal.incidents.models import Incident
from portal.web.forms import apply_service_errors
from portal.web.i18n import translate
from portal.web.params import int_arg
from portal.web.permissions import roles

REPORTERS = ("agency", "vendor", "regulator", "lead")
SORTS = {
    "newest": (Incident.created_at.desc(), Incident.id.desc()),
    "oldest": (Incident.created_at.asc(), Incident.id.asc()),
    "occurred": (Incident.occurred_at.desc(), Incident.id.desc()),
}


def _filtered_incidents():
    query = service.visible_incidents()
    status = request.args.get("status", "")
    if status == "open":
        query = query.where(Incident.status.in_(service.OPEN_STATUSES))
    elif status in INCIDENT.states:
        query = query.where(Incident.status == status)
    incident_type = request.args.get("type", "")
    if incident_type in INCIDENT_TYPES:
        query = query.where(Incident.incident_type == incident_type)
    if request.args.get("veto") == "1":
        query = query.where(Incident.veto.is_(True))
    sort = request.args.get("sort", "newest")
    return query.order_by(*SORTS.get(sort, SORTS["newest"])), status, incident_type, sort


@bp.route("/")
@roles(*REPORTERS)
def index():
    query, status, incident_type, sort = _filtered_incidents()
    page = paginate(query, int_arg("page", 1), scalars=False)
    return render_template("incidents/index.html", page=page, states=INCIDENT.states, types=INCIDENT_TYPES,
                           status=status, incident_type=incident_type, sort=sort)


def _state_words(code: str) -> str:
    return _("Open (reported or investigating)") if code == "open" else _(INCIDENT.states[code])


# The list's filter as the export's title row shows it (the labels of the filter form).
EXPORT_CRITERIA = (
    Criterion("status", N_("State"), _state_words),
    Criterion("incident_type", N_("Incident type"), lambda code: _(INCIDENT_TYPES[code])),
    Criterion("veto", N_("Only grade vetoes"), lambda _on: _("Yes")),
)


@bp.route("/export.xlsx")
@roles(*REPORTERS)
def export():
    query, status, incident_type, _sort = _filtered_incidents()
    shown = {"status": status if status == "open" or status in INCIDENT.states else "",
             "incident_type": incident_type if incident_type in INCIDENT_TYPES else "",
             "veto": request.args.get("veto") == "1"}
    title = N_("Incidents")
    return xlsx_response("incidents.xlsx", service.export_columns(memo(_)), service.export_rows(query),
                         sheet_title=title, title_row=title_row(title, EXPORT_CRITERIA, shown))


def _filing_choices(filings: list[ProjectFiling]) -> list[SelectChoice]:
    return [SelectChoice(f.id, f"{f.number or '—'} {f.title}") for f in filings]


@bp.route("/new", methods=["GET", "POST"])
@roles(*REPORTERS)
def new():
    form = IncidentForm()
    filings = service.reportable_filings()
    form.filing_id.choices = [SelectChoice(0, _("— choose the project —"))] + _filing_choices(filings)
    form.incident_type.choices = [SelectChoice(code, _(label)) for code, label in INCIDENT_TYPES.items()]
    form.severity.choices = [SelectChoice(code, _(label)) for code, label in SEVERITIES.items()]
    if request.method == "GET":
        form.filing_id.data = int_arg("filing_id", 0)
    if form.validate_on_submit():
        uploads = [(f.read(), f.filename) for f in (form.files.data or []) if f and getattr(f, "filename", "")]
        # The form speaks China time; the database stores naive UTC.
        occurred = localtime.to_utc(form.occurred_at.data) if form.occurred_at.data else None
        report = service.IncidentReport(filing_id=form.filing_id.data or None, incident_type=form.incident_type.data,
                                        severity=form.severity.data, occurred_at=occurred,
                                        description=form.description.data or "")
        try:
            incident = service.report_incident(report, uploads)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("The incident has been reported. The regulator and the parties concerned have been told."), "success")
            return redirect(url_for("incidents.detail", incident_id=incident.id))
    return render_template("incidents/form.html", form=form, has_filings=bool(filings))


@bp.route("/<int:incident_id>")
@roles(*REPORTERS)
def detail(incident_id: int):
    actor = current_actor()
    incident = service.get_incident(actor, incident_id)
    filing = db.session.get(ProjectFiling, incident.filing_id) if incident.filing_id else None
    firm_name = db.session.scalar(select(Firm.name).where(Firm.id == incident.firm_id))
    supervisor = access.is_supervisor(actor)
    actions = [t.action for t in INCIDENT.allowed_actions(incident.status, actor.roles)] if supervisor else []
    decision = DecisionForm(version=incident.version_id)
    rect_form = RectificationForm(version=incident.version_id)
    return render_template(
        "incidents/detail.html", incident=incident, filing=filing, firm_name=firm_name,
        steps=timeline_steps("incident", incident.id), files=service.files_of(incident.id), actions=actions,
        decision=decision, rect_form=rect_form, order=service.rectification_of(incident.id),
        can_order=supervisor and incident.status == "upheld", states=INCIDENT.states,
        rect_states=RECTIFICATION.states, statement_form=StatementForm(version=incident.version_id,
                                                                       statement=incident.firm_statement),
        can_state=service.can_give_statement(actor, incident),
    )


@bp.route("/<int:incident_id>/statement", methods=["POST"])
@roles("vendor")
def statement(incident_id: int):
    form = StatementForm()
    form.validate()
    try:
        service.give_firm_statement(incident_id, form.statement.data or "", form.version.data)
    except ValidationFailed as exc:
        flash("; ".join(translate(*m) if isinstance(m, tuple) else translate(m)
                        for msgs in exc.field_errors.values() for m in msgs), "error")
    else:
        flash(_("Your statement is recorded and the regulator is told."), "success")
    return redirect(url_for("incidents.detail", incident_id=incident_id))


def _conclude(incident_id: int, call, done: str):
    form = DecisionForm()
    form.validate()
    try:
        call(incident_id, form.reason.data or "", form.version.data)
    except ReasonRequired as exc:
        db.session.rollback()
        flash(exc.translated(_), "error")
    else:
        flash(done, "success")
    return redirect(url_for("incidents.detail", incident_id=incident_id))


@bp.route("/<int:incident_id>/investigate", methods=["POST"])
@roles("regulator")
def investigate(incident_id: int):
    form = DecisionForm()
    form.validate()
    service.start_investigation(incident_id, form.version.data)
    flash(_("The incident is now under investigation."), "success")
    return redirect(url_for("incidents.detail", incident_id=incident_id))


@bp.route("/<int:incident_id>/uphold", methods=["POST"])
@roles("regulator")
def uphold(incident_id: int):
    return _conclude(incident_id, service.uphold_incident, _("The incident is concluded as upheld."))


@bp.route("/<int:incident_id>/dismiss", methods=["POST"])
@roles("regulator")
def dismiss(incident_id: int):
    return _conclude(incident_id, service.dismiss_incident, _("The incident is concluded as not upheld."))


@bp.route("/<int:incident_id>/rectification", methods=["POST"])
@roles("regulator")
def rectification(incident_id: int):
    form = RectificationForm()
    if not form.validate():
        flash(_("State what the firm must put right."), "error")
        return redirect(url_for("incidents.detail", incident_id=incident_id))
    try:
        order = service.order_rectification(incident_id, form.requirement.data, form.deadline.data,
                                            form.version.data)
    except ValidationFailed as exc:
        flash("; ".join(translate(m) for msgs in exc.field_errors.values() for m in msgs), "error")
    else:
        flash(_("Rectification order %(number)s has been issued.", number=order.number), "success")
    return redirect(url_for("incidents.detail", incident_id=incident_id))
