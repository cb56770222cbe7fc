"""Thin views: the agency workspace, rating forms, feedback lists and details, replies and summaries."""
from __future__ import annotations

from bisect import bisect_left
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from portal.core import cache as aggregates
from portal.core import clock
from portal.core.constants import AGENCY, INCIDENT_TYPES, VENDOR
from portal.core.context import current_actor
from portal.core.errors import ValidationFailed
from portal.core.exports import Criterion, memo, title_row, xlsx_response
from portal.core.msgids import N_
from portal.core.workflows import PROJECT_FILING
from portal.extensions import db
from portal.feedback import queries, rules, service
from portal.feedback.blueprint import bp
from portal.feedback.forms import FeedbackForm, ReplyForm
from portal.feedback.models import Feedback, FeedbackReply
from portal.filings.models import ProjectFiling
from portal.firms import service as firm_service
from portal.firms.models import Firm
from portal.home.panels import Panel, register
from portal.incidents.models import Incident
from portal.incidents.service import OPEN_STATUSES, visible_incidents
from portal.web.forms import apply_service_errors
from portal.web.params import int_arg
from portal.web.permissions import roles

READERS = ("agency", "vendor", "regulator", "lead")
def _uploads(form: FeedbackForm) -> list[tuple[bytes, str]]:
    return [(f.read(), f.filename) for f in (form.files.data or []) if f and getattr(f, "filename", "")]


def _period_label(key: str) -> str:
    if key == rules.COMPLETION:
        return _("At acceptance (completion)")
    if key.startswith("m") and len(key) == 8:
        return _("Milestone %(month)s", month=key[1:])
    return key


def _template_globals():
    return {
        "dimensions": rules.DIMENSIONS, "meanings": rules.LEVEL_MEANINGS, "level_names": rules.LEVEL_NAMES,
        "period_label": _period_label, "filing_state": lambda s: _(PROJECT_FILING.state_label(s))
        if s in PROJECT_FILING.states else s,
    }


# -- agency workspace ------------------------------------------------------------------------------

@bp.route("/agency/")
@roles("agency")
def agency_workspace():
    workspace = service.agency_workspace()
    return render_template("feedback/workspace.html", ws=workspace, states=PROJECT_FILING.states)


@register
def _home_panels(user) -> list[Panel]:
    actor = current_actor()
    panels: list[Panel] = []
    if user.has_role(AGENCY) and user.agency_id:
        ws = service.agency_workspace(actor)
        panels.append(Panel(
            title=_("Waiting on my agency"),
            items=[
                (_("Filings to confirm"), len(ws.to_confirm), url_for("feedback.agency_workspace") + "#confirm"),
                (_("Work to accept"), len(ws.to_accept), url_for("feedback.agency_workspace") + "#accept"),
                (_("Feedback due"), len(ws.feedback_due), url_for("feedback.agency_workspace") + "#feedback"),
                (_("Open incidents"), len(ws.open_incidents), url_for("feedback.agency_workspace") + "#incidents"),
            ],
        ))
    if user.has_role(VENDOR) and user.firm_id:
        awaiting = _answerable_feedback_count(user.firm_id)
        panels.append(Panel(title=_("Agency feedback"), items=[
            (_("Feedback you can still answer"), awaiting, url_for("feedback.index", reply="open")),
            (_("Feedback summary"), "→", url_for("feedback.summary", firm_id=user.firm_id)),
        ]))
    if user.has_role("regulator", "lead"):
        # Keyed by everything the incident scope reads from the actor; no statement is built on a hit.
        scope = (tuple(sorted(actor.roles)), actor.firm_id, actor.agency_id, actor.district_code)
        open_count = aggregates.value(
            "feedback.home_open_incidents", scope, [Incident, ProjectFiling, Firm],
            lambda: db.session.scalar(select(func.count()).select_from(
                visible_incidents(actor).where(Incident.status.in_(OPEN_STATUSES)).subquery())) or 0)
        panels.append(Panel(title=_("Security incidents"), items=[
            (_("Open incidents"), open_count, url_for("incidents.index", status="open")),
        ]))
    return panels


