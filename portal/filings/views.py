"""Project filing pages: list and export, the multi-section form, detail with timeline and actions,
completion, acceptance, change filings, the printable receipt and the public verification page."""
from __future__ import annotations

from typing import NamedTuple

import segno
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.core import access, clock, docnumbers, localtime, timeline
from portal.core.constants import ATTACHMENT_KINDS, QUANTITY_UNITS, SERVICE_TYPES
from portal.core.context import current_actor
from portal.core.errors import NotFound, ValidationFailed
from portal.core.exports import Criterion, memo, title_row, xlsx_response
from portal.core.identifiers import DISTRICTS
from portal.core.msgids import N_
from portal.core.workflow import ReasonRequired
from portal.core.workflows import CHANGE_FILING, PROJECT_FILING
from portal.extensions import db
from portal.filings import changes as change_filings
from portal.filings import fields
from portal.filings import queries as filing_search
from portal.filings import service as filings
from portal.filings.blueprint import bp
from portal.filings.forms import (
    AcceptanceForm,
    ActionForm,
    AttachmentForm,
    ChangeForm,
    CompletionForm,
    FilingForm,
)
from portal.filings.models import ProjectFiling
from portal.firms import service as firm_service
from portal.home.panels import Panel, register
from portal.orgs.models import Agency
from portal.web.documents import document_for
from portal.web.forms import apply_service_errors, choices
from portal.web.i18n import gettext, translate
from portal.web.params import int_arg
from portal.web.permissions import public, roles
from portal.web.templating import district_label, localdate
from portal.web.throttle import per_address

READERS = ("vendor", "agency", "regulator", "lead")
SIMPLE_ACTIONS = ("confirm", "decline", "start_review", "return", "reject", "register", "start_work", "close",
                  "submit")
PER_PAGE_CHOICES = (20, 50, 100)


# --- list and export ------------------------------------------------------------------------------

@bp.route("/")
@roles(*READERS)
def index():
    criteria = filing_search.FilingFilter.from_args(request.args)
    per_page = int_arg("per_page")
    per_page = per_page if per_page in PER_PAGE_CHOICES else None
    page = filing_search.list_page(criteria, int_arg("page", 1), per_page)
    # Labels translated once per page (the filter's selects and every row share them), through the
    # request's catalogue (portal.web.i18n.gettext: a third of flask_babel.gettext's cost).
    status_labels = {code: gettext(text) for code, text in PROJECT_FILING.states.items()}
    service_type_labels = {code: gettext(text) for code, text in SERVICE_TYPES.items()}
    status_choices = [(filing_search.WAITING_FILTER, gettext("Waiting for review")), *status_labels.items()]
    return render_template("filings/list.html", page=page, criteria=criteria, districts=DISTRICTS,
                           status_labels=status_labels, status_choices=status_choices, service_type_labels=service_type_labels,
                           rows=_list_rows(page.items, status_labels, service_type_labels, gettext("(draft)")),
                           late_label=gettext("late"))


class ListRow(NamedTuple):
    """What one row of the filing list shows, as plain values (the template escapes and prints them)."""

    href: str
    number: str
    is_late: bool
    title: str
    firm: str
    agency: str
    status: str
    status_label: str
    services: str
    start: str
    submitted: str


def _list_rows(items, status_labels: dict, service_type_labels: dict, draft_label: str) -> list[ListRow]:
    """Each row's values prepared once in Python, so the template does no lookups or filters per cell."""
    return [ListRow(url_for("filings.detail", filing_id=f.id), f.number or draft_label, bool(f.is_late), f.title,
                    f.firm_name, f.agency_name, f.status, status_labels.get(f.status, f.status),
                    ", ".join(service_type_labels.get(code, code) for code in f.service_types or []),
                    localdate(f.start_date), localdate(f.submitted_at))
            for f in items]


def _status_words(code: str) -> str:
    if code == filing_search.WAITING_FILTER:
        return gettext("Waiting for review")
    return gettext(PROJECT_FILING.states[code])


# The list's filter as the export's title row shows it (the same fields as the filter form).
EXPORT_CRITERIA = (
    Criterion("number", N_("Number or title")), Criterion("title", N_("Title contains")),
    Criterion("firm", N_("Firm")), Criterion("agency", N_("Agency")),
    Criterion("status", N_("Status"), _status_words),
    Criterion("service_type", N_("Service type"), lambda code: gettext(SERVICE_TYPES[code])),
    Criterion("district", N_("District"), district_label),
    Criterion("date_from", N_("Submitted from")), Criterion("date_to", N_("Submitted to")),
)


