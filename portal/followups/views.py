"""Thin views: the follow-up list (with the follow-up rate and export), the detail page with the
firm's answer, the agency's confirmation and the regulator's withdrawal, and the home panels."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core import access, clock, timeline
from portal.core.constants import AGENCY, VENDOR
from portal.core.context import current_actor
from portal.core.errors import ValidationFailed
from portal.core.exports import Criterion, memo, title_row, xlsx_response
from portal.core.identifiers import DISTRICTS
from portal.core.msgids import N_
from portal.core.pagination import paginate
from portal.extensions import db
from portal.feedback.rules import DIMENSIONS
from portal.firms import service as firm_service
from portal.followups import queries, rules, service
from portal.followups.blueprint import bp
from portal.followups.forms import AnswerForm, ConfirmForm, WithdrawForm
from portal.followups.models import FollowUp
from portal.home.panels import Panel, register
from portal.web.forms import apply_service_errors
from portal.web.params import int_arg
from portal.web.permissions import roles
from portal.web.templating import district_label

READERS = ("vendor", "agency", "regulator", "lead")


def _filter() -> queries.FollowUpFilter:
    status = request.args.get("status", "")
    sort = request.args.get("sort", "deadline")
    district = request.args.get("district", "")
    return queries.FollowUpFilter(status=status if status in queries.STATUS_FILTERS else "",
                                  district=district if district in DISTRICTS else "",
                                  firm_id=int_arg("firm_id"), sort=sort if sort in queries.SORTS else "deadline")


def _ui() -> dict:
    return {"states": rules.FOLLOW_UP.states, "dimensions": DIMENSIONS, "today": clock.today()}


@bp.route("/followups/")
@roles(*READERS)
def index():
    actor = current_actor()
    f = _filter()
    query = queries.filtered(actor, f)
    page = paginate(query, int_arg("page", 1), scalars=False)
    rate = queries.followup_rate(actor, f)
    return render_template("followups/index.html", page=page, f=f, rate=rate, ui=_ui(),
                           supervisor=access.is_supervisor(actor), districts=DISTRICTS,
                           workdays=service.followup_workdays())


_STATUS_WORDS = {"pending": N_("Not yet closed"), "overdue": N_("Overdue"), **rules.FOLLOW_UP.states}
# The list's filter as the export's title row shows it (the labels of the filter form).
EXPORT_CRITERIA = (
    Criterion("status", N_("Status"), lambda code: _(_STATUS_WORDS[code])),
    Criterion("district", N_("District"), district_label),
    Criterion("firm_id", N_("Firm"), lambda firm_id: firm_service.firm_name(None, firm_id)),
)


@bp.route("/followups/export.xlsx")
@roles(*READERS)
def export():
    f = _filter()
    query = queries.filtered(current_actor(), f)
    title = N_("Bad-rating follow-ups")
    return xlsx_response("followups.xlsx", queries.export_columns(memo(_)), queries.export_rows(query),
                         sheet_title=title, title_row=title_row(title, EXPORT_CRITERIA, f))


def _detail(followup_id: int, status: int = 200, **forms):
    actor = current_actor()
    row = db.session.execute(queries.visible_followups(actor).where(FollowUp.id == followup_id)).first()
    if row is None:
        service.get_followup(actor, followup_id)  # raises NotFound
    fu = row[0]
    actions = service.available_actions(actor, fu)
    forms.setdefault("answer_form", AnswerForm(formdata=None, version=fu.version_id))
    forms.setdefault("confirm_form", ConfirmForm(formdata=None, version=fu.version_id))
    forms.setdefault("withdraw_form", WithdrawForm(formdata=None, version=fu.version_id))
    return render_template("followups/detail.html", fu=fu, row=row, actions=actions, ui=_ui(),
                           events=timeline.timeline(service.OBJECT_TYPE, fu.id),
                           overdue=rules.is_overdue(fu.status, fu.deadline, clock.today()),
                           **forms), status


@bp.route("/followups/<int:followup_id>")
@roles(*READERS)
def detail(followup_id: int):
    return _detail(followup_id)


def _act(followup_id: int, form, form_name: str, call, done: str):
    """One step of the follow-up: the service call with the form's values, then the page again."""
    if form.validate_on_submit():
        try:
            call(form)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(done, "success")
            return redirect(url_for("followups.detail", followup_id=followup_id))
    return _detail(followup_id, 422, **{form_name: form})


@bp.route("/followups/<int:followup_id>/answer", methods=["POST"])
@roles("vendor")
def answer(followup_id: int):
    return _act(followup_id, AnswerForm(), "answer_form",
                lambda f: service.answer(followup_id, f.answer.data, f.version.data),
                _("Your answer is sent; the agency will confirm whether it is now satisfied."))


@bp.route("/followups/<int:followup_id>/confirm", methods=["POST"])
@roles("agency")
def confirm(followup_id: int):
    return _act(followup_id, ConfirmForm(), "confirm_form",
                lambda f: service.confirm(followup_id, f.outcome.data == "satisfied", f.note.data, f.version.data),
                _("Thank you: your confirmation is recorded and the firm has been told."))


@bp.route("/followups/<int:followup_id>/withdraw", methods=["POST"])
@roles("regulator", "lead")
def withdraw(followup_id: int):
    return _act(followup_id, WithdrawForm(), "withdraw_form",
                lambda f: service.withdraw(followup_id, f.reason.data, f.version.data),
                _("The follow-up is withdrawn; the firm and the agency have been told."))


@register
def _home_panels(user) -> list[Panel]:
    actor = current_actor()
    panels: list[Panel] = []
    if user.has_role(VENDOR) and user.firm_id:
        panels.append(Panel(title=_("Bad-rating follow-ups"), items=[
            (_("Follow-ups to answer"), queries.count_waiting(actor, rules.OPEN),
             url_for("followups.index", status=rules.OPEN)),
            (_("Overdue"), queries.count_overdue(actor), url_for("followups.index", status="overdue")),
        ]))
    if user.has_role(AGENCY) and user.agency_id:
        panels.append(Panel(title=_("Bad-rating follow-ups"), items=[
            (_("Follow-ups to confirm"), queries.count_waiting(actor, rules.ANSWERED),
             url_for("followups.index", status=rules.ANSWERED)),
        ]))
    if user.has_role("regulator", "lead"):
        rate = queries.followup_rate(actor)
        panels.append(Panel(title=_("Bad-rating follow-ups"), items=[
            (_("Follow-up rate"), "—" if rate.percent is None else f"{rate.percent}%",
             url_for("followups.index")),
            (_("Overdue"), queries.count_overdue(actor), url_for("followups.index", status="overdue")),
        ]))
    return panels