def _answerable_feedback_count(firm_id: int) -> int:
    """Feedback on the firm without a reply and still inside the reply window. Cached per firm until
    feedback or a reply is written: the creation times of the unanswered feedback inside the window
    when computed (the window's start only moves forward, so every row still inside it now is among
    them), counted against the window's start at each request."""
    days = service.window_days()
    window_start = clock.utcnow() - timedelta(days=days)

    def compute() -> tuple:
        return tuple(sorted(db.session.scalars(
            select(Feedback.created_at).outerjoin(FeedbackReply, FeedbackReply.feedback_id == Feedback.id)
            .where(Feedback.firm_id == firm_id, FeedbackReply.id.is_(None), Feedback.created_at >= window_start))))

    times = aggregates.value("feedback.home_unanswered_since", (firm_id, days), [Feedback, FeedbackReply], compute)
    return len(times) - bisect_left(times, window_start)


# -- feedback lists and details --------------------------------------------------------------------

def _list_filter() -> queries.FeedbackFilter:
    return queries.FeedbackFilter(firm_id=int_arg("firm"), kind=request.args.get("kind") or "",
                                  reply_open=request.args.get("reply") == "open", low=request.args.get("low") == "1",
                                  sort=request.args.get("sort", "newest"))


@bp.route("/feedback/")
@roles(*READERS)
def index():
    f = _list_filter()
    page = queries.list_page(current_actor(), f, int_arg("page", 1))
    return render_template("feedback/index.html", page=page, sort=f.sort, ui=_template_globals())


# The list's filter as the export's title row shows it (the labels of the filter form).
_KIND_WORDS = {rules.COMPLETION: N_("At acceptance (completion)"), rules.MILESTONE: N_("Milestones")}
EXPORT_CRITERIA = (
    Criterion("firm_id", N_("Firm"), lambda firm_id: firm_service.firm_name(None, firm_id)),
    Criterion("kind", N_("Kind"), lambda kind: _(_KIND_WORDS[kind]) if kind in _KIND_WORDS else ""),
    Criterion("reply_open", N_("Reply"), lambda _on: _("Not yet replied")),
    Criterion("low", N_("Only with a rating of 1 or 2"), lambda _on: _("Yes")),
)


@bp.route("/feedback/export.xlsx")
@roles(*READERS)
def export():
    f = _list_filter()
    title = N_("Feedback")
    return xlsx_response("feedback.xlsx", service.export_columns(memo(_), memo(_period_label)),
                         service.export_rows(queries.rows(current_actor(), f)),
                         sheet_title=title, title_row=title_row(title, EXPORT_CRITERIA, f))


@bp.route("/feedback/<int:feedback_id>")
@roles(*READERS)
def detail(feedback_id: int):
    actor = current_actor()
    fb = service.get_feedback(actor, feedback_id)
    row = db.session.execute(service.visible_feedback(actor).where(Feedback.id == fb.id)).one()
    return render_template(
        "feedback/detail.html", fb=fb, row=row, reply=service.reply_of(fb.id), versions=service.versions(fb.id),
        files=service.files_of(fb.id), can_edit=service.can_edit(actor, fb), can_reply=service.can_reply(actor, fb),
        reply_form=ReplyForm(), ui=_template_globals(), window_days=service.window_days(),
    )


@bp.route("/feedback/project/<int:filing_id>")
@roles("agency")
def project(filing_id: int):
    actor = current_actor()
    filing = service.rateable_filing(actor, filing_id)
    existing = service.existing_periods(filing.id, actor.agency_id)
    periods = service.periods_for(filing, existing=existing)
    firm_name = db.session.scalar(select(Firm.name).where(Firm.id == filing.firm_id))
    rows = db.session.execute(service.visible_feedback(actor).where(Feedback.filing_id == filing.id)
                              .order_by(Feedback.created_at.desc())).all()
    return render_template("feedback/project.html", filing=filing, periods=periods, rows=rows, firm_name=firm_name,
                           ui=_template_globals())