@bp.route("/export.xlsx")
@roles(*READERS)
def export():
    criteria = filing_search.FilingFilter.from_args(request.args)
    stamp = clock.today().strftime("%Y%m%d")
    title = N_("Project filings")
    return xlsx_response(f"filings-{stamp}.xlsx", filing_search.export_columns(memo(_)), filing_search.export_rows(criteria),
                         sheet_title=title, title_row=title_row(title, EXPORT_CRITERIA, criteria))


# --- the filing form ------------------------------------------------------------------------------

def _agency_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Agency.id, Agency.name).order_by(Agency.district_code, Agency.name)).all()
    return choices([(0, _("Choose the agency"))] + [(row.id, row.name) for row in rows])


def _staff_choices(firm_id: int) -> list[tuple[int, str]]:
    result = []
    for member in filings.firm_staff(firm_id):
        mark = "" if member.is_qualified else " — " + _("not qualified yet")
        result.append((member.id, f"{member.name} ({_(label_staff_role(member.role))}){mark}"))
    return choices(result)


def label_staff_role(code: str) -> str:
    from portal.core.constants import STAFF_ROLES

    return STAFF_ROLES.get(code, code)


def _prepare(form: FilingForm) -> None:
    form.agency_id.choices = _agency_choices()
    form.service_types.choices = choices([(code, _(label)) for code, label in SERVICE_TYPES.items()])
    form.staff_ids.choices = _staff_choices(current_user.firm_id)


def _fill_from(form: FilingForm, filing: ProjectFiling) -> None:
    for name in filings.DRAFT_FIELDS:
        if hasattr(form, name):
            getattr(form, name).data = getattr(filing, name)
    for unit in filings.UNITS:
        getattr(form, f"qty_{unit}").data = (filing.quantities or {}).get(unit)
    checklist = filing.security_checklist or {}
    for key in filings.SECURITY_CHECKLIST:
        getattr(form, f"chk_{key}").data = bool(checklist.get(key))
    form.video_retention_days.data = checklist.get("video_retention_days")
    form.staff_ids.data = [m.id for m in filing.staff]
    form.version.data = filing.version_id


def _form_data(form: FilingForm) -> dict:
    data = {name: getattr(form, name).data for name in filings.DRAFT_FIELDS if hasattr(form, name)}
    data["quantities"] = form.quantities()
    checklist = {key: getattr(form, f"chk_{key}").data for key in filings.SECURITY_CHECKLIST}
    checklist["video_retention_days"] = form.video_retention_days.data
    data["security_checklist"] = checklist
    return data


def _uploads(form: FilingForm) -> list[tuple[str, str, bytes]]:
    result = []
    for kind in ("contract", "work_plan", "commitment", "other"):
        storage = getattr(form, f"file_{kind}").data
        if storage and getattr(storage, "filename", ""):
            result.append((kind, storage.filename, storage.read()))
    return result


def _save_form(form: FilingForm, filing: ProjectFiling | None):
    """Save the draft, then submit when asked; on refusal re-render with what was typed."""
    try:
        saved = filings.save_draft(_form_data(form), filing_id=filing.id if filing else None,
                                   staff_ids=form.staff_ids.data or [], uploads=_uploads(form),
                                   version=form.version.data if filing else None)
    except ValidationFailed as exc:
        apply_service_errors(form, exc)
        return None, filing
    if not form.submit_filing.data:
        flash(_("The draft is saved."), "success")
        return redirect(url_for("filings.detail", filing_id=saved.id)), saved
    try:
        filings.submit_filing(saved.id)
    except ValidationFailed as exc:
        apply_service_errors(form, exc)
        form.version.data = saved.version_id
        return None, saved
    flash(_("The filing %(number)s is submitted; the agency named in it is asked to confirm it.",
            number=saved.number), "success")
    return redirect(url_for("filings.detail", filing_id=saved.id)), saved


@bp.route("/new", methods=["GET", "POST"])
@roles("vendor")
def new():
    refusal = filings.new_filing_refusal(current_actor())
    if refusal is not None:
        # Refused before anything is typed, not after the whole form was filled in.
        firm = filings.firm_of_actor(current_actor())
        return render_template("filings/new_refused.html", reason=refusal, firm=firm), 403
    form = FilingForm()
    _prepare(form)
    filing = None
    if form.validate_on_submit():
        response, filing = _save_form(form, None)
        if response is not None:
            return response
    elif request.method == "POST":
        form.form_errors = [_("Some fields need attention; nothing was saved yet.")]
    return _render_form(form, filing)


