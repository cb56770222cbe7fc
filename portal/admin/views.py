"""Thin administration views: form → accounts / organisations / audit-log service → redirect."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from operator import itemgetter

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.admin import audit_log
from portal.admin.blueprint import bp
from portal.admin.forms import (
    ACCOUNT_KINDS,
    AccountFilterForm,
    AccountForm,
    AgencyFilterForm,
    AgencyForm,
    AuditFilterForm,
    OfficeForm,
    ResetPasswordForm,
    RolesForm,
)
from portal.auth import accounts, mfa
from portal.auth import password_policy as passwords
from portal.auth.models import User, UserSession
from portal.core import clock, localtime
from portal.core.audit_labels import OBJECT_LABELS, describe_action
from portal.core.errors import ValidationFailed
from portal.core.exports import Column, Criterion, csv_safe, title_row, xlsx_response
from portal.core.models import AuditEvent
from portal.core.msgids import N_
from portal.core.pagination import paginate
from portal.extensions import db
from portal.firms.models import Firm
from portal.home.panels import Panel, register
from portal.orgs import service as organisations
from portal.orgs.models import Agency, RegulatorOffice
from portal.web.forms import apply_service_errors, choices
from portal.web.params import int_arg
from portal.web.permissions import roles

SYSADMIN, SECADMIN, AUDITOR = "sysadmin", "secadmin", "auditor"


# --- accounts (system admin and security admin) --------------------------------------------------


@bp.route("/accounts", endpoint="accounts")
@roles(SYSADMIN, SECADMIN)
def accounts_list():
    form = AccountFilterForm(request.args)
    form.validate()
    query = accounts.search_users(form.q.data or "", form.role.data or "", form.status.data or "")
    page = paginate(query, int_arg("page", 1))
    return render_template("admin/accounts.html", form=form, page=page, now=clock.utcnow())


def _org_choices(form: AccountForm) -> None:
    none = [(0, "—")]
    form.office_id.choices = choices(none + [(o.id, o.name) for o in organisations.list_offices()])
    form.agency_id.choices = choices(none + [
        (a.id, a.name) for a in db.session.scalars(select(Agency).order_by(Agency.district_code, Agency.name))
    ])
    form.firm_id.choices = choices(none + [(f.id, f.name) for f in db.session.scalars(select(Firm).order_by(Firm.name))])


@bp.route("/accounts/new", methods=["GET", "POST"])
@roles(SYSADMIN)
def account_new():
    form = AccountForm()
    _org_choices(form)
    if form.validate_on_submit():
        kind_roles = ACCOUNT_KINDS[form.kind.data][1]
        try:
            user = accounts.create_user(
                username=form.username.data.strip(), display_name=form.display_name.data.strip(),
                email=(form.email.data or "").strip(), password=form.password.data, roles=list(kind_roles),
                firm_id=(form.firm_id.data or None) if "vendor" in kind_roles else None,
                agency_id=(form.agency_id.data or None) if "agency" in kind_roles else None,
                office_id=(form.office_id.data or None) if "regulator" in kind_roles else None,
                must_change_password=True,
            )
        except ValidationFailed as exc:
            exc.field_errors["kind"] = exc.field_errors.pop("roles", [])
            exc.field_errors = {k: v for k, v in exc.field_errors.items() if v}
            apply_service_errors(form, exc)
        else:
            flash(_("Account %(name)s created. The user must change the temporary password at first login.",
                    name=user.username), "success")
            return redirect(url_for("admin.account", user_id=user.id))
    return render_template("admin/account_form.html", form=form)


@bp.route("/accounts/<int:user_id>")
@roles(SYSADMIN, SECADMIN)
def account(user_id: int):
    user = accounts.get_user(user_id)
    return render_template("admin/account.html", user=user, now=clock.utcnow())


@bp.route("/accounts/<int:user_id>/active", methods=["POST"])
@roles(SYSADMIN)
def account_set_active(user_id: int):
    active = request.form.get("active") == "1"
    accounts.set_active(user_id, active)
    flash(_("The account is enabled.") if active else _("The account is disabled and its sessions have ended."),
          "success")
    return redirect(url_for("admin.account", user_id=user_id))


@bp.route("/accounts/<int:user_id>/password", methods=["GET", "POST"])
@roles(SYSADMIN)
def account_reset_password(user_id: int):
    user = accounts.get_user(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(user.id, form.password.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Temporary password set. The user must choose a new one at next login."), "success")
            return redirect(url_for("admin.account", user_id=user.id))
    return render_template("admin/reset_password.html", form=form, user=user)


@bp.route("/accounts/<int:user_id>/roles", methods=["GET", "POST"])
@roles(SECADMIN)
def account_roles(user_id: int):
    user = accounts.get_user(user_id)
    form = RolesForm(data={"roles": list(user.role_codes)} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            accounts.set_roles(user.id, form.roles.data or [])
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Roles saved."), "success")
            return redirect(url_for("admin.account", user_id=user.id))
    return render_template("admin/roles.html", form=form, user=user)


@bp.route("/accounts/<int:user_id>/unlock", methods=["POST"])
@roles(SECADMIN)
def account_unlock(user_id: int):
    accounts.unlock(user_id)
    flash(_("The account is unlocked."), "success")
    return redirect(url_for("admin.account", user_id=user_id))


@bp.route("/accounts/<int:user_id>/mfa-reset", methods=["POST"])
@roles(SECADMIN)
def account_mfa_reset(user_id: int):
    mfa.reset_factor(user_id)
    flash(_("The second factor is removed; the user sets up a new one at the next login."), "success")
    return redirect(url_for("admin.account", user_id=user_id))


@bp.route("/accounts/<int:user_id>/sessions")
@roles(SECADMIN)
def account_sessions(user_id: int):
    user = accounts.get_user(user_id)
    return render_template("admin/sessions.html", user=user, sessions=accounts.live_sessions(user.id))


@bp.route("/accounts/<int:user_id>/sessions/end", methods=["POST"])
@roles(SECADMIN)
def account_sessions_end(user_id: int):
    session_id = int_arg("session_id", source=request.form)
    if session_id:
        accounts.revoke_session(user_id, session_id)
        flash(_("The session has ended."), "success")
    else:
        count = accounts.revoke_sessions(user_id)
        flash(_("%(count)s session(s) ended.", count=count), "success")
    return redirect(url_for("admin.account_sessions", user_id=user_id))


@bp.route("/security")
@roles(SECADMIN)
def security_policy():
    cfg = current_app.config
    policy = {
        "min_length": passwords.MIN_LENGTH,
        "min_classes": passwords.MIN_CLASSES,
        "max_failures": cfg["LOGIN_MAX_FAILURES"],
        "lock_minutes": cfg["LOGIN_LOCK_MINUTES"],
        "idle_minutes": cfg["SESSION_IDLE_MINUTES"],
        "absolute_hours": cfg["SESSION_ABSOLUTE_HOURS"],
        "secure_cookie": cfg.get("SESSION_COOKIE_SECURE"),
        "hsts": cfg.get("HSTS"),
        "history": accounts.PASSWORD_HISTORY_SIZE,
        "max_age_days": cfg.get("PASSWORD_MAX_AGE_DAYS") or 0,
        "mfa_required": cfg.get("MFA_REQUIRED"),
        "max_sessions": cfg.get("MAX_SESSIONS_PER_USER"),
        "max_admin_sessions": cfg.get("MAX_SESSIONS_PER_ADMIN"),
    }
    return render_template("admin/security_policy.html", policy=policy)


# --- organisations (system admin) -----------------------------------------------------------------


def _office_choices(form) -> None:
    form.office_id.choices = choices([(0, "—")] + [(o.id, o.name) for o in organisations.list_offices()])


def _agency_data(form: AgencyForm) -> organisations.AgencyData:
    return organisations.AgencyData(
        name=form.name.data or "", uscc=form.uscc.data or "", district_code=form.district_code.data or "",
        agency_type=form.agency_type.data or "", contact_name=(form.contact_name.data or "").strip(),
        contact_phone=(form.contact_phone.data or "").strip(), office_id=form.office_id.data or None,
    )


@bp.route("/agencies")
@roles(SYSADMIN)
def agencies():
    form = AgencyFilterForm(request.args)
    form.validate()
    query = organisations.search_agencies(form.q.data or "", form.district.data or "")
    page = paginate(query, int_arg("page", 1))
    return render_template("admin/agencies.html", form=form, page=page)


@bp.route("/agencies/new", methods=["GET", "POST"])
@roles(SYSADMIN)
def agency_new():
    form = AgencyForm()
    _office_choices(form)
    if form.validate_on_submit():
        try:
            agency = organisations.create_agency(_agency_data(form))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Agency %(name)s saved.", name=agency.name), "success")
            return redirect(url_for("admin.agencies"))
    return render_template("admin/agency_form.html", form=form, agency=None)


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
@roles(SYSADMIN)
def agency_edit(agency_id: int):
    agency = organisations.get_agency(agency_id)
    if request.method == "GET":
        form = AgencyForm(obj=agency, contact_phone=organisations.agency_phone(agency),
                          office_id=agency.office_id or 0)
    else:
        form = AgencyForm()
    _office_choices(form)
    if form.validate_on_submit():
        try:
            organisations.update_agency(agency.id, _agency_data(form))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Agency %(name)s saved.", name=agency.name), "success")
            return redirect(url_for("admin.agencies"))
    return render_template("admin/agency_form.html", form=form, agency=agency)


@bp.route("/offices")
@roles(SYSADMIN)
def offices():
    return render_template("admin/offices.html", offices=organisations.list_offices())


def _office_data(form: OfficeForm) -> organisations.OfficeData:
    return organisations.OfficeData(name=form.name.data or "", level=form.level.data or "",
                                    district_code=form.district_code.data or None)


@bp.route("/offices/new", methods=["GET", "POST"])
@roles(SYSADMIN)
def office_new():
    form = OfficeForm()
    if form.validate_on_submit():
        try:
            organisations.create_office(_office_data(form))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Office saved."), "success")
            return redirect(url_for("admin.offices"))
    return render_template("admin/office_form.html", form=form, office=None)


@bp.route("/offices/<int:office_id>", methods=["GET", "POST"])
@roles(SYSADMIN)
def office_edit(office_id: int):
    office = organisations.get_office(office_id)
    form = OfficeForm(obj=office if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            organisations.update_office(office.id, _office_data(form))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Office saved."), "success")
            return redirect(url_for("admin.offices"))
    return render_template("admin/office_form.html", form=form, office=office)


# --- audit log (audit admin only) -----------------------------------------------------------------


def _audit_filter(form: AuditFilterForm) -> audit_log.AuditFilter:
    return audit_log.AuditFilter(
        date_from=form.date_from.data, date_to=form.date_to.data, actor=form.actor.data or "",
        action=form.action.data or "", object_type=form.object_type.data or "",
        object_id=form.object_id.data or "", outcome=form.outcome.data or "",
        request_id=form.request_id.data or "",
    )


def _audit_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    if not form.validate():
        # A malformed date is shown beside its field and ignored rather than failing the page.
        for name in ("date_from", "date_to"):
            if getattr(form, name).errors:
                getattr(form, name).data = None
    return form


@bp.route("/audit", endpoint="audit_log")
@roles(AUDITOR)
def audit_log_page():
    form = _audit_form()
    page = paginate(audit_log.search(_audit_filter(form)), int_arg("page", 1), bounded=True)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("admin/audit.html", form=form, page=page, export_args=args,
                           rows=audit_log.readable(page.items, _), action_choices=audit_log.action_choices(_))


@bp.route("/audit/export")
@roles(AUDITOR)
def audit_export():
    form = _audit_form()
    filters = _audit_filter(form)
    rows = audit_log.export_rows(filters)
    stamp = clock.utcnow().strftime("%Y%m%d-%H%M%S")
    if request.args.get("format") == "csv":
        text = io.StringIO()
        text.write("\ufeff")  # lets Excel recognise UTF-8 (Chinese names)
        writer = csv.writer(text)
        writer.writerow([_(c.header) for c in AUDIT_EXPORT])
        writer.writerows([csv_safe(v) for v in row] for row in rows)
        return send_file(io.BytesIO(text.getvalue().encode("utf-8")), mimetype="text/csv",
                         as_attachment=True, download_name=f"audit-log-{stamp}.csv", max_age=0)
    title = N_("Audit log")
    return xlsx_response(f"audit-log-{stamp}.xlsx", AUDIT_EXPORT, rows, sheet_title=title,
                         title_row=title_row(title, AUDIT_CRITERIA, filters))


# The log's filter as the export's title row shows it (the labels of the filter form). Actions and
# object types read in words; what the auditor typed that names none (a prefix, an id) reads as typed.
_OUTCOMES = {"success": N_("Success"), "failure": N_("Failure")}
AUDIT_CRITERIA = (
    Criterion("date_from", N_("From")), Criterion("date_to", N_("To")),
    Criterion("actor", N_("Actor (username)")),
    Criterion("action", N_("Action"),
              lambda code: describe_action(code, _) if "." in code else code),
    Criterion("object_type", N_("Object type"),
              lambda code: _(OBJECT_LABELS[code]) if code in OBJECT_LABELS else code),
    Criterion("object_id", N_("Object ID")),
    Criterion("outcome", N_("Outcome"), lambda code: _(_OUTCOMES[code]) if code in _OUTCOMES else ""),
    Criterion("request_id", N_("Request ID")),
)


# Rows of audit_log.export_rows: (seq, time, actor, role, ip, action, object type, object id, outcome,
# request id, detail).
AUDIT_EXPORT = (
    Column(N_("Sequence"), itemgetter(0), "number"),
    Column(N_("Time (China Standard Time)"), itemgetter(1), "timestamp"),
    Column(N_("Actor"), itemgetter(2)),
    Column(N_("Role"), itemgetter(3)),
    Column(N_("IP address"), itemgetter(4)),
    Column(N_("Action"), itemgetter(5), width=24),
    Column(N_("Object"), itemgetter(6)),
    Column(N_("Object ID"), itemgetter(7)),
    Column(N_("Outcome"), itemgetter(8)),
    Column(N_("Request ID"), itemgetter(9)),
    Column(N_("Detail"), itemgetter(10), width=60),
)


@bp.route("/audit/verify", methods=["POST"])
@roles(AUDITOR)
def audit_verify():
    report = audit_log.verify_chain()
    if report.ok:
        flash(_("The audit chain is intact: %(rows)s rows checked.", rows=report.rows), "success")
    else:
        problem = {"edited": _("a row was edited"), "deleted": _("a row was deleted"),
                   "inserted": _("a row was inserted")}.get(report.problem, report.problem)
        flash(_("The audit chain is BROKEN at sequence number %(seq)s: %(problem)s.",
                seq=report.first_bad_seq, problem=problem), "error")
    return redirect(url_for("admin.audit_log"))


# --- home page panels for the three administrators -------------------------------------------------


@register
def admin_panels(user) -> list[Panel]:
    result: list[Panel] = []
    now = clock.utcnow()
    if user.has_role(SYSADMIN):
        result.append(Panel(_("Accounts and organisations"), [
            (_("Accounts"), db.session.scalar(select(func.count(User.id))) or 0, url_for("admin.accounts")),
            (_("Disabled accounts"), db.session.scalar(select(func.count(User.id)).where(User.active.is_(False))) or 0,
             url_for("admin.accounts", status="disabled")),
            (_("Agencies"), db.session.scalar(select(func.count(Agency.id))) or 0, url_for("admin.agencies")),
            (_("Regulator offices"), db.session.scalar(select(func.count(RegulatorOffice.id))) or 0,
             url_for("admin.offices")),
        ]))
    if user.has_role(SECADMIN):
        idle = current_app.config["SESSION_IDLE_MINUTES"]
        result.append(Panel(_("Security"), [
            (_("Locked accounts"), db.session.scalar(select(func.count(User.id)).where(User.locked_until > now)) or 0,
             url_for("admin.accounts", status="locked")),
            (_("Sessions active in the last %(minutes)s minutes", minutes=idle), db.session.scalar(
                select(func.count(UserSession.id)).where(UserSession.ended_at.is_(None),
                                                         UserSession.last_seen_at > now - timedelta(minutes=idle))
            ) or 0, ""),
            (_("Security policy"), "", url_for("admin.security_policy")),
        ]))
    if user.has_role(AUDITOR):
        failures = db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.outcome == "failure",
                                                   AuditEvent.at >= localtime.day_start_utc(localtime.today()))
        ) or 0
        result.append(Panel(_("Audit"), [
            (_("Audit events"), db.session.scalar(select(func.max(AuditEvent.seq))) or 0, url_for("admin.audit_log")),
            (_("Failed events today"), failures, url_for("admin.audit_log", outcome="failure")),
        ]))
    return result

