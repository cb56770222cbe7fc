"""Thin views: SSO start/return/link, the platform callback endpoint, the integration admin page."""
from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from portal.auth import accounts
from portal.auth.sessions import SESSION_KEY
from portal.core.msgids import N_
from portal.core.pagination import paginate
from portal.extensions import csrf
from portal.home import panels
from portal.home.panels import Panel
from portal.integrations import callbacks, gov_client, outbox_worker, sso
from portal.integrations.blueprint import bp
from portal.integrations.forms import LinkAccountForm
from portal.web.i18n import translate
from portal.web.params import int_arg
from portal.web.permissions import public, roles
from portal.web.throttle import per_address

BINDING_KEY = "sso_binding"
PENDING_KEY = "sso_pending"


def _return_uri() -> str:
    return url_for("integrations.sso_callback", _external=True)


def _start_session(result: accounts.LoginResult):
    """Exactly what the password login does: a fresh session id, the server-side session, Flask-Login."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[SESSION_KEY] = result.session_token
    login_user(result.user)
    if result.user.must_change_password:
        flash(_("Please choose a new password before you continue."), "warning")
        return redirect(url_for("auth.change_password"))
    if not sso.can_submit_filings(result.user):
        flash(_("Your government-services account is verified below real-name level 3: you may look "
                "around but cannot submit filings until you raise your verification level."), "warning")
    return redirect(url_for("home.index"))


def _sso_error(message: str):
    return render_template("integrations/sso_error.html", message=message), 400


@bp.route("/auth/gov/start")
@public
def sso_start():
    binding = session.get(BINDING_KEY)
    if not binding:
        binding = session[BINDING_KEY] = secrets.token_urlsafe(24)
    url = sso.begin(binding, _return_uri())
    if current_app.config.get("GOV_MODE") == "fake":
        # The fake platform has no sign-in page of its own: the portal plays it (never in production).
        return redirect(url_for("integrations.sso_fake_authorize", **parse_qs_single(urlsplit(url).query)))
    return redirect(url)


def parse_qs_single(query: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(query).items()}


@bp.route("/auth/gov/fake-authorize")
@public
def sso_fake_authorize():
    if current_app.config.get("GOV_MODE") != "fake" or current_app.config.get("ENV_NAME") == "production":
        abort(404)
    state = request.args.get("state", "")
    redirect_uri = request.args.get("redirect_uri", "")
    if redirect_uri != _return_uri():
        abort(400)
    fake = gov_client.fake_platform()
    user_id = request.args.get("user", "")
    if user_id and fake.get_user(user_id) is not None:
        ticket = fake.mint_ticket(user_id, redirect_uri)
        return redirect(url_for("integrations.sso_callback", ticket=ticket, state=state))
    return render_template("integrations/fake_authorize.html", users=fake.users(), state=state,
                           redirect_uri=redirect_uri)


@bp.route("/auth/gov/return")
@public
def sso_callback():
    try:
        outcome = sso.complete(request.args.get("state", ""), request.args.get("ticket", ""),
                               session.get(BINDING_KEY), _return_uri(), ip=request.remote_addr,
                               user_agent=request.headers.get("User-Agent"))
    except sso.SsoError as exc:
        return _sso_error(translate(exc.message))
    except accounts.LoginFailed as exc:
        return _sso_error(translate(str(exc)))
    finally:
        session.pop(BINDING_KEY, None)
    if outcome.login is not None:
        return _start_session(outcome.login)
    session[PENDING_KEY] = outcome.pending.as_dict()
    return redirect(url_for("integrations.sso_link"))


@bp.route("/auth/gov/link", methods=["GET", "POST"])
@public
def sso_link():
    data = session.get(PENDING_KEY)
    pending = sso.PendingLink(**data) if isinstance(data, dict) else None
    if pending is None or pending.expired:
        session.pop(PENDING_KEY, None)
        return _sso_error(translate(sso.BAD_STATE))
    form = LinkAccountForm()
    if form.validate_on_submit():
        try:
            result = sso.link(pending, form.username.data, form.password.data, ip=request.remote_addr,
                              user_agent=request.headers.get("User-Agent"))
        except accounts.LoginFailed as exc:
            form.password.errors.append(translate(str(exc)))
        except sso.SsoError as exc:
            form.form_errors.append(translate(exc.message))
        else:
            flash(_("Your government-services account is now linked to this portal account."), "success")
            return _start_session(result)
    return render_template("integrations/sso_link.html", form=form, pending=pending)


@bp.route("/integrations/gov/callback", methods=["POST"])
@public
@per_address("RATELIMIT_GOV_CALLBACK")
@csrf.exempt
def gov_callback():
    result = callbacks.handle(request.method, request.script_root + request.path,
                              request.query_string.decode("latin-1"), request.get_data(cache=True),
                              request.headers)
    response = jsonify(result.body)
    response.status_code = result.status
    return response


@bp.route("/integrations/")
@roles("sysadmin")
def index():
    health = gov_client.health_snapshot()
    queue = outbox_worker.summary()
    dead = paginate(outbox_worker.dead_letters(), int_arg("page", 1))
    return render_template("integrations/index.html", health=health, queue=queue, dead=dead,
                           max_attempts=current_app.config.get("OUTBOX_MAX_ATTEMPTS"))


@bp.route("/integrations/outbox/<int:message_id>/replay", methods=["POST"])
@roles("sysadmin")
def replay(message_id: int):
    outbox_worker.replay(message_id)
    flash(_("The message is queued again and will be delivered by the worker."), "success")
    return redirect(url_for("integrations.index"))


@panels.register
def integration_panel(user) -> list[Panel]:
    """The system administrator's home page: queue depth, dead letters and the circuit, no platform call."""
    if not user.has_role("sysadmin"):
        return []
    queue = outbox_worker.summary(error_limit=0)
    link = url_for("integrations.index")
    state = gov_client.breaker().state if current_app.config.get("GOV_MODE") == "http" else "closed"
    return [Panel(_("Government-services platform"), [
        (_("Messages waiting"), queue.pending, link),
        (_("Dead letters"), queue.dead, link),
        (_("Circuit breaker"), _(STATE_LABELS[state]), link),
    ])]


STATE_LABELS = {"closed": N_("Closed: calls are sent"), "open": N_("Open: calls are not sent"),
                "half_open": N_("Half-open: one trial call")}
