"""Landing page and `/healthz` (stable contract: 200 {"status": "ok", "database": "ok"})."""
from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, send_from_directory, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.extensions import db
from portal.public.blueprint import bp
from portal.web.permissions import public


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return render_template("public/index.html")


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; the file lives with the static files."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # any driver error means the database is not usable
        db.session.rollback()
        database = "error"
    body = {"status": "ok" if database == "ok" else "degraded", "database": database}
    return jsonify(body), 200 if database == "ok" else 503
