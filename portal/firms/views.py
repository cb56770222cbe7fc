"""Firm pages: thin views over portal.firms.service and portal.firms.roster."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from portal.auth.models import User
from portal.core import access, audit, clock, timeline
from portal.core import cache as aggregates
from portal.core.constants import CERTIFICATE_TYPES, SERVICE_TYPES
from portal.core.context import current_actor
from portal.core.errors import NotFound, ValidationFailed
from portal.core.exports import Column, Criterion, fetch_rows, send_xlsx, title_row, xlsx_response
from portal.core.identifiers import district_name
from portal.core.msgids import N_
from portal.core.pagination import paginate
from portal.core.workflow import ReasonRequired
from portal.core.workflows import CHANGE_REQUEST, FIRM_REGISTRATION
from portal.extensions import db
from portal.firms import roster
from portal.firms import service as firm_service
from portal.firms.blueprint import bp
from portal.firms.forms import (
    ApplicationForm,
    CertificateForm,
    DecisionForm,
    DocumentForm,
    EditRegistrationForm,
    FirmFilterForm,
    ImportForm,
    RecheckForm,
    ReferenceForm,
    RevealForm,
    StaffForm,
)
from portal.firms.models import Certificate, FirmChangeRequest, StaffMember
from portal.home import panels
from portal.web.forms import apply_service_errors
from portal.web.i18n import translate
from portal.web.params import clean_text, int_arg
from portal.web.permissions import authenticated, public, roles
from portal.web.templating import district_label
from portal.web.throttle import per_address

APPLICATION_SESSION_KEY = "firm_application"


def _upload(field) -> tuple[bytes, str] | None:
    storage = field.data
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return storage.read(), storage.filename


# --- self-registration (public) --------------------------------------------------------------------

@bp.route("/apply", methods=["GET", "POST"])
@public
@per_address("RATELIMIT_PUBLIC_APPLICATION", methods=["POST"])
def apply():
    form = ApplicationForm()
    if form.validate_on_submit():
        data = form.registration_data()
        data.update(uscc=form.uscc.data, username=form.username.data, display_name=form.display_name.data,
                    password=form.password.data, licence_number=form.licence_number.data,
                    licence_expires_on=form.licence_expires_on.data)
        try:
            application = firm_service.apply(data, licence_upload=_upload(form.licence_file))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            session[APPLICATION_SESSION_KEY] = application.firm.id
            response = render_template("firms/applied.html", firm=application.firm, reference=application.reference)
            return response, 200, {"Cache-Control": "no-store"}
    return render_template("firms/apply.html", form=form)


def _application_in_session():
    firm_id = session.get(APPLICATION_SESSION_KEY)
    firm = db.session.get(firm_service.Firm, firm_id) if firm_id else None
    if firm is None or firm.application_ref_hash is None:
        return None
    return firm


@bp.route("/apply/status", methods=["GET", "POST"])
@public
@per_address("RATELIMIT_PUBLIC_STATUS", methods=["POST"])
def apply_status():
    form = ReferenceForm()
    if form.validate_on_submit():
        try:
            firm = firm_service.application_by_reference(form.reference.data)
        except NotFound as exc:
            form.reference.errors = [translate(exc.message)]
        else:
            session[APPLICATION_SESSION_KEY] = firm.id
            return redirect(url_for("firms.apply_status"))
    firm = _application_in_session() if request.method == "GET" else None
    reason = firm_service.application_reason(firm) if firm is not None and firm.status == "returned" else ""
    return render_template("firms/apply_status.html", form=form, firm=firm, reason=reason)


@bp.route("/apply/edit", methods=["GET", "POST"])
@public
def apply_edit():
    firm = _application_in_session()
    if firm is None or firm.status != "returned":
        abort(404)
    form = EditRegistrationForm(obj=None if request.method == "POST" else firm)
    if request.method == "GET":
        form.liaison_phone.data = firm_service.liaison_phone(firm)
    if form.validate_on_submit():
        try:
            firm_service.resubmit_application(firm.id, form.registration_data())
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Your application was submitted again."), "success")
            return redirect(url_for("firms.apply_status"))
    return render_template("firms/edit.html", form=form, firm=firm, applicant=True)


# --- firm user: our registration -------------------------------------------------------------------

@bp.route("/mine")
@roles("vendor")
def mine():
    if not current_user.firm_id:
        abort(404)
    return redirect(url_for("firms.detail", firm_id=current_user.firm_id))


@bp.route("/<int:firm_id>/edit", methods=["GET", "POST"])
@roles("vendor")
def edit(firm_id: int):
    firm = firm_service.get_own_firm(current_actor(), firm_id)
    form = EditRegistrationForm(obj=None if request.method == "POST" else firm)
    if request.method == "GET":
        form.version.data = firm.version_id
        form.liaison_phone.data = firm_service.liaison_phone(firm)
    if form.validate_on_submit():
        try:
            outcome = firm_service.update_registration(firm.id, form.registration_data(),
                                                       version=form.version.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            if outcome.change_request is not None:
                flash(_("Key fields changed: a change request was sent to the bureau for review."), "info")
            if outcome.applied:
                flash(_("The registration record was updated."), "success")
            if outcome.change_request is None and not outcome.applied:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("firms.detail", firm_id=firm.id))
    pending = firm_service.pending_change_request(firm.id)
    return render_template("firms/edit.html", form=form, firm=firm, applicant=False, pending=pending,
                           key_fields=firm_service.KEY_FIELDS)


@bp.route("/<int:firm_id>/recheck", methods=["POST"])
@roles("vendor")
def recheck(firm_id: int):
    form = RecheckForm()
    firm_service.submit_recheck(firm_id, form.note.data or "", version=form.version.data)
    flash(_("The re-check was submitted."), "success")
    return redirect(url_for("firms.detail", firm_id=firm_id))


@bp.route("/<int:firm_id>/documents", methods=["POST"])
@roles("vendor")
def add_document(firm_id: int):
    form = DocumentForm()
    upload = _upload(form.file)
    try:
        firm_service.add_document(firm_id, *(upload or (b"", "")))
    except ValidationFailed as exc:
        for messages in exc.field_errors.values():
            for message in messages:
                flash(translate(message), "error")
    else:
        flash(_("The document was added."), "success")
    return redirect(url_for("firms.detail", firm_id=firm_id))


# --- certificates -----------------------------------------------------------------------------------

def _certificate_data(form: CertificateForm) -> dict:
    return {n: getattr(form, n).data for n in ("cert_type", "level", "number", "issuer", "issued_on", "expires_on")}


@bp.route("/<int:firm_id>/certificates/new", methods=["GET", "POST"])
@roles("vendor")
def new_certificate(firm_id: int):
    firm = firm_service.get_own_firm(current_actor(), firm_id)
    form = CertificateForm()
    if form.validate_on_submit():
        try:
            firm_service.add_certificate(firm.id, _certificate_data(form), _upload(form.file))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("The certificate was added."), "success")
            return redirect(url_for("firms.detail", firm_id=firm.id, _anchor="certificates"))
    return render_template("firms/certificate_form.html", form=form, firm=firm, cert=None)


@bp.route("/certificates/<int:cert_id>/edit", methods=["GET", "POST"])
@roles("vendor")
def edit_certificate(cert_id: int):
    firm, cert = firm_service.get_own_certificate(current_actor(), cert_id)
    form = CertificateForm(obj=None if request.method == "POST" else cert)
    if form.validate_on_submit():
        try:
            firm_service.update_certificate(cert.id, _certificate_data(form), _upload(form.file))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("The certificate was updated."), "success")
            return redirect(url_for("firms.detail", firm_id=firm.id, _anchor="certificates"))
    return render_template("firms/certificate_form.html", form=form, firm=firm, cert=cert)


@bp.route("/certificates/<int:cert_id>/delete", methods=["POST"])
@roles("vendor")
def delete_certificate(cert_id: int):
    cert = firm_service.get_own_certificate(current_actor(), cert_id)[1]
    firm_id = cert.firm_id
    firm_service.delete_certificate(cert_id)
    flash(_("The certificate was deleted."), "success")
    return redirect(url_for("firms.detail", firm_id=firm_id, _anchor="certificates"))


# --- roster -----------------------------------------------------------------------------------------

@bp.route("/<int:firm_id>/staff/new", methods=["GET", "POST"])
@roles("vendor")
def new_staff(firm_id: int):
    firm = firm_service.get_own_firm(current_actor(), firm_id)
    form = StaffForm()
    if form.validate_on_submit():
        try:
            roster.add_staff(firm.id, form.staff_data(), _upload(form.commitment_file))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("The staff member was added."), "success")
            return redirect(url_for("firms.staff", firm_id=firm.id))
    return render_template("firms/staff_form.html", form=form, firm=firm, member=None)


@bp.route("/staff/<int:staff_id>/edit", methods=["GET", "POST"])
@roles("vendor")
def edit_staff(staff_id: int):
    firm, member = roster.get_own_staff(current_actor(), staff_id)
    form = StaffForm(obj=None if request.method == "POST" else member)
    if request.method == "GET":
        form.id_number.data = ""
        form.phone.data = ""
    if form.validate_on_submit():
        try:
            roster.update_staff(member.id, form.staff_data(), _upload(form.commitment_file))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("The staff member was updated."), "success")
            return redirect(url_for("firms.staff", firm_id=firm.id))
    return render_template("firms/staff_form.html", form=form, firm=firm, member=member,
                           masked_id=roster.masked_id(member), masked_phone=roster.masked_phone(member))


@bp.route("/staff/<int:staff_id>/left", methods=["POST"])
@roles("vendor")
def staff_left(staff_id: int):
    member = roster.set_left(staff_id, request.form.get("left", "1") == "1")
    flash(_("The roster was updated."), "success")
    return redirect(url_for("firms.staff", firm_id=member.firm_id))


@bp.route("/<int:firm_id>/staff")
@authenticated
def staff(firm_id: int):
    actor = current_actor()
    firm = firm_service.get_firm(actor, firm_id)
    status = request.args.get("status", "active")
    page = paginate(roster.roster_query(actor, firm.id, status), int_arg("page", 1))
    rows = [(m, roster.masked_id(m), roster.masked_phone(m)) for m in page.items]
    return render_template("firms/staff.html", firm=firm, page=page, rows=rows, status=status,
                           reveal_form=RevealForm(), own=current_user.firm_id == firm.id,
                           counts=roster.counts(firm.id))


@bp.route("/<int:firm_id>/staff/export.xlsx")
@authenticated
def staff_export(firm_id: int):
    actor = current_actor()
    heading = title_row(N_("Staff roster"), STAFF_CRITERIA, {"firm_id": firm_id})
    return send_xlsx(f"roster-{firm_id}.xlsx",
                     lambda out: roster.export_roster(actor, firm_id, out, translate, title_row=heading))


STAFF_CRITERIA = (Criterion("firm_id", N_("Firm"), lambda firm_id: firm_service.firm_name(None, firm_id)),)


@bp.route("/staff/template.xlsx")
@roles("vendor")
def staff_template():
    return send_xlsx("roster-template.xlsx", lambda out: roster.template_workbook(out, translate))


@bp.route("/<int:firm_id>/staff/import", methods=["GET", "POST"])
@roles("vendor")
def staff_import(firm_id: int):
    firm = firm_service.get_own_firm(current_actor(), firm_id)
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        upload = _upload(form.file)
        if upload is None:
            form.file.errors = [_("Choose a file.")]
        else:
            try:
                count = roster.import_roster(firm.id, upload[0], translate, filename=upload[1])
            except ValidationFailed as exc:
                apply_service_errors(form, exc)
            except roster.ImportRejected as exc:
                problems = exc.problems
            else:
                flash(_("%(count)s staff members were imported.", count=count), "success")
                return redirect(url_for("firms.staff", firm_id=firm.id))
    # A refused file (by the upload check or a row problem) is a 422, nothing imported.
    status = 422 if problems or form.file.errors else 200
    return render_template("firms/staff_import.html", form=form, firm=firm, problems=problems), status


@bp.route("/staff/<int:staff_id>/reveal", methods=["POST"])
@roles("regulator", "lead")
def reveal(staff_id: int):
    form = RevealForm()
    member = roster.get_staff(current_actor(), staff_id)
    value = None
    if form.validate_on_submit():
        try:
            value = roster.reveal(member.id, form.what.data, form.reason.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
    response = render_template("firms/reveal.html", form=form, member=member, value=value)
    return response, 200 if value else 422, {"Cache-Control": "no-store"}


# --- supervisors: list, queue, decisions -----------------------------------------------------------

def _filter() -> tuple[FirmFilterForm, firm_service.FirmFilter]:
    form = FirmFilterForm(request.args)
    flt = firm_service.FirmFilter(status=request.args.get("status", ""), district=request.args.get("district", ""),
                                  service_type=request.args.get("service_type", ""), q=clean_text(request.args.get("q")),
                                  sort=request.args.get("sort", "name"), grade=request.args.get("grade", ""))
    return form, flt


@bp.route("/")
@roles("regulator", "lead")
def index():
    form, flt = _filter()
    page = paginate(firm_service.firm_query(current_actor(), flt), int_arg("page", 1))
    staff_counts = roster.staff_count_by_firm([f.id for f in page.items])
    return render_template("firms/index.html", form=form, page=page, staff_counts=staff_counts,
                           district_name=district_name)


@bp.route("/export.xlsx")
@roles("regulator", "lead")
def export():
    _form, flt = _filter()
    query = firm_service.firm_query(current_actor(), flt)
    # Recorded before the rows stream (a commit afterwards would expire the firms being written).
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    audit.record_and_commit("firm.export", "firm", None, detail={"rows": count})
    staff = roster.staff_count_by_firm(list(db.session.scalars(query.with_only_columns(firm_service.Firm.id).order_by(None))))
    rows = fetch_rows(query, scalars=True)
    title = N_("Firms")
    return xlsx_response("firms.xlsx", firm_export_columns(staff), rows, sheet_title=title,
                         title_row=title_row(title, FIRM_CRITERIA, flt))


# The list's filter as the export's title row shows it (the labels of the filter form).
FIRM_CRITERIA = (
    Criterion("status", N_("Status"),
              lambda code: translate(FIRM_REGISTRATION.states[code]) if code in FIRM_REGISTRATION.states else ""),
    Criterion("district", N_("District"), district_label),
    Criterion("service_type", N_("Service type"),
              lambda code: translate(SERVICE_TYPES[code]) if code in SERVICE_TYPES else ""),
    Criterion("q", N_("Name or code")),
)


def firm_export_columns(staff: dict[int, int]) -> tuple[Column, ...]:
    """The list's columns (with each firm's staff in post, from `staff`), then the liaison contact."""
    return _FIRM_COLUMNS[:6] + (Column(N_("Active staff"), lambda firm: staff.get(firm.id, 0), "number"),) \
        + _FIRM_COLUMNS[6:]


_FIRM_COLUMNS = (
    Column(N_("Firm name"), lambda firm: firm.name, width=28),
    Column(N_("Unified social credit code"), lambda firm: firm.uscc, width=22),
    Column(N_("District"), lambda firm: district_label(firm.district_code)),
    Column(N_("Status"), lambda firm: translate(FIRM_REGISTRATION.state_label(firm.status))),
    Column(N_("Valid until"), lambda firm: firm.valid_until, "date"),
    Column(N_("Service types"),
           lambda firm: ", ".join(translate(SERVICE_TYPES.get(t, t)) for t in firm.service_types or [])),
    Column(N_("Grade"), lambda firm: firm.grade),
    Column(N_("Liaison contact"), lambda firm: firm.liaison_name),
    Column(N_("Liaison phone"), lambda firm: roster.mask_phone(firm_service.liaison_phone(firm))),
)


@bp.route("/queue")
@roles("regulator", "lead")
def queue():
    actor = current_actor()
    registrations = list(db.session.scalars(firm_service.pending_registrations(actor).limit(200)))
    requests_ = list(db.session.scalars(firm_service.pending_change_requests(actor).limit(200)))
    firm_names = dict(db.session.execute(
        firm_service.visible_firms(actor).with_only_columns(firm_service.Firm.id, firm_service.Firm.name)
        .where(firm_service.Firm.id.in_([r.firm_id for r in requests_]))).all())
    return render_template("firms/queue.html", registrations=registrations, requests=requests_,
                           firm_names=firm_names)


@bp.route("/<int:firm_id>")
@authenticated
def detail(firm_id: int):
    firm = firm_service.get_firm(current_actor(), firm_id)
    return _firm_page(firm, DecisionForm(version=firm.version_id))


# The regulator's decisions on a registration or its re-check, taken in the review panel beside the record.
_DECISIONS = {
    "start_review": lambda fid, reason, v: firm_service.start_review(fid, v),
    "approve": lambda fid, reason, v: firm_service.approve_registration(fid, v, override_reason=reason),
    "return": lambda fid, reason, v: firm_service.return_registration(fid, reason, v),
    "approve_recheck": lambda fid, reason, v: firm_service.approve_recheck(fid, v),
    "return_recheck": lambda fid, reason, v: firm_service.return_recheck(fid, reason, v),
}


def _firm_page(firm, decision_form: DecisionForm, chosen: str | None = None, status: int = 200):
    """The firm's record, and for its reviewer the review screen: the record first, one decision panel
    beside it with the checks that apply, and the registration's stepper. After a refused decision the
    page is shown again (422) with the reason as typed and why it was refused."""
    actor = current_actor()
    today = clock.today()
    supervisor = access.is_supervisor(actor)
    change_requests = list(db.session.scalars(
        firm_service.visible_change_requests(actor).where(FirmChangeRequest.firm_id == firm.id)
        .order_by(FirmChangeRequest.created_at.desc()).limit(20)))
    users = list(db.session.scalars(db.select(User).where(User.firm_id == firm.id).order_by(User.id)))
    actions = [t.action for t in FIRM_REGISTRATION.allowed_actions(firm.status, actor.roles)]
    decisions = [a for a in actions if a in _DECISIONS] if supervisor else []
    certificates = firm_service.certificates_of(firm.id)  # shown, and checked below: read once
    blockers = firm_service.approval_blockers(firm, today, certificates) if "approve" in decisions else []
    reason_required = {t.action for t in FIRM_REGISTRATION.transitions if t.reason_required}
    if blockers:
        reason_required.add("approve")  # an approval without the checks met is explained (and audited)
    return render_template(
        "firms/detail.html", firm=firm, today=today, supervisor=supervisor, own=actor.firm_id == firm.id,
        certificates=certificates, documents=firm_service.documents_of(firm.id),
        change_requests=change_requests, timeline=timeline.steps("firm", firm.id),
        problems=firm_service.firm_can_file(firm, today, certificates), counts=roster.counts(firm.id), users=users,
        liaison_phone=roster.mask_phone(firm_service.liaison_phone(firm)), district_name=district_name,
        actions=actions, decisions=decisions, reason_required=reason_required,
        action_labels={t.action: t.label for t in FIRM_REGISTRATION.transitions},
        checks=firm_service.review_checks(firm, today, certificates=certificates) if decisions else [],
        review_form=decision_form, chosen=chosen, recheck_form=RecheckForm(version=firm.version_id),
        document_form=DocumentForm(), CERTIFICATE_TYPES=CERTIFICATE_TYPES,
        verification_labels=firm_service.VERIFICATION_LABELS, approval_blockers=blockers,
    ), status


def _refusals(exc: ValidationFailed | ReasonRequired) -> list[str]:
    """Why a decision was refused, in the user's language."""
    if isinstance(exc, ReasonRequired):
        return [exc.translated(_)]
    return [translate(m) if isinstance(m, str) else translate(*m)
            for messages in exc.field_errors.values() for m in messages]