@bp.route("/<int:filing_id>/edit", methods=["GET", "POST"])
@roles("vendor")
def edit(filing_id: int):
    filing = filings.get_filing(current_actor(), filing_id)
    if filing.status not in filings.EDITABLE_STATES:
        flash(_("This filing can no longer be edited."), "warning")
        return redirect(url_for("filings.detail", filing_id=filing.id))
    form = FilingForm()
    _prepare(form)
    if request.method == "GET":
        _fill_from(form, filing)
    elif form.validate_on_submit():
        response, filing = _save_form(form, filing)
        if response is not None:
            return response
    else:
        form.form_errors = [_("Some fields need attention; nothing was saved yet.")]
    return _render_form(form, filing)


def _render_form(form: FilingForm, filing: ProjectFiling | None):
    docs = filings.filing_attachments(filing) if filing is not None and filing.id else []
    qualified = set()
    if current_user.firm_id:
        qualified = {m.id for m in filings.firm_staff(current_user.firm_id) if m.is_qualified}
    status = 422 if request.method == "POST" else 200
    return render_template("filings/form.html", form=form, filing=filing, documents=docs, qualified=qualified,
                           checklist=filings.SECURITY_CHECKLIST, field_sections=fields.LAYOUT), status


# --- detail, actions and attachments --------------------------------------------------------------

@bp.route("/<int:filing_id>")
@roles(*READERS)
def detail(filing_id: int):
    actor = current_actor()
    filing = filings.get_filing(actor, filing_id)
    actions = filings.allowed_actions(filing, actor)
    problems = filings.submission_problems(filing, actor) if "submit" in actions else {}
    warnings = filings.confirmation_warnings(filing) if "confirm" in actions else []
    deciding = [a for a in actions if a in DECISIONS]
    checks = firm_service.review_checks(filing.firm, clock.today(), staff=filing.staff) if deciding else []
    return render_template(
        "filings/detail.html", filing=filing, actions=actions, workflow=PROJECT_FILING,
        field_sections=fields.LAYOUT, site_types=fields.SITE_TYPES,
        steps=timeline.steps(filings.OBJECT_TYPE, filing.id), documents=filings.filing_attachments(filing),
        changes=change_filings.changes_of(filing), change_types=change_filings.CHANGE_TYPES,
        change_states=CHANGE_FILING.states, problems=problems, warnings=warnings,
        make_attachment_form=_attachment_form, checklist=filings.SECURITY_CHECKLIST,
        labels={t.action: t.label for t in PROJECT_FILING.transitions},
        reason_required={t.action for t in PROJECT_FILING.transitions if t.reason_required},
        checks=checks,
    )


# The decisions a reviewer takes on a filing (the agency's confirmation, the bureau's review): shown in the
# decision panel beside the filing, with the checks that apply.
DECISIONS = ("confirm", "decline", "start_review", "register", "return", "reject")


def _attachment_form() -> AttachmentForm:
    form = AttachmentForm()
    form.kind.choices = choices([(k, _(ATTACHMENT_KINDS[k])) for k in filings.FILING_ATTACHMENT_KINDS])
    return form


def _flash_errors(exc: ValidationFailed) -> None:
    if exc.message:
        flash(translate(exc.message, exc.params), "error")
    for messages in exc.field_errors.values():
        for message in messages:
            flash(translate(message) if isinstance(message, str) else translate(message[0], message[1]), "error")


@bp.route("/<int:filing_id>/act/<action>", methods=["POST"])
@roles(*READERS)
def act(filing_id: int, action: str):
    if action not in SIMPLE_ACTIONS:
        abort(404)
    form = ActionForm()
    try:
        filing = filings.transition(filing_id, action, reason=(form.reason.data or "").strip(),
                                    version=form.version.data)
    except ReasonRequired:
        db.session.rollback()
        flash(_("Give a reason for this action."), "error")
        return redirect(url_for("filings.detail", filing_id=filing_id))
    except ValidationFailed as exc:
        _flash_errors(exc)
        return redirect(url_for("filings.detail", filing_id=filing_id))
    flash(_("Done: the filing is now %(state)s.", state=_(PROJECT_FILING.states[filing.status])), "success")
    if action == "confirm":
        for msgid, params in filings.confirmation_warnings(filing):
            flash(translate(msgid, params), "warning")
    return redirect(url_for("filings.detail", filing_id=filing_id))


