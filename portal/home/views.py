"""Home page per role (areas contribute panels through `portal.home.panels`) and the inbox."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.core import inbox
from portal.core.models import Notification
from portal.core.pagination import paginate
from portal.extensions import db
from portal.home.blueprint import bp
from portal.home.panels import panels_for
from portal.web.params import int_arg
from portal.web.permissions import authenticated
from portal.web.redirects import redirect_next


@bp.route("/")
@authenticated
def index():
    return render_template("home/index.html", panels=panels_for(current_user))


@bp.route("/inbox")
@authenticated
def inbox_list():
    query = (
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    unread = request.args.get("unread") == "1"
    if unread:
        query = query.where(Notification.read_at.is_(None))
    page = paginate(query, int_arg("page", 1), count_key=("inbox", current_user.id, unread))
    return render_template("home/inbox.html", page=page)


@bp.route("/inbox/read", methods=["POST"])
@authenticated
def inbox_read():
    notification_id = int_arg("id", source=request.form)
    inbox.mark_read(current_user.id, notification_id)
    if notification_id is None:
        flash(_("All messages are marked as read."), "success")
        return redirect(url_for("home.inbox_list"))
    note = db.session.get(Notification, notification_id)
    if note is not None and note.user_id == current_user.id:
        return redirect_next(note.link, "home.inbox_list")
    return redirect(url_for("home.inbox_list"))
