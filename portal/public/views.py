"""Landing page and `/healthz` (stable contract: 200 {"status": "ok", "database": "ok"})."""
from __future__ import annotations

from flask import jsonify, redirect, render_template, url_for
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
