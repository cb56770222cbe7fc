"""Thin views: form → accounts service → redirect."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import accounts
from portal.auth.blueprint import bp
from portal.auth.forms import ChangePasswordForm, LoginForm
from portal.auth.sessions import SESSION_KEY
from portal.core.errors import ValidationFailed
from portal.web.forms import apply_service_errors
from portal.web.i18n import translate
from portal.web.permissions import authenticated, public
from portal.web.redirects import redirect_next
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
        lang = session.get("lang")
        session.clear()  # a fresh session (and id) at login: no fixation
        if lang:
            session["lang"] = lang
        session[SESSION_KEY] = result.session_token
        login_user(result.user)
        if result.user.must_change_password:
            flash(_("Please choose a new password before you continue."), "warning")
            return redirect(url_for("auth.change_password"))
        return redirect_next(request.args.get("next"), "home.index")
    return render_template("auth/login.html", form=form)


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