@bp.route("/<int:firm_id>/decide/<action>", methods=["POST"])
@roles("regulator", "lead")
def decide(firm_id: int, action: str):
    if action not in _DECISIONS:
        abort(404)
    form = DecisionForm()
    if not form.reason.validate(form):  # too long: shown again with the text kept
        return _firm_page(firm_service.get_firm(current_actor(), firm_id), form, chosen=action, status=422)
    try:
        _DECISIONS[action](firm_id, form.reason.data or "", form.version.data)
    except (ValidationFailed, ReasonRequired) as exc:
        # e.g. a return without a reason, or an approval without verification or licence and no reason:
        # say why beside the reason field, keep what was typed, change nothing.
        db.session.rollback()
        form.reason.errors = _refusals(exc)
        return _firm_page(firm_service.get_firm(current_actor(), firm_id), form, chosen=action, status=422)
    flash(_("The decision was recorded."), "success")
    return redirect(url_for("firms.detail", firm_id=firm_id))


@bp.route("/change-requests/<int:request_id>")
@authenticated
def change_request(request_id: int):
    change = firm_service.get_change_request(current_actor(), request_id)
    return _change_page(change, DecisionForm(version=change.version_id))


def _change_page(change: FirmChangeRequest, form: DecisionForm, chosen: str | None = None, status: int = 200):
    """A change request under review: old and new values first, the decision panel beside them."""
    actor = current_actor()
    firm = firm_service.get_firm(actor, change.firm_id)
    supervisor = access.is_supervisor(actor)
    decisions = [t.action for t in CHANGE_REQUEST.allowed_actions(change.status, actor.roles)
                 if t.action in ("approve", "return")] if supervisor else []
    return render_template("firms/change_request.html", change=change, firm=firm,
                           rows=firm_service.change_rows(change), supervisor=supervisor,
                           form=form, chosen=chosen, decisions=decisions,
                           labels={t.action: t.label for t in CHANGE_REQUEST.transitions},
                           reason_required={t.action for t in CHANGE_REQUEST.transitions if t.reason_required},
                           checks=firm_service.review_checks(firm, clock.today()) if decisions else [],
                           timeline=timeline.steps("change_request", change.id),
                           SERVICE_TYPES=SERVICE_TYPES, district_name=district_name), status