@bp.route("/<int:filing_id>/attachments", methods=["POST"])
@roles("vendor")
def upload(filing_id: int):
    form = _attachment_form()
    storage = form.file.data
    if not storage or not getattr(storage, "filename", ""):
        flash(_("Choose a file to upload."), "error")
        return redirect(url_for("filings.detail", filing_id=filing_id))
    try:
        filings.add_attachment(filing_id, form.kind.data or "other", storage.filename, storage.read())
    except ValidationFailed as exc:
        _flash_errors(exc)
        return redirect(url_for("filings.detail", filing_id=filing_id))
    flash(_("The document is attached."), "success")
    return redirect(url_for("filings.detail", filing_id=filing_id))


@bp.route("/<int:filing_id>/delete", methods=["POST"])
@roles("vendor")
def delete(filing_id: int):
    filings.delete_draft(filing_id)
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("filings.index"))


@bp.route("/<int:filing_id>/complete", methods=["GET", "POST"])
@roles("vendor")
def complete(filing_id: int):
    filing = filings.get_filing(current_actor(), filing_id)
    form = CompletionForm()
    if request.method == "GET":
        form.version.data = filing.version_id
        for unit in filings.UNITS:
            getattr(form, f"qty_{unit}").data = (filing.quantities or {}).get(unit)
    elif form.validate_on_submit():
        storage = form.handback_sheet.data
        handback = (storage.filename, storage.read()) if storage and getattr(storage, "filename", "") else None
        try:
            filings.report_completion(filing.id, delivered_quantities=form.quantities(),
                                      data_wipe_confirmed=form.data_wipe_confirmed.data, handback=handback,
                                      note=form.note.data or "", version=form.version.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Completion is reported; the agency is asked to accept the work."), "success")
            return redirect(url_for("filings.detail", filing_id=filing.id))
    return render_template("filings/complete.html", form=form, filing=filing), 422 if request.method == "POST" else 200


@bp.route("/<int:filing_id>/acceptance", methods=["GET", "POST"])
@roles("agency")
def acceptance(filing_id: int):
    filing = filings.get_filing(current_actor(), filing_id)
    form = AcceptanceForm()
    delivered = filing.delivered_quantities or {}
    form.sample_unit.choices = [(unit, f"{gettext(QUANTITY_UNITS[unit])} ({delivered.get(unit)})")
                                for unit in filings.sample_units(filing)]
    if request.method == "GET":
        form.version.data = filing.version_id
    elif form.validate_on_submit():
        try:
            filings.record_acceptance(filing.id, passed=not form.fail.data, sample_size=form.sample_size.data,
                                      pass_rate=form.pass_rate.data, opinion=form.opinion.data or "",
                                      sample_unit=form.sample_unit.data or None, version=form.version.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            if form.fail.data:
                flash(_("Acceptance failed; the project is back in progress for rework."), "warning")
            else:
                flash(_("The work is accepted."), "success")
            return redirect(url_for("filings.detail", filing_id=filing.id))
    return render_template("filings/acceptance.html", form=form, filing=filing,
                           thresholds=filings.acceptance_thresholds()), 422 if request.method == "POST" else 200


# --- change filings -------------------------------------------------------------------------------

def _prepare_change(form: ChangeForm, filing: ProjectFiling) -> None:
    form.change_type.choices = choices([(code, _(label)) for code, label in change_filings.CHANGE_TYPES.items()])
    form.staff_ids.choices = _staff_choices(filing.firm_id)


def _change_data(form: ChangeForm) -> dict:
    return {"staff_ids": form.staff_ids.data or [], "site_type": form.site_type.data,
            "site_address": form.site_address.data, "off_site_reason": form.off_site_reason.data,
            "off_site_safeguards": form.off_site_safeguards.data, "contract_scope": form.contract_scope.data,
            "quantities": form.quantities(), "start_date": form.start_date.data, "end_date": form.end_date.data,
            "effective_date": form.effective_date.data}


def _fill_change(form: ChangeForm, filing: ProjectFiling) -> None:
    form.staff_ids.data = [m.id for m in filing.staff]
    form.site_type.data = filing.site_type
    form.site_address.data = filing.site_address
    form.off_site_reason.data = filing.off_site_reason
    form.off_site_safeguards.data = filing.off_site_safeguards
    form.contract_scope.data = filing.contract_scope
    for unit in filings.UNITS:
        getattr(form, f"qty_{unit}").data = (filing.quantities or {}).get(unit)
    form.start_date.data = filing.start_date
    form.end_date.data = filing.end_date


@bp.route("/<int:filing_id>/changes/new", methods=["GET", "POST"])
@roles("vendor")
def change_new(filing_id: int):
    filing = filings.get_filing(current_actor(), filing_id)
    form = ChangeForm()
    _prepare_change(form, filing)
    if request.method == "GET":
        _fill_change(form, filing)
        form.version.data = filing.version_id
        if request.args.get("type") in change_filings.CHANGE_TYPES:
            form.change_type.data = request.args["type"]
    elif form.validate_on_submit():
        try:
            change = change_filings.submit_change(filing.id, form.change_type.data, _change_data(form),
                                                  form.reason.data or "", version=form.version.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("The change is filed; work may go on while it is reviewed."), "success")
            return redirect(url_for("filings.change_detail", change_id=change.id))
    return render_template("filings/change_form.html", form=form, filing=filing, change=None,
                           change_types=change_filings.CHANGE_TYPES), \
        422 if request.method == "POST" else 200


@bp.route("/changes/<int:change_id>")
@roles(*READERS)
def change_detail(change_id: int):
    actor = current_actor()
    change, filing = change_filings.get_change(actor, change_id)
    actions = [t.action for t in CHANGE_FILING.allowed_actions(change.status, actor.roles)]
    return render_template("filings/change_detail.html", change=change, filing=filing, actions=actions,
                           rows=change_filings.diff(change), change_types=change_filings.CHANGE_TYPES,
                           states=CHANGE_FILING.states,
                           steps=timeline.steps(change_filings.OBJECT_TYPE, change.id),
                           labels={t.action: t.label for t in CHANGE_FILING.transitions})


@bp.route("/changes/<int:change_id>/act/<action>", methods=["POST"])
@roles("regulator", "lead")
def change_act(change_id: int, action: str):
    if action not in ("start_review", "approve", "return"):
        abort(404)
    form = ActionForm()
    try:
        change = change_filings.decide_change(change_id, action, reason=(form.reason.data or "").strip(),
                                              version=form.version.data)
    except ReasonRequired:
        db.session.rollback()
        flash(_("Give a reason for this action."), "error")
        return redirect(url_for("filings.change_detail", change_id=change_id))
    flash(_("Done: the change filing is now %(state)s.", state=_(CHANGE_FILING.states[change.status])), "success")
    return redirect(url_for("filings.change_detail", change_id=change_id))


@bp.route("/changes/<int:change_id>/edit", methods=["GET", "POST"])
@roles("vendor")
def change_edit(change_id: int):
    change, filing = change_filings.get_change(current_actor(), change_id)
    form = ChangeForm()
    _prepare_change(form, filing)
    form.change_type.data = change.change_type
    if request.method == "GET":
        _fill_change(form, filing)
        for name, value in change_filings.proposal(change).items():
            form[name].data = value
        form.version.data = change.version_id
        form.reason.data = change.reason
    elif form.validate_on_submit():
        try:
            change_filings.resubmit_change(change.id, _change_data(form), form.reason.data or "",
                                           version=form.version.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("The change is resubmitted."), "success")
            return redirect(url_for("filings.change_detail", change_id=change.id))
    return render_template("filings/change_form.html", form=form, filing=filing, change=change,
                           change_types=change_filings.CHANGE_TYPES), \
        422 if request.method == "POST" else 200


# --- receipt and public verification --------------------------------------------------------------

def verification_url(number: str) -> str:
    return url_for("filings.verify", number=number, code=filings.verification_code(number), _external=True)


@bp.route("/<int:filing_id>/receipt")
@roles(*READERS)
def receipt(filing_id: int):
    filing = filings.get_filing(current_actor(), filing_id)
    if not filing.number:
        raise NotFound()
    url = verification_url(filing.number)
    qr = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
    document = document_for(docnumbers.RECEIPT, filing.id,
                            filing.registered_at and localtime.local_date(filing.registered_at))
    return render_template("filings/receipt.html", filing=filing, qr=qr, url=url, document=document,
                           staff=filing.staff, states=PROJECT_FILING.states)


@bp.route("/verify/<number>")
@public
@per_address("RATELIMIT_RECEIPT_VERIFY")
def verify(number: str):
    """核验: 核验通过 with the receipt's facts, or a page saying 核验未通过 (404) for an unknown number or a
    code that does not match it (a tampered or mistyped QR)."""
    try:
        facts = filings.verify_public(number, request.args.get("code", ""))
    except NotFound:
        return render_template("filings/verify.html", facts=None), 404
    return render_template("filings/verify.html", facts=facts, states=PROJECT_FILING.states,
                           document_number=docnumbers.number_of(docnumbers.RECEIPT, facts["id"]))


# --- home panels ----------------------------------------------------------------------------------

@register
def filing_panels(user) -> list[Panel]:
    from portal.web.context import actor_for_user

    actor = actor_for_user(user)
    roles_held = set(actor.roles)
    panels: list[Panel] = []
    link = url_for("filings.index")
    if "vendor" in roles_held and actor.firm_id:
        counts = filings.status_counts(actor)
        items = [(_("Drafts"), counts.get("draft", 0), f"{link}?status=draft")]
        items += [(_(label), counts[code], f"{link}?status={code}")
                  for code, label in PROJECT_FILING.states.items() if code != "draft" and counts.get(code)]
        items.append((_("File a new project"), "+", url_for("filings.new")))
        panels.append(Panel(_("My project filings"), items))
    if "agency" in roles_held and actor.agency_id:
        counts = filings.status_counts(actor)
        panels.append(Panel(_("Projects naming my agency"), [
            (_("To confirm"), counts.get("submitted", 0), f"{link}?status=submitted"),
            (_("To accept"), counts.get("completed", 0), f"{link}?status=completed"),
            (_("In progress"), counts.get("in_progress", 0), f"{link}?status=in_progress"),
        ]))
    if roles_held & {"regulator", "lead"}:
        waiting, pending = _review_queue(actor)
        total = filing_search.waiting_for_review_count(actor)
        items = [(_("Waiting in all"), total, f"{link}?status={filing_search.WAITING_FILTER}")] if total else []
        if waiting:
            now = clock.utcnow()
            items += [(f"{number} · {firm_name}", _("%(days)s days", days=(now - (since or now)).days),
                       url_for("filings.detail", filing_id=filing_id))
                      for filing_id, number, firm_name, since in waiting]
        if pending:
            items.append((_("Change filings to review"), pending[0],
                          url_for("filings.change_detail", change_id=pending[1])))
        panels.append(Panel(_("Filings waiting for review"), items, _("No filing is waiting for review.")))
    return panels


def _review_queue(actor, limit: int = 10) -> tuple[tuple, tuple]:
    """The regulator's review queue as plain data, cached per filing scope until a filing, firm, agency or
    change filing is written: the `limit` filings waiting longest as (id, number, firm name, waiting since)
    oldest first, and (how many change filings wait, up to `limit`; the
    oldest one's id) or (). Days waiting are computed by the caller, so the clock never goes stale."""
    from portal.core import cache as aggregates
    from portal.filings.models import ChangeFiling
    from portal.firms.models import Firm

    def compute() -> tuple[tuple, tuple]:
        waiting = db.session.execute(
            select(ProjectFiling.id, ProjectFiling.number, Firm.name, ProjectFiling.confirmed_at,
                   ProjectFiling.submitted_at)
            .join(Firm, Firm.id == ProjectFiling.firm_id).join(Agency, Agency.id == ProjectFiling.agency_id)
            .where(access.visible(actor, ProjectFiling), ProjectFiling.status.in_(filings.WAITING_FOR_REVIEW))
            .order_by(ProjectFiling.confirmed_at.asc().nulls_first(), ProjectFiling.id).limit(limit)
        ).all()
        changes = db.session.scalars(
            change_filings.visible_changes(actor).with_only_columns(ChangeFiling.id)
            .where(ChangeFiling.status.in_(("submitted", "under_review")))
            .order_by(ChangeFiling.created_at).limit(limit)
        ).all()
        return (tuple((fid, number, firm_name, confirmed or submitted) for fid, number, firm_name, confirmed, submitted
                      in waiting),
                (len(changes), changes[0]) if changes else ())

    scope = (tuple(sorted(actor.roles)), actor.firm_id, actor.agency_id, actor.district_code, limit)
    return aggregates.value("filings.review_queue", scope, [ProjectFiling, Firm, Agency, ChangeFiling], compute)