@bp.route("/feedback/project/<int:filing_id>/rate", methods=["GET", "POST"])
@roles("agency")
def rate(filing_id: int):
    actor = current_actor()
    filing = service.rateable_filing(actor, filing_id)
    form = FeedbackForm()
    if request.method == "GET":
        form.period_key.data = request.args.get("period", rules.COMPLETION)
    if form.validate_on_submit():
        try:
            fb = service.submit_feedback(filing.id, form.period_key.data or "", form.ratings(), form.narrative.data,
                                         form.hire_again_value(), _uploads(form))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Thank you. Your feedback has been recorded and the firm has been told."), "success")
            return redirect(url_for("feedback.detail", feedback_id=fb.id))
    firm_name = db.session.scalar(select(Firm.name).where(Firm.id == filing.firm_id))
    return render_template("feedback/form.html", form=form, filing=filing, firm_name=firm_name,
                           ui=_template_globals(), editing=None)


@bp.route("/feedback/<int:feedback_id>/edit", methods=["GET", "POST"])
@roles("agency")
def edit(feedback_id: int):
    actor = current_actor()
    fb = service.get_feedback(actor, feedback_id)
    if fb.agency_id != actor.agency_id:
        abort(404)
    form = FeedbackForm(obj=None)
    if request.method == "GET":
        for name in form.dimension_names:
            getattr(form, name).data = getattr(fb, name)
        form.narrative.data = fb.narrative
        form.hire_again.data = "yes" if fb.hire_again else "no"
        form.edit_count.data = fb.edit_count
        form.period_key.data = fb.period_key
    if form.validate_on_submit():
        try:
            service.edit_feedback(fb.id, form.ratings(), form.narrative.data, form.hire_again_value(),
                                  form.edit_count.data, _uploads(form))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Your changes are saved; the earlier version is kept in the history."), "success")
            return redirect(url_for("feedback.detail", feedback_id=fb.id))
    filing = service.rateable_filing(actor, fb.filing_id)
    firm_name = db.session.scalar(select(Firm.name).where(Firm.id == filing.firm_id))
    return render_template("feedback/form.html", form=form, filing=filing, firm_name=firm_name,
                           ui=_template_globals(), editing=fb)


@bp.route("/feedback/<int:feedback_id>/reply", methods=["POST"])
@roles("vendor")
def reply(feedback_id: int):
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            service.reply_to_feedback(feedback_id, form.body.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Your reply is published beside the rating."), "success")
            return redirect(url_for("feedback.detail", feedback_id=feedback_id))
    actor = current_actor()
    fb = service.get_feedback(actor, feedback_id)
    row = db.session.execute(service.visible_feedback(actor).where(Feedback.id == fb.id)).one()
    return render_template(
        "feedback/detail.html", fb=fb, row=row, reply=service.reply_of(fb.id), versions=service.versions(fb.id),
        files=service.files_of(fb.id), can_edit=False, can_reply=service.can_reply(actor, fb), reply_form=form,
        ui=_template_globals(), window_days=service.window_days(),
    ), 422


# -- summaries -------------------------------------------------------------------------------------

@bp.route("/feedback/summary")
@roles("vendor")
def my_summary():
    if not current_user.firm_id:
        abort(404)
    return redirect(url_for("feedback.summary", firm_id=current_user.firm_id))


@bp.route("/feedback/summary/<int:firm_id>")
@roles("vendor", "regulator", "lead")
def summary(firm_id: int):
    firm, result = service.summary_for_viewer(firm_id)
    return render_template("feedback/summary.html", firm=firm, s=result, ui=_template_globals(),
                           incident_types=INCIDENT_TYPES)