@bp.route("/change-requests/<int:request_id>/<action>", methods=["POST"])
@roles("regulator", "lead")
def decide_change(request_id: int, action: str):
    if action not in ("approve", "return"):
        abort(404)
    form = DecisionForm()
    if not form.reason.validate(form):
        return _change_page(firm_service.get_change_request(current_actor(), request_id), form, action, 422)
    try:
        if action == "approve":
            firm_service.approve_change_request(request_id, form.version.data)
        else:
            firm_service.return_change_request(request_id, form.reason.data or "", form.version.data)
    except ReasonRequired as exc:
        db.session.rollback()
        form.reason.errors = _refusals(exc)
        return _change_page(firm_service.get_change_request(current_actor(), request_id), form, action, 422)
    flash(_("The decision was recorded."), "success")
    return redirect(url_for("firms.change_request", request_id=request_id))


# --- home panels ------------------------------------------------------------------------------------

@panels.register
def _home_panels(user) -> list[panels.Panel]:
    result: list[panels.Panel] = []
    if user.has_role("vendor") and user.firm_id:
        firm = db.session.get(firm_service.Firm, user.firm_id)
        today = clock.today()
        firm_id = firm.id

        def staff_counts() -> tuple[int, int]:
            counts = roster.counts(firm_id)
            return counts.active, counts.qualified

        # Plain counts, cached per firm (and day) until the staff or certificate table is written.
        active, qualified = aggregates.value("firms.home_staff_counts", firm_id, [StaffMember], staff_counts)
        expiring = aggregates.value("firms.home_expiring_certificates", (firm_id, today), [Certificate],
                                    lambda: len(firm_service.expiring_certificates(firm_id, today)))
        link = url_for("firms.detail", firm_id=firm.id)
        staff_link = url_for("firms.staff", firm_id=firm.id)
        items = [
            (_("Registration status"), translate(FIRM_REGISTRATION.state_label(firm.status)), link),
            (_("Valid until"), firm.valid_until.isoformat() if firm.valid_until else "—", link),
            (_("Certificates expiring within 60 days"), expiring, link + "#certificates"),
            (_("Active staff"), active, staff_link),
            (_("Qualified staff"), qualified, staff_link),
        ]
        result.append(panels.Panel(_("Our registration"), items))
    if user.has_role("regulator", "lead"):
        actor = current_actor()
        link = url_for("firms.queue")
        # Keyed by everything the firm scope reads from the actor; no statement is built on a hit.
        scope = (tuple(sorted(actor.roles)), actor.firm_id, actor.district_code)
        registrations = aggregates.value(
            "firms.home_pending_registrations", scope, [firm_service.Firm],
            lambda: firm_service.count_of(firm_service.pending_registrations(actor)))
        changes = aggregates.value(
            "firms.home_pending_change_requests", scope, [FirmChangeRequest, firm_service.Firm],
            lambda: firm_service.count_of(firm_service.pending_change_requests(actor)))
        result.append(panels.Panel(_("Firm registration"), [
            (_("Registrations waiting for review"), registrations, link),
            (_("Change requests waiting for review"), changes, link),
        ]))
    return result



@bp.app_template_global()
def ownership_label(code: str | None) -> str:
    """Premises ownership in words (owned / leased)."""
    from portal.firms.forms import OWNERSHIP

    return next((str(c.label) for c in OWNERSHIP if c.value == code and code), "—")


@bp.app_template_global()
def firm_state_label(state: str) -> str:
    return translate(FIRM_REGISTRATION.state_label(state)) if state in FIRM_REGISTRATION.states else state


@bp.app_template_global()
def change_state_label(state: str) -> str:
    return translate(CHANGE_REQUEST.state_label(state)) if state in CHANGE_REQUEST.states else state
