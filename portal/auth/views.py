"""Thin views: form → accounts service → redirect."""
from __future__ import annotations

import segno
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import accounts
from portal.auth import mfa as mfa_module
from portal.auth.blueprint import bp
from portal.auth.forms import ChangePasswordForm, LoginForm, MfaCodeForm
from portal.auth.sessions import SESSION_KEY
from portal.core.errors import ValidationFailed
from portal.web.forms import apply_service_errors
from portal.web.i18n import translate
from portal.web.permissions import authenticated, must_set_up_second_factor, public
from portal.web.redirects import redirect_next, safe_path
from portal.web.throttle import login_limits


@bp.route("/login", methods=["GET", "POST"])
@public
@login_limits
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            result = accounts.authenticate(
                form.username.data, form.password.data, ip=request.remote_addr,
                user_agent=request.headers.get("User-Agent"),
            )
        except accounts.LoginFailed as exc:
            form.password.errors.append(translate(str(exc)))
            return render_template("auth/login.html", form=form), 200
        _fresh_session(result.session_token)
        if result.mfa_pending:
            return redirect(url_for("auth.mfa", next=safe_path(request.args.get("next"))))
        return _logged_in(result)
    return render_template("auth/login.html", form=form)


def _fresh_session(token: str) -> None:
    """A fresh session (and id) at each login step: no fixation; only the language survives."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[SESSION_KEY] = token


def _logged_in(result: accounts.LoginResult):
    login_user(result.user)
    if must_set_up_second_factor(result.user):
        flash(_("Set up a second factor before you continue."), "warning")
        return redirect(url_for("auth.mfa_setup"))
    if result.user.must_change_password:
        flash(_("Please choose a new password before you continue."), "warning")
        return redirect(url_for("auth.change_password"))
    return redirect_next(request.args.get("next"), "home.index")


@bp.route("/mfa", methods=["GET", "POST"])
@public
def mfa():
    """Second step of a login: the password was right, the session waits on the server for a code."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    if mfa_module.pending_user(session.get(SESSION_KEY)) is None:
        flash(_("Please log in again."), "warning")
        return redirect(url_for("auth.login"))
    form = MfaCodeForm()
    if form.validate_on_submit():
        try:
            result = mfa_module.verify_login(session.get(SESSION_KEY), form.code.data, ip=request.remote_addr)
        except mfa_module.MfaFailed as exc:
            form.code.errors.append(translate(str(exc)))
            return render_template("auth/mfa.html", form=form), 200
        _fresh_session(result.session_token)
        return _logged_in(result)
    return render_template("auth/mfa.html", form=form)


@bp.route("/mfa/setup", methods=["GET", "POST"])
@authenticated
@login_required
def mfa_setup():
    """Enrolment: scan the otpauth:// URI (QR code), confirm with one code, note the recovery codes."""
    if current_user.mfa_enrolled:
        return render_template("auth/mfa_setup.html", enrolled=True, form=None)
    form = MfaCodeForm()
    if form.validate_on_submit():
        try:
            codes = mfa_module.confirm_enrolment(current_user, form.code.data)
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            return render_template("auth/mfa_recovery_codes.html", codes=codes)
    secret, uri = mfa_module.start_enrolment(current_user)
    qr = segno.make(uri, error="m").svg_data_uri(scale=4)  # a data: image, which the CSP allows
    return render_template("auth/mfa_setup.html", enrolled=False, form=form, secret=secret, uri=uri, qr=qr)


@bp.route("/sessions")
@authenticated
@login_required
def sessions():
    """The user's own live sessions (device, address, times); any of them can be ended here."""
    current = accounts.session_of_token(session.get(SESSION_KEY))
    return render_template("auth/sessions.html", sessions=accounts.live_sessions(current_user.id),
                           current_id=current.id if current else None)


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@authenticated
@login_required
def session_end(session_id: int):
    row = accounts.end_own_session(current_user, session_id)  # someone else's session: 404
    if row.token_hash == accounts.token_hash(session.get(SESSION_KEY) or ""):
        logout_user()
        session.pop(SESSION_KEY, None)
        flash(_("This session has ended; please log in again."), "info")
        return redirect(url_for("auth.login"))
    flash(_("The session has ended."), "success")
    return redirect(url_for("auth.sessions"))


@bp.route("/logout", methods=["POST"])
@public
def logout():
    accounts.logout(session.get(SESSION_KEY))
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@authenticated
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data,
                                     keep_token=session.get(SESSION_KEY))
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            flash(_("Your password has been changed; your other sessions have ended."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)
